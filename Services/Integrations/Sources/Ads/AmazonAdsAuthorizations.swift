import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import OpsideAmazonAds
import OpsideAmazonSPAPI
import OpsideCore
import OpsideEvents
import OpsideJobs
import OpsidePostgres
import OpsideTransport
import PostgresNIO

/// A connection's Amazon Ads authorization as the seller and the dashboard see it. Never the token.
public struct AdsAuthorization: Codable, Sendable, Equatable, ResponseEncodable {
    public let connectionId: UUID
    /// `active`, or `needs_reauthorization` once Amazon refused the Ads refresh token.
    public let status: String
    public let reauthorizationReason: String?
    /// The advertising profile whose spend is synced: the connection's marketplace's.
    public let profileId: Int64
    public let marketplaceId: String
    public let countryCode: String
    public let currencyCode: String
    /// The time zone Amazon's report days are in.
    public let timezone: String
    public let accountName: String?
    public let connectedAt: Date
    public let updatedAt: Date
}

/// What connecting or using an Ads authorization can run into, with the envelope each answers.
public enum AdsAuthorizationError: Error, Equatable, CustomStringConvertible {
    case notConnected
    case refreshTokenRejected(String)
    case needsReauthorization(String)
    /// The Ads account has no seller profile in the marketplace; `found` lists what it has.
    case noProfile(marketplaceID: String, found: [String])
    case amazonUnavailable(String)
    case invalidInput(String)

    public var description: String { apiError.message }

    public var apiError: APIError {
        switch self {
        case .notConnected:
            APIError(status: .notFound, code: "ads_not_connected",
                     message: "this connection's Amazon Ads account is not connected; paste an Ads refresh token to connect it")
        case .refreshTokenRejected(let reason):
            APIError(status: .unprocessableContent, code: "ads_refresh_token_rejected",
                     message: "Amazon refused this Ads refresh token: it must come from authorizing Opside's Ads application (scope advertising::campaign_management), not SP-API's",
                     details: ["amazon": reason])
        case .needsReauthorization(let reason):
            APIError(status: .conflict, code: "ads_needs_reauthorization",
                     message: "Amazon no longer accepts this connection's Ads authorization; connect Amazon Ads again", details: ["reason": reason])
        case .noProfile(let marketplace, let found):
            APIError(status: .unprocessableContent, code: "ads_no_profile",
                     message: "this Ads account advertises as no seller in \(marketplace)"
                         + (found.isEmpty ? "; it has no advertising profile in this region" : "; its profiles here are in \(found.joined(separator: ", "))"),
                     details: ["marketplaceId": marketplace])
        case .amazonUnavailable(let reason):
            APIError(status: .badGateway, code: "amazon_unavailable", message: "the Amazon Ads API did not answer; try again shortly",
                     details: ["reason": reason])
        case .invalidInput(let message):
            APIError.validation(message)
        }
    }
}

/// The Ads half of the token vault: connects a connection's Amazon Ads account (a pasted Ads
/// refresh token, proved with Login with Amazon and its profiles read), keeps the token sealed
/// and hands out short-lived Ads access tokens with the profile they are for.
///
/// The Ads API has its own Login with Amazon application (`docs/amazon-ads-api.md` §1): `lwa` and
/// `tokenCache` are that application's, never SP-API's.
public struct AmazonAdsAuthorizations: Sendable {
    let connector: AmazonConnector
    /// Where the consent's single-use states are kept (the same table as SP-API's, marked as the Ads flow's).
    let states: any AmazonConnectionsRepository
    let stateLifetime: Duration
    let database: Database
    let outbox: EventOutbox
    let cipher: RefreshTokenCipher
    let lwa: LoginWithAmazonClient
    let tokenCache: LWAAccessTokenCache
    let settings: AmazonAdsSettings
    let httpClient: HTTPClient
    let logger: Logger

    public init(connector: AmazonConnector, states: any AmazonConnectionsRepository, stateLifetime: Duration, database: Database,
                outbox: EventOutbox, cipher: RefreshTokenCipher, lwa: LoginWithAmazonClient, tokenCache: LWAAccessTokenCache,
                settings: AmazonAdsSettings, httpClient: HTTPClient, logger: Logger) {
        self.connector = connector
        self.states = states
        self.stateLifetime = stateLifetime
        self.database = database
        self.outbox = outbox
        self.cipher = cipher
        self.lwa = lwa
        self.tokenCache = tokenCache
        self.settings = settings
        self.httpClient = httpClient
        self.logger = logger
    }

    /// The cache key of a connection's Ads token: its own namespace beside the SP-API vault's.
    static func cacheKey(_ connectionID: UUID, region: AmazonRegion, refreshToken: String) -> SPAPIConnection {
        SPAPIConnection(id: "ads.\(connectionID.uuidString.lowercased())", sellingPartnerID: nil, region: region,
                        credential: .refreshToken(refreshToken))
    }

    // MARK: Consent

    /// Starts the seller's consent to the Ads application: Login with Amazon's page of the
    /// connection's region, asking the Ads scope, with a fresh single-use `state` bound to the
    /// tenant, the user, the connection and the browser that asked (as SP-API's consent is).
    public func startConsent(tenantID: UUID, userID: UUID, connectionID: UUID, browserBinding: String) async throws -> ConsentLink {
        let connection = try await connector.activeConnection(id: connectionID, tenantID: tenantID)
        guard (AmazonConnector.minimumBindingLength...256).contains(browserBinding.utf8.count) else {
            throw AmazonConnectionError.invalidInput("browserBinding must be \(AmazonConnector.minimumBindingLength) to 256 characters of randomness")
        }
        let state = AmazonConnector.newState()
        let expiresAt = try await states.createOAuthState(
            hash: AmazonConnector.hash(state: state),
            grant: OAuthStateGrant(tenantID: tenantID, userID: userID, region: connection.region, marketplaceID: nil, adsConnectionID: connectionID),
            browserBindingHash: AmazonConnector.hash(state: browserBinding), lifetime: stateLifetime)
        guard var components = URLComponents(string: settings.authorizationURL(for: connection.region)) else {
            throw AmazonConnectionError.inconsistent("the configured Ads authorization URL for \(connection.region.rawValue) is not a URL")
        }
        let query = [("client_id", settings.clientID), ("scope", AmazonAdsSettings.scope), ("response_type", "code"),
                     ("redirect_uri", settings.redirectURI), ("state", state)]
        components.percentEncodedQueryItems = query.map {
            URLQueryItem(name: $0.0, value: $0.1.addingPercentEncoding(withAllowedCharacters: AmazonConnector.queryValueCharacters))
        }
        guard let url = components.string else { throw AmazonConnectionError.inconsistent("the Ads consent URL could not be built") }
        return ConsentLink(consentUrl: url, state: state, expiresAt: expiresAt)
    }

    /// Completes the Ads consent from Login with Amazon's redirect: the state is consumed first
    /// (a replayed redirect cannot exchange twice), the code exchanged with the Ads application
    /// for the seller's Ads refresh token, then connected as a pasted one is.
    public func completeConsent(state: String, code: String, browserBinding: String?,
                                presenter: OAuthStatePresenter) async throws -> (AdsAuthorization, created: Bool) {
        guard !state.isEmpty, state.count <= 256 else { throw AmazonConnectionError.stateUnknown }
        guard !code.isEmpty, code.count <= 2048 else { throw AmazonConnectionError.invalidInput("code is missing or malformed") }
        let bindingHash = browserBinding.flatMap { (1...256).contains($0.utf8.count) ? AmazonConnector.hash(state: $0) : nil }
        let grant = try await states.consumeOAuthState(hash: AmazonConnector.hash(state: state), presenter: presenter,
                                                       browserBindingHash: bindingHash, ads: true)
        guard let connectionID = grant.adsConnectionID else { throw AmazonConnectionError.stateUnknown }
        let refreshToken: String
        do {
            let token = try await lwa.exchangeAuthorizationCode(code, redirectURI: settings.redirectURI)
            guard let refresh = token.refreshToken, !refresh.isEmpty else {
                throw AdsAuthorizationError.amazonUnavailable("the authorization_code grant returned no refresh_token")
            }
            refreshToken = refresh
        } catch let error as LWAError {
            if error.code == "invalid_grant" || error.code == "invalid_request" {
                throw AmazonConnectionError.authorizationCodeRejected("\(error.code): \(error.message)")
            }
            throw AdsAuthorizationError.amazonUnavailable(error.description)
        }
        return try await connect(tenantID: grant.tenantID, connectionID: connectionID, userID: grant.userID, refreshToken: refreshToken,
                                 marketplaceID: nil)
    }

    // MARK: Connecting

    /// Connects (or replaces) the connection's Ads authorization.
    /// - Parameter marketplaceID: whose profile to sync; default the connection's first marketplace.
    /// - Returns: the authorization and whether it is new.
    public func connect(tenantID: UUID, connectionID: UUID, userID: UUID?, refreshToken: String,
                        marketplaceID: String?) async throws -> (AdsAuthorization, created: Bool) {
        let connection = try await connector.activeConnection(id: connectionID, tenantID: tenantID)
        let token = refreshToken.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...2048).contains(token.utf8.count) else {
            throw AdsAuthorizationError.invalidInput("refreshToken is required (at most 2048 bytes)")
        }
        let marketplace = marketplaceID ?? connection.marketplaceIds.first ?? ""
        guard !marketplace.isEmpty else { throw AdsAuthorizationError.invalidInput("marketplaceId is required: the connection lists no marketplace") }
        if marketplaceID != nil, !connection.marketplaceIds.contains(marketplace) {
            throw AdsAuthorizationError.invalidInput(
                "marketplaceId \(marketplace) is not one of the connection's marketplaces (\(connection.marketplaceIds.joined(separator: ", ")))")
        }
        // Proves the token is the Ads application's and still works, and gives the first access token.
        let accessToken: String
        do {
            accessToken = try await lwa.refresh(token).accessToken
        } catch {
            if error.code == "invalid_grant" || error.code == "invalid_request" || error.code == "invalid_client" || error.code == "unauthorized_client" {
                throw AdsAuthorizationError.refreshTokenRejected("\(error.code): \(error.message)")
            }
            throw AdsAuthorizationError.amazonUnavailable(error.description)
        }
        let client = AmazonAdsClient(settings: settings, httpClient: httpClient, logger: logger) { accessToken }
        let profiles: [AdsProfile]
        do {
            profiles = try await client.profiles(region: connection.region)
        } catch let error as AmazonAdsError {
            if case .api(let status, _, _) = error, status == 401 || status == 403 {
                throw AdsAuthorizationError.refreshTokenRejected(error.description)
            }
            throw AdsAuthorizationError.amazonUnavailable(error.description)
        }
        let sellers = profiles.filter { $0.accountInfo.type == "seller" }
        guard let profile = sellers.first(where: { $0.accountInfo.marketplaceStringId == marketplace }) else {
            throw AdsAuthorizationError.noProfile(marketplaceID: marketplace, found: sellers.map(\.accountInfo.marketplaceStringId))
        }
        let sealed = try cipher.seal(token, connectionID: connectionID, tenantID: tenantID, purpose: .advertising)
        let (logger, outbox) = (self.logger, self.outbox)
        let saved = try await database.withTransaction(tenant: tenantID) { db -> (AdsAuthorization, Bool) in
            let rows = try await db.query("""
                INSERT INTO integrations.amazon_ads_authorizations
                    (connection_id, tenant_id, key_id, sealed, profile_id, marketplace_id, country_code, currency_code, timezone, account_name,
                     connected_by_user_id)
                VALUES (\(connectionID), \(tenantID), \(sealed.keyID), \(ByteBuffer(bytes: sealed.sealed)), \(profile.profileId), \(marketplace),
                        \(profile.countryCode), \(profile.currencyCode), \(profile.timezone), \(profile.accountInfo.name), \(userID))
                ON CONFLICT (connection_id) DO UPDATE SET key_id = EXCLUDED.key_id, sealed = EXCLUDED.sealed,
                    profile_id = EXCLUDED.profile_id, marketplace_id = EXCLUDED.marketplace_id, country_code = EXCLUDED.country_code,
                    currency_code = EXCLUDED.currency_code, timezone = EXCLUDED.timezone, account_name = EXCLUDED.account_name,
                    connected_by_user_id = COALESCE(EXCLUDED.connected_by_user_id, amazon_ads_authorizations.connected_by_user_id),
                    status = 'active', reauthorization_reason = NULL, updated_at = now()
                RETURNING \(unescaped: Self.columns), (xmax = 0)
                """, logger: logger)
            var saved: (AdsAuthorization, Bool)?
            for try await r in rows.decode((UUID, String, String?, Int64, String, String, String, String, String?, Date, Date, Bool).self) {
                saved = (Self.authorization((r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7, r.8, r.9, r.10)), r.11)
            }
            guard let saved else { throw AdsAuthorizationError.amazonUnavailable("the authorization was not recorded") }
            try await outbox.publish(AmazonAdsConnected(connectionId: connectionID, profileId: profile.profileId, marketplaceId: marketplace,
                                                        currencyCode: profile.currencyCode), tenantId: tenantID, on: db)
            return saved
        }
        await outbox.wakeRelay()
        logger.info(saved.1 ? "Amazon Ads connected" : "Amazon Ads re-authorized",
                    metadata: ["connection": "\(connectionID)", "profile": "\(profile.profileId)", "marketplace": "\(marketplace)"])
        return saved
    }

    public func authorization(tenantID: UUID, connectionID: UUID) async throws -> AdsAuthorization {
        _ = try await connector.connection(id: connectionID, tenantID: tenantID)
        guard let (authorization, _) = try await stored(tenantID: tenantID, connectionID: connectionID) else {
            throw AdsAuthorizationError.notConnected
        }
        return authorization
    }

    /// Removes the authorization; the spend synced so far stays.
    public func disconnect(tenantID: UUID, connectionID: UUID) async throws -> AdsAuthorization {
        _ = try await connector.connection(id: connectionID, tenantID: tenantID)
        let (logger, outbox) = (self.logger, self.outbox)
        let removed = try await database.withTransaction(tenant: tenantID) { db -> AdsAuthorization? in
            let rows = try await db.query("""
                DELETE FROM integrations.amazon_ads_authorizations WHERE connection_id = \(connectionID) RETURNING \(unescaped: Self.columns)
                """, logger: logger)
            var removed: AdsAuthorization?
            for try await row in rows.decode(Row.self) { removed = Self.authorization(row) }
            if removed != nil { try await outbox.publish(AmazonAdsDisconnected(connectionId: connectionID), tenantId: tenantID, on: db) }
            return removed
        }
        guard let removed else { throw AdsAuthorizationError.notConnected }
        await outbox.wakeRelay()
        return removed
    }

    /// A short-lived Ads access token for the connection's profile.
    /// - Throws: `AmazonConnectionError` for the connection itself (gone, disconnected, SP-API
    ///   reauthorization does not matter here), `AdsAuthorizationError` for its Ads authorization.
    public func access(tenantID: UUID, connectionID: UUID, rejectedAccessToken: String?) async throws -> AdsAccess {
        let connection = try await connector.connection(id: connectionID, tenantID: tenantID)
        guard connection.status != .disconnected else { throw AmazonConnectionError.disconnected }
        guard let (authorization, sealed) = try await stored(tenantID: tenantID, connectionID: connectionID) else {
            throw AdsAuthorizationError.notConnected
        }
        guard authorization.status == "active" else {
            throw AdsAuthorizationError.needsReauthorization(authorization.reauthorizationReason ?? "invalid_grant")
        }
        let refreshToken: String
        do {
            refreshToken = try cipher.open(sealed, connectionID: connectionID, tenantID: tenantID, purpose: .advertising)
        } catch {
            throw AmazonConnectionError.tokenUnreadable(error)
        }
        let key = Self.cacheKey(connectionID, region: connection.region, refreshToken: refreshToken)
        if let rejectedAccessToken { await tokenCache.invalidate(rejectedAccessToken, for: key) }
        let token: (token: String, usableUntil: Date)
        do {
            token = try await tokenCache.accessTokenWithDeadline(for: key)
        } catch let SPAPIError.authorization(error) where error.needsReauthorization {
            let reason = "\(error.code): \(error.message)"
            try await markNeedsReauthorization(tenantID: tenantID, connectionID: connectionID, reason: reason)
            throw AdsAuthorizationError.needsReauthorization(reason)
        } catch let SPAPIError.authorization(error) {
            throw AdsAuthorizationError.amazonUnavailable(error.description)
        }
        let profile = AdsProfile(profileId: authorization.profileId, countryCode: authorization.countryCode,
                                 currencyCode: authorization.currencyCode, timezone: authorization.timezone,
                                 accountInfo: .init(marketplaceStringId: authorization.marketplaceId, id: connection.sellingPartnerId,
                                                    type: "seller", name: authorization.accountName))
        return AdsAccess(accessToken: token.token, expiresAt: token.usableUntil, clientId: settings.clientID, region: connection.region,
                         endpoint: settings.endpoint(for: connection.region), profile: profile)
    }

    func markNeedsReauthorization(tenantID: UUID, connectionID: UUID, reason: String) async throws {
        let logger = self.logger
        try await database.withTransaction(tenant: tenantID) { db in
            try await db.query("""
                UPDATE integrations.amazon_ads_authorizations SET status = 'needs_reauthorization', reauthorization_reason = \(reason),
                    updated_at = now()
                WHERE connection_id = \(connectionID) AND status = 'active'
                """, logger: logger)
        }
        logger.notice("Amazon Ads authorization needs renewing", metadata: ["connection": "\(connectionID)"])
    }

    // MARK: Rows

    static let columns = """
        connection_id, status, reauthorization_reason, profile_id, marketplace_id, country_code, currency_code, timezone, account_name,
        created_at, updated_at
        """
    typealias Row = (UUID, String, String?, Int64, String, String, String, String, String?, Date, Date)

    static func authorization(_ row: Row) -> AdsAuthorization {
        AdsAuthorization(connectionId: row.0, status: row.1, reauthorizationReason: row.2, profileId: row.3, marketplaceId: row.4,
                         countryCode: row.5, currencyCode: row.6, timezone: row.7, accountName: row.8, connectedAt: row.9, updatedAt: row.10)
    }

    func stored(tenantID: UUID, connectionID: UUID) async throws -> (AdsAuthorization, SealedRefreshToken)? {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenantID) { db -> (AdsAuthorization, SealedRefreshToken)? in
            let rows = try await db.query("""
                SELECT \(unescaped: Self.columns), key_id, sealed FROM integrations.amazon_ads_authorizations
                WHERE connection_id = \(connectionID)
                """, logger: logger)
            for try await r in rows.decode((UUID, String, String?, Int64, String, String, String, String, String?, Date, Date, String, ByteBuffer).self) {
                return (Self.authorization((r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7, r.8, r.9, r.10)),
                        SealedRefreshToken(keyID: r.11, sealed: Array(r.12.readableBytesView)))
            }
            return nil
        }
    }
}
