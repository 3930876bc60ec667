import Foundation
import OpsideAmazonSPAPI

// opside-amazon-bench: report-parsing throughput and peak memory for a gzipped ledger file,
// beside `gzip -dc FILE | wc -l` on the same file.
//
// Usage: opside-amazon-bench parse FILE.tsv.gz
// (The rate-budget benchmark across concurrent callers is not written yet.)

func residentBytes() -> Int {
    guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8).split(separator: " "), statm.count > 1 else { return 0 }
    return (Int(statm[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

let arguments = CommandLine.arguments
guard arguments.count == 3, arguments[1] == "parse" else {
    FileHandle.standardError.write(Data("usage: opside-amazon-bench parse FILE.tsv.gz\n".utf8))
    exit(2)
}
let path = arguments[2]

let shell = Process()
shell.executableURL = URL(fileURLWithPath: "/bin/sh")
shell.arguments = ["-c", "gzip -dc '\(path)' | wc -l"]
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
