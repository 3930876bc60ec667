import Foundation
import Hummingbird
import Logging
import NIOCore
import OpsideCore
import OpsidePostgres
import OpsideRedis

/// `/health/live`, `/health/ready`, `/metrics` and `/openapi.json`: the endpoints every service
/// serves the same way.
struct PlatformController {
    let serviceName: String
    let database: Database
    let redis: RedisClient
    let openAPIDocument: ByteBuffer
    let metricsAccess: MetricsAccess

    struct Readiness: ResponseEncodable {
        let status: String
        let service: String
        let checks: [String: String]
    }

    func addRoutes(to router: Router<OpsideRequestContext>) {
        // Liveness never changes, and load balancers ask for it many times a second: its body is
        // encoded once, not per request.
        let liveBody = ByteBuffer(bytes: (try? OpsideJSON.encode(Readiness(status: "live", service: serviceName, checks: [:]))) ?? Data())
        router.get("/health/live") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "application/json; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: liveBody))
        }
        router.get("/health/ready") { _, _ in try await ready() }
        router.get("/metrics") { request, context in
            try metricsAccess.check(request, context: context)
            return MetricsListener.exposition()
        }
        router.get("/openapi.json") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: openAPIDocument))
        }
    }

    /// Really asks Postgres and Redis, both at once, each within two seconds.
    func ready() async throws -> Readiness {
        async let postgres: String? = failure { try await database.ping(timeout: .seconds(2)) }
        async let redisCheck: String? = failure {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await redis.ping() }
                group.addTask {
                    try await Task.sleep(for: .seconds(2))
                    throw RedisError.io("no answer within 2 seconds")
                }
                try await group.next()
                group.cancelAll()
            }
        }
        let (postgresFailure, redisFailure) = await (postgres, redisCheck)
        var down: [String: String] = [:]
        if let postgresFailure { down["postgres"] = postgresFailure }
        if let redisFailure { down["redis"] = redisFailure }
        guard down.isEmpty else {
            throw APIError.unavailable("not ready: \(down.keys.sorted().joined(separator: " and ")) down", details: down)
        }
        return Readiness(status: "ready", service: serviceName, checks: ["postgres": "ok", "redis": "ok"])
    }

    private func failure(_ check: @Sendable () async throws -> Void) async -> String? {
        do {
            try await check()
            return nil
        } catch {
            return String(describing: error)
        }
    }
}

/// Who may read `/metrics` on a service's own port: anyone presenting `metrics.token`, and
/// without it only a client on this machine (a developer, the benchmarks). Scrapers elsewhere use
/// the token or the separate `metrics.port` listener, so request counts, routes and error rates
/// are not public.
struct MetricsAccess: Sendable {
    let token: String?

    func check(_ request: Request, context: OpsideRequestContext) throws {
        if let token, let header = request.headers[.authorization], header.hasPrefix("Bearer ") {
            guard ConstantTime.equal(Array(header.utf8.dropFirst("Bearer ".utf8.count)), Array(token.utf8)) else {
                throw APIError.unauthorized("the metrics token is wrong")
            }
            return
        }
        guard context.isLoopbackClient else {
            throw APIError.unauthorized("metrics need Authorization: Bearer <metrics.token>, or a scrape of the metrics.port listener")
        }
    }
}

/// The optional second listener that serves `/metrics` alone (`metrics.host`, `metrics.port`).
enum MetricsListener {
    static func exposition() -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: OpsideMetrics.exposition())))
    }

    static func application(host: String, port: Int, logger: Logger) -> some ApplicationProtocol {
        let router = Router()
        router.get("/metrics") { _, _ in exposition() }
        return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "metrics"),
                           logger: logger)
    }
}

/// Comparison whose time does not depend on where two secrets first differ.
enum ConstantTime {
    static func equal(_ left: [UInt8], _ right: [UInt8]) -> Bool {
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }
}
