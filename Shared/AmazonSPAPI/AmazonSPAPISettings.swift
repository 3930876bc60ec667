import Configuration
import OpsideCore

/// Where the SP-API client talks and how patiently.
///
/// Every default points at the local Amazon sandbox (`amazon-sandbox`, port 9100), so the suite
/// runs with no Amazon account; production is a configuration change.
///
/// Keys (environment spelling in brackets):
/// - `amazon.lwaEndpoint` [`AMAZON_LWA_ENDPOINT`]: LWA token URL; default `http://127.0.0.1:9100/auth/o2/token`
///   (production: `https://api.amazon.com/auth/o2/token`).
/// - `amazon.endpoint.na`, `amazon.endpoint.eu`, `amazon.endpoint.fe` [`AMAZON_ENDPOINT_NA`…]: SP-API base URL
///   per region; default `http://127.0.0.1:9100` (production: `https://sellingpartnerapi-na.amazon.com` …).
/// - `amazon.lwaClientId` [`AMAZON_LWA_CLIENT_ID`]: the application's LWA client id (required).
/// - `amazon.lwaClientSecret` [`AMAZON_LWA_CLIENT_SECRET`]: its client secret (required, secret).
/// - `amazon.appName`, `amazon.appVersion`: the user-agent's `AppName/Version`; default `Opside`, `1.0`.
/// - `amazon.requestTimeoutSeconds`: per-request timeout; default 30.
/// - `amazon.maxAttempts`: attempts per call on 429, 5xx, timeouts and dropped connections; default 5.
/// - `amazon.retryBaseDelayMilliseconds`, `amazon.retryMaxDelayMilliseconds`: capped exponential backoff;
///   defaults 500 and 30000.
/// - `amazon.tokenRefreshMarginSeconds`: refresh access tokens this long before they expire; default 60.
/// - `amazon.rateLimit.keyPrefix`: Redis key prefix of the shared buckets; default `opside:spapi:rl`.
/// - `amazon.rateLimit.safetyFactor`: fraction of the published rate the client spends (the rest absorbs
///   network jitter so Amazon's bucket never runs dry first); default 0.98.
/// - `deployment.profile` [`DEPLOYMENT_PROFILE`]: `development` (default) or `production`; in production the
///   LWA and SP-API endpoints above have no default and must be https URLs off this machine.
/// - `amazon.reports.pollInitialSeconds`, `amazon.reports.pollMaxSeconds`, `amazon.reports.timeoutSeconds`:
///   report status polling; defaults 5, 60, 7200.
public struct AmazonSPAPISettings: Sendable {
    public var lwaEndpoint: String
    public var regionEndpoints: [AmazonRegion: String]
    /// The share of the published rate the client spends. Together with the one burst token the
    /// limiter never uses, the 2% left over absorbs network and scheduling jitter; the rate-budget
    /// benchmark measures the trade (budget use against throttles).
    public static let defaultRateLimitSafetyFactor = 0.98
    public var clientID: String
    public var clientSecret: String
    public var appName: String
    public var appVersion: String
    public var requestTimeout: Duration
    public var maxAttempts: Int
    public var retryBaseDelay: Duration
    public var retryMaxDelay: Duration
    public var tokenRefreshMargin: Duration
    public var rateLimitKeyPrefix: String
    public var rateLimitSafetyFactor: Double
    public var reportPollInitialInterval: Duration
    public var reportPollMaxInterval: Duration
    public var reportTimeout: Duration

    public static let localSandbox = "http://127.0.0.1:9100"

    public init(
        lwaEndpoint: String = "\(AmazonSPAPISettings.localSandbox)/auth/o2/token",
        regionEndpoints: [AmazonRegion: String] = [
            .northAmerica: AmazonSPAPISettings.localSandbox, .europe: AmazonSPAPISettings.localSandbox,
            .farEast: AmazonSPAPISettings.localSandbox,
        ],
        clientID: String,
        clientSecret: String,
        appName: String = "Opside",
        appVersion: String = "1.0",
        requestTimeout: Duration = .seconds(30),
        maxAttempts: Int = 5,
        retryBaseDelay: Duration = .milliseconds(500),
        retryMaxDelay: Duration = .seconds(30),
        tokenRefreshMargin: Duration = .seconds(60),
        rateLimitKeyPrefix: String = "opside:spapi:rl",
        rateLimitSafetyFactor: Double = AmazonSPAPISettings.defaultRateLimitSafetyFactor,
        reportPollInitialInterval: Duration = .seconds(5),
        reportPollMaxInterval: Duration = .seconds(60),
        reportTimeout: Duration = .seconds(7200)
    ) {
        self.lwaEndpoint = lwaEndpoint
        self.regionEndpoints = regionEndpoints
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.appName = appName
        self.appVersion = appVersion
        self.requestTimeout = requestTimeout
        self.maxAttempts = max(1, maxAttempts)
        self.retryBaseDelay = retryBaseDelay
        self.retryMaxDelay = retryMaxDelay
        self.tokenRefreshMargin = tokenRefreshMargin
        self.rateLimitKeyPrefix = rateLimitKeyPrefix
        self.rateLimitSafetyFactor = min(1, max(0.5, rateLimitSafetyFactor))
        self.reportPollInitialInterval = reportPollInitialInterval
        self.reportPollMaxInterval = reportPollMaxInterval
        self.reportTimeout = reportTimeout
    }

    /// The keys the production profile (`deployment.profile`) requires explicitly, as https URLs
    /// off this machine: their defaults are the local sandbox.
    public static let productionEndpointKeys = ["amazon.lwaEndpoint", "amazon.endpoint.na", "amazon.endpoint.eu", "amazon.endpoint.fe"]

    /// Reads the keys listed on the type.
    /// - Throws: `ConfigurationError` when the client id or secret is missing, or, in the
    ///   production profile, when an endpoint is unset or is not a real https one.
    public init(reader: ConfigReader) throws {
        guard let clientID = reader.string(forKey: "amazon.lwaClientId"), !clientID.isEmpty else {
            throw ConfigurationError(key: "amazon.lwaClientId", reason: "is required and was not set")
        }
        let profile = try DeploymentProfile(reader: reader)
        let sandbox = Self.localSandbox
        self.init(
            lwaEndpoint: try profile.endpoint("amazon.lwaEndpoint", configured: reader.string(forKey: "amazon.lwaEndpoint"),
                                              default: "\(sandbox)/auth/o2/token"),
            regionEndpoints: [
                .northAmerica: try profile.endpoint("amazon.endpoint.na", configured: reader.string(forKey: "amazon.endpoint.na"), default: sandbox),
                .europe: try profile.endpoint("amazon.endpoint.eu", configured: reader.string(forKey: "amazon.endpoint.eu"), default: sandbox),
                .farEast: try profile.endpoint("amazon.endpoint.fe", configured: reader.string(forKey: "amazon.endpoint.fe"), default: sandbox),
            ],
            clientID: clientID,
            clientSecret: try reader.requiredSecret("amazon.lwaClientSecret"),
            appName: reader.string(forKey: "amazon.appName", default: "Opside"),
            appVersion: reader.string(forKey: "amazon.appVersion", default: "1.0"),
            requestTimeout: .seconds(reader.int(forKey: "amazon.requestTimeoutSeconds", default: 30)),
            maxAttempts: reader.int(forKey: "amazon.maxAttempts", default: 5),
            retryBaseDelay: .milliseconds(reader.int(forKey: "amazon.retryBaseDelayMilliseconds", default: 500)),
            retryMaxDelay: .milliseconds(reader.int(forKey: "amazon.retryMaxDelayMilliseconds", default: 30000)),
            tokenRefreshMargin: .seconds(reader.int(forKey: "amazon.tokenRefreshMarginSeconds", default: 60)),
            rateLimitKeyPrefix: reader.string(forKey: "amazon.rateLimit.keyPrefix", default: "opside:spapi:rl"),
            rateLimitSafetyFactor: reader.double(forKey: "amazon.rateLimit.safetyFactor", default: Self.defaultRateLimitSafetyFactor),
            reportPollInitialInterval: .seconds(reader.int(forKey: "amazon.reports.pollInitialSeconds", default: 5)),
            reportPollMaxInterval: .seconds(reader.int(forKey: "amazon.reports.pollMaxSeconds", default: 60)),
            reportTimeout: .seconds(reader.int(forKey: "amazon.reports.timeoutSeconds", default: 7200))
        )
    }

    /// Amazon's user-agent format: `AppName/Version (Language=…; Platform=…)`.
    public var userAgent: String {
        "\(appName)/\(appVersion) (Language=Swift/6.3; Platform=Linux)"
    }

    /// The base URL for a region.
    public func endpoint(for region: AmazonRegion) -> String {
        regionEndpoints[region] ?? Self.localSandbox
    }
}
