import Foundation

// opside-amazon-bench: figures for the SP-API client, and the helper process of the
// cross-process rate-limit test.
//
//   opside-amazon-bench parse FILE.tsv.gz
//       typed ledger rows per second and peak resident memory, beside `gzip -dc FILE | wc -l`.
//   opside-amazon-bench hammer --base-url URL --selling-partner-id ID --refresh-token TOKEN --calls N
//                              [--operation fbaInventory.getInventorySummaries] [--time-scale 1]
//                              [--redis-host 127.0.0.1] [--redis-port 6379] [--key-prefix opside:spapi:rl]
//                              [--client-id ID] [--client-secret SECRET] [--concurrency 1]
//       N calls to one operation through the real client, paced by the shared Redis bucket;
//       prints {"calls", "succeeded", "failed", "startedAt", "finishedAt", "elapsedSeconds", "errors"} as JSON.
//   opside-amazon-bench rate-budget [--callers 4] [--seconds 10] [--time-scale 20]
//                                   [--redis-host 127.0.0.1] [--redis-port 6379]
//       requests achieved / requests allowed for getInventorySummaries across concurrent callers
//       against an in-process sandbox enforcing the published plan, and the share throttled.
//   opside-amazon-bench generate [--skus 200] [--months 12] [--seed 9] [--repeats 5]
//       how long the sandbox takes to generate one seller's history (what `POST /_sandbox/sellers`
//       and deploy/up's demo seller wait for), median and slowest of the repeats, and its volume.

/// Why a benchmark could not run (bad arguments, a failed setup step).
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// `--name value` options after the subcommand.
struct BenchOptions {
    private var values: [String: String] = [:]

    init(_ arguments: ArraySlice<String>) throws {
        var remaining = arguments
        while let name = remaining.popFirst() {
            guard name.hasPrefix("--"), let value = remaining.popFirst() else { throw BenchError("expected --name value, got \(name)") }
            values[String(name.dropFirst(2))] = value
        }
    }

    func string(_ name: String, default value: String? = nil) throws -> String {
        guard let found = values[name] ?? value else { throw BenchError("--\(name) is required") }
        return found
    }

    func int(_ name: String, default value: Int) throws -> Int {
        guard let text = values[name] else { return value }
        guard let number = Int(text), number > 0 else { throw BenchError("--\(name) must be a positive integer") }
        return number
    }

    func double(_ name: String, default value: Double) throws -> Double {
        guard let text = values[name] else { return value }
        guard let number = Double(text), number > 0 else { throw BenchError("--\(name) must be a positive number") }
        return number
    }
}

func residentBytes() -> Int {
    guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8).split(separator: " "), statm.count > 1 else { return 0 }
    return (Int(statm[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
}

let usage = """
usage: opside-amazon-bench parse FILE.tsv.gz
       opside-amazon-bench hammer --base-url URL --selling-partner-id ID --refresh-token TOKEN --calls N [options]
       opside-amazon-bench rate-budget [--callers 4] [--seconds 10] [--time-scale 20] [--redis-port 6379]
       opside-amazon-bench generate [--skus 200] [--months 12] [--seed 9] [--repeats 5]

"""

let arguments = CommandLine.arguments
do {
    switch arguments.dropFirst().first {
    case "parse" where arguments.count == 3:
        try await ParseBenchmark.run(path: arguments[2])
    case "hammer":
        try await Hammer.run(try BenchOptions(arguments.dropFirst(2)))
    case "rate-budget":
        try await RateBudgetBenchmark.run(try BenchOptions(arguments.dropFirst(2)))
    case "generate":
        try GenerateBenchmark.run(try BenchOptions(arguments.dropFirst(2)))
    default:
        FileHandle.standardError.write(Data(usage.utf8))
        exit(2)
    }
} catch {
    FileHandle.standardError.write(Data("opside-amazon-bench: \(error)\n".utf8))
    exit(1)
}
