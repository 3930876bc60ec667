import Foundation
import OpsideAmazonSPAPI
import Testing

@Suite("Large reports stream in flat memory")
struct LargeReportMemoryTests {
    static func residentBytes() throws -> Int {
        let statm = try String(contentsOfFile: "/proc/self/statm", encoding: .utf8).split(separator: " ")
        return (Int(statm[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Writes a gzipped ledger file of `rows` rows once per run (in a temp folder).
    static func ledgerFile(rows: Int) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("opside-amazon-tests")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let plain = directory.appendingPathComponent("ledger-\(rows).tsv").path
        let gzipped = plain + ".gz"
        if FileManager.default.fileExists(atPath: gzipped) { return gzipped }
        FileManager.default.createFile(atPath: plain, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: plain))
        try handle.write(contentsOf: Data("Date\tFNSKU\tASIN\tMSKU\tTitle\tEvent Type\tReference ID\tQuantity\tFulfillment Center\tDisposition\tReason\tCountry\tReconciled Quantity\tUnreconciled Quantity\n".utf8))
        var chunk = ""
        for index in 0..<rows {
            chunk += "2026-01-\(index % 28 + 10)\tX00\(index % 5000)\tB0\(index % 5000)\tSKU-\(index % 5000)\tProduct \(index % 5000)\tShipments\t111-\(index)\t-1\tPHX7\tSELLABLE\t\tUS\t\t\n"
            if index % 20_000 == 19_999 {
                try handle.write(contentsOf: Data(chunk.utf8))
                chunk = ""
            }
        }
        try handle.write(contentsOf: Data(chunk.utf8))
        try handle.close()
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gzip.arguments = ["-1", "-f", plain]
        try gzip.run()
        gzip.waitUntilExit()
        guard gzip.terminationStatus == 0 else { throw HarnessError("gzip failed") }
        return gzipped
    }

    /// Rows in the file. Unoptimized (debug) builds parse about 15k rows/s, so a million rows
    /// cost a minute of every debug run; they stream 250k rows, enough to reach the steady state
    /// the flatness assertion needs. Release test runs (`swift test -c release`) keep the full
    /// million; `opside-amazon-bench parse` reports the million-row figures.
    #if DEBUG
    static let rowCount = 250_000
    #else
    static let rowCount = 1_000_000
    #endif

    @Test func largeLedgerStreamsWithFlatMemory() async throws {
        let path = try Self.ledgerFile(rows: Self.rowCount)
        let before = try Self.residentBytes()
        var rows = 0
        var units = 0
        var peak = before
        var steady = before
        let source = GunzipSequence(ReportFileBytes(path: path))
        for try await row in ReportRows<LedgerDetailRow, GunzipSequence<ReportFileBytes>>(source: source) {
            rows += 1
            units += row.quantity
            if rows == 50_000 { steady = try Self.residentBytes() }
            if rows % 25_000 == 0 { peak = max(peak, try Self.residentBytes()) }
        }
        peak = max(peak, try Self.residentBytes())
        #expect(rows == Self.rowCount)
        #expect(units == -Self.rowCount)
        #expect(peak - before < 60 << 20, "resident memory grew by \((peak - before) >> 20) MB")
        // Once buffers are warm, memory must stop growing with the row count: what a parser that
        // kept rows (or leaked per row) would fail at any file size.
        #expect(peak - steady < 8 << 20, "resident memory grew by \((peak - steady) >> 20) MB after the first 50k rows")
    }
}
