import Crypto
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// A malformed source line kept in `amazon.sync_quarantine`.
public struct QuarantinedLine: Sendable, Equatable, Codable {
    public let lineNumber: Int
    public let reason: String
    public let rawLine: String
}

/// What one merge changed.
public struct MergeCounts: Sendable, Equatable, Codable {
    public var staged = 0
    public var inserted = 0
    public var updated = 0
    public var quarantined = 0

    static func + (lhs: MergeCounts, rhs: MergeCounts) -> MergeCounts {
        MergeCounts(staged: lhs.staged + rhs.staged, inserted: lhs.inserted + rhs.inserted,
                    updated: lhs.updated + rhs.updated, quarantined: lhs.quarantined + rhs.quarantined)
    }
}

/// Rows in PostgreSQL's COPY text format, built straight into a buffer (no per-field strings
/// beyond the values themselves), so a 2-million-row file streams at COPY speed.
struct CopyTextEncoder {
    var buffer = ByteBufferAllocator().buffer(capacity: 1 << 20)

    /// Appends values, each followed by a tab; `endRow` ends the row. The values are written in
    /// one reservation of the buffer (a write per field cost more than the fields).
    mutating func append(_ fields: [String?]) {
        // Room for the worst case: every byte escaped into two, or `\N`, and a tab.
        var capacity = 0
        for field in fields { capacity += 2 * (field?.utf8.count ?? 1) + 1 }
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: capacity) { output in
            var written = 0
            for field in fields { written += Self.write(field, into: UnsafeMutableRawBufferPointer(rebasing: output[written...])) }
            return written
        }
    }

    /// Appends one value followed by a tab.
    mutating func append(_ field: String) {
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 2 * field.utf8.count + 1) { Self.write(field, into: $0) }
    }

    /// Ends the row with its sequence number, the last column.
    mutating func endRow(sequence: Int) {
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 24) { output in
            let written = Self.writeDecimal(sequence, into: output)
            output[written] = UInt8(ascii: "\n")
            return written + 1
        }
    }

    /// Writes a value (`\N` for NULL) and a tab; returns the bytes written.
    private static func write(_ field: String?, into output: UnsafeMutableRawBufferPointer) -> Int {
        var written = 2
        if var field {
            written = field.withUTF8 { escape($0, into: output) }
        } else {
            output[0] = UInt8(ascii: "\\")
            output[1] = UInt8(ascii: "N")
        }
        output[written] = UInt8(ascii: "\t")
        return written + 1
    }

    /// Writes `value` escaped for COPY text (backslash, tab, LF, CR); returns the bytes written.
    private static func escape(_ value: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableRawBufferPointer) -> Int {
        // Fast path: nothing to escape (almost every field), one scan and one copy.
        guard value.contains(where: { $0 == 0x5C || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) else {
            output.copyMemory(from: UnsafeRawBufferPointer(value))
            return value.count
        }
        var written = 0
        for byte in value {
            let escaped: UInt8? = switch byte {
            case 0x5C: UInt8(ascii: "\\")
            case 0x09: UInt8(ascii: "t")
            case 0x0A: UInt8(ascii: "n")
            case 0x0D: UInt8(ascii: "r")
            default: nil
            }
            if let escaped {
                output[written] = UInt8(ascii: "\\")
                output[written + 1] = escaped
                written += 2
            } else {
                output[written] = byte
                written += 1
            }
        }
        return written
    }

    /// Writes a non-negative integer in decimal; returns the bytes written.
    private static func writeDecimal(_ value: Int, into output: UnsafeMutableRawBufferPointer) -> Int {
        var digits = 1, rest = value / 10
        while rest > 0 { digits += 1; rest /= 10 }
        var remaining = value
        for index in stride(from: digits - 1, through: 0, by: -1) {
            output[index] = UInt8(ascii: "0") + UInt8(remaining % 10)
            remaining /= 10
        }
        return digits
    }
}

/// An event's key: the MD5 (hex) of its identity values as text, joined by U+001F, NULL spelled
/// `\N` (so (a, NULL) ≠ (NULL, a)). Hashed in SQL from the stored values, or while staging from
/// the staged text where a table's sources give PostgreSQL's own text form (`eventKeyWhileStaging`).
enum EventKey {
    /// The key of the row in SQL, from the columns of `table.identity`.
    static func sql(_ table: AmazonTable) -> String {
        "md5(concat_ws(chr(31), " + table.identity.map { "coalesce(\($0)::text, '\\N')" }.joined(separator: ", ") + "))"
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// The key of a staged row whose identity values are at `positions`; `text` is scratch
    /// space kept between rows.
    static func hash(_ row: [String?], at positions: [Int], text: inout [UInt8]) -> String {
        text.removeAll(keepingCapacity: true)
        for (index, position) in positions.enumerated() {
            if index > 0 { text.append(0x1F) }
            if var value = row[position] {
                value.withUTF8 { text.append(contentsOf: $0) }
            } else {
                text.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "N")])
            }
        }
        let digest = Insecure.MD5.hash(data: text)
        return String(unsafeUninitializedCapacity: 2 * Insecure.MD5.byteCount) { output in
            var written = 0
            for byte in digest {
                output[written] = hexDigits[Int(byte >> 4)]
                output[written + 1] = hexDigits[Int(byte & 0x0F)]
                written += 2
            }
            return written
        }
    }
}

/// Loads one run's rows inside ONE transaction: each table's rows are COPied into a temporary
/// staging table (dropped at commit), then merged into the `amazon` table. Nothing reaches the
/// real tables until `merge()`, and nothing is visible to anyone until the caller's transaction
/// commits, so a download that breaks half way leaves no trace: the transaction rolls back and
/// the staging tables go with it.
///
/// Not Sendable on purpose: it lives inside one `withTransaction` closure.
final class StagingSession {
    let connection: PostgresConnection
    let logger: Logger
    let tenantID: UUID
    let connectionID: UUID
    let runID: UUID
    let dataset: String
    private var staged: [AmazonTable: StagedRows] = [:]
    private var sequence = 0
    private(set) var quarantine: [QuarantinedLine] = []
    private(set) var quarantinedCount = 0
    /// Malformed lines beyond this many are counted but their text is not kept (a wrong file
    /// would otherwise copy itself into the quarantine).
    static let quarantineTextLimit = 10_000

    /// What went into one table's stage.
    struct StagedRows {
        var count = 0
        var marketplaces: Set<String> = []
    }

    init(connection: PostgresConnection, logger: Logger, tenantID: UUID, connectionID: UUID, runID: UUID, dataset: String) {
        self.connection = connection
        self.logger = logger
        self.tenantID = tenantID
        self.connectionID = connectionID
        self.runID = runID
        self.dataset = dataset
    }

    static func stageName(_ table: AmazonTable) -> String { "stage_" + table.name }

    /// What a stage holds besides the source's values: the event key when the loader hashes it,
    /// then each row's position in the load.
    static func loaderColumns(_ table: AmazonTable) -> [(name: String, type: String)] {
        (table.eventKeyWhileStaging ? [("event_key", "text")] : []) + [("stage_seq", "bigint")]
    }

    private func ensureStage(_ table: AmazonTable) async throws {
        guard staged[table] == nil else { return }
        let columns = table.stagedColumns.joined(separator: ", ")
        try await connection.query("""
            CREATE TEMP TABLE \(unescaped: Self.stageName(table)) ON COMMIT DROP AS
            SELECT \(unescaped: columns) FROM amazon.\(unescaped: table.name) WITH NO DATA
            """, logger: logger)
        let added = Self.loaderColumns(table).map { "ADD COLUMN \($0.name) \($0.type) NOT NULL" }.joined(separator: ", ")
        try await connection.query("ALTER TABLE \(unescaped: Self.stageName(table)) \(unescaped: added)", logger: logger)
        staged[table] = StagedRows()
    }

    /// COPies a batch of rows (values in `table.stagedColumns` order) into the table's stage.
    func stage(_ table: AmazonTable, rows: [[String?]]) async throws {
        guard !rows.isEmpty else { return }
        try await stageStream(table) { sink in
            for row in rows { try await sink.append(row) }
        }
    }

    /// COPies rows as `produce` hands them over, flushing every 256 KiB: memory stays flat
    /// whatever the size of the source.
    func stageStream(_ table: AmazonTable, _ produce: (RowSink) async throws -> Void) async throws {
        try await ensureStage(table)
        let startSequence = sequence
        var sink: RowSink?
        try await connection.copyFrom(table: Self.stageName(table), columns: table.stagedColumns + Self.loaderColumns(table).map(\.name),
                                      logger: logger) { writer in
            let rows = RowSink(writer: writer, table: table, startSequence: startSequence)
            try await produce(rows)
            try await rows.flush()
            sink = rows
        }
        guard let sink else { return }
        sequence = sink.sequence
        staged[table, default: StagedRows()].count += sink.count
        staged[table, default: StagedRows()].marketplaces.formUnion(sink.marketplaces)
    }

    /// Keeps a malformed line for the quarantine table.
    func quarantine(line: Int, reason: String, raw: String) {
        quarantinedCount += 1
        if quarantine.count < Self.quarantineTextLimit {
            quarantine.append(QuarantinedLine(lineNumber: line, reason: reason, rawLine: raw))
        }
    }

    /// Merges every staged table into its `amazon` table and writes the quarantine.
    func merge() async throws -> MergeCounts {
        var counts = MergeCounts()
        // The merge sorts each stage once (occurrence numbers, de-duplication): in memory, not on disk.
        try await connection.query("SET LOCAL work_mem = '256MB'", logger: logger)
        // Always in the same order: each merge takes its table's lock until commit, and two
        // sessions taking two locks in opposite orders would deadlock.
        for (table, rows) in staged.sorted(by: { $0.key.name < $1.key.name }) {
            counts = counts + (try await merge(table, rows))
        }
        if !quarantine.isEmpty {
            let lines = quarantine.map { Int32(clamping: $0.lineNumber) }
            let reasons = quarantine.map(\.reason)
            let raws = quarantine.map { $0.rawLine.replacingOccurrences(of: "\u{0}", with: "") }
            try await connection.query("""
                INSERT INTO amazon.sync_quarantine (tenant_id, connection_id, run_id, dataset, line_number, reason, raw_line)
                SELECT \(tenantID), \(connectionID), \(runID), \(dataset), l, r, w
                FROM unnest(\(lines)::integer[], \(reasons)::text[], \(raws)::text[]) AS q(l, r, w)
                """, logger: logger)
        }
        counts.quarantined = quarantinedCount
        staged.removeAll()
        return counts
    }

    /// Merges one stage. Without `ON CONFLICT`, which cost more than the inserts themselves: a
    /// first load (the target holds nothing of these marketplaces for this connection, so every
    /// row is new) is one plain `INSERT … SELECT`; any later load updates the rows that changed,
    /// then inserts the rows that are new.
    ///
    /// Event tables key on `event_key` (see `EventKey`) and `occurrence`, the n-th identical row
    /// of this load in source order, so identical rows stay separate rows and the same window
    /// loaded again finds them. In tables with a natural key, a key may repeat within one source (a corrected line): the
    /// last one wins. Volatile columns are stored but do not count as a change, and an unchanged
    /// row is not rewritten.
    private func merge(_ table: AmazonTable, _ rows: StagedRows) async throws -> MergeCounts {
        let stage = Self.stageName(table)
        let target = "amazon." + table.name
        // Loads of one connection's table take turns, so that "nothing there yet" still holds
        // when the plain insert runs (ON CONFLICT used to settle such races row by row).
        try await connection.query("""
            SELECT pg_advisory_xact_lock(hashtextextended(\(target + ":" + connectionID.uuidString), 0))
            """, logger: logger)
        let loadedBefore = try await connection.query("""
            SELECT EXISTS (SELECT 1 FROM \(unescaped: target)
                           WHERE connection_id = \(connectionID) AND marketplace_id = ANY(\(Array(rows.marketplaces))))
            """, logger: logger)
        var firstLoad = true
        for try await exists in loadedBefore.decode(Bool.self) { firstLoad = !exists }

        let key = ["marketplace_id"] + table.key
        let columns = key + table.columns
        let latest: String
        if table.isEventTable {
            let keyed = table.eventKeyWhileStaging ? stage : "(SELECT s.*, \(EventKey.sql(table)) AS event_key FROM \(stage) s)"
            // The key first and in byte order (it is hex): the sort then compares abbreviated
            // keys, which PostgreSQL does not use for text in a libc collation, and the target's
            // unique index receives the rows in its own order.
            latest = """
                SELECT keyed.*, row_number() OVER (PARTITION BY event_key COLLATE "C", marketplace_id ORDER BY stage_seq) AS occurrence
                FROM \(keyed) keyed
                """
        } else {
            let naturalKey = key.joined(separator: ", ")
            latest = "SELECT DISTINCT ON (\(naturalKey)) * FROM \(stage) ORDER BY \(naturalKey), stage_seq DESC"
        }
        let insert = """
            INSERT INTO \(target) (tenant_id, connection_id, \(columns.joined(separator: ", ")), first_run_id, last_run_id)
            SELECT $1, $2, \(columns.joined(separator: ", ")), $3, $3 FROM latest
            """
        var bindings = PostgresBindings(capacity: 3)
        bindings.append(tenantID)
        bindings.append(connectionID)
        bindings.append(runID)
        var counts = MergeCounts(staged: rows.count)
        if firstLoad {
            // The command tag counts the rows (the future-returning query is the API that hands it over).
            let inserted: EventLoopFuture<PostgresQueryResult> = connection.query(
                PostgresQuery(unsafeSQL: "WITH latest AS (\(latest)) \(insert)", binds: bindings), logger: logger)
            counts.inserted = try await inserted.get().metadata.rows ?? 0
        } else {
            let sameKey = (["target.connection_id = $2"] + key.map { "target.\($0) = latest.\($0)" }).joined(separator: " AND ")
            let compared = table.columns.filter { !table.volatile.contains($0) }
            let changed = compared.isEmpty ? "false" :
                "(\(compared.map { "target.\($0)" }.joined(separator: ", ")), NULL) IS DISTINCT FROM (\(compared.map { "latest.\($0)" }.joined(separator: ", ")), NULL)"
            let assignments = (table.columns.map { "\($0) = latest.\($0)" } + ["last_run_id = $3", "updated_at = now()"]).joined(separator: ", ")
            // Both statements see the table as it was before this one: the insert skips exactly
            // the rows that were there, updated or not.
            let sql = """
                WITH latest AS MATERIALIZED (\(latest)),
                updated AS (UPDATE \(target) AS target SET \(assignments) FROM latest
                            WHERE \(sameKey) AND \(changed)
                            RETURNING 1),
                inserted AS (\(insert) WHERE NOT EXISTS (SELECT 1 FROM \(target) AS target WHERE \(sameKey))
                             RETURNING 1)
                SELECT (SELECT count(*) FROM inserted), (SELECT count(*) FROM updated)
                """
            let result = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
            for try await (inserted, updated) in result.decode((Int64, Int64).self) {
                counts.inserted = Int(inserted)
                counts.updated = Int(updated)
            }
        }
        try await connection.query("DROP TABLE \(unescaped: stage)", logger: logger)
        return counts
    }
}

/// Where a source hands its rows during `stageStream`.
final class RowSink {
    let writer: PostgresCopyFromWriter
    let width: Int
    /// Positions of the identity values in a row, for a table whose event keys are hashed here.
    private let identity: [Int]?
    private var encoder = CopyTextEncoder()
    private var keyText: [UInt8] = []
    private(set) var sequence: Int
    private(set) var count = 0
    /// The marketplaces of the rows (always the first staged column).
    private(set) var marketplaces: Set<String> = []
    private var lastMarketplace: String?

    init(writer: PostgresCopyFromWriter, table: AmazonTable, startSequence: Int) {
        self.writer = writer
        self.width = table.stagedColumns.count
        self.identity = table.eventKeyWhileStaging ? table.identity.compactMap { table.stagedColumns.firstIndex(of: $0) } : nil
        self.sequence = startSequence
    }

    func append(_ row: [String?]) async throws {
        guard row.count == width else { throw LoadError.rowWidth(expected: width, got: row.count) }
        if let marketplace = row[0], marketplace != lastMarketplace {
            marketplaces.insert(marketplace)
            lastMarketplace = marketplace
        }
        sequence += 1
        count += 1
        encoder.append(row)
        if let identity { encoder.append(EventKey.hash(row, at: identity, text: &keyText)) }
        encoder.endRow(sequence: sequence)
        if encoder.buffer.readableBytes >= 256 << 10 { try await flush() }
    }

    func flush() async throws {
        guard encoder.buffer.readableBytes > 0 else { return }
        try await writer.write(encoder.buffer)
        encoder.buffer.clear()
    }
}
