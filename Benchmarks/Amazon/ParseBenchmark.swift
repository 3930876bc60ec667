import Foundation
import OpsideBenchmarkSupport
import OpsideAmazonSPAPI

/// Report-parsing throughput and peak memory for a gzipped ledger file, beside the floor the
/// system tools set (`gzip -dc FILE | wc -l` only counts lines; the parser also types every row).
enum ParseBenchmark {
    static func run(path: String) async throws {
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = ["-c", "gzip -dc \"$0\" | wc -l", path]
        let pipe = Pipe()
        shell.standardOutput = pipe
        let shellStart = ContinuousClock.now
        try shell.run()
        shell.waitUntilExit()
        let shellTime = seconds(ContinuousClock.now - shellStart)
        let lines = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)

        let before = residentBytes()
        var peak = before
        var rows = 0
        let start = ContinuousClock.now
        for try await _ in ReportRows<LedgerDetailRow, GunzipSequence<ReportFileBytes>>(source: GunzipSequence(ReportFileBytes(path: path))) {
            rows += 1
            if rows % 50_000 == 0 { peak = max(peak, residentBytes()) }
        }
        let parseTime = seconds(ContinuousClock.now - start)
        peak = max(peak, residentBytes())
        print("gzip -dc | wc -l: \(lines) lines in \(String(format: "%.2f", shellTime)) s")
        print("parsed \(rows) typed LedgerDetailRow rows in \(String(format: "%.2f", parseTime)) s = \(Int(Double(rows) / parseTime)) rows/s")
        print("resident memory: start \(before >> 20) MB, peak \(peak >> 20) MB, growth \((peak - before) >> 20) MB")
    }
}
