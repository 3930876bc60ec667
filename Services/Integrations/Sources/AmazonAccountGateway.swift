import Foundation
import Logging
import OpsideAmazonSPAPI

/// What integrations asks of Amazon: Login with Amazon's grants, the access-token cache and the
/// Sellers API. The seam between connection logic and the SP-API client library.
public protocol AmazonAccountGateway: Sendable {
    /// `grant_type=authorization_code`: the consent flow's `spapi_oauth_code`.
    /// - Returns: the seller's refresh token.
    func exchangeAuthorizationCode(_ code: String, redirectURI: String) async throws(LWAError) -> String
    /// `grant_type=refresh_token` once, bypassing any cache: proves the token still works.
    func verifyRefreshToken(_ refreshToken: String) async throws(LWAError)
    /// The marketplaces the seller participates in (Sellers `getMarketplaceParticipations`).
    func participatingMarketplaces(sellingPartnerID: String, region: AmazonRegion, refreshToken: String) async throws -> [String]
    /// A cached access token for a connection (one refresh in flight per connection) and the time
    /// until which a caller may use it.
    func accessToken(connectionID: UUID, sellingPartnerID: String, region: AmazonRegion,
                     refreshToken: String) async throws -> (token: String, usableUntil: Date)
    /// Forgets an access token a caller saw Amazon reject, so the next request refreshes.
    func invalidate(accessToken: String, connectionID: UUID, sellingPartnerID: String, region: AmazonRegion, refreshToken: String) async
    /// The SP-API base URL for a region.
    func endpoint(for region: AmazonRegion) -> String
}

/// The gateway over the suite's SP-API client library.
public struct SPAPIAccountGateway: AmazonAccountGateway {
    let lwa: LoginWithAmazonClient
    let tokenCache: LWAAccessTokenCache
    let client: SPAPIClient

    public init(lwa: LoginWithAmazonClient, tokenCache: LWAAccessTokenCache, client: SPAPIClient) {
        self.lwa = lwa
        self.tokenCache = tokenCache
        self.client = client
    }

    public func exchangeAuthorizationCode(_ code: String, redirectURI: String) async throws(LWAError) -> String {
        let token = try await lwa.exchangeAuthorizationCode(code, redirectURI: redirectURI)
        guard let refreshToken = token.refreshToken, !refreshToken.isEmpty else {
            throw LWAError(code: "unexpected_response", message: "the authorization_code grant returned no refresh_token", status: nil)
        }
        return refreshToken
    }

    public func verifyRefreshToken(_ refreshToken: String) async throws(LWAError) {
        _ = try await lwa.refresh(refreshToken)
    }

    public func participatingMarketplaces(sellingPartnerID: String, region: AmazonRegion, refreshToken: String) async throws -> [String] {
        let connection = SPAPIConnection.seller(sellingPartnerID, region: region, refreshToken: refreshToken)
        let participations = try await client.api(for: connection).getMarketplaceParticipations()
        var ids: [String] = []
        for entry in participations where entry.participation.isParticipating && !ids.contains(entry.marketplace.id) {
            ids.append(entry.marketplace.id)
        }
        return ids
    }

    /// The vault's cache entry for a connection is keyed by the connection's id, not the seller's:
    /// two tenants may hold different refresh tokens for one seller.
    static func vaultConnection(_ id: UUID, _ seller: String, _ region: AmazonRegion, _ refreshToken: String) -> SPAPIConnection {
        SPAPIConnection(id: "vault.\(id.uuidString.lowercased())", sellingPartnerID: seller, region: region,
                        credential: .refreshToken(refreshToken))
    }

    public func accessToken(connectionID: UUID, sellingPartnerID: String, region: AmazonRegion,
                            refreshToken: String) async throws -> (token: String, usableUntil: Date) {
        // Usable until the cache itself would refresh it: a margin before Amazon's expiry.
        try await tokenCache.accessTokenWithDeadline(for: Self.vaultConnection(connectionID, sellingPartnerID, region, refreshToken))
    }

    public func invalidate(accessToken: String, connectionID: UUID, sellingPartnerID: String, region: AmazonRegion, refreshToken: String) async {
        await tokenCache.invalidate(accessToken, for: Self.vaultConnection(connectionID, sellingPartnerID, region, refreshToken))
    }

    public func endpoint(for region: AmazonRegion) -> String { client.settings.endpoint(for: region) }
}
