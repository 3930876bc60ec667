import Foundation

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

/// Where a service that calls Amazon for a seller (inventory-sync, refund-engine) gets access tokens. Only integrations holds refresh tokens (DESIGN.md),
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
