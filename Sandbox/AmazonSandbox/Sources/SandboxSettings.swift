import Configuration

/// How the Amazon sandbox runs.
///
/// Keys (environment spelling in brackets):
/// - `sandbox.host` [`SANDBOX_HOST`]: listen address; default `127.0.0.1`.
/// - `sandbox.port` [`SANDBOX_PORT`]: listen port; default 9100 (0 picks a free port, for tests).
/// - `sandbox.lwaClientId` [`SANDBOX_LWA_CLIENT_ID`]: the LWA client id the sandbox accepts;
///   default `amzn1.application-oa2-client.opside-sandbox`.
/// - `sandbox.lwaClientSecret` [`SANDBOX_LWA_CLIENT_SECRET`]: its secret; default `opside-sandbox-secret`
///   (a sandbox-only value, documented so a fresh checkout runs with no setup).
/// - `sandbox.applicationId`: the app id the consent page accepts; default `amzn1.sellerapps.app.opside-sandbox`.
/// - `sandbox.timeScale` [`SANDBOX_TIME_SCALE`]: rate-limit buckets refill this many times faster than
///   Amazon's published rates (10 = ten times); default 1.
/// - `sandbox.accessTokenLifetimeSeconds`: lifetime of issued access tokens in sandbox time; default 3600.
/// - `sandbox.reportProcessingSeconds`: sandbox seconds a report spends IN_QUEUE then IN_PROGRESS; default 4.
/// - `sandbox.documentUrlLifetimeSeconds`: lifetime of pre-signed document URLs in sandbox time; default 300.
/// - `sandbox.redirectUris` [`SANDBOX_REDIRECT_URIS`, comma-separated]: the OAuth redirect URIs registered for the
///   application; the consent page redirects only to one of these (the first when the request names none), like
///   Seller Central, which answers MD5101 otherwise. Default `SandboxSettings.defaultRedirectURIs`: the main-api
///   callback on the local ports (`http://127.0.0.1:8000/api/v1/amazon/callback`, `http://localhost:8000/…`).
///   The Ads application's allowed return URLs are their Ads twins (`…/api/v1/amazon/ads/callback`: `adsRedirectURIs`).
/// - `sandbox.inboundOperationSeconds`: sandbox seconds an asynchronous Fulfillment Inbound operation stays
///   IN_PROGRESS; default 2.
/// - `sandbox.decisionDelaySeconds` [`SANDBOX_DECISION_DELAY_SECONDS`]: sandbox seconds the Seller Central case desk
///   takes to decide a case after it was filed or replied to; default 259200 (three days). `PUT /_sandbox/case-desk`
///   overrides it at run time.
/// - `sandbox.sqs.accessKeyId`, `sandbox.sqs.secretAccessKey`: the AWS key the sandbox's SQS endpoint accepts
///   SigV4 signatures from; defaults `AKIAOPSIDESANDBOXSQS`, `opside-sandbox-sqs-secret`.
/// - `sandbox.sqs.accountId`, `sandbox.sqs.region`: the account and region its queues' ARNs name; defaults
///   `000000000000`, `us-east-1`.
/// - `sandbox.sqs.queues` [comma-separated]: queues that exist from the start; default `opside-notifications`.
/// - `sandbox.adsClientId`, `sandbox.adsClientSecret`: the Login with Amazon application the Ads API accepts;
///   defaults `amzn1.application-oa2-client.opside-sandbox-ads`, `opside-sandbox-ads-secret`.
public struct SandboxSettings: Sendable {
    public var host: String
    public var port: Int
    public var lwaClientID: String
    public var lwaClientSecret: String
    public var applicationID: String
    public var timeScale: Double
    public var accessTokenLifetimeSeconds: Int
    public var reportProcessingSeconds: Double
    public var documentURLLifetimeSeconds: Int
    public var redirectURIs: [String]
    /// The Ads application's allowed return URLs: each registered redirect URI's Ads twin, as
    /// main-api serves the Ads consent's callback beside SP-API's.
    public var adsRedirectURIs: [String] {
        redirectURIs.map { $0.replacingOccurrences(of: "/api/v1/amazon/callback", with: "/api/v1/amazon/ads/callback") }
    }
    public var inboundOperationSeconds: Double
    public var decisionDelaySeconds: Double
    /// The Login with Amazon application of the Ads API (a different one from SP-API's).
    public var adsClientID: String
    public var adsClientSecret: String
    /// The AWS key the sandbox's SQS endpoint accepts signatures from (like an IAM user's key),
    /// and its secret.
    public var sqsAccessKeyID: String
    public var sqsSecretAccessKey: String
    /// The AWS account the sandbox's queues belong to (their URLs and ARNs name it).
    public var sqsAccountID: String
    public var sqsRegion: String
    /// Queues that exist from the start (the one a local suite's notifications go to).
    public var sqsQueues: [String]

    /// The callbacks of a locally run main-api: what a fresh checkout's consent flow redirects to.
    public static let defaultRedirectURIs = [
        "http://127.0.0.1:8000/api/v1/amazon/callback",
        "http://localhost:8000/api/v1/amazon/callback",
    ]

    public init(host: String = "127.0.0.1", port: Int = 9100,
                lwaClientID: String = "amzn1.application-oa2-client.opside-sandbox",
                lwaClientSecret: String = "opside-sandbox-secret",
                applicationID: String = "amzn1.sellerapps.app.opside-sandbox",
                timeScale: Double = 1, accessTokenLifetimeSeconds: Int = 3600,
                reportProcessingSeconds: Double = 4, documentURLLifetimeSeconds: Int = 300,
                redirectURIs: [String] = SandboxSettings.defaultRedirectURIs, inboundOperationSeconds: Double = 2,
                decisionDelaySeconds: Double = 259_200, sqsAccessKeyID: String = "AKIAOPSIDESANDBOXSQS",
                sqsSecretAccessKey: String = "opside-sandbox-sqs-secret", sqsAccountID: String = "000000000000",
                sqsRegion: String = "us-east-1", sqsQueues: [String] = ["opside-notifications"],
                adsClientID: String = "amzn1.application-oa2-client.opside-sandbox-ads", adsClientSecret: String = "opside-sandbox-ads-secret") {
        self.host = host
        self.port = port
        self.lwaClientID = lwaClientID
        self.lwaClientSecret = lwaClientSecret
        self.applicationID = applicationID
        self.timeScale = max(0.001, timeScale)
        self.accessTokenLifetimeSeconds = accessTokenLifetimeSeconds
        self.reportProcessingSeconds = reportProcessingSeconds
        self.documentURLLifetimeSeconds = documentURLLifetimeSeconds
        self.redirectURIs = redirectURIs
        self.inboundOperationSeconds = inboundOperationSeconds
        self.decisionDelaySeconds = max(0, decisionDelaySeconds)
        self.sqsAccessKeyID = sqsAccessKeyID
        self.sqsSecretAccessKey = sqsSecretAccessKey
        self.sqsAccountID = sqsAccountID
        self.sqsRegion = sqsRegion
        self.sqsQueues = sqsQueues
        self.adsClientID = adsClientID
        self.adsClientSecret = adsClientSecret
    }

    /// Reads the keys listed on the type.
    public init(reader: ConfigReader) {
        let defaults = SandboxSettings()
        self.init(
            host: reader.string(forKey: "sandbox.host", default: defaults.host),
            port: reader.int(forKey: "sandbox.port", default: defaults.port),
            lwaClientID: reader.string(forKey: "sandbox.lwaClientId", default: defaults.lwaClientID),
            lwaClientSecret: reader.string(forKey: "sandbox.lwaClientSecret", isSecret: true, default: defaults.lwaClientSecret),
            applicationID: reader.string(forKey: "sandbox.applicationId", default: defaults.applicationID),
            timeScale: reader.double(forKey: "sandbox.timeScale", default: defaults.timeScale),
            accessTokenLifetimeSeconds: reader.int(forKey: "sandbox.accessTokenLifetimeSeconds", default: defaults.accessTokenLifetimeSeconds),
            reportProcessingSeconds: reader.double(forKey: "sandbox.reportProcessingSeconds", default: defaults.reportProcessingSeconds),
            documentURLLifetimeSeconds: reader.int(forKey: "sandbox.documentUrlLifetimeSeconds", default: defaults.documentURLLifetimeSeconds),
            redirectURIs: reader.stringArray(forKey: "sandbox.redirectUris", default: defaults.redirectURIs),
            inboundOperationSeconds: reader.double(forKey: "sandbox.inboundOperationSeconds", default: defaults.inboundOperationSeconds),
            decisionDelaySeconds: reader.double(forKey: "sandbox.decisionDelaySeconds", default: defaults.decisionDelaySeconds),
            sqsAccessKeyID: reader.string(forKey: "sandbox.sqs.accessKeyId", default: defaults.sqsAccessKeyID),
            sqsSecretAccessKey: reader.string(forKey: "sandbox.sqs.secretAccessKey", isSecret: true, default: defaults.sqsSecretAccessKey),
            sqsAccountID: reader.string(forKey: "sandbox.sqs.accountId", default: defaults.sqsAccountID),
            sqsRegion: reader.string(forKey: "sandbox.sqs.region", default: defaults.sqsRegion),
            sqsQueues: reader.stringArray(forKey: "sandbox.sqs.queues", default: defaults.sqsQueues),
            adsClientID: reader.string(forKey: "sandbox.adsClientId", default: defaults.adsClientID),
            adsClientSecret: reader.string(forKey: "sandbox.adsClientSecret", isSecret: true, default: defaults.adsClientSecret)
        )
    }
}
