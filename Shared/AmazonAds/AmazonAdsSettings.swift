import Configuration
import Foundation
import OpsideAmazonSPAPI
import OpsideCore

/// The Amazon Ads API's client settings. Keys (every default points at the local Amazon sandbox):
/// - `ads.clientId`, `ads.clientSecret` (secret): the Login with Amazon application registered for
///   the Ads API, a different one from SP-API's (`docs/amazon-ads-api.md` §1); defaults are the
///   sandbox's Ads application.
/// - `ads.endpoint.na|eu|fe`: the regional hosts; default `http://127.0.0.1:9100` (production:
///   `https://advertising-api.amazon.com`, `https://advertising-api-eu.amazon.com`,
///   `https://advertising-api-fe.amazon.com`). The production profile requires them.
/// - `ads.reportPollSeconds`, `ads.reportPollMaxSeconds`: the first and longest pause between two
///   looks at a report (the pauses double); defaults 5 and 120. `ads.reportTimeoutSeconds`:
///   how long a report may take; default 10800 (Amazon says up to three hours).
/// - `ads.requestTimeoutSeconds`: default 30.
/// - `ads.authorizationUrl.na|eu|fe`: Login with Amazon's consent page per region, where a seller
///   grants the Ads application; default the sandbox's `http://127.0.0.1:9100/ap/oa` (production:
///   `https://www.amazon.com/ap/oa`, `https://eu.account.amazon.com/ap/oa`,
///   `https://apac.account.amazon.com/ap/oa`, `docs/amazon-ads-api.md` §1).
/// - `ads.redirectUri`: where the consent returns, one of the application's allowed return URLs;
///   default `http://127.0.0.1:8000/api/v1/amazon/ads/callback`.
public struct AmazonAdsSettings: Sendable, CustomStringConvertible {
    public var clientID: String
    public var clientSecret: String
    public var endpoints: [AmazonRegion: String]
    public var reportPollInitial: Duration
    public var reportPollMax: Duration
    public var reportTimeout: Duration
    public var requestTimeoutSeconds: Int
    public var authorizationURLs: [AmazonRegion: String]
    public var redirectURI: String

    public static let sandboxClientID = "amzn1.application-oa2-client.opside-sandbox-ads"
    public static let sandboxClientSecret = "opside-sandbox-ads-secret"
    public static let sandboxEndpoint = "http://127.0.0.1:9100"
    /// The keys the production profile requires (it has no sandbox default for them).
    public static let productionKeys = ["ads.clientId", "ads.clientSecret", "ads.endpoint.na", "ads.endpoint.eu", "ads.endpoint.fe",
                                        "ads.authorizationUrl.na", "ads.authorizationUrl.eu", "ads.authorizationUrl.fe", "ads.redirectUri"]
    public static let sandboxAuthorizationURL = "http://127.0.0.1:9100/ap/oa"
    public static let defaultRedirectURI = "http://127.0.0.1:8000/api/v1/amazon/ads/callback"
    /// The scope of every Ads call, reports included.
    public static let scope = "advertising::campaign_management"
    public static let productionEndpoints: [AmazonRegion: String] = [
        .northAmerica: "https://advertising-api.amazon.com", .europe: "https://advertising-api-eu.amazon.com",
        .farEast: "https://advertising-api-fe.amazon.com",
    ]

    public init(clientID: String = sandboxClientID, clientSecret: String = sandboxClientSecret,
                endpoints: [AmazonRegion: String] = [.northAmerica: sandboxEndpoint, .europe: sandboxEndpoint, .farEast: sandboxEndpoint],
                reportPollInitial: Duration = .seconds(5), reportPollMax: Duration = .seconds(120), reportTimeout: Duration = .seconds(10_800),
                requestTimeoutSeconds: Int = 30,
                authorizationURLs: [AmazonRegion: String] = [.northAmerica: sandboxAuthorizationURL, .europe: sandboxAuthorizationURL,
                                                             .farEast: sandboxAuthorizationURL],
                redirectURI: String = defaultRedirectURI) {
        self.authorizationURLs = authorizationURLs
        self.redirectURI = redirectURI
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.endpoints = endpoints
        self.reportPollInitial = reportPollInitial
        self.reportPollMax = reportPollMax
        self.reportTimeout = reportTimeout
        self.requestTimeoutSeconds = requestTimeoutSeconds
    }

    /// - Throws: `ConfigurationError` for a key the profile requires, or a local endpoint in production.
    public init(reader: ConfigReader) throws {
        let profile = try DeploymentProfile(reader: reader)
        let sandbox = Self.sandboxEndpoint
        let endpoints: [AmazonRegion: String] = [
            .northAmerica: try profile.endpoint("ads.endpoint.na", configured: reader.string(forKey: "ads.endpoint.na"), default: sandbox),
            .europe: try profile.endpoint("ads.endpoint.eu", configured: reader.string(forKey: "ads.endpoint.eu"), default: sandbox),
            .farEast: try profile.endpoint("ads.endpoint.fe", configured: reader.string(forKey: "ads.endpoint.fe"), default: sandbox),
        ]
        self.init(
            clientID: try profile.required("ads.clientId", configured: reader.string(forKey: "ads.clientId"), default: Self.sandboxClientID),
            clientSecret: try profile.required("ads.clientSecret", configured: reader.string(forKey: "ads.clientSecret", isSecret: true),
                                               default: Self.sandboxClientSecret),
            endpoints: endpoints,
            reportPollInitial: .seconds(reader.double(forKey: "ads.reportPollSeconds", default: 5)),
            reportPollMax: .seconds(reader.double(forKey: "ads.reportPollMaxSeconds", default: 120)),
            reportTimeout: .seconds(reader.double(forKey: "ads.reportTimeoutSeconds", default: 10_800)),
            requestTimeoutSeconds: reader.int(forKey: "ads.requestTimeoutSeconds", default: 30),
            authorizationURLs: [
                .northAmerica: try profile.endpoint("ads.authorizationUrl.na", configured: reader.string(forKey: "ads.authorizationUrl.na"),
                                                    default: Self.sandboxAuthorizationURL),
                .europe: try profile.endpoint("ads.authorizationUrl.eu", configured: reader.string(forKey: "ads.authorizationUrl.eu"),
                                              default: Self.sandboxAuthorizationURL),
                .farEast: try profile.endpoint("ads.authorizationUrl.fe", configured: reader.string(forKey: "ads.authorizationUrl.fe"),
                                               default: Self.sandboxAuthorizationURL),
            ],
            redirectURI: try profile.endpoint("ads.redirectUri", configured: reader.string(forKey: "ads.redirectUri"), default: Self.defaultRedirectURI))
    }

    public func endpoint(for region: AmazonRegion) -> String { endpoints[region] ?? Self.sandboxEndpoint }

    public func authorizationURL(for region: AmazonRegion) -> String { authorizationURLs[region] ?? Self.sandboxAuthorizationURL }

    public var description: String {
        "AmazonAdsSettings(clientID: \(clientID), clientSecret: <redacted>, endpoints: \(endpoints.mapValues { $0 }))"
    }
}
