import AmazonSandbox
import Foundation
import OpsideBenchmarkSupport

/// How long the sandbox's seller generator takes: the wait behind `POST /_sandbox/sellers`.
enum GenerateBenchmark {
    static func run(_ options: BenchOptions) throws {
        let skus = try options.int("skus", default: 200), months = try options.int("months", default: 12)
        let seed = UInt64(try options.int("seed", default: 9)), repeats = try options.int("repeats", default: 5)
        let anchor = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 86_400).rounded(.down) * 86_400)
        var durations: [Double] = []
        var history: SellerHistory?
        for _ in 0..<repeats {
            let started = ContinuousClock.now
            history = SellerHistoryGenerator.generate(SellerHistoryRequest(seed: seed, skus: skus, months: months), anchor: anchor)
            durations.append(seconds(ContinuousClock.now - started))
        }
        guard let volume = history?.volume else { return }
        durations.sort()
        print(String(format: "generated %d SKUs x %d months: median %.3f s, slowest %.3f s over %d runs", skus, months,
                     durations[durations.count / 2], durations.last ?? 0, repeats))
        print("volume: \(volume.orders) orders, \(volume.ledgerEvents) ledger events, \(volume.financeEvents) finance events, "
              + "\(volume.plantedClaims) planted claims; peak resident \(residentBytes() >> 20) MiB")
    }
}
