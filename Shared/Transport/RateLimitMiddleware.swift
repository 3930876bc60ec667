import Foundation
import Hummingbird
import HTTPTypes
import NIOConcurrencyHelpers
import OpsideRedis

/// Limits how often one client may call the public routes it guards: a fixed one-minute window
/// per client address, counted in Redis so every replica shares it. While Redis is down each
/// replica counts on its own, so the limit loosens but never locks people out.
public struct RateLimitMiddleware: RouterMiddleware {
    public typealias Context = OpsideRequestContext

    static let script = RedisScript("""
        local count = redis.call('INCR', KEYS[1])
        if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
        return {count, redis.call('PTTL', KEYS[1])}
        """)

    let redis: RedisClient
    let limitPerMinute: Int
    let scope: String
    let appliesTo: @Sendable (Request) -> Bool
    private let localCounts = NIOLockedValueBox<[String: (window: Int, count: Int)]>([:])

    /// - Parameters:
    ///   - scope: names the counter, so two limiters do not share a budget.
    ///   - appliesTo: which requests count; others pass untouched.
    public init(redis: RedisClient, limitPerMinute: Int, scope: String, appliesTo: @escaping @Sendable (Request) -> Bool) {
        self.redis = redis
        self.limitPerMinute = limitPerMinute
        self.scope = scope
        self.appliesTo = appliesTo
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard appliesTo(request) else { return try await next(request, context) }
        let client = clientKey(request: request, context: context)
        let window = Int(Date().timeIntervalSince1970 / 60)
        let (count, retryAfterSeconds): (Int, Int)
        do {
            let reply = try await redis.evaluate(Self.script, keys: ["opside:ratelimit:\(scope):\(client):\(window)"], arguments: ["60000"])
            let values = reply.array ?? []
            count = Int(values.first?.integer ?? 0)
            retryAfterSeconds = max(1, Int((values.dropFirst().first?.integer ?? 60_000) / 1000))
        } catch {
            count = localCounts.withLockedValue { counts in
                // Forget past windows so an outage with many clients does not grow this without bound.
                if counts.count > 10_000 { counts = counts.filter { $0.value.window == window } }
                let current = counts[client]
                let next = current?.window == window ? (window, current!.count + 1) : (window, 1)
                counts[client] = next
                return next.1
            }
            retryAfterSeconds = 60 - Int(Date().timeIntervalSince1970) % 60
        }
        guard count <= limitPerMinute else {
            var response = ErrorEnvelopeMiddleware.response(
                for: APIError(status: .tooManyRequests, code: "rate_limited",
                              message: "too many requests; try again in \(retryAfterSeconds) seconds",
                              details: ["limitPerMinute": String(limitPerMinute)]),
                requestID: context.requestID)
            response.headers[.retryAfter] = String(retryAfterSeconds)
            return response
        }
        return try await next(request, context)
    }

    private func clientKey(request: Request, context: Context) -> String {
        switch context.remoteAddress {
        case .v4(let address): address.host
        case .v6(let address): address.host
        default: context.remoteAddress?.description ?? "unknown"
        }
    }
}
