import Configuration

/// How the Stripe sandbox runs.
///
/// Keys (environment spelling in brackets):
/// - `stripeSandbox.host` [`STRIPE_SANDBOX_HOST`]: listen address; default `127.0.0.1`.
/// - `stripeSandbox.port` [`STRIPE_SANDBOX_PORT`]: listen port; default 12111, stripe-mock's (0 picks
///   a free port, for tests).
/// - `stripeSandbox.secretKey` [`STRIPE_SANDBOX_SECRET_KEY`]: the test secret key the API accepts;
///   default `sk_test_opside_sandbox` (a sandbox-only value, documented so a fresh checkout runs).
/// - `stripeSandbox.publicUrl` [`STRIPE_SANDBOX_PUBLIC_URL`]: the base of the hosted pages' links
///   (Checkout, invoices, onboarding) as a browser reaches them; default `http://127.0.0.1:<port>`.
/// - `stripeSandbox.webhookRetrySeconds` [`STRIPE_SANDBOX_WEBHOOK_RETRY_SECONDS`, comma-separated]:
///   the waits before each retry of a failed webhook delivery; default `300,3600,7200` (a test-mode
///   endpoint gets three retries over a few hours).
/// - `stripeSandbox.requestsPerSecond` [`STRIPE_SANDBOX_REQUESTS_PER_SECOND`]: the rate limit per secret
///   key, 25 as in Stripe's test mode; 0 turns it off.
/// - `stripeSandbox.tickMilliseconds`: how often time-driven changes (funds becoming available,
///   payouts arriving, webhook retries) are applied; default 200.
public struct StripeSandboxSettings: Sendable {
    public var host: String
    public var port: Int
    public var secretKey: String
    public var publicURL: String?
    public var webhookRetrySeconds: [Double]
    public var requestsPerSecond: Double
    public var tickMilliseconds: Int

    public static let defaultSecretKey = "sk_test_opside_sandbox"
    /// The API version the sandbox answers in when a request names none (stripe-python 16.1's pin).
    public static let apiVersion = "2026-10-28.endive"

    public init(host: String = "127.0.0.1", port: Int = 12111, secretKey: String = StripeSandboxSettings.defaultSecretKey,
                publicURL: String? = nil, webhookRetrySeconds: [Double] = [300, 3600, 7200], requestsPerSecond: Double = 25,
                tickMilliseconds: Int = 200) {
        self.host = host
        self.port = port
        self.secretKey = secretKey
        self.publicURL = publicURL
        self.webhookRetrySeconds = webhookRetrySeconds
        self.requestsPerSecond = requestsPerSecond
        self.tickMilliseconds = max(10, tickMilliseconds)
    }

    public init(reader: ConfigReader) {
        let defaults = StripeSandboxSettings()
        let retries = reader.string(forKey: "stripeSandbox.webhookRetrySeconds")?
            .split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        self.init(
            host: reader.string(forKey: "stripeSandbox.host", default: defaults.host),
            port: reader.int(forKey: "stripeSandbox.port", default: defaults.port),
            secretKey: reader.string(forKey: "stripeSandbox.secretKey", isSecret: true, default: defaults.secretKey),
            publicURL: reader.string(forKey: "stripeSandbox.publicUrl"),
            webhookRetrySeconds: retries ?? defaults.webhookRetrySeconds,
            requestsPerSecond: reader.double(forKey: "stripeSandbox.requestsPerSecond", default: defaults.requestsPerSecond),
            tickMilliseconds: reader.int(forKey: "stripeSandbox.tickMilliseconds", default: defaults.tickMilliseconds))
    }
}
