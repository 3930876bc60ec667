import Logging
import OpsideRedis
import Synchronization

/// Paces calls so Amazon's token buckets never run dry: `acquire` WAITS until a token is free
/// instead of letting the request be throttled.
public protocol SPAPIRateLimiter: Sendable {
    /// Returns once a token for (bucket, operation) has been taken, sleeping as long as needed.
    func acquire(bucket: String, plan: UsagePlan) async throws
    /// Records the rate Amazon says it applies (`x-amzn-RateLimit-Limit`); later acquisitions use
    /// the smaller of it and the published plan.
    func learn(bucket: String, operation: SPAPIOperation, rate: Double) async throws
}

/// Token buckets in Redis, shared by every replica and process that talks for a seller.
///
/// One Lua script refills the bucket by the time elapsed on the Redis server's clock (so
/// replicas with skewed clocks agree), then takes a token or answers how many microseconds
/// until one is free. The caller sleeps that long and asks again.
///
/// Why a token is taken only when it is there, not reserved ahead: a waiter that wakes late (a
/// starved machine) then takes its token late, and the next token is timed from that moment, so
/// two requests never leave closer together than the bucket allows; with reservations made
/// ahead, a late request lands right in front of the next slot's, and two so close can exceed
/// the one token kept spare at Amazon. What this costs is the waiter's lateness on every wait,
/// which is why the wait is exact to the microsecond and the sleep's tolerance small: when a
/// token frees every few tens of milliseconds, a millisecond rounded up is several per cent of
/// the budget.
public final class RedisSPAPIRateLimiter: SPAPIRateLimiter {
    /// KEYS[1] bucket hash {tokens, ts}; KEYS[2] learned rate.
    /// ARGV[1] published rate (tokens/s), ARGV[2] burst, ARGV[3] safety factor.
    /// Returns 0 when a token was taken, else the wait in microseconds.
    static let script = RedisScript("""
    local now_parts = redis.call('TIME')
    local now = tonumber(now_parts[1]) * 1000000 + tonumber(now_parts[2])
    local rate = tonumber(ARGV[1])
    local learned = tonumber(redis.call('GET', KEYS[2]) or '')
    if learned and learned > 0 and learned < rate then rate = learned end
    rate = rate * tonumber(ARGV[3])
    local burst = tonumber(ARGV[2])
    local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
    local tokens = tonumber(state[1])
    local ts = tonumber(state[2])
    if tokens == nil or ts == nil then
      tokens = burst
      ts = now
    end
    local elapsed = now - ts
    if elapsed < 0 then elapsed = 0 end
    tokens = math.min(burst, tokens + elapsed * rate / 1000000)
    local wait = 0
    if tokens >= 1 then
      tokens = tokens - 1
    else
      wait = math.ceil((1 - tokens) * 1000000 / rate)
    end
    redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
    redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 60000)
    return wait
    """)

    let redis: RedisClient
    let keyPrefix: String
    let safetyFactor: Double
    let logger: Logger
    /// The last rate written per key, so the header does not cost a Redis write on every response.
    private let learnedRates = Mutex<[String: (rate: Double, writtenAt: ContinuousClock.Instant)]>([:])

    public init(redis: RedisClient, keyPrefix: String, safetyFactor: Double, logger: Logger) {
        self.redis = redis
        self.keyPrefix = keyPrefix
        self.safetyFactor = safetyFactor
        self.logger = logger
    }

    func bucketKey(_ bucket: String, _ operation: SPAPIOperation) -> String {
        "\(keyPrefix):{\(bucket)}:\(operation.id)"
    }

    func learnedKey(_ bucket: String, _ operation: SPAPIOperation) -> String {
        "\(keyPrefix):{\(bucket)}:\(operation.id):learned"
    }

    public func acquire(bucket: String, plan: UsagePlan) async throws {
        let keys = [bucketKey(bucket, plan.operation), learnedKey(bucket, plan.operation)]
        // One token stays in reserve at Amazon: requests from several processes reach Amazon a
        // few milliseconds apart from when they were paced, and the spare token absorbs that.
        let arguments = [String(plan.rate), String(max(1, plan.burst - 1)), String(safetyFactor)]
        while true {
            let reply = try await redis.evaluate(Self.script, keys: keys, arguments: arguments)
            guard let waitMicroseconds = reply.integer else {
                throw RedisError.server("rate limiter script returned \(reply)")
            }
            if waitMicroseconds <= 0 { return }
            try await Task.sleep(for: .microseconds(waitMicroseconds), tolerance: .microseconds(200))
        }
    }

    public func learn(bucket: String, operation: SPAPIOperation, rate: Double) async throws {
        guard rate > 0, rate.isFinite else { return }
        let key = learnedKey(bucket, operation)
        let now = ContinuousClock.now
        let changed = learnedRates.withLock { known in
            if let previous = known[key], abs(previous.rate - rate) <= previous.rate * 0.001,
               now - previous.writtenAt < .seconds(3600) {
                return false
            }
            known[key] = (rate, now)
            return true
        }
        guard changed else { return }
        // Kept for a day: a raised limit shows up in the header and overwrites it sooner.
        _ = try await redis.command(["SET", key, String(rate), "EX", "86400"])
        logger.debug("learned SP-API rate", metadata: ["operation": "\(operation.id)", "rate": "\(rate)"])
    }
}
