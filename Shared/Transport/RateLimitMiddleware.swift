import Foundation
import Hummingbird
import HTTPTypes
import NIOConcurrencyHelpers
import OpsideRedis

/// Counts events per key over a sliding window and says whether one more is allowed.
///
/// The window slides: it holds the events of the last `window` seconds, whenever "now" is. A
/// fixed per-minute bucket lets a client spend its budget at 0:59 and again at 1:00, twice the
/// limit within two seconds; a sliding log cannot be doubled that way. The log lives in Redis (a
/// sorted set per key, one script per decision), so every replica shares it. While Redis is
/// unreachable each replica keeps the same log in memory: the limit loosens to one budget per
/// replica, but never stops counting and never locks anyone out for Redis' sake.
public final class SlidingWindowLimiter: Sendable {
    public struct Decision: Sendable, Equatable {
        public let allowed: Bool
        /// Events in the window, counting this one when it was allowed.
        public let count: Int
        /// Seconds until the oldest event leaves the window (≥ 1 when refused).
        public let retryAfterSeconds: Int
    }

    /// KEYS[1] the log; ARGV: now (ms), window (ms), limit, member, record (1: add when allowed).
    static let script = RedisScript("""
        local now = tonumber(ARGV[1])
        local window = tonumber(ARGV[2])
        local limit = tonumber(ARGV[3])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
        local count = redis.call('ZCARD', KEYS[1])
        local allowed = 0
        if count < limit then
            allowed = 1
            if ARGV[5] == '1' then
                redis.call('ZADD', KEYS[1], now, ARGV[4])
                count = count + 1
            end
        end
        redis.call('PEXPIRE', KEYS[1], window)
        local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
        local retry = 0
        if oldest[2] then retry = tonumber(oldest[2]) + window - now end
        return {allowed, count, retry}
        """)

    let redis: RedisClient
    let limit: Int
    let window: TimeInterval
    let prefix: String
    let now: @Sendable () -> Date
    private let local = NIOLockedValueBox<[String: [Date]]>([:])

    /// - Parameters:
    ///   - prefix: names this limiter's keys in Redis, so two limiters never share a budget.
    ///   - now: the clock the window slides on; tests move it.
    public init(redis: RedisClient, limit: Int, window: TimeInterval, prefix: String, now: @escaping @Sendable () -> Date = Date.init) {
        self.redis = redis
        self.limit = limit
        self.window = window
        self.prefix = prefix
        self.now = now
    }

    /// Counts one event for `key` if the window has room, and says whether it had.
    public func hit(_ key: String) async -> Decision {
        await decide(key, record: true)
    }

    /// Whether one more event would be allowed, without counting one.
    public func check(_ key: String) async -> Decision {
        await decide(key, record: false)
    }

    private func decide(_ key: String, record: Bool) async -> Decision {
        let now = self.now()
        let nowMilliseconds = Int64((now.timeIntervalSince1970 * 1000).rounded())
        let windowMilliseconds = Int64(window * 1000)
        do {
            let reply = try await redis.evaluate(Self.script, keys: ["\(prefix):\(key)"], arguments: [
                String(nowMilliseconds), String(windowMilliseconds), String(limit), UUID().uuidString, record ? "1" : "0",
            ])
            let values = reply.array ?? []
            let allowed = values.first?.integer == 1
            let count = Int(values.dropFirst().first?.integer ?? 0)
            let retryMilliseconds = values.dropFirst(2).first?.integer ?? windowMilliseconds
            return Decision(allowed: allowed, count: count, retryAfterSeconds: max(1, Int((retryMilliseconds + 999) / 1000)))
        } catch {
            return decideLocally(key, now: now, record: record)
        }
    }

    private func decideLocally(_ key: String, now: Date, record: Bool) -> Decision {
        local.withLockedValue { logs in
            // Forget idle keys, so an outage with many clients does not grow this without bound.
            if logs.count > 10_000 {
                logs = logs.filter { $0.value.last.map { now.timeIntervalSince($0) < window } ?? false }
            }
            var events = (logs[key] ?? []).filter { now.timeIntervalSince($0) < window }
            let allowed = events.count < limit
            if allowed, record { events.append(now) }
            logs[key] = events
            let retry = events.first.map { window - now.timeIntervalSince($0) } ?? window
            return Decision(allowed: allowed, count: events.count, retryAfterSeconds: max(1, Int(retry.rounded(.up))))
        }
    }

    /// The 429 a refused client gets, with `Retry-After`.
    public func refusal(_ decision: Decision, message: String, requestID: String) -> Response {
        var response = ErrorEnvelopeMiddleware.response(
            for: APIError(status: .tooManyRequests, code: "rate_limited",
                          message: "\(message); try again in \(decision.retryAfterSeconds) seconds",
                          details: ["limit": String(limit), "windowSeconds": String(Int(window))]),
            requestID: requestID)
        response.headers[.retryAfter] = String(decision.retryAfterSeconds)
        return response
    }
}

/// Where a request comes from, for limits: the socket's peer, or the address a trusted proxy
/// names in the header configured as `rateLimit.clientAddressHeader` (e.g. Fly's
/// `Fly-Client-IP`). The header is read only when configured: from anyone else it is a value the
/// client chose, and a limit keyed on it could be dodged by changing it.
public struct ClientAddress: Sendable {
    let trustedHeader: HTTPField.Name?

    public init(trustedHeader: String?) {
        self.trustedHeader = trustedHeader.flatMap { $0.isEmpty ? nil : HTTPField.Name($0) }
    }

    public func of(_ request: Request, context: OpsideRequestContext) -> String {
        if let trustedHeader, let value = request.headers[trustedHeader] {
            // A proxy that appends (X-Forwarded-For style) puts the client it saw last.
            let last = value.split(separator: ",").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            if !last.isEmpty, last.utf8.count <= 64, last.allSatisfy({ $0.isHexDigit || $0 == "." || $0 == ":" }) {
                return last
            }
        }
        switch context.remoteAddress {
        case .v4(let address): return address.host
        case .v6(let address): return address.host
        default: return context.remoteAddress?.description ?? "unknown"
        }
    }
}

/// Limits how often one client address may call the public routes it guards, over a sliding
/// window shared by every replica (see `SlidingWindowLimiter`).
public struct RateLimitMiddleware: RouterMiddleware {
    public typealias Context = OpsideRequestContext

    let limiter: SlidingWindowLimiter
    let clientAddress: ClientAddress
    let appliesTo: @Sendable (String) -> Bool

    /// - Parameters:
    ///   - appliesTo: which requests count, given the matched route or the canonical path
    ///     (`OpsideRequestContext.guardedPath`), so `//api/...` counts like `/api/...`.
    public init(limiter: SlidingWindowLimiter, clientAddress: ClientAddress, appliesTo: @escaping @Sendable (String) -> Bool) {
        self.limiter = limiter
        self.clientAddress = clientAddress
        self.appliesTo = appliesTo
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard appliesTo(context.guardedPath(of: request)) else { return try await next(request, context) }
        let decision = await limiter.hit(clientAddress.of(request, context: context))
        guard decision.allowed else {
            return limiter.refusal(decision, message: "too many requests from this address", requestID: context.requestID)
        }
        return try await next(request, context)
    }
}
