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
/// When Redis cannot be reached the limiter does not stop pacing: each process falls back to a
/// bucket of its own (`LocalSPAPIRateLimiter`) at `fallbackShare` of the rate, with no burst,
/// because it can no longer see what the other replicas spend. It goes back to the shared
/// buckets as soon as Redis answers again; the outage and the recovery are logged once each.
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
    /// Paces this process alone while Redis is unreachable.
    let fallback: LocalSPAPIRateLimiter
    /// The last rate written per key, so the header does not cost a Redis write on every response.
    private let learnedRates = Mutex<[String: (rate: Double, writtenAt: ContinuousClock.Instant)]>([:])
    /// Whether the last attempt to reach the shared buckets failed (so each change is logged once).
    private let sharedBucketsDown = Mutex(false)

    /// A conservative share: with the shared buckets gone, two replicas each at half the rate
    /// still keep within Amazon's; more replicas lean on the 429 retries, slower but correct.
    public static let defaultFallbackShare = 0.5

    /// - Parameters:
    ///   - safetyFactor: fraction of the published rate spent through the shared buckets.
    ///   - fallbackShare: fraction of that rate this process spends on its own while Redis is down.
    public init(redis: RedisClient, keyPrefix: String, safetyFactor: Double, fallbackShare: Double = RedisSPAPIRateLimiter.defaultFallbackShare,
                logger: Logger) {
        self.redis = redis
        self.keyPrefix = keyPrefix
        self.safetyFactor = safetyFactor
        self.logger = logger
        fallback = LocalSPAPIRateLimiter(share: safetyFactor * min(1, max(0.05, fallbackShare)))
    }

    /// Whether calls are currently paced locally because Redis did not answer.
    public var isPacingLocally: Bool { sharedBucketsDown.withLock { $0 } }

    /// The Redis key of a seller's bucket for one operation (public for the benchmark that sizes them).
    public func bucketKey(_ bucket: String, _ operation: SPAPIOperation) -> String {
        "\(keyPrefix):{\(bucket)}:\(operation.id)"
    }

    /// The Redis key of the rate Amazon's header taught for a seller and operation.
    public func learnedKey(_ bucket: String, _ operation: SPAPIOperation) -> String {
        "\(keyPrefix):{\(bucket)}:\(operation.id):learned"
    }

    public func acquire(bucket: String, plan: UsagePlan) async throws {
        while true {
            let wait: Duration
            do {
                guard let needed = try await tryAcquire(bucket: bucket, plan: plan) else { return }
                wait = needed
            } catch is CancellationError {
                throw CancellationError()
            } catch let error as RedisError {
                noteSharedBuckets(reachable: false, error: error)
                try await fallback.acquire(bucket: bucket, plan: plan)
                return
            }
            try await Task.sleep(for: wait, tolerance: .microseconds(200))
        }
    }

    /// One attempt on the shared bucket: nil when a token was taken, else how long until one is
    /// free. One script call, one round trip to Redis (`Benchmarks/run buckets` times it).
    /// - Throws: `RedisError` when Redis cannot be reached or the script answers nonsense.
    public func tryAcquire(bucket: String, plan: UsagePlan) async throws -> Duration? {
        let keys = [bucketKey(bucket, plan.operation), learnedKey(bucket, plan.operation)]
        // One token stays in reserve at Amazon: requests from several processes reach Amazon a
        // few milliseconds apart from when they were paced, and the spare token absorbs that.
        let arguments = [String(plan.rate), String(max(1, plan.burst - 1)), String(safetyFactor)]
        let reply: RedisValue
        do {
            reply = try await redis.evaluate(Self.script, keys: keys, arguments: arguments)
        } catch let error as RedisError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw RedisError.io("\(error)")
        }
        noteSharedBuckets(reachable: true, error: nil)
        guard let waitMicroseconds = reply.integer else {
            throw RedisError.server("rate limiter script returned \(reply)")
        }
        return waitMicroseconds <= 0 ? nil : .microseconds(waitMicroseconds)
    }

    private func noteSharedBuckets(reachable: Bool, error: (any Error)?) {
        let changed = sharedBucketsDown.withLock { down in
            defer { down = !reachable }
            return down == reachable
        }
        guard changed else { return }
        if reachable {
            logger.notice("SP-API rate limits are shared through Redis again")
        } else {
            logger.warning("Redis unreachable: pacing SP-API calls locally at a reduced rate",
                           metadata: ["error": "\(error.map { "\($0)" } ?? "")"])
        }
    }

    public func learn(bucket: String, operation: SPAPIOperation, rate: Double) async throws {
        guard rate > 0, rate.isFinite else { return }
        // Kept locally too, so pacing without Redis also honours what Amazon said.
        try await fallback.learn(bucket: bucket, operation: operation, rate: rate)
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

/// Token buckets in this process's memory, one per (bucket, operation): the pacing of last resort
/// when the shared buckets are unreachable.
///
/// Each bucket holds at most one token (no bursts: other processes may be spending the same
/// seller's burst) and refills at `share` of the published rate, or of the rate Amazon's
/// header taught, whichever is lower.
public final class LocalSPAPIRateLimiter: SPAPIRateLimiter {
    struct Bucket {
        var tokens: Double
        var at: ContinuousClock.Instant
    }

    let share: Double
    private let buckets = Mutex<[String: Bucket]>([:])
    private let learned = Mutex<[String: Double]>([:])

    /// - Parameter share: the fraction of the published rate to spend, in (0, 1].
    public init(share: Double) {
        self.share = min(1, max(0.01, share))
    }

    static func key(_ bucket: String, _ operation: SPAPIOperation) -> String { "\(bucket)|\(operation.id)" }

    /// The rate this limiter spends for a plan, in calls per second.
    public func rate(bucket: String, plan: UsagePlan) -> Double {
        let key = Self.key(bucket, plan.operation)
        let learnedRate = learned.withLock { $0[key] }
        let base = learnedRate.map { min($0, plan.rate) } ?? plan.rate
        return base * share
    }

    public func acquire(bucket: String, plan: UsagePlan) async throws {
        let key = Self.key(bucket, plan.operation)
        let rate = self.rate(bucket: bucket, plan: plan)
        guard rate > 0, rate.isFinite else { return }
        while true {
            let now = ContinuousClock.now
            let wait: Double = buckets.withLock { all in
                var bucket = all[key] ?? Bucket(tokens: 1, at: now)
                let elapsed = now - bucket.at
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                bucket.tokens = min(1, bucket.tokens + max(0, seconds) * rate)
                bucket.at = now
                defer { all[key] = bucket }
                if bucket.tokens >= 1 {
                    bucket.tokens -= 1
                    return 0
                }
                return (1 - bucket.tokens) / rate
            }
            if wait <= 0 { return }
            try await Task.sleep(for: .microseconds(Int64((wait * 1_000_000).rounded(.up))), tolerance: .microseconds(200))
        }
    }

    public func learn(bucket: String, operation: SPAPIOperation, rate: Double) async throws {
        guard rate > 0, rate.isFinite else { return }
        learned.withLock { $0[Self.key(bucket, operation)] = rate }
    }
}
