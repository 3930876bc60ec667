import Configuration
import OpsideCore

/// How payments reaches Stripe.
///
/// Keys (environment spelling in brackets):
/// - `stripe.apiBase` [`STRIPE_API_BASE`]: Stripe's API; default the local Stripe sandbox,
///   `http://127.0.0.1:12111` (production requires `https://api.stripe.com` or another real https URL).
/// - `stripe.secretKey` [`STRIPE_SECRET_KEY`, secret]: the secret key; default the sandbox's
///   `sk_test_opside_sandbox` (production requires it).
/// - `stripe.apiVersion` [`STRIPE_API_VERSION`]: the API version every request pins; default
///   `2026-10-28.endive`, the one the objects we decode were written against.
/// - `stripe.maxNetworkRetries` [`STRIPE_MAX_NETWORK_RETRIES`]: retries of a request that failed on the
///   network, with a 409 or a 5xx (always with the same idempotency key); default 2, as Stripe's SDKs.
public struct StripeSettings: Sendable {
    public var apiBase: String
    public var secretKey: String
    public var apiVersion: String
    public var maxNetworkRetries: Int

    public static let sandboxAPIBase = "http://127.0.0.1:12111"
    public static let sandboxSecretKey = "sk_test_opside_sandbox"
    public static let pinnedAPIVersion = "2026-10-28.endive"

    public init(apiBase: String = StripeSettings.sandboxAPIBase, secretKey: String = StripeSettings.sandboxSecretKey,
                apiVersion: String = StripeSettings.pinnedAPIVersion, maxNetworkRetries: Int = 2) {
        self.apiBase = apiBase
        self.secretKey = secretKey
        self.apiVersion = apiVersion
        self.maxNetworkRetries = max(0, maxNetworkRetries)
    }

    /// - Throws: `ConfigurationError` when production lacks a real endpoint or key.
    public init(reader: ConfigReader) throws {
        let profile = try DeploymentProfile(reader: reader)
        self.init(
            apiBase: try profile.endpoint("stripe.apiBase", configured: reader.string(forKey: "stripe.apiBase"),
                                          default: Self.sandboxAPIBase),
            secretKey: try profile.required("stripe.secretKey", configured: reader.string(forKey: "stripe.secretKey", isSecret: true),
                                            default: Self.sandboxSecretKey),
            apiVersion: reader.string(forKey: "stripe.apiVersion", default: Self.pinnedAPIVersion),
            maxNetworkRetries: reader.int(forKey: "stripe.maxNetworkRetries", default: 2))
    }
}
