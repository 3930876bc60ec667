import Foundation
import Logging
import OpsideAmazonSPAPI
import OpsideCore
import OpsideTransport

/// A short-lived grant to call SP-API for one connection, as the token vault hands it out.
public struct AmazonAccess: Sendable, Codable, Equatable {
    public let accessToken: String
    public let expiresAt: Date
    public let sellingPartnerId: String
    public let region: String
    public let marketplaceIds: [String]
    /// The SP-API base URL for the connection's region.
    public let endpoint: String?

    public init(accessToken: String, expiresAt: Date, sellingPartnerId: String, region: String,
                marketplaceIds: [String], endpoint: String?) {
        self.accessToken = accessToken
        self.expiresAt = expiresAt
        self.sellingPartnerId = sellingPartnerId
        self.region = region
        self.marketplaceIds = marketplaceIds
        self.endpoint = endpoint
    }
}

/// Why no access token could be had.
public enum AmazonAccessError: Error, Sendable, CustomStringConvertible {
    /// The seller revoked the authorization (or it expired): only re-authorizing fixes it.
    case needsReauthorization(String)
    /// The vault does not know the connection for this tenant.
    case connectionNotFound(UUID)
    /// The seller disconnected the connection: no token until they connect again.
    case disconnected(String)
    /// The vault could not be reached or failed; worth retrying.
    case unavailable(String)

    public var description: String {
        switch self {
        case .needsReauthorization(let reason): "the Amazon connection needs re-authorization: \(reason)"
        case .connectionNotFound(let id): "the Amazon connection \(id) does not exist for this tenant"
        case .disconnected(let reason): "the Amazon connection was disconnected: \(reason)"
        case .unavailable(let reason): "the token vault is unavailable: \(reason)"
        }
    }
}

/// Where inventory-sync gets access tokens. Only integrations holds refresh tokens (DESIGN.md),
/// so in production this is a call to its vault; the seam lets tests stand in for it.
public protocol AmazonAccessTokenSource: Sendable {
    /// - Parameter rejectedAccessToken: a token Amazon just refused (401/403), so the vault drops
    ///   it instead of handing it out again.
    func access(tenantID: UUID, connectionID: UUID, rejectedAccessToken: String?) async throws -> AmazonAccess
}

extension AmazonAccessTokenSource {
    public func access(tenantID: UUID, connectionID: UUID) async throws -> AmazonAccess {
        try await access(tenantID: tenantID, connectionID: connectionID, rejectedAccessToken: nil)
    }
}

/// The production source: `POST /internal/amazon/connections/{id}/access-token` on integrations,
/// with a service token naming the connection's tenant.
public struct IntegrationsAccessTokenSource: AmazonAccessTokenSource {
    let serviceClient: ServiceClient

    public init(serviceClient: ServiceClient) { self.serviceClient = serviceClient }

    struct AccessTokenRequest: Encodable {
        let rejectedAccessToken: String?
    }

    public func access(tenantID: UUID, connectionID: UUID, rejectedAccessToken: String?) async throws -> AmazonAccess {
        do {
            let body = try JSONEncoder().encode(AccessTokenRequest(rejectedAccessToken: rejectedAccessToken))
            let reply = try await serviceClient.send(
                .POST, to: .integrations, path: "/internal/amazon/connections/\(connectionID.uuidString.lowercased())/access-token",
                tenantID: tenantID, body: body)
            return try JSONDecoder.opside.decode(AmazonAccess.self, from: reply.body)
        } catch ServiceCallError.status(_, let code, let envelope) where code == 409 && envelope?.error.code == "needs_reauthorization" {
            throw AmazonAccessError.needsReauthorization(envelope?.error.message ?? "refresh token revoked")
        } catch ServiceCallError.status(_, let code, let envelope) where code == 409 && envelope?.error.code == "connection_disconnected" {
            throw AmazonAccessError.disconnected(envelope?.error.message ?? "the seller disconnected the Amazon account")
        } catch ServiceCallError.status(_, let code, _) where code == 404 {
            throw AmazonAccessError.connectionNotFound(connectionID)
        } catch let error as ServiceCallError {
            throw AmazonAccessError.unavailable(error.description)
        } catch let error as DecodingError {
            throw AmazonAccessError.unavailable("integrations answered an access token this service cannot read: \(error)")
        }
    }
}

/// Adapts the vault to the SP-API client for ONE connection: caches the token until a minute
/// before it expires and drops it when Amazon rejects it, so the next call asks the vault again.
actor ConnectionAccessTokens: SPAPIAccessTokenSource {
    let source: any AmazonAccessTokenSource
    let tenantID: UUID
    let connectionID: UUID
    private var cached: AmazonAccess?
    private var rejected: String?

    init(source: any AmazonAccessTokenSource, tenantID: UUID, connectionID: UUID, first: AmazonAccess?) {
        self.source = source
        self.tenantID = tenantID
        self.connectionID = connectionID
        self.cached = first
    }

    func accessToken(for connection: SPAPIConnection) async throws -> String {
        if let cached, cached.expiresAt.timeIntervalSinceNow > 60 { return cached.accessToken }
        let fresh = try await source.access(tenantID: tenantID, connectionID: connectionID, rejectedAccessToken: rejected)
        cached = fresh
        rejected = nil
        return fresh.accessToken
    }

    func invalidate(_ accessToken: String, for connection: SPAPIConnection) {
        if cached?.accessToken == accessToken { cached = nil }
        rejected = accessToken
    }
}
