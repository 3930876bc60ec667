/// How a connection proves who it is to Login with Amazon.
public enum SPAPICredential: Sendable, Equatable, CustomStringConvertible {
    /// A seller's authorization (the long-lived refresh token from the consent flow).
    case refreshToken(String)
    /// A grantless call (client_credentials) with these scopes, e.g. `sellingpartnerapi::notifications`.
    case grantless(scopes: [String])

    public var description: String {
        switch self {
        case .refreshToken(let token): "refreshToken(\(SPAPIRedaction.redact(token)))"
        case .grantless(let scopes): "grantless(\(scopes.joined(separator: " ")))"
        }
    }
}

/// One authorized selling partner in one region (or the application itself, for grantless
/// calls). Access tokens are cached, and rate-limit buckets kept, per `id`.
public struct SPAPIConnection: Sendable, Equatable, CustomStringConvertible {
    /// Stable key for token caching and rate-limit buckets, e.g. `A2EXAMPLE.na`.
    public let id: String
    public let sellingPartnerID: String?
    public let region: AmazonRegion
    public let credential: SPAPICredential

    public init(id: String, sellingPartnerID: String?, region: AmazonRegion, credential: SPAPICredential) {
        self.id = id
        self.sellingPartnerID = sellingPartnerID
        self.region = region
        self.credential = credential
    }

    /// A seller's connection keyed by selling partner id and region.
    public static func seller(_ sellingPartnerID: String, region: AmazonRegion, refreshToken: String) -> SPAPIConnection {
        SPAPIConnection(id: "\(sellingPartnerID).\(region.rawValue)", sellingPartnerID: sellingPartnerID, region: region,
                        credential: .refreshToken(refreshToken))
    }

    /// The application's own grantless connection in a region.
    public static func grantless(region: AmazonRegion, scopes: [String]) -> SPAPIConnection {
        SPAPIConnection(id: "grantless.\(region.rawValue)", sellingPartnerID: nil, region: region,
                        credential: .grantless(scopes: scopes))
    }

    public var description: String { "SPAPIConnection(\(id), \(credential))" }
}
