import Foundation
import InventorySync
import OpsideTesting
import Testing

/// Dates and times in the spellings report files use become the instants they name; anything
/// else quarantines its line instead of failing the load.
@Suite(.serialized) struct InventorySyncReportValueTests {
    @Test func timestampsInEveryAcceptedSpellingLoadAsTheirInstant() async throws {
        let importer = try await InventorySyncMergeTests.Importer.make()
        let connection = UUID()
        // (Date, Date and Time) → the stored event_date and event_at (UTC); nil when refused.
        let cases: [(String, String, String?)] = [
            ("2024-03-01", "2024-03-01T10:00:00Z", "2024-03-01 2024-03-01 10:00:00"),
            ("2024-03-01", "2024-03-01 10:00:00 UTC", "2024-03-01 2024-03-01 10:00:00"),
            ("2024-03-01", "2024-03-01T10:00 GMT", "2024-03-01 2024-03-01 10:00:00"),
            ("03/01/2024", "03/01/2024", "2024-03-01 2024-03-01 00:00:00"),
            ("2024/03/01", "2024/03/01T23:30:00.123456-0800", "2024-03-01 2024-03-02 07:30:00.123456"),
            ("2024-03-01", "2024-03-01T10:00:00+05:30", "2024-03-01 2024-03-01 04:30:00"),
            ("2024-03-01", "2024-03-01T10:00:00 \u{00A0}Z", "2024-03-01 2024-03-01 10:00:00"),
            ("2024-03-01", "2024-03-01T23:59:60Z", "2024-03-01 2024-03-02 00:00:00"),
            ("2024-03-01", "2024-03-01T23:59:59.9999996Z", "2024-03-01 2024-03-02 00:00:00"),
            ("2024-03-01", "2024-03-01T24:00:00Z", "2024-03-01 2024-03-02 00:00:00"),
            ("2024-03-01", "2024-03-01T10:00:00.0000015Z", "2024-03-01 2024-03-01 10:00:00.000002"),
            ("2024-03-01", "2024-03-01T00:30:00+01", "2024-03-01 2024-02-29 23:30:00"),
            ("2024-03-01", "2024-03-01T10", nil),
            ("2024-03-01", "2024-03-01T10:00:00 CET", nil),
            ("2024-03-01", "2024-03-01T10:00:00.Z", nil),
            ("01-03-2024", "2024-03-01T10:00:00Z", nil),
            ("2024-02-30", "2024-03-01T10:00:00Z", nil),
            ("2024-03-01", "2024-03-01T24:00:01Z", nil),
            ("2024-03-01", "2024-03-01T23:59:60.5Z", nil),
            ("2024-03-01", "2024-03-01T10:00:00+16:00", nil),
            ("2024-03-01", "2024-03-01T10:00:00+1:30", nil),
        ]
        let lines = cases.enumerated().map { index, spelling in
            [spelling.0, "X00FNSKU1", "B0ASIN1", "SKU-1", "Widget", "Shipments", "REF-\(index)", "-1", "PHX7", "SELLABLE", "", "US",
             "", "", spelling.1]
        }
        let result = try await importer.load(InventorySyncMergeTests.ledgerHeader, lines, into: connection)
        // A ledger without the time column (days only) brings the same events again: the time
        // is not part of an event's identity, and the stored times stay.
        let daysOnly = try await importer.load(Array(InventorySyncMergeTests.ledgerHeader.dropLast()),
                                               [Array(lines[0].dropLast()), Array(lines[3].dropLast())], into: connection)
        #expect(daysOnly.rowsLoaded == 2 && daysOnly.rowsInserted == 0 && daysOnly.rowsUpdated == 0)
        let refused = cases.indices.filter { cases[$0].2 == nil }
        #expect(result.rowsQuarantined == refused.count)
        #expect(result.quarantinedLines == refused.map { $0 + 2 })  // line 1 is the header

        let stored = try await importer.database.strings("""
            SELECT reference_id || ' ' || event_date::text || ' '
                   || coalesce(to_char(event_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), 'none')
            FROM amazon.ledger_detail WHERE connection_id = '\(connection)'
            """)
        let expected = cases.enumerated().compactMap { index, spelling in
            spelling.2.map { "REF-\(index) " + $0 + ($0.contains(".") ? "" : ".000000") }
        }
        #expect(stored.sorted() == expected.sorted())

        // The keys hashed while staging are the database's own hash of the stored values (the
        // definition every load so far used), whatever the spelling of the source.
        let identity = ["event_date", "fnsku", "msku", "event_type", "reference_id", "quantity", "fulfillment_center",
                        "disposition", "reason", "country"]
        let databaseKey = "md5(" + identity.map { "coalesce(\($0)::text, '\\N')" }.joined(separator: " || chr(31) || ") + ")"
        #expect(try await importer.database.count("""
            SELECT count(*) FROM amazon.ledger_detail WHERE connection_id = '\(connection)' AND event_key = \(databaseKey)
            """) == expected.count)
    }
}
