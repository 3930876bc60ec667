import Foundation
import Hummingbird
import OpsideAmazonSPAPI
import OpsideTransport

/// Where a connection stands with Amazon.
public enum AmazonConnectionStatus: String, Codable, Sendable {
    case active
    /// Amazon refused the refresh token (`invalid_grant`): only the seller authorizing again helps.
    case needsReauthorization = "needs_reauthorization"
    /// The tenant disconnected it; its tokens are deleted.
    case disconnected
}

/// How the refresh token was obtained.
public enum AmazonAuthorizationMethod: String, Codable, Sendable {
    /// The website (OAuth) consent flow.
    case consent
    /// A private application's self-authorized refresh token, pasted in.
    case selfAuthorized = "self_authorized"
}

/// A tenant's authorized selling partner in one region, as the API shows it (never with tokens).
public struct AmazonConnection: Codable, Sendable, Equatable, ResponseEncodable {
    public let id: UUID
    public let tenantId: UUID
    public let sellingPartnerId: String
    public let region: AmazonRegion
    public let marketplaceIds: [String]
    public let status: AmazonConnectionStatus
    public let authorizationMethod: AmazonAuthorizationMethod
    public let connectedByUserId: UUID?
    public let reauthorizationReason: String?
    public let reauthorizationRequiredAt: Date?
    public let lastHealthCheckAt: Date?
    public let disconnectedAt: Date?
    public let createdAt: Date
    public let updatedAt: Date
}

/// What a valid consent `state` stood for.
public struct OAuthStateGrant: Sendable, Equatable {
    public let tenantID: UUID
    public let userID: UUID
    public let region: AmazonRegion
    public let marketplaceID: String?
    /// Set for an Amazon Ads consent: the connection the Ads account is connected to.
    public let adsConnectionID: UUID?

    public init(tenantID: UUID, userID: UUID, region: AmazonRegion, marketplaceID: String?, adsConnectionID: UUID? = nil) {
        self.tenantID = tenantID
        self.userID = userID
        self.region = region
        self.marketplaceID = marketplaceID
        self.adsConnectionID = adsConnectionID
    }
}

/// Who presents a `state` on the callback: the signed-in tenant and user, when the browser
/// carried a session.
public struct OAuthStatePresenter: Sendable {
    public let tenantID: UUID?
    public let userID: UUID?

    public init(tenantID: UUID?, userID: UUID?) {
        self.tenantID = tenantID
        self.userID = userID
    }
}

/// Everything connecting, vaulting and checking can fail with; each maps to one API error a
/// person can act on.
public enum AmazonConnectionError: Error, Sendable, CustomStringConvertible {
    case stateUnknown
    case stateExpired
    case stateAlreadyUsed
    case stateOtherTenant
    case stateOtherUser
    /// The callback's browser does not carry the cookie set when the flow started.
    case stateOtherBrowser
    /// LWA refused the `spapi_oauth_code` (older than five minutes, already used, or for another app).
    case authorizationCodeRejected(String)
    /// LWA refused a pasted refresh token.
    case refreshTokenRejected(String)
    /// LWA or SP-API refused for a reason the seller cannot fix (our client id, an outage).
    case amazonUnavailable(String)
    case notFound
    case needsReauthorization(reason: String, since: Date?)
    case disconnected
    /// The stored token cannot be opened (its key was removed from configuration, or it was altered).
    case tokenUnreadable(RefreshTokenCipherError)
    case invalidInput(String)
    case forbiddenCaller(String)
    /// A setting or a stored row is not what the code expects: an operator's problem, never the user's.
    case inconsistent(String)

    public var description: String { apiError.message }

    /// The envelope the caller sees.
    public var apiError: APIError {
        switch self {
        case .stateUnknown:
            APIError(status: .badRequest, code: "oauth_state_unknown",
                     message: "this authorization link is not one we issued (or it was cleaned up); start connecting again")
        case .stateExpired:
            APIError(status: .badRequest, code: "oauth_state_expired",
                     message: "this authorization link expired; start connecting again")
        case .stateAlreadyUsed:
            APIError(status: .conflict, code: "oauth_state_used",
                     message: "this authorization link was already used; start connecting again to reconnect")
        case .stateOtherTenant:
            APIError(status: .forbidden, code: "oauth_state_other_tenant",
                     message: "this authorization was started in another account than the one signed in; sign in to that account or start again")
        case .stateOtherUser:
            APIError(status: .forbidden, code: "oauth_state_other_user",
                     message: "this authorization was started by another user than the one signed in; start again yourself")
        case .stateOtherBrowser:
            APIError(status: .forbidden, code: "oauth_state_other_browser",
                     message: "this authorization was started in another browser (or its cookie expired or was blocked); nothing was connected: start connecting again from this browser")
        case .authorizationCodeRejected(let reason):
            APIError(status: .badRequest, code: "authorization_code_rejected",
                     message: "Amazon refused the authorization code (codes expire five minutes after consent and work once); start connecting again",
                     details: ["amazon": reason])
        case .refreshTokenRejected(let reason):
            APIError(status: .unprocessableContent, code: "refresh_token_rejected",
                     message: "Amazon refused this refresh token; self-authorize the application again and paste the new token",
                     details: ["amazon": reason])
        case .amazonUnavailable(let reason):
            APIError(status: .badGateway, code: "amazon_unavailable",
                     message: "Amazon did not complete the request; try again shortly", details: ["reason": reason])
        case .notFound:
            APIError.noSuch("Amazon connection")
        case .needsReauthorization(let reason, let since):
            APIError(status: .conflict, code: "needs_reauthorization",
                     message: "Amazon no longer accepts this connection's authorization; the seller must connect again",
                     details: ["reason": reason] .merging(since.map { ["since": $0.formatted(.iso8601)] } ?? [:]) { $1 })
        case .disconnected:
            APIError(status: .conflict, code: "connection_disconnected",
                     message: "this Amazon connection was disconnected; connect the seller again")
        case .tokenUnreadable(let error):
            APIError(status: .internalServerError, code: "token_unreadable",
                     message: "the stored authorization cannot be decrypted; an operator must restore its key or the seller must connect again",
                     details: ["reason": error.description])
        case .invalidInput(let message):
            APIError.validation(message)
        case .forbiddenCaller(let message):
            APIError.forbidden(message)
        case .inconsistent(let reason):
            APIError(status: .internalServerError, code: "integrations_inconsistent",
                     message: "integrations is misconfigured or holds an unreadable record; quote the request id when you report it",
                     details: ["reason": reason])
        }
    }
}
