import Foundation
import Logging
import OpsidePostgres
import PostgresNIO

/// The rows of one `amazon` table that match some filters, in a fixed total order, read a page
/// at a time: memory stays one page however many millions of rows match.
///
/// Each page is its own read-only, tenant-scoped transaction (`withReadOnlyTransaction`) that
/// continues after the last row of the previous page (keyset paging on the ordering columns, which
/// end with the table's unique key), so no connection or transaction stays open while the caller
/// works on a page. Rows inserted or changed by a sync while the stream is read show up if they
/// sort after the current position, as with any paged read.
public struct AmazonRecordStream<Record: AmazonRecord>: AsyncSequence, Sendable {
    public typealias Element = Record

    let database: Database
    let tenant: UUID
    let query: AmazonPageQuery

    public func makeAsyncIterator() -> Iterator {
        Iterator(database: database, tenant: tenant, query: query)
    }

    /// Reads every matching row into an array: for the small tables (a seller's listings,
    /// shipments, fees), not for the ledger.
    public func collect() async throws -> [Record] {
        var records: [Record] = []
        for try await record in self { records.append(record) }
        return records
    }

    public struct Iterator: AsyncIteratorProtocol {
        let database: Database
        let tenant: UUID
        let query: AmazonPageQuery
        var page: [Record] = []
        var position = 0
        /// The ordering columns' values (as text) of the last row read; nil before the first page.
        var cursor: [String]?
        var finished = false

        init(database: Database, tenant: UUID, query: AmazonPageQuery) {
            self.database = database
            self.tenant = tenant
            self.query = query
        }

        public mutating func next() async throws -> Record? {
            if position == page.count {
                if finished { return nil }
                try await readPage()
                if page.isEmpty { return nil }
            }
            defer { position += 1 }
            return page[position]
        }

        private mutating func readPage() async throws {
            let statement = try query.statement(after: cursor)
            let logger = database.logger
            let ordering = query.ordering.count
            let size = query.pageSize
            let (records, last): ([Record], [String]?) = try await database.withReadOnlyTransaction(tenant: tenant) { connection in
                let rows = try await connection.query(statement, logger: logger)
                var records: [Record] = []
                records.reserveCapacity(size)
                var last: [String]?
                for try await row in rows {
                    let values = row.makeRandomAccess()
                    records.append(try Record(AmazonRecordValues(row: values)))
                    last = try (0..<ordering).map { try values["cursor_\($0)"].decode(String.self) }
                }
                return (records, last)
            }
            page = records
            position = 0
            cursor = last ?? cursor
            finished = records.count < size
        }
    }
}

/// The SQL of one page: the record's columns, the filters, and the keyset continuation.
struct AmazonPageQuery: Sendable {
    let table: AmazonTable
    let filters: [AmazonFilter]
    /// Columns giving a total order; they end with the table's unique key.
    let ordering: [String]
    let pageSize: Int

    /// - Throws: `AmazonDataError` for a column the table lacks or a filter of the wrong kind.
    init(table: AmazonTable, filters: [AmazonFilter], leadingOrder: [String], pageSize: Int) throws {
        precondition(pageSize > 0, "a page holds at least one row")
        for filter in filters {
            let (name, type) = filter.column
            guard let column = table.column(name) else { throw AmazonDataError.unknownColumn(table: table.name, column: name) }
            if let type, column.type != type {
                throw AmazonDataError.filterType(table: table.name, column: name, expected: type.rawValue)
            }
        }
        for name in leadingOrder where table.column(name) == nil {
            throw AmazonDataError.unknownColumn(table: table.name, column: name)
        }
        // The unique key is (connection_id, marketplace_id, [chunk day], key...): with it at the
        // end, the order is total whatever leads it.
        let unique = ["connection_id", "marketplace_id"] + (table.chunkDay.map { [$0] } ?? []) + table.key
        var ordering = leadingOrder
        for name in unique where !ordering.contains(name) { ordering.append(name) }
        self.table = table
        self.filters = filters
        self.ordering = ordering
        self.pageSize = pageSize
    }

    /// The page after `cursor` (the ordering values of the last row read), or the first page.
    func statement(after cursor: [String]?) throws -> PostgresQuery {
        var binds = PostgresBindings()
        var conditions: [String] = []
        func parameter() -> String { "$\(binds.count)" }
        for filter in filters {
            switch filter {
            case .connection(let id):
                binds.append(id)
                conditions.append("connection_id = \(parameter())")
            case .marketplace(let id):
                binds.append(id)
                conditions.append("marketplace_id = \(parameter())")
            case .equals(let column, let value):
                binds.append(value)
                conditions.append("\"\(column)\" = \(parameter())")
            case .onOrAfter(let column, let day):
                binds.append(Int32(day.daysSince1970))
                conditions.append("\"\(column)\" >= DATE '1970-01-01' + \(parameter())")
            case .onOrBefore(let column, let day):
                binds.append(Int32(day.daysSince1970))
                conditions.append("\"\(column)\" <= DATE '1970-01-01' + \(parameter())")
            case .atOrAfter(let column, let instant):
                binds.append(instant)
                conditions.append("\"\(column)\" >= \(parameter())")
            case .before(let column, let instant):
                binds.append(instant)
                conditions.append("\"\(column)\" < \(parameter())")
            }
        }
        let ordered = ordering.map { "\"\($0)\"" }.joined(separator: ", ")
        if let cursor {
            // The last row's values come back as text; each is cast to its column's type, so the
            // comparison is the column's own (and an index on the ordering can serve it).
            var placeholders: [String] = []
            for (name, value) in zip(ordering, cursor) {
                binds.append(value)
                placeholders.append("\(parameter())::\(table.column(name)!.type.rawValue)")
            }
            conditions.append("(\(ordered)) > (\(placeholders.joined(separator: ", ")))")
        }
        let cursorColumns = ordering.enumerated().map { "\"\($0.element)\"::text AS cursor_\($0.offset)" }.joined(separator: ", ")
        let sql = """
            SELECT \(AmazonRecordValues.selectList(for: table)), \(cursorColumns)
            FROM amazon."\(table.name)"\(conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND "))
            ORDER BY \(ordered) LIMIT \(pageSize)
            """
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }
}
