import ArgumentParser
import Foundation
import Logging
import NIOConcurrencyHelpers
import OpsideAmazonSPAPI
import OpsideBenchmarkSupport
import OpsideRedis

/// `opside-bench buckets`: the SP-API rate-limit buckets in Redis with thousands of active
/// sellers. Amazon's limits are per seller and operation, so every active seller has a bucket per
/// operation its syncs call (`RedisSPAPIRateLimiter`), and a learned-rate key where Amazon's
/// `x-amzn-RateLimit-Limit` header taught one. Printed: Redis memory per bucket and per learned
/// rate (from `used_memory` before and after, and `MEMORY USAGE` of one of each), and the script's
/// latency from many callers at once over random buckets, as seen by the caller and inside Redis.
struct RateLimitBucketBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "buckets",
                                                    abstract: "Rate-limit bucket memory and script latency in Redis.")

    @OptionGroup var servers: ServerOptions
    @Option(help: "Active sellers.") var sellers = 5_000
    @Option(help: "Callers at once in the latency run.") var callers = 32
    @Option(help: "Seconds of the latency run.") var duration = 10
    @Option(help: "Redis connections in the client's pool (production's default is 8).") var pool = 8

    /// The operations a seller's syncs call, each with its own bucket.
    static let syncOperations: Set<String> = [
        "createReport", "getReport", "getReportDocument", "getReports", "getOrders", "getOrderItems", "listFinancialEvents",
        "getInventorySummaries", "getShipments", "getShipmentItems", "getShipmentItemsByShipmentId", "getMyFeesEstimates",
        "searchListingsItems",
    ]

    func run() async throws {
        var logger = Logger(label: "opside.bench")
        logger.logLevel = .error
        var redisSettings = servers.redis().settings
        redisSettings.poolSize = pool
        let redis = RedisClient(settings: redisSettings)
        let prefix = "opside-bench-\(UInt32.random(in: 0...UInt32.max))"
        let limiter = RedisSPAPIRateLimiter(redis: redis, keyPrefix: prefix, safetyFactor: 0.9, logger: logger)
        let plans = UsagePlanTable.amazonDefaults.plans.filter { Self.syncOperations.contains($0.operation.name) }
        let sellerIDs = (0..<sellers).map { "A\(String(format: "%012d", $0))" }
        print("Opside rate-limit buckets: Redis \(servers.redisHost):\(servers.redisPort), \(sellers) sellers × \(plans.count) operations"
              + " (\(plans.map(\.operation.id).sorted().joined(separator: ", ")))")
        do {
            // Memory: one bucket per seller and operation, then one learned rate for each.
            let before = try await usedMemory(redis)
            try await forEach(sellerIDs, concurrency: 64) { seller in
                for plan in plans { _ = try await limiter.tryAcquire(bucket: seller, plan: plan) }
            }
            let withBuckets = try await usedMemory(redis)
            try await forEach(sellerIDs, concurrency: 64) { seller in
                for plan in plans { try await limiter.learn(bucket: seller, operation: plan.operation, rate: plan.rate * 0.5) }
            }
            let withLearned = try await usedMemory(redis)
            let count = Double(sellers * plans.count)
            let sampleBucket = try await redis.command(["MEMORY", "USAGE", limiter.bucketKey(sellerIDs[0], plans[0].operation)]).integer ?? -1
            let sampleLearned = try await redis.command(["MEMORY", "USAGE", limiter.learnedKey(sellerIDs[0], plans[0].operation)]).integer ?? -1
            print(String(format: "memory: %.0f buckets took %.1f MB, %.0f bytes each (MEMORY USAGE of one: %lld bytes)",
                         count, Double(withBuckets - before) / 1e6, Double(withBuckets - before) / count, sampleBucket))
            print(String(format: "memory: their learned rates took %.1f MB more, %.0f bytes each (MEMORY USAGE of one: %lld bytes)",
                         Double(withLearned - withBuckets) / 1e6, Double(withLearned - withBuckets) / count, sampleLearned))
            print(String(format: "        so 10,000 sellers' buckets and learned rates: %.0f MB",
                         Double(withLearned - before) / Double(sellers) * 10_000 / 1e6))

            // Latency: callers at once, each taking tokens from random buckets for `duration` seconds.
            let statsBefore = try await evalshaStats(redis)
            let samples = NIOLockedValueBox<[Double]>([])
            let granted = NIOLockedValueBox((yes: 0, no: 0))
            let deadline = ContinuousClock.now + .seconds(duration)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for caller in 0..<callers {
                    group.addTask {
                        var random = SystemRandomNumberGenerator()
                        var mine: [Double] = []
                        var taken = 0, waited = 0
                        _ = caller
                        while ContinuousClock.now < deadline {
                            let seller = sellerIDs[Int.random(in: 0..<sellerIDs.count, using: &random)]
                            let plan = plans[Int.random(in: 0..<plans.count, using: &random)]
                            let start = ContinuousClock.now
                            let wait = try await limiter.tryAcquire(bucket: seller, plan: plan)
                            mine.append(milliseconds(ContinuousClock.now - start))
                            if wait == nil { taken += 1 } else { waited += 1 }
                        }
                        samples.withLockedValue { $0 += mine }
                        granted.withLockedValue { $0 = (yes: $0.yes + taken, no: $0.no + waited) }
                    }
                }
                try await group.waitForAll()
            }
            let statsAfter = try await evalshaStats(redis)
            let sorted = samples.withLockedValue { $0 }.sorted()
            let outcome = granted.withLockedValue { $0 }
            print(String(format: "script: %d calls from %d callers in %d s = %.0f calls/s (%d took a token, %d were told to wait)",
                         sorted.count, callers, duration, Double(sorted.count) / Double(duration), outcome.yes, outcome.no))
            print(String(format: "        caller's round trip: p50 %.3f ms, p99 %.3f ms, max %.3f ms (client pool of %d connections)",
                         percentile(sorted, 0.5), percentile(sorted, 0.99), sorted.last ?? 0, pool))
            let calls = statsAfter.calls - statsBefore.calls
            if calls > 0 {
                let microseconds = (statsAfter.microseconds - statsBefore.microseconds) / Double(calls)
                print(String(format: "        inside Redis: %.1f µs per script call, so one Redis core runs at most about %.0f calls/s",
                             microseconds, 1e6 / microseconds))
            }
            print("assumptions: \(plans.count) operations per seller (what a sync calls); a learned rate for every bucket (the most Amazon's headers can add);"
                  + " bucket keys expire after burst/rate + 60 s idle, learned rates after a day")
        } catch {
            try? await removeKeys(redis, prefix: prefix)
            throw error
        }
        try await removeKeys(redis, prefix: prefix)
        try await redis.shutdown()
    }

    private func forEach(_ items: [String], concurrency: Int, _ body: @escaping @Sendable (String) async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            for _ in 0..<min(concurrency, items.count) {
                let item = items[next]
                next += 1
                group.addTask { try await body(item) }
            }
            while try await group.next() != nil, next < items.count {
                let item = items[next]
                next += 1
                group.addTask { try await body(item) }
            }
            try await group.waitForAll()
        }
    }

    private func usedMemory(_ redis: RedisClient) async throws -> Int64 {
        let info = try await redis.command(["INFO", "memory"]).string ?? ""
        return info.split(whereSeparator: \.isNewline).first { $0.hasPrefix("used_memory:") }
            .flatMap { Int64($0.dropFirst("used_memory:".count)) } ?? 0
    }

    /// EVALSHA's calls and the microseconds Redis spent in them, from INFO commandstats.
    private func evalshaStats(_ redis: RedisClient) async throws -> (calls: Int, microseconds: Double) {
        let info = try await redis.command(["INFO", "commandstats"]).string ?? ""
        guard let line = info.split(whereSeparator: \.isNewline).first(where: { $0.hasPrefix("cmdstat_evalsha:") }) else { return (0, 0) }
        var calls = 0, microseconds = 0.0
        for field in line.dropFirst("cmdstat_evalsha:".count).split(separator: ",") {
            let parts = field.split(separator: "=")
            guard parts.count == 2 else { continue }
            if parts[0] == "calls" { calls = Int(parts[1]) ?? 0 }
            if parts[0] == "usec" { microseconds = Double(parts[1]) ?? 0 }
        }
        return (calls, microseconds)
    }

    private func removeKeys(_ redis: RedisClient, prefix: String) async throws {
        var cursor = "0"
        repeat {
            let reply = try await redis.command(["SCAN", cursor, "MATCH", "\(prefix):*", "COUNT", "1000"]).array ?? []
            cursor = reply.first?.string ?? "0"
            let keys = reply.dropFirst().first?.array?.compactMap(\.string) ?? []
            if !keys.isEmpty { _ = try await redis.command(["UNLINK"] + keys) }
        } while cursor != "0"
    }
}
