import AmazonSandbox
import Foundation
import OpsideAmazonSPAPI
import OpsideRedis
import Testing

@Suite("Rate limits shared through Redis")
struct RateLimitTests {
    static let inventory = "fbaInventory.getInventorySummaries"

    /// Three callers on two client instances (two "replicas") share one Redis bucket: together
    /// they draw no 429 from a sandbox enforcing the published plan, and keep to its rate.
    @Test func concurrentCallersKeepToThePublishedRateWithoutThrottles() async throws {
        let redis = try testRedis()
        // A modest scale: the spare token absorbs delivery delays up to 1/rate (250 ms here), which
        // holds even while other suites load both cores.
        let scale = 2.0
        try await SandboxHarness.with(SandboxSettings(port: 0, timeScale: scale, reportProcessingSeconds: 0.6)) { harness in
            let seller = try await harness.createSeller(seed: 401)
            var settings = harness.settings
            settings.rateLimitKeyPrefix = "test:rl:\(UUID().uuidString)"
            let plans = UsagePlanTable.amazonDefaults.scaled(by: scale)
            let limiterA = RedisSPAPIRateLimiter(redis: redis, keyPrefix: settings.rateLimitKeyPrefix, safetyFactor: settings.rateLimitSafetyFactor, logger: SandboxHarness.logger)
            let limiterB = RedisSPAPIRateLimiter(redis: redis, keyPrefix: settings.rateLimitKeyPrefix, safetyFactor: settings.rateLimitSafetyFactor, logger: SandboxHarness.logger)
            let replicaA = harness.client(rateLimiter: limiterA, usagePlans: plans, settings: settings).0.api(for: harness.connection(for: seller))
            let replicaB = harness.client(rateLimiter: limiterB, usagePlans: plans, settings: settings).0.api(for: harness.connection(for: seller))
            let callsPerCaller = 7
            let started = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for api in [replicaA, replicaB, replicaB] {
                    group.addTask {
                        for _ in 0..<callsPerCaller { _ = try await api.getInventorySummaries(marketplaceID: "ATVPDKIKX0DER") }
                    }
                }
                try await group.waitForAll()
            }
            let elapsed = ContinuousClock.now - started
            let plan = plans.plan(for: SPAPIOperation(api: "fbaInventory", name: "getInventorySummaries"))
            let calls = 3 * callsPerCaller
            let throttled = try await harness.throttled(seller.sellingPartnerId, Self.inventory)
            let requests = try await harness.requests(seller.sellingPartnerId, Self.inventory)
            #expect(throttled == 0)
            #expect(requests == calls)
            // Beyond the burst, calls cannot come faster than the rate allows.
            let minimum = Double(calls - plan.burst) / plan.rate
            #expect(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18 >= minimum * 0.95)
        }
        try await redis.shutdown()
    }

    /// When Amazon applies a slower plan than the table, the header teaches the client and the
    /// 429s stop.
    @Test func clientLearnsASlowerRateFromTheHeader() async throws {
        let redis = try testRedis()
        let scale = 10.0
        try await SandboxHarness.with(SandboxSettings(port: 0, timeScale: scale, reportProcessingSeconds: 0.6)) { harness in
            let seller = try await harness.createSeller(seed: 402)
            try await harness.installFaults(["sellingPartnerId": seller.sellingPartnerId,
                                             "rateOverrides": [Self.inventory: ["rate": 0.5, "burst": 2]]])
            var settings = harness.settings
            settings.rateLimitKeyPrefix = "test:rl:\(UUID().uuidString)"
            settings.maxAttempts = 8
            let limiter = RedisSPAPIRateLimiter(redis: redis, keyPrefix: settings.rateLimitKeyPrefix, safetyFactor: settings.rateLimitSafetyFactor, logger: SandboxHarness.logger)
            let api = harness.client(rateLimiter: limiter, usagePlans: UsagePlanTable.amazonDefaults.scaled(by: scale), settings: settings).0
                .api(for: harness.connection(for: seller))
            for _ in 0..<10 { _ = try await api.getInventorySummaries(marketplaceID: "ATVPDKIKX0DER") }
            let throttledWhileLearning = try await harness.throttled(seller.sellingPartnerId, Self.inventory)
            for _ in 0..<12 { _ = try await api.getInventorySummaries(marketplaceID: "ATVPDKIKX0DER") }
            let throttledAfter = try await harness.throttled(seller.sellingPartnerId, Self.inventory)
            #expect(throttledAfter == throttledWhileLearning)
            let learned = try await redis.command(["GET", "\(settings.rateLimitKeyPrefix):{\(seller.sellingPartnerId).na}:\(Self.inventory):learned"])
            #expect(learned.string.flatMap(Double.init) == 5)
        }
        try await redis.shutdown()
    }
}
