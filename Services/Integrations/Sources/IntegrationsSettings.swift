import Configuration
import Foundation
import OpsideAmazonSPAPI
import OpsideCore
import OpsideJobs

/// What integrations reads beyond the platform's keys and the SP-API client's.
///
/// The LWA client id and secret, the LWA token URL and the SP-API endpoints are read once, by
/// `AmazonSPAPISettings` (`amazon.lwaClientId`, `amazon.lwaClientSecret` (secret),
/// `amazon.lwaEndpoint`, `amazon.endpoint.na|eu|fe` and the client's tuning keys: see that type).
/// This type reads the rest; every default points at the local Amazon sandbox (port 9100):
/// - `amazon.applicationId` [`AMAZON_APPLICATION_ID`]: the SP-API application id in the consent URL;
///   default `amzn1.sellerapps.app.opside-sandbox` (the sandbox's documented app id).
/// - `amazon.redirectUri` [`AMAZON_REDIRECT_URI`]: where Amazon sends the seller back (main-api's callback,
///   one of the app's registered redirect URIs); default `http://127.0.0.1:8000/api/v1/amazon/callback`.
/// - `amazon.sellerCentralUrl.na|eu|fe` [`AMAZON_SELLER_CENTRAL_URL_NA`…]: the Seller Central site whose
///   `/apps/authorize/consent` page a region's sellers are sent to; default `http://127.0.0.1:9100`
///   (production: `https://sellercentral.amazon.com`, `https://sellercentral-europe.amazon.com`,
///   `https://sellercentral.amazon.co.jp`).
/// - `deployment.profile` [`DEPLOYMENT_PROFILE`]: in `production`, `amazon.applicationId`, `amazon.redirectUri`
///   and `amazon.sellerCentralUrl.na|eu|fe` have no default (they are the sandbox's) and the URLs must be https
///   off this machine; the service refuses to start and names the key otherwise.
/// - `amazon.sellerCentralUrl.<country>` (e.g. `amazon.sellerCentralUrl.de`): optional per-marketplace site,
///   used when the consent URL is asked for that marketplace; unset falls back to the region's.
/// - `amazon.consentDraftApplication` [`AMAZON_CONSENT_DRAFT_APPLICATION`]: add `version=beta` to the consent
///   URL, which Amazon requires while the application is in Draft (error MD1000 otherwise); default true.
/// - `amazon.oauthStateLifetimeSeconds`: how long a consent `state` stays usable; default 600.
/// - `amazon.accountHealthSchedule`: when the account-health sweep runs (a `CronSchedule`); default `@every 6h`.
/// - `inbound.firstPollSeconds`: how long an FBA inbound workflow waits before it first asks Amazon how an
///   operation went; each further wait doubles, up to `inbound.maxPollSeconds`. Defaults 1 and 60.
/// - `security.tokenEncryptionKeys` [`SECURITY_TOKEN_ENCRYPTION_KEYS`] (secret, required):
///   `keyid:base64(32 bytes)[,keyid:base64…]`; the first key seals, every listed key opens, so a key
///   is rotated by putting a new one first and dropping the old one once tokens were re-sealed.
public struct IntegrationsSettings: Sendable {
    public var applicationID: String
    public var redirectURI: String
    public var sellerCentralURLs: [AmazonRegion: String]
    /// Per-marketplace Seller Central sites, by marketplace id.
    public var marketplaceSellerCentralURLs: [String: String]
    public var consentDraftApplication: Bool
    public var oauthStateLifetime: Duration
    public var accountHealthSchedule: CronSchedule
    public var tokenKeys: RefreshTokenKeyRing
    /// The first pause before polling an inbound operation, and the longest (the pauses double).
    public var inboundFirstPoll: Double
    public var inboundMaxPoll: Double

    public static let defaultRedirectURI = "http://127.0.0.1:8000/api/v1/amazon/callback"
    public static let defaultApplicationID = "amzn1.sellerapps.app.opside-sandbox"
    /// What the production profile requires explicitly (beside `AmazonSPAPISettings.productionEndpointKeys`).
    public static let productionKeys = ["amazon.applicationId", "amazon.redirectUri", "amazon.sellerCentralUrl.na",
                                        "amazon.sellerCentralUrl.eu", "amazon.sellerCentralUrl.fe"]

    /// Reads the keys listed on the type.
    /// - Throws: `ConfigurationError` for a missing or malformed key.
    public init(reader: ConfigReader) throws {
        let profile = try DeploymentProfile(reader: reader)
        applicationID = try profile.required("amazon.applicationId", configured: reader.string(forKey: "amazon.applicationId"),
                                             default: Self.defaultApplicationID)
        redirectURI = try profile.endpoint("amazon.redirectUri", configured: reader.string(forKey: "amazon.redirectUri"),
                                           default: Self.defaultRedirectURI)
        guard URL(string: redirectURI)?.scheme != nil else {
            throw ConfigurationError(key: "amazon.redirectUri", reason: "must be an absolute URL")
        }
        let regional: [AmazonRegion: String] = [
            .northAmerica: try profile.endpoint("amazon.sellerCentralUrl.na", configured: reader.string(forKey: "amazon.sellerCentralUrl.na"),
                                                default: AmazonSPAPISettings.localSandbox),
            .europe: try profile.endpoint("amazon.sellerCentralUrl.eu", configured: reader.string(forKey: "amazon.sellerCentralUrl.eu"),
                                          default: AmazonSPAPISettings.localSandbox),
            .farEast: try profile.endpoint("amazon.sellerCentralUrl.fe", configured: reader.string(forKey: "amazon.sellerCentralUrl.fe"),
                                           default: AmazonSPAPISettings.localSandbox),
        ]
        sellerCentralURLs = regional
        for (region, url) in regional where URL(string: url)?.host == nil {
            throw ConfigurationError(key: "amazon.sellerCentralUrl.\(region.rawValue)", reason: "must be an absolute URL")
        }
        var perMarketplace: [String: String] = [:]
        for marketplace in AmazonMarketplace.all {
            if let url = reader.string(forKey: ConfigKey("amazon.sellerCentralUrl.\(marketplace.countryCode.lowercased())")) {
                perMarketplace[marketplace.id] = url
            }
        }
        marketplaceSellerCentralURLs = perMarketplace
        consentDraftApplication = reader.bool(forKey: "amazon.consentDraftApplication", default: true)
        let lifetime = reader.int(forKey: "amazon.oauthStateLifetimeSeconds", default: 600)
        guard (1...3600).contains(lifetime) else {
            throw ConfigurationError(key: "amazon.oauthStateLifetimeSeconds", reason: "must be between 1 and 3600 seconds")
        }
        oauthStateLifetime = .seconds(lifetime)
        let schedule = reader.string(forKey: "amazon.accountHealthSchedule", default: "@every 6h")
        do {
            accountHealthSchedule = try CronSchedule(schedule)
        } catch {
            throw ConfigurationError(key: "amazon.accountHealthSchedule", reason: "\(error)")
        }
        inboundFirstPoll = reader.double(forKey: "inbound.firstPollSeconds", default: 1)
        inboundMaxPoll = reader.double(forKey: "inbound.maxPollSeconds", default: 60)
        guard inboundFirstPoll > 0, inboundFirstPoll <= inboundMaxPoll, inboundMaxPoll <= 3600 else {
            throw ConfigurationError(key: "inbound.firstPollSeconds", reason: "polls need 0 < inbound.firstPollSeconds <= inbound.maxPollSeconds <= 3600")
        }
        let keys = try reader.requiredSecret("security.tokenEncryptionKeys")
        do {
            tokenKeys = try RefreshTokenKeyRing(parsing: keys)
        } catch {
            throw ConfigurationError(key: "security.tokenEncryptionKeys", reason: error.description)
        }
    }

    /// The Seller Central site to send a seller to: the marketplace's own when configured, else
    /// the region's.
    public func sellerCentralURL(region: AmazonRegion, marketplaceID: String?) -> String {
        if let marketplaceID, let url = marketplaceSellerCentralURLs[marketplaceID] { return url }
        return sellerCentralURLs[region] ?? AmazonSPAPISettings.localSandbox
    }
}
