import AmazonSandbox
import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import OpsideAmazonSPAPI
import OpsideRedis
import Synchronization
import Testing

/// A sandbox booted in-process on an ephemeral port, plus a real client talking to it over HTTP.
public final class SandboxHarness: ShutsDown {
    public let baseURL: String
    public let state: SandboxState
    public let httpClient: HTTPClient
    public let settings: AmazonSPAPISettings
    public let serverTask: Task<Void, any Error>
    public static let logger = Logger(label: "amazon-tests")

    private init(baseURL: String, state: SandboxState, serverTask: Task<Void, any Error>, sandbox: SandboxSettings) {
        self.baseURL = baseURL
        self.state = state
        self.serverTask = serverTask
        self.httpClient = HTTPClient(eventLoopGroupProvider: .singleton)
        self.settings = AmazonSPAPISettings(
            lwaEndpoint: "\(baseURL)/auth/o2/token",
            regionEndpoints: [.northAmerica: baseURL, .europe: baseURL, .farEast: baseURL],
            clientID: sandbox.lwaClientID, clientSecret: sandbox.lwaClientSecret,
            requestTimeout: .seconds(10), maxAttempts: 4, retryBaseDelay: .milliseconds(20), retryMaxDelay: .milliseconds(200),
            reportPollInitialInterval: .milliseconds(200), reportPollMaxInterval: .milliseconds(500), reportTimeout: .seconds(60))
    }

    public static func start(_ sandbox: SandboxSettings = SandboxSettings(port: 0, reportProcessingSeconds: 0.6)) async throws -> SandboxHarness {
        var sandbox = sandbox
        sandbox.port = 0
        let (portStream, portContinuation) = AsyncStream<Int>.makeStream()
        let (application, state) = buildSandboxApplication(settings: sandbox, logger: Logger(label: "sandbox-under-test")) { port in
            portContinuation.yield(port)
            portContinuation.finish()
        }
        let task = Task { try await application.runService() }
        var iterator = portStream.makeAsyncIterator()
        guard let port = await iterator.next() else { throw HarnessError("sandbox did not start") }
        return SandboxHarness(baseURL: "http://127.0.0.1:\(port)", state: state, serverTask: task, sandbox: sandbox)
    }

    /// Runs `body` against a fresh sandbox and always shuts both down, also when `body` throws.
    public static func with<T>(_ sandbox: SandboxSettings = SandboxSettings(port: 0, reportProcessingSeconds: 0.6),
                        _ body: (SandboxHarness) async throws -> T) async throws -> T {
        try await start(sandbox).use(body)
    }

    public func shutdown() async throws {
        try await httpClient.shutdown()
        serverTask.cancel()
        _ = await serverTask.result
    }

    public func client(rateLimiter: any SPAPIRateLimiter = UnpacedRateLimiter(), usagePlans: UsagePlanTable = .amazonDefaults,
                settings: AmazonSPAPISettings? = nil) -> (SPAPIClient, LWAAccessTokenCache) {
        let settings = settings ?? self.settings
        let lwa = LoginWithAmazonClient(httpClient: httpClient, settings: settings, logger: Self.logger)
        let cache = LWAAccessTokenCache(lwa: lwa, refreshMargin: settings.tokenRefreshMargin, logger: Self.logger)
        return (SPAPIClient(settings: settings, httpClient: httpClient, tokens: cache, rateLimiter: rateLimiter,
                            usagePlans: usagePlans, logger: Self.logger), cache)
    }

    // MARK: Admin API

    public struct Seller: Decodable {
        public let sellingPartnerId: String
        public let refreshToken: String
        public let region: String
        public let marketplaceIds: [String]
    }

    public func createSeller(seed: UInt64, skus: Int = 20, months: Int = 3) async throws -> Seller {
        let body = try await admin("POST", "/_sandbox/sellers", ["seed": seed, "skus": skus, "months": months])
        return try JSONDecoder().decode(Seller.self, from: Data(body))
    }

    public func connection(for seller: Seller) -> SPAPIConnection {
        SPAPIConnection.seller(seller.sellingPartnerId, region: .northAmerica, refreshToken: seller.refreshToken)
    }

    public func installFaults(_ profile: [String: Any]) async throws {
        _ = try await admin("PUT", "/_sandbox/faults", profile)
    }

    public func clearFaults() async throws {
        _ = try await admin("DELETE", "/_sandbox/faults", nil)
    }

    public func stats(_ seller: String) async throws -> [String: Any] {
        let body = try await admin("GET", "/_sandbox/sellers/\(seller)/stats", nil)
        return try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] ?? [:]
    }

    public func requests(_ seller: String, _ operation: String) async throws -> Int {
        (try await stats(seller)["requests"] as? [String: Any])?[operation] as? Int ?? 0
    }

    public func throttled(_ seller: String, _ operation: String) async throws -> Int {
        (try await stats(seller)["throttled"] as? [String: Any])?[operation] as? Int ?? 0
    }

    public func tokenRefreshes(_ seller: String) async throws -> Int {
        try await stats(seller)["tokenRefreshes"] as? Int ?? -1
    }

    @discardableResult
    public func admin(_ method: String, _ path: String, _ json: [String: Any]?, expect: Int? = nil) async throws -> [UInt8] {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .init(rawValue: method)
        if let json {
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json)))
            request.headers.add(name: "Content-Type", value: "application/json")
        }
        let response = try await httpClient.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 64 << 20)
        if let expect, Int(response.status.code) != expect {
            throw HarnessError("\(method) \(path) answered \(response.status.code): \(String(buffer: body))")
        }
        return Array(body.readableBytesView)
    }
}

public struct HarnessError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A limiter that never waits: for tests about everything but pacing.
public struct UnpacedRateLimiter: SPAPIRateLimiter {
    public init() {}
    public func acquire(bucket: String, plan: UsagePlan) async throws {}
    public func learn(bucket: String, operation: SPAPIOperation, rate: Double) async throws {}
}

/// The Redis the test script starts (deploy/test), or a clear failure.
public func testRedis() throws -> RedisClient {
    let environment = ProcessInfo.processInfo.environment
    // Same spelling and default host as OpsideTests' TestEnvironment.
    let host = environment["OPSIDE_TEST_REDIS_HOST"] ?? "127.0.0.1"
    guard let port = environment["OPSIDE_TEST_REDIS_PORT"].flatMap(Int.init) else {
        throw HarnessError("OPSIDE_TEST_REDIS_PORT is not set: run the tests through deploy/test, which starts a throwaway redis-server")
    }
    return RedisClient(settings: RedisSettings(host: host, port: port))
}

/// In-memory chunks as an async byte source.
public struct ChunkSource: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer
    public let chunks: [ByteBuffer]

    public init(_ bytes: [UInt8], chunkSize: Int = 7) {
        chunks = stride(from: 0, to: bytes.count, by: chunkSize).map { ByteBuffer(bytes: bytes[$0..<Swift.min(bytes.count, $0 + chunkSize)]) }
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        public var remaining: ArraySlice<ByteBuffer>
        public mutating func next() async throws -> ByteBuffer? { remaining.popFirst() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(remaining: chunks[...]) }
}
