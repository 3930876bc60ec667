import Foundation
import InventorySync
import OpsideCore
import OpsideJobs
import OpsidePostgres
import OpsideTesting
import Testing

/// How a load merges into the `amazon` tables: a first load (nothing of the marketplace there
/// yet) and any later load must store the same rows and report the same counts, a load of
/// unchanged data must change nothing, identical source lines must stay separate rows.
@Suite(.serialized) struct InventorySyncMergeTests {
    static let marketplace = "ATVPDKIKX0DER"
    static let ledgerHeader = ["Date", "FNSKU", "ASIN", "MSKU", "Title", "Event Type", "Reference ID", "Quantity", "Fulfillment Center",
                               "Disposition", "Reason", "Country", "Reconciled Quantity", "Unreconciled Quantity", "Date and Time"]
    /// What identifies a stored ledger row and what it holds, without what differs by connection or run.
    static let ledgerColumns = """
        event_key, occurrence, event_date, event_at, fnsku, asin, msku, title, event_type, reference_id, quantity,
        fulfillment_center, disposition, reason, country, reconciled_quantity, unreconciled_quantity, marketplace_id
        """

    /// One ledger line: `index` makes it unique, `title` is a column outside the event's identity.
    static func ledgerLine(_ index: Int, title: String = "Widget", quantity: Int = -1) -> [String] {
        let minute = String(format: "%02d", index % 60)
        return ["2024-03-0\(1 + index % 9)", "X00FNSKU\(index % 7)", "B0ASIN\(index % 7)", "SKU-\(index % 7)", title, "Shipments",
                "REF-\(index)", String(quantity), "PHX7", "SELLABLE", "", "US", "", "", "2024-03-0\(1 + index % 9)T10:\(minute):00Z"]
    }

    /// The ledger lines every test starts from: 40 distinct events, then the first one twice
    /// more (an event that really happened three times).
    static let ledgerLines = (0..<40).map { ledgerLine($0) } + [ledgerLine(0), ledgerLine(0)]

    static func write(_ header: [String], _ lines: [[String]]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("merge-\(UUID().uuidString).txt").path
        let text = ([header] + lines).map { $0.joined(separator: "\t") }.joined(separator: "\n") + "\n"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Imports files as one tenant through inventory-sync's own role, on a migrated database.
    struct Importer: Sendable {
        let database: TestDatabase
        let tenant = UUID()

        static func make() async throws -> Importer {
            let importer = Importer(database: try await TestDatabase.create())
            try await importer.withDatabase { database in
                for migrator in [try PlatformMigrations.migrator()] + (try InventorySyncService.migrators()) {
                    try await migrator.apply(on: database)
                }
            }
            return importer
        }

        func withDatabase<T: Sendable>(_ body: @Sendable (Database) async throws -> T) async throws -> T {
            let database = Database(settings: self.database.settings(for: .inventorySync), logger: TestEnvironment.logger)
            return try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask { await database.client.run(); return nil }
                defer { group.cancelAll() }
                return try await body(database)
            }
        }

        func load(_ header: [String], _ lines: [[String]], into connection: UUID,
                  marketplace: String = InventorySyncMergeTests.marketplace) async throws -> ImportResult {
            let path = try InventorySyncMergeTests.write(header, lines)
            defer { try? FileManager.default.removeItem(atPath: path) }
            let tenant = self.tenant
            return try await withDatabase { database in
                try await ReportImporter(database: database, logger: TestEnvironment.logger)
                    .importFile(path: path, tenantID: tenant, connectionID: connection, marketplaceID: marketplace)
            }
        }

        /// A connection's rows of `table` as text, sorted; only those a run inserted when given.
        func rows(_ table: String, _ connection: UUID, columns: String, insertedBy run: UUID? = nil) async throws -> [String] {
            let insertedBy = run.map { " AND first_run_id = '\($0)'" } ?? ""
            return try await database.strings("""
                SELECT concat_ws('|', \(columns)) FROM amazon.\(table) WHERE connection_id = '\(connection)'\(insertedBy)
                """).sorted()
        }
    }

    @Test func firstLoadAndLaterLoadStoreTheSameRowsAndCounts() async throws {
        let importer = try await Importer.make()
        let fresh = UUID(), loadedBefore = UUID()

        // A connection with nothing loaded yet.
        let first = try await importer.load(Self.ledgerHeader, Self.ledgerLines, into: fresh)
        #expect((first.rowsLoaded, first.rowsInserted, first.rowsUpdated) == (42, 42, 0))

        // A connection holding other events of the same marketplace, loading the same file.
        let earlier = try await importer.load(Self.ledgerHeader, (100..<103).map { Self.ledgerLine($0) }, into: loadedBefore)
        #expect(earlier.rowsInserted == 3)
        let later = try await importer.load(Self.ledgerHeader, Self.ledgerLines, into: loadedBefore)
        #expect((later.rowsLoaded, later.rowsInserted, later.rowsUpdated) == (42, 42, 0))

        let firstRows = try await importer.rows("ledger_detail", fresh, columns: Self.ledgerColumns)
        let laterRows = try await importer.rows("ledger_detail", loadedBefore, columns: Self.ledgerColumns, insertedBy: later.runId)
        #expect(firstRows.count == 42)
        #expect(laterRows == firstRows)

        // The event that happened three times is three rows: occurrences 1, 2 and 3 of one key.
        for connection in [fresh, loadedBefore] {
            let occurrences = try await importer.database.strings("""
                SELECT string_agg(occurrence::text, ',' ORDER BY occurrence) FROM amazon.ledger_detail
                WHERE connection_id = '\(connection)' AND reference_id = 'REF-0' GROUP BY event_key
                """)
            #expect(occurrences == ["1,2,3"])
        }
    }

    @Test func loadingUnchangedDataAgainChangesNothing() async throws {
        let importer = try await Importer.make()
        let connection = UUID()
        let first = try await importer.load(Self.ledgerHeader, Self.ledgerLines, into: connection)
        let before = try await importer.rows("ledger_detail", connection, columns: Self.ledgerColumns + ", last_run_id, updated_at")

        let again = try await importer.load(Self.ledgerHeader, Self.ledgerLines, into: connection)
        #expect((again.rowsLoaded, again.rowsInserted, again.rowsUpdated) == (42, 0, 0))
        // Not rewritten either: the rows still name the first run as the last to change them.
        #expect(try await importer.rows("ledger_detail", connection, columns: Self.ledgerColumns + ", last_run_id, updated_at") == before)
        #expect(try await importer.database.count("""
            SELECT count(*) FROM amazon.ledger_detail WHERE connection_id = '\(connection)' AND last_run_id = '\(first.runId)'
            """) == 42)
    }

    @Test func aLaterLoadUpdatesChangedRowsAndInsertsNewOnes() async throws {
        let importer = try await Importer.make()
        let connection = UUID()
        _ = try await importer.load(Self.ledgerHeader, Self.ledgerLines, into: connection)

        // Line 5 now has another title (not part of the event's identity), one more copy of the
        // thrice-seen event arrived, and two new events.
        var lines = Self.ledgerLines
        lines[5] = Self.ledgerLine(5, title: "Widget, renamed")
        lines += [Self.ledgerLine(0), Self.ledgerLine(200), Self.ledgerLine(201)]
        let second = try await importer.load(Self.ledgerHeader, lines, into: connection)
        #expect((second.rowsLoaded, second.rowsInserted, second.rowsUpdated) == (45, 3, 1))

        let renamed = try await importer.database.strings("""
            SELECT title || ' ' || (last_run_id = '\(second.runId)')::text FROM amazon.ledger_detail
            WHERE connection_id = '\(connection)' AND reference_id = 'REF-5'
            """)
        #expect(renamed == ["Widget, renamed true"])
        #expect(try await importer.database.count("""
            SELECT max(occurrence) FROM amazon.ledger_detail WHERE connection_id = '\(connection)' AND reference_id = 'REF-0'
            """) == 4)
        #expect(try await importer.database.count("SELECT count(*) FROM amazon.ledger_detail WHERE connection_id = '\(connection)'") == 45)
    }

    static let returnsHeader = ["return-date", "order-id", "sku", "asin", "fnsku", "product-name", "quantity", "fulfillment-center-id",
                                "detailed-disposition", "reason", "status", "license-plate-number", "customer-comments"]

    static func returnLine(_ index: Int, status: String = "Unit returned to inventory") -> [String] {
        ["2024-04-0\(1 + index % 9)T08:00:00+00:00", "111-000000\(index)-1", "SKU-\(index)", "B0ASIN\(index)", "X00FNSKU\(index)",
         "Product \(index)", "1", "PHX7", "SELLABLE", "CUSTOMER_CHANGED_MIND", status, "LPN\(index)", ""]
    }

    @Test func aKeyRepeatedInOneSourceKeepsItsLastLineOnEveryPath() async throws {
        let importer = try await Importer.make()
        let fresh = UUID(), loadedBefore = UUID()
        // Return 3 appears twice: the later line corrects the earlier one.
        let lines = (0..<10).map { Self.returnLine($0) } + [Self.returnLine(3, status: "Reimbursed")]

        let first = try await importer.load(Self.returnsHeader, lines, into: fresh)
        #expect((first.rowsLoaded, first.rowsInserted, first.rowsUpdated) == (11, 10, 0))
        _ = try await importer.load(Self.returnsHeader, [Self.returnLine(50)], into: loadedBefore)
        let later = try await importer.load(Self.returnsHeader, lines, into: loadedBefore)
        #expect((later.rowsLoaded, later.rowsInserted, later.rowsUpdated) == (11, 10, 0))

        let columns = "order_id, fnsku, license_plate_number, return_date, sku, status, marketplace_id"
        let firstRows = try await importer.rows("customer_returns", fresh, columns: columns)
        #expect(firstRows.filter { $0.contains("Reimbursed") }.count == 1 && firstRows.count == 10)
        #expect(try await importer.rows("customer_returns", loadedBefore, columns: columns, insertedBy: later.runId) == firstRows)

        // The same file again changes nothing; a changed status is one update.
        let again = try await importer.load(Self.returnsHeader, lines, into: fresh)
        #expect((again.rowsInserted, again.rowsUpdated) == (0, 0))
        let corrected = try await importer.load(Self.returnsHeader, [Self.returnLine(7, status: "Reimbursed")], into: fresh)
        #expect((corrected.rowsInserted, corrected.rowsUpdated) == (0, 1))
    }
}
