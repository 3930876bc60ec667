import AmazonSandbox
import AsyncHTTPClient
import Foundation
import OpsideBenchmarkSupport
import Logging
import OpsideAmazonSPAPI
import OpsideRedis

/// `hammer`: one process's share of a seller's traffic. It paces through the same Redis bucket
/// as every other process talking for the seller, which is what the cross-process rate-limit test
/// proves: processes that never talk to each other still keep to Amazon's rate together.
enum Hammer {
    static func run(_ options: BenchOptions) async throws {
        let baseURL = try options.string("base-url")
        let sellerID = try options.string("selling-partner-id")
        let refreshToken = try options.string("refresh-token")
        let calls = try options.int("calls", default: 10)
        let concurrency = try options.int("concurrency", default: 1)
        let operation = try options.string("operation", default: "fbaInventory.getInventorySummaries")
        let scale = try options.double("time-scale", default: 1)
        let sandboxDefaults = SandboxSettings()
        var settings = AmazonSPAPISettings(
            lwaEndpoint: baseURL + "/auth/o2/token", regionEndpoints: [.northAmerica: baseURL, .europe: baseURL, .farEast: baseURL],
            clientID: try options.string("client-id", default: sandboxDefaults.lwaClientID),
            clientSecret: try options.string("client-secret", default: sandboxDefaults.lwaClientSecret))
        settings.rateLimitKeyPrefix = try options.string("key-prefix", default: settings.rateLimitKeyPrefix)
        var logger = Logger(label: "opside-amazon-bench")
        logger.logLevel = .warning

        let redis = RedisClient(settings: RedisSettings(host: try options.string("redis-host", default: "127.0.0.1"),
                                                        port: try options.int("redis-port", default: 6379)))
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton)
        let limiter = RedisSPAPIRateLimiter(redis: redis, keyPrefix: settings.rateLimitKeyPrefix, safetyFactor: settings.rateLimitSafetyFactor,
                                            logger: logger)
        let tokens = LWAAccessTokenCache(lwa: LoginWithAmazonClient(httpClient: httpClient, settings: settings, logger: logger),
                                         refreshMargin: settings.tokenRefreshMargin, logger: logger)
        let client = SPAPIClient(settings: settings, httpClient: httpClient, tokens: tokens, rateLimiter: limiter,
                                 usagePlans: UsagePlanTable.amazonDefaults.scaled(by: scale), logger: logger)
        let api = client.api(for: .seller(sellerID, region: .northAmerica, refreshToken: refreshToken))
        let call: @Sendable () async throws -> Void
        switch operation {
        case "fbaInventory.getInventorySummaries":
            call = { _ = try await api.getInventorySummaries(marketplaceID: "ATVPDKIKX0DER") }
        case "sellers.getMarketplaceParticipations":
            call = { _ = try await api.getMarketplaceParticipations() }
        default:
            try await httpClient.shutdown()
            try await redis.shutdown()
            throw BenchError("--operation must be fbaInventory.getInventorySummaries or sellers.getMarketplaceParticipations")
        }

        let startedAt = Date()
        let start = ContinuousClock.now
        let outcomes = await withTaskGroup(of: [String?].self) { group in
            for worker in 0..<concurrency {
                let share = calls / concurrency + (worker < calls % concurrency ? 1 : 0)
                group.addTask {
                    var results: [String?] = []
                    for _ in 0..<share {
                        do {
                            try await call()
                            results.append(nil)
                        } catch {
                            results.append(String(describing: error))
                        }
                    }
                    return results
                }
            }
            return await group.reduce(into: [String?]()) { $0 += $1 }
        }
        let elapsed = seconds(ContinuousClock.now - start)
        let finishedAt = Date()
        try await httpClient.shutdown()
        try await redis.shutdown()

        let errors = outcomes.compactMap { $0 }
        let report: [String: Any] = [
            "operation": operation, "calls": calls, "succeeded": calls - errors.count, "failed": errors.count,
            "startedAt": startedAt.timeIntervalSince1970, "finishedAt": finishedAt.timeIntervalSince1970, "elapsedSeconds": elapsed,
            "errors": Array(errors.prefix(5)),
        ]
        let json = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
        if !errors.isEmpty { throw BenchError("\(errors.count) of \(calls) calls failed") }
    }
}
