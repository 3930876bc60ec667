import AmazonSandbox
import AsyncHTTPClient
import Foundation
import OpsideBenchmarkSupport
import Hummingbird
import Logging
import NIOCore
import OpsideAmazonSPAPI
import OpsideRedis

/// `rate-budget`: how much of Amazon's allowance the client actually uses. Concurrent callers
/// share one seller's getInventorySummaries bucket in Redis and call as fast as the limiter lets
/// them for a window, against an in-process sandbox that enforces the published plan (rate 2/s,
/// burst 2) time-scaled. Budget use = successful calls / (burst + rate × scale × window); the
/// goal is ≥ 0.95 with ≤ 1% of requests throttled. The client spends `rateLimitSafetyFactor`
/// (0.98) of the rate and keeps one burst token spare, so about 0.978 is the ceiling by design.
enum RateBudgetBenchmark {
    static let operation = SPAPIOperation(api: "fbaInventory", name: "getInventorySummaries")

    static func run(_ options: BenchOptions) async throws {
        let callerCounts = try options.string("callers", default: "1,4,16").split(separator: ",").compactMap { Int($0) }.filter { $0 > 0 }
        guard !callerCounts.isEmpty else { throw BenchError("--callers takes a comma-separated list of positive counts") }
        let window = try options.double("seconds", default: 10)
        let scale = try options.double("time-scale", default: 20)
        var logger = Logger(label: "opside-amazon-bench")
        logger.logLevel = .error

        let (portStream, portContinuation) = AsyncStream<Int>.makeStream()
        let (application, _) = buildSandboxApplication(settings: SandboxSettings(port: 0, timeScale: scale), logger: logger) { port in
            portContinuation.yield(port)
            portContinuation.finish()
        }
        let server = Task { try await application.runService() }
        var ports = portStream.makeAsyncIterator()
        guard let port = await ports.next() else { throw BenchError("the sandbox did not start") }
        let baseURL = "http://127.0.0.1:\(port)"
        let redis = RedisClient(settings: RedisSettings(host: try options.string("redis-host", default: "127.0.0.1"),
                                                        port: try options.int("redis-port", default: 6379)))
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { server.cancel() }

        let plan = UsagePlanTable.amazonDefaults.plan(for: operation)
        print("rate-budget: \(operation) published rate \(plan.rate)/s burst \(plan.burst), time scale \(scale) "
              + "(\(plan.rate * scale)/s), window \(window) s")
        do {
            for (index, callers) in callerCounts.enumerated() {
                try await measure(callers: callers, window: window, scale: scale, seed: UInt64(700 + index), baseURL: baseURL,
                                  httpClient: httpClient, redis: redis, logger: logger)
            }
            try await httpClient.shutdown()
            try await redis.shutdown()
        } catch {
            try? await httpClient.shutdown()
            try? await redis.shutdown()
            throw error
        }
    }

    static func measure(callers: Int, window: Double, scale: Double, seed: UInt64, baseURL: String, httpClient: HTTPClient,
                        redis: RedisClient, logger: Logger) async throws {
        let seller = try await admin(httpClient, "POST", baseURL + "/_sandbox/sellers", body: ["seed": seed, "skus": 5, "months": 1])
        guard let sellerID = seller["sellingPartnerId"] as? String, let refreshToken = seller["refreshToken"] as? String else {
            throw BenchError("the sandbox did not create a seller: \(seller)")
        }
        let sandbox = SandboxSettings()
        var settings = AmazonSPAPISettings(
            lwaEndpoint: baseURL + "/auth/o2/token", regionEndpoints: [.northAmerica: baseURL, .europe: baseURL, .farEast: baseURL],
            clientID: sandbox.lwaClientID, clientSecret: sandbox.lwaClientSecret)
        settings.rateLimitKeyPrefix = "bench:rl:\(UUID().uuidString)"
        let tokens = LWAAccessTokenCache(lwa: LoginWithAmazonClient(httpClient: httpClient, settings: settings, logger: logger),
                                         refreshMargin: settings.tokenRefreshMargin, logger: logger)
        let connection = SPAPIConnection.seller(sellerID, region: .northAmerica, refreshToken: refreshToken)
        // The token exchange happens before the window opens: it is not what is measured.
        _ = try await tokens.accessToken(for: connection)
        let plans = UsagePlanTable.amazonDefaults.scaled(by: scale)
        let plan = plans.plan(for: operation)

        let deadline = ContinuousClock.now + .milliseconds(Int64(window * 1000))
        let start = ContinuousClock.now
        let succeeded = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<callers {
                // One client per caller, as separate replicas would have; only Redis joins them.
                let limiter = RedisSPAPIRateLimiter(redis: redis, keyPrefix: settings.rateLimitKeyPrefix,
                                                    safetyFactor: settings.rateLimitSafetyFactor, logger: logger)
                let api = SPAPIClient(settings: settings, httpClient: httpClient, tokens: tokens, rateLimiter: limiter, usagePlans: plans,
                                      logger: logger).api(for: connection)
                group.addTask {
                    var done = 0
                    while ContinuousClock.now < deadline {
                        _ = try await api.getInventorySummaries(marketplaceID: "ATVPDKIKX0DER")
                        if ContinuousClock.now <= deadline { done += 1 }
                    }
                    return done
                }
            }
            return try await group.reduce(0, +)
        }
        let measured = min(window, seconds(ContinuousClock.now - start))
        let stats = try await admin(httpClient, "GET", baseURL + "/_sandbox/sellers/\(sellerID)/stats", body: nil)
        let requests = (stats["requests"] as? [String: Any])?[operation.id] as? Int ?? 0
        let throttled = (stats["throttled"] as? [String: Any])?[operation.id] as? Int ?? 0
        let allowed = Double(plan.burst) + plan.rate * measured
        let use = Double(succeeded) / allowed
        let throttledShare = requests == 0 ? 0 : Double(throttled) / Double(requests)
        print(String(format: "callers %3d: achieved %5d of %7.1f allowed = budget use %.3f; throttled %d of %d requests (%.2f%%) %@",
                     callers, succeeded, allowed, use, throttled, requests, throttledShare * 100,
                     use >= 0.95 && throttledShare <= 0.01 ? "[goal met]" : "[goal missed]"))
    }

    static func admin(_ httpClient: HTTPClient, _ method: String, _ url: String, body: [String: Any]?) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: url)
        request.method = .init(rawValue: method)
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        }
        let response = try await httpClient.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return (try JSONSerialization.jsonObject(with: Data(bytes.readableBytesView))) as? [String: Any] ?? [:]
    }
}
