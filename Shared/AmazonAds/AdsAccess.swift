import Foundation
import OpsideAmazonSPAPI
import OpsideCore
import OpsideTransport

/// A short-lived grant to call the Amazon Ads API for one connection's advertising profile, as
/// integrations' vault hands it out. Never the Ads refresh token.
public struct AdsAccess: Sendable, Codable, Equatable {
    public let accessToken: String
    public let expiresAt: Date
    /// The Ads application's client id: every call names it (`Amazon-Advertising-API-ClientId`),
    /// and it must be the application the token was issued to.
    public let clientId: String
    public let region: AmazonRegion
    /// The Ads API host of the connection's region.
    public let endpoint: String
    /// The profile of the connection's marketplace: its id scopes every call, its currency is
    /// the cost's and its time zone the report days'.
    public let profile: AdsProfile

    public init(accessToken: String, expiresAt: Date, clientId: String, region: AmazonRegion, endpoint: String, profile: AdsProfile) {
        self.accessToken = accessToken
        self.expiresAt = expiresAt
        self.clientId = clientId
        self.region = region
        self.endpoint = endpoint
        self.profile = profile
    }
}

/// Why no Ads access token could be had.
public enum AdsAccessError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The connection has no Amazon Ads authorization (never connected, or removed).
    case notConnected
    /// Amazon refused the Ads refresh token: only connecting Ads again fixes it.
    case needsReauthorization(String)
    /// The connection itself is gone or disconnected for this tenant.
    case connectionNotFound(UUID)
    /// The vault could not be reached or Amazon's token endpoint failed; worth retrying.
    case unavailable(String)

    public var description: String {
        switch self {
        case .notConnected: "the connection's Amazon Ads account is not connected"
        case .needsReauthorization(let reason): "the Amazon Ads authorization must be renewed: \(reason)"
        case .connectionNotFound(let id): "the Amazon connection \(id) does not exist for this tenant"
        case .unavailable(let reason): "the Ads token vault is unavailable: \(reason)"
        }
    }
}

/// Where a service that reads advertising data gets Ads access tokens. Only integrations holds
/// Ads refresh tokens (DESIGN.md: it alone holds Amazon's credentials).
public protocol AdsAccessSource: Sendable {
    /// - Parameter rejectedAccessToken: a token the Ads API just refused (401), so the vault drops it.
    func adsAccess(tenantID: UUID, connectionID: UUID, rejectedAccessToken: String?) async throws -> AdsAccess
}

/// The production source: `POST /internal/amazon/connections/{id}/ads/access-token` on integrations.
public struct IntegrationsAdsAccessSource: AdsAccessSource {
    let serviceClient: ServiceClient

    public init(serviceClient: ServiceClient) { self.serviceClient = serviceClient }

    struct AccessTokenRequest: Encodable {
        let rejectedAccessToken: String?
    }

    public func adsAccess(tenantID: UUID, connectionID: UUID, rejectedAccessToken: String?) async throws -> AdsAccess {
        do {
            let body = try JSONEncoder().encode(AccessTokenRequest(rejectedAccessToken: rejectedAccessToken))
            let reply = try await serviceClient.send(
                .POST, to: .integrations, path: "/internal/amazon/connections/\(connectionID.uuidString.lowercased())/ads/access-token",
                tenantID: tenantID, body: body)
            return try JSONDecoder.opside.decode(AdsAccess.self, from: reply.body)
        } catch ServiceCallError.status(_, 409, let envelope) where envelope?.error.code == "ads_needs_reauthorization" {
            throw AdsAccessError.needsReauthorization(envelope?.error.message ?? "the Ads refresh token was refused")
        } catch ServiceCallError.status(_, 404, let envelope) where envelope?.error.code == "ads_not_connected" {
            throw AdsAccessError.notConnected
        } catch ServiceCallError.status(_, let code, _) where code == 404 || code == 409 {
            throw AdsAccessError.connectionNotFound(connectionID)
        } catch let error as ServiceCallError {
            throw AdsAccessError.unavailable(error.description)
        } catch let error as DecodingError {
            throw AdsAccessError.unavailable("integrations answered an Ads token this service cannot read: \(error)")
        }
    }
}
