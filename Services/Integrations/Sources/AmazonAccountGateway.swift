import Crypto
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
    /// Who a refresh token belongs to, as Amazon reports it: the selling partner id (merchant
    /// token) and the marketplaces it participates in.
    /// - Throws: `SPAPIError` when Amazon does not answer, `AmazonConnectionError.amazonUnavailable`
    ///   when its answers name no seller.
    func authorizedSeller(region: AmazonRegion, refreshToken: String) async throws -> AuthorizedSeller
    /// A cached access token for a connection (one refresh in flight per connection) and the time
    /// until which a caller may use it.
    func accessToken(connectionID: UUID, sellingPartnerID: String, region: AmazonRegion,
                     refreshToken: String) async throws -> (token: String, usableUntil: Date)
    /// Forgets an access token a caller saw Amazon reject, so the next request refreshes.
    func invalidate(accessToken: String, connectionID: UUID, sellingPartnerID: String, region: AmazonRegion, refreshToken: String) async
    /// The SP-API base URL for a region.
    func endpoint(for region: AmazonRegion) -> String
    /// The seller's SP-API operations for a connection, on the vault's token cache entry (so the
    /// vault and integrations' own calls share one access token and one refresh in flight).
    func sellingPartnerAPI(connectionID: UUID, sellingPartnerID: String, region: AmazonRegion, refreshToken: String) -> SellingPartnerAPI
}

/// A seller as Amazon's APIs describe the holder of a refresh token.
public struct AuthorizedSeller: Sendable, Equatable {
    public let sellingPartnerID: String
    public let marketplaceIDs: [String]

    public init(sellingPartnerID: String, marketplaceIDs: [String]) {
        self.sellingPartnerID = sellingPartnerID
        self.marketplaceIDs = marketplaceIDs
    }
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

    /// Neither the `authorization_code` grant nor the Sellers API names the merchant token (see
    /// `tokens` and `sellers.json`), and the redirect's `selling_partner_id` is whatever the
    /// browser says. The Product Fees API does: every estimate's `FeesEstimateIdentifier.SellerId`
    /// is the caller's, whether the estimate succeeded or is a `ClientError` for an ASIN the seller
    /// does not sell, so one estimate on a participating marketplace says whose token this is.
    /// Until the seller is known the calls are paced in a bucket named after the token's hash.
    public func authorizedSeller(region: AmazonRegion, refreshToken: String) async throws -> AuthorizedSeller {
        let digest = SHA256.hash(data: Data(refreshToken.utf8)).prefix(12).map { String(format: "%02x", $0) }.joined()
        let connection = SPAPIConnection(id: "consent.\(digest).\(region.rawValue)", sellingPartnerID: nil, region: region,
                                         credential: .refreshToken(refreshToken))
        let api = client.api(for: connection)
        let participations = try await api.getMarketplaceParticipations().filter { $0.participation.isParticipating }
        guard let first = participations.first else {
            throw AmazonConnectionError.amazonUnavailable("the seller participates in no marketplace of region \(region.rawValue)")
        }
        var marketplaceIDs: [String] = []
        for entry in participations where !marketplaceIDs.contains(entry.marketplace.id) { marketplaceIDs.append(entry.marketplace.id) }
        let estimate = try await api.getMyFeesEstimateForASIN(Self.identityProbeASIN, FeesEstimateRequestBody(
            marketplaceID: first.marketplace.id, isAmazonFulfilled: true,
            listingPrice: FeesMoney(CurrencyCode: first.marketplace.defaultCurrencyCode, Amount: 10), identifier: "opside-consent"))
        guard let seller = estimate.FeesEstimateResult?.FeesEstimateIdentifier?.SellerId, !seller.isEmpty else {
            throw AmazonConnectionError.amazonUnavailable("Amazon's fees estimate did not name the seller")
        }
        return AuthorizedSeller(sellingPartnerID: seller, marketplaceIDs: marketplaceIDs)
    }

    /// The ASIN of the operation's example in Amazon's own model (productFeesV0.json), whose
    /// answer carries `FeesEstimateIdentifier.SellerId`. Where the seller's marketplace has no
    /// such product the result is a `ClientError` that still carries the identifier.
    static let identityProbeASIN = "B00V5DG6IQ"

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

    public func sellingPartnerAPI(connectionID: UUID, sellingPartnerID: String, region: AmazonRegion,
                                  refreshToken: String) -> SellingPartnerAPI {
        client.api(for: Self.vaultConnection(connectionID, sellingPartnerID, region, refreshToken))
    }
}
