import Foundation
import InventorySync
import InventorySyncTesting
import NIOHTTP1
import OpsideTesting
import Testing

/// Dates and times in the spellings report files use become the instants they name. A required
/// value that cannot be read quarantines its line; an optional one (the ledger's `Date and
/// Time`) costs only itself: the row loads without it and the run's result names it.
@Suite(.serialized) struct InventorySyncReportValueTests {
    enum Outcome {
        /// Stored: `event_date event_at` (UTC).
        case stored(String)
        /// Stored without its time (`event_date`), the time reported as a warning.
        case withoutTime(String)
        /// Stored without a time it did not have (empty `Date and Time`): nothing to warn about.
        case withoutTimeOrWarning(String)
        case quarantined
    }

    static func line(_ index: Int, date: String, dateTime: String) -> [String] {
        [date, "X00FNSKU1", "B0ASIN1", "SKU-1", "Widget", "Shipments", "REF-\(index)", "-1", "PHX7", "SELLABLE", "", "US", "", "",
         dateTime]
    }

    /// Each stored ledger row of a connection as `REF-n event_date event_at` (`none` for no time).
    static func stored(_ importer: InventorySyncMergeTests.Importer, _ connection: UUID) async throws -> [String] {
        try await importer.database.strings("""
            SELECT reference_id || ' ' || event_date::text || ' '
                   || coalesce(to_char(event_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), 'none')
            FROM amazon.ledger_detail WHERE connection_id = '\(connection)'
            """).sorted()
    }

    @Test func timestampsInEveryAcceptedSpellingLoadAsTheirInstant() async throws {
        let importer = try await InventorySyncMergeTests.Importer.make()
        let connection = UUID()
        let cases: [(String, String, Outcome)] = [
            ("2024-03-01", "2024-03-01T10:00:00Z", .stored("2024-03-01 2024-03-01 10:00:00")),
            ("2024-03-01", "2024-03-01 10:00:00 UTC", .stored("2024-03-01 2024-03-01 10:00:00")),
            ("2024-03-01", "2024-03-01T10:00 GMT", .stored("2024-03-01 2024-03-01 10:00:00")),
            ("03/01/2024", "03/01/2024", .stored("2024-03-01 2024-03-01 00:00:00")),
            ("2024/03/01", "2024/03/01T23:30:00.123456-0800", .stored("2024-03-01 2024-03-02 07:30:00.123456")),
            ("2024-03-01", "2024-03-01T10:00:00+05:30", .stored("2024-03-01 2024-03-01 04:30:00")),
            ("2024-03-01", "2024-03-01T10:00:00 \u{00A0}Z", .stored("2024-03-01 2024-03-01 10:00:00")),
            ("2024-03-01", "2024-03-01T23:59:60Z", .stored("2024-03-01 2024-03-02 00:00:00")),
            ("2024-03-01", "2024-03-01T23:59:59.9999996Z", .stored("2024-03-01 2024-03-02 00:00:00")),
            ("2024-03-01", "2024-03-01T24:00:00Z", .stored("2024-03-01 2024-03-02 00:00:00")),
            ("2024-03-01", "2024-03-01T10:00:00.0000015Z", .stored("2024-03-01 2024-03-01 10:00:00.000002")),
            ("2024-03-01", "2024-03-01T00:30:00+01", .stored("2024-03-01 2024-02-29 23:30:00")),
            ("2024-03-01", "2024-03-01T10:00:00 CET", .stored("2024-03-01 2024-03-01 09:00:00")),
            ("2024-03-02", "", .withoutTimeOrWarning("2024-03-02")),
            ("2024-03-01", "2024-03-01T10", .withoutTime("2024-03-01")),
            ("2024-03-01", "2024-03-01T10:00:00.Z", .withoutTime("2024-03-01")),
            ("2024-03-01", "2024-03-01T24:00:01Z", .withoutTime("2024-03-01")),
            ("2024-03-01", "2024-03-01T23:59:60.5Z", .withoutTime("2024-03-01")),
            ("2024-03-01", "2024-03-01T10:00:00+16:00", .withoutTime("2024-03-01")),
            ("2024-03-01", "2024-03-01T10:00:00+1:30", .withoutTime("2024-03-01")),
            ("2024-03-01", "2024-03-01T10:00:00 XST", .withoutTime("2024-03-01")),
            ("01-03-2024", "2024-03-01T10:00:00Z", .quarantined),
            ("2024-02-30", "2024-03-01T10:00:00Z", .quarantined),
            ("13/13/2024", "2024-03-01T10:00:00Z", .quarantined),
        ]
        let lines = cases.enumerated().map { index, spelling in Self.line(index, date: spelling.0, dateTime: spelling.1) }
        let result = try await importer.load(InventorySyncMergeTests.ledgerHeader, lines, into: connection)
        // A ledger without the time column (days only) brings the same events again: the time
        // is not part of an event's identity, and the stored times stay.
        let daysOnly = try await importer.load(Array(InventorySyncMergeTests.ledgerHeader.dropLast()),
                                               [Array(lines[0].dropLast()), Array(lines[3].dropLast())], into: connection)
        #expect(daysOnly.rowsLoaded == 2 && daysOnly.rowsInserted == 0 && daysOnly.rowsUpdated == 0)

        let refused = cases.indices.filter { if case .quarantined = cases[$0].2 { true } else { false } }
        let timeless = cases.indices.filter { if case .withoutTime = cases[$0].2 { true } else { false } }
        #expect(result.rowsQuarantined == refused.count)
        #expect(result.quarantinedLines == refused.map { $0 + 2 })  // line 1 is the header
        #expect(result.rowsWithWarnings == timeless.count)
        #expect(result.warnings.map(\.lineNumber) == timeless.map { $0 + 2 })
        #expect(result.warnings.map(\.value) == timeless.map { cases[$0].1.trimmingCharacters(in: .whitespaces) })
        #expect(result.warnings.allSatisfy { $0.column == "Date and Time" && $0.reason.hasPrefix("not a timestamp") })

        let expected = cases.enumerated().compactMap { index, spelling -> String? in
            switch spelling.2 {
            case .stored(let value): "REF-\(index) " + value + (value.contains(".") ? "" : ".000000")
            case .withoutTime(let day), .withoutTimeOrWarning(let day): "REF-\(index) \(day) none"
            case .quarantined: nil
            }
        }
        #expect(try await Self.stored(importer, connection) == expected.sorted())

        // The keys hashed while staging are the database's own hash of the stored values (the
        // definition every load so far used), whatever the spelling of the source.
        let identity = ["event_date", "fnsku", "msku", "event_type", "reference_id", "quantity", "fulfillment_center",
                        "disposition", "reason", "country"]
        let databaseKey = "md5(" + identity.map { "coalesce(\($0)::text, '\\N')" }.joined(separator: " || chr(31) || ") + ")"
        #expect(try await importer.database.count("""
            SELECT count(*) FROM amazon.ledger_detail WHERE connection_id = '\(connection)' AND event_key = \(databaseKey)
            """) == expected.count)
    }

    /// A Seller Central ledger download whose `Date and Time` holds every spelling Amazon's
    /// downloads use, each naming 2026-03-05 16:15 UTC: every row loads, at that instant.
    @Test func aSellerCentralLedgerWithZoneAbbreviationsLoadsEveryRowAtItsInstant() async throws {
        let importer = try await InventorySyncMergeTests.Importer.make()
        let connection = UUID()
        let spellings = [
            "2026-03-05T08:15:00-08:00", "2026-03-05T16:15:00Z", "2026-03-05 16:15:00 UTC", "2026-03-05 16:15:00 GMT",
            "03/05/2026 08:15:00 PST", "03/05/2026 09:15:00 PDT", "03/05/2026 09:15:00 MST", "03/05/2026 10:15:00 MDT",
            "03/05/2026 10:15:00 CST", "03/05/2026 11:15:00 CDT", "03/05/2026 11:15:00 EST", "03/05/2026 12:15:00 EDT",
            "03/05/2026 16:15:00 GMT", "03/05/2026 17:15:00 BST", "03/05/2026 17:15:00 CET", "03/05/2026 18:15:00 CEST",
            "03/06/2026 01:15:00 JST", "03/06/2026 02:15:00 AEST", "03/06/2026 03:15:00 AEDT", "03/05/2026 21:45:00 IST",
            "05.03.2026 17:15:00 CET", "2026/03/05 16:15:00 UTC",
        ]
        let lines = spellings.enumerated().map { Self.line($0, date: "03/05/2026", dateTime: $1) }
        let result = try await importer.load(InventorySyncMergeTests.ledgerHeader, lines, into: connection)
        #expect(result.rowsQuarantined == 0)
        #expect(result.rowsWithWarnings == 0, "\(result.warnings)")
        #expect(result.rowsInserted == spellings.count)
        let expected = spellings.indices.map { "REF-\($0) 2026-03-05 2026-03-05 16:15:00.000000" }
        #expect(try await Self.stored(importer, connection) == expected.sorted())
    }

    /// `03/05/2026` is March 5 in a US file and 3 May in a German one; a number over 12 is a day
    /// wherever it comes from.
    @Test func dayOrderFollowsTheMarketplaceUnlessTheNumbersDecide() async throws {
        let importer = try await InventorySyncMergeTests.Importer.make()
        let (us, de) = (UUID(), UUID())
        let lines = [Self.line(0, date: "03/05/2026", dateTime: "03/05/2026 10:00:00 UTC"),
                     Self.line(1, date: "13/05/2026", dateTime: "05/13/2026 10:00:00 UTC")]
        let american = try await importer.load(InventorySyncMergeTests.ledgerHeader, lines, into: us)
        let german = try await importer.load(InventorySyncMergeTests.ledgerHeader, lines, into: de, marketplace: "A1PA6795UKMFR9")
        #expect(american.rowsQuarantined == 0 && german.rowsQuarantined == 0)
        #expect(try await Self.stored(importer, us) == ["REF-0 2026-03-05 2026-03-05 10:00:00.000000",
                                                        "REF-1 2026-05-13 2026-05-13 10:00:00.000000"])
        #expect(try await Self.stored(importer, de) == ["REF-0 2026-05-03 2026-05-03 10:00:00.000000",
                                                        "REF-1 2026-05-13 2026-05-13 10:00:00.000000"])
    }

    /// An unreadable optional value keeps its row (without the value) and is named in the
    /// run's result, which a seller watches: the run as the API shows it carries it too.
    @Test func anUnreadableOptionalTimeKeepsTheRowAndIsReportedInTheRun() async throws {
        let importer = try await InventorySyncMergeTests.Importer.make()
        let connection = UUID()
        let lines = [Self.line(0, date: "03/05/2026", dateTime: "03/05/2026 08:15:00 PST"),
                     Self.line(1, date: "03/05/2026", dateTime: "sometime on Thursday")]
        let result = try await importer.load(InventorySyncMergeTests.ledgerHeader, lines, into: connection)
        #expect(result.rowsInserted == 2 && result.rowsQuarantined == 0)
        #expect(result.rowsWithWarnings == 1)
        #expect(result.warnings == [RowWarning(lineNumber: 3, column: "Date and Time", value: "sometime on Thursday",
                                               reason: "not a date: sometime on Thursday")])
        #expect(try await Self.stored(importer, connection) == ["REF-0 2026-03-05 2026-03-05 16:15:00.000000",
                                                               "REF-1 2026-03-05 none"])
        let run = try await importer.database.strings("""
            SELECT rows_with_warnings::text || ' ' || (warnings->0->>'value') FROM amazon.sync_runs WHERE run_id = '\(result.runId)'
            """)
        #expect(run == ["1 sometime on Thursday"])
    }
}

/// Report amounts become minor units of their row's currency (or the marketplace's), read from
/// their text; an amount finer than its currency or a currency ISO 4217 lacks quarantines the row
/// with the reason, never a rounded or a dollar guess.
@Suite(.serialized) struct InventorySyncReportMoneyTests {
    static let header = ["approval-date", "reimbursement-id", "case-id", "amazon-order-id", "reason", "sku", "fnsku", "asin",
                         "condition", "currency-unit", "amount-per-unit", "amount-total", "quantity-reimbursed-cash",
                         "quantity-reimbursed-inventory", "quantity-reimbursed-total"]

    static func line(_ id: String, currency: String, perUnit: String, total: String) -> [String] {
        ["2026-03-05T10:00:00+00:00", id, "", "", "Lost_Warehouse", "SKU-1", "X00FNSKU1", "B0ASIN1", "New", currency, perUnit, total,
         "1", "0", "1"]
    }

    @Test func reimbursementAmountsAreMinorUnitsOfTheirCurrency() async throws {
        let importer = try await InventorySyncMergeTests.Importer.make()
        let connection = UUID()
        let lines = [
            Self.line("R-USD", currency: "USD", perUnit: "12.34", total: "1,234.50"),
            Self.line("R-JPY", currency: "JPY", perUnit: "1980", total: "1,980"),
            Self.line("R-KWD", currency: "kwd", perUnit: "1.234", total: "-0.5"),
            Self.line("R-FINE", currency: "USD", perUnit: "12.345", total: "12.345"),
            Self.line("R-YEN-CENTS", currency: "JPY", perUnit: "1980.5", total: "1980.5"),
            Self.line("R-NOT-ISO", currency: "DOLLARS", perUnit: "1.00", total: "1.00"),
            Self.line("R-GROUPS", currency: "USD", perUnit: "1,23", total: "1,23"),
        ]
        let result = try await importer.load(Self.header, lines, into: connection)
        #expect(result.rowsInserted == 3)
        #expect(result.quarantinedLines == [5, 6, 7, 8])
        let stored = try await importer.rows("reimbursements", connection, columns: "reimbursement_id, currency, amount_per_unit_minor, amount_total_minor")
        #expect(stored == ["R-JPY|JPY|1980|1980", "R-KWD|KWD|1234|-500", "R-USD|USD|1234|123450"])
        let reasons = try await importer.database.strings("""
            SELECT reason FROM amazon.sync_quarantine WHERE run_id = '\(result.runId)' ORDER BY line_number
            """)
        #expect(reasons.count == 4)
        #expect(reasons[0].contains("\"12.345\" has more than 2 digits after the decimal point"), "\(reasons)")
        #expect(reasons[1].contains("\"1980.5\" has more than 0 digits"), "\(reasons)")
        #expect(reasons[2].contains("\"DOLLARS\" is not an ISO 4217 currency code"), "\(reasons)")
        #expect(reasons[3].contains("amount-per-unit is not an amount: 1,23"), "\(reasons)")
    }
}

/// The marketplace of an imported file decides its currency and day order: one Amazon does not
/// list is refused before the upload is read, never loaded as US dollars.
@Suite(.serialized) struct InventorySyncImportMarketplaceTests {
    @Test func anUnknownMarketplaceIsRefusedNotLoadedAsDollars() async throws {
        let database = try await TestDatabase.create()
        let sandbox = try await InventorySyncSandbox.start()
        let tokens = SandboxAccessTokenSource(sandbox: sandbox)
        let service = try await RunningInventorySync.start(database: database, sandbox: sandbox, tokens: tokens)
        defer { Task { await service.stop(); await sandbox.stop() } }
        let tenant = UUID(), connection = UUID()
        let file = ([InventorySyncMergeTests.ledgerHeader, InventorySyncReportValueTests.line(0, date: "03/05/2026", dateTime: "")]
            .map { $0.joined(separator: "\t") }.joined(separator: "\n")) + "\n"
        let refused = try await service.call(.POST, "/internal/amazon/connections/\(connection)/imports?marketplaceId=A1NOTAMARKET",
                                             tenant: tenant, body: Data(file.utf8))
        #expect(refused.status == 400 || refused.status == 422, "\(refused.status) \(refused.text)")
        #expect(refused.text.contains("A1NOTAMARKET") && refused.text.contains("not an Amazon marketplace id"))
        #expect(try await database.count("SELECT count(*) FROM amazon.sync_runs WHERE connection_id = '\(connection)'") == 0)

        // Ireland, one of the marketplaces the old table lacked, loads (in euros, day first).
        let irish = try await service.importAndWait(tenant: tenant, connection: connection, query: "?marketplaceId=A28R8C7NBKEWEA",
                                                    body: Data(file.utf8))
        #expect(irish.reply.status == 202, "\(irish.reply.text)")
        let irishResult = try irish.result.unwrap("the Irish import's result: \(String(describing: irish.run))")
        #expect(irishResult.rowsInserted == 1 && irishResult.rowsQuarantined == 0, "\(irishResult)")
        #expect(try await database.strings("""
            SELECT marketplace_id || ' ' || event_date::text FROM amazon.ledger_detail WHERE connection_id = '\(connection)'
            """) == ["A28R8C7NBKEWEA 2026-05-03"])
    }
}
