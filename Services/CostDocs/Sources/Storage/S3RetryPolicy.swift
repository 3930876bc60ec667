/// How an `S3ContentStore` retries: only answers that say "try again" (5xx, including S3's
/// `SlowDown` 503) and requests that timed out. A 4xx is the caller's or the settings' mistake and
/// comes back at once; so does a refused connection (nothing listens: retrying only delays the report).
public struct S3RetryPolicy: Sendable {
    /// Attempts in all, the first included.
    public var maximumAttempts: Int
    /// The wait before the first retry; each retry waits twice as long as the one before, up to
    /// `maximumDelay`, with full jitter (a random wait up to that) so many clients do not retry in step.
    public var firstDelay: Duration
    public var maximumDelay: Duration
    /// How long one attempt may wait for the server's answer to start: the request body is sent
    /// within it (a 100 MB upload over a slow link needs minutes). AsyncHTTPClient's deadline ends
    /// when the response head arrives, so a response body that stalls midway is ended by the
    /// client's read timeout (`HTTPClient.Configuration.Timeout.read`, set by the composition
    /// root) and then retried like any timeout.
    public var attemptTimeout: Duration

    public init(maximumAttempts: Int = 4, firstDelay: Duration = .milliseconds(200), maximumDelay: Duration = .seconds(5),
                attemptTimeout: Duration = .seconds(300)) {
        self.maximumAttempts = max(1, maximumAttempts)
        self.firstDelay = firstDelay
        self.maximumDelay = maximumDelay
        self.attemptTimeout = attemptTimeout
    }

    /// The wait after failed attempt number `attempt` (1 for the first).
    func delay(afterAttempt attempt: Int) -> Duration {
        let doubled = firstDelay * (1 << min(attempt - 1, 20))
        let ceiling = min(doubled, maximumDelay)
        return .nanoseconds(Int64.random(in: 0...max(1, ceiling.nanoseconds)))
    }
}

extension Duration {
    /// Whole nanoseconds (NIO's `TimeAmount` counts in them).
    var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
