import Foundation
import OpsideAmazonSPAPI
import OpsideTesting
import Testing

@Suite("Large reports stream in flat memory")
struct LargeReportMemoryTests {
    static func residentBytes() throws -> Int {
        let statm = try String(contentsOfFile: "/proc/self/statm", encoding: .utf8).split(separator: " ")
        return (Int(statm[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// This process's own folder: a fixed name would be shared with (and overwritten by) any
    /// other test run on the machine.
    static let directory = FileManager.default.temporaryDirectory.appendingPathComponent("opside-amazon-tests-\(UUID().uuidString)")

    /// The gzipped ledger both tests read, written once per run: the tests run in parallel,
    /// and two writers of one file would corrupt it. Written on a thread of its own: seconds of
    /// string building on a cooperative thread would hold back the in-process servers of every
    /// other test.
    static let largeLedger = Task { try await ledgerFile(rows: rowCount) }

    /// Writes a gzipped ledger file of `rows` rows (in this run's temp folder).
    static func ledgerFile(rows: Int) async throws -> String {
        let plain = try await OwnThread.run { try plainLedgerFile(rows: rows) }
        let gzip = try await TestProcess.run(URL(fileURLWithPath: "/bin/gzip"), ["-1", "-f", plain])
        guard gzip.status == 0 else { throw HarnessError("gzip failed: \(gzip.error)") }
        return plain + ".gz"
    }

    /// Writes the uncompressed ledger of `rows` rows and returns its path.
    static func plainLedgerFile(rows: Int) throws -> String {
        let directory = Self.directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let plain = directory.appendingPathComponent("ledger-\(rows).tsv").path
        _ = FileManager.default.createFile(atPath: plain, contents: nil)
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
        return plain
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

    /// Counted in the test process, against the whole process's resident memory: run alone, this
    /// is what `opside-amazon-bench parse` also measures. Tests run in parallel in one process, so
    /// the memory bound is checked in a process of its own (below) and this test checks the rows.
    @Test func largeLedgerStreamsEveryRow() async throws {
        let path = try await Self.largeLedger.value
        var rows = 0
        var units = 0
        let source = GunzipSequence(ReportFileBytes(path: path))
        for try await row in ReportRows<LedgerDetailRow, GunzipSequence<ReportFileBytes>>(source: source) {
            rows += 1
            units += row.quantity
            // The file is read without waiting on anything: without a pause now and then, the
            // whole parse would hold one of the two cooperative threads every service here needs.
            if rows % 2_000 == 0 { await Task.yield() }
        }
        #expect(rows == Self.rowCount)
        #expect(units == -Self.rowCount)
    }

    /// The memory bound, measured by `opside-amazon-bench parse` in its own process so that
    /// other tests running in parallel do not count against it.
    @Test func largeLedgerStreamsWithFlatMemory() async throws {
        let path = try await Self.largeLedger.value
        let parse = try await TestProcess.run(try RateLimitTests.benchExecutable(), ["parse", path])
        let text = parse.output
        #expect(parse.status == 0, "\(text)\(parse.error)")
        #expect(text.contains("parsed \(Self.rowCount) typed LedgerDetailRow rows"), "\(text)")
        let growthLine = try #require(text.split(separator: "\n").first { $0.hasPrefix("resident memory:") })
        let growth = try #require(growthLine.split(separator: " ").dropLast().last.flatMap { Int($0) }, "\(growthLine)")
        #expect(growth < 60, "resident memory grew by \(growth) MB while streaming \(Self.rowCount) rows")
    }
}
