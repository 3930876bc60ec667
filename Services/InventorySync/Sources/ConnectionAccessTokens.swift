import Foundation
import OpsideAmazonAccess
import OpsideAmazonSPAPI

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
