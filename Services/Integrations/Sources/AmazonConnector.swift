import Crypto
import Foundation
import Hummingbird
import Logging
import OpsideAmazonSPAPI

/// A consent link handed to the dashboard.
public struct ConsentLink: Codable, Sendable, Equatable, ResponseEncodable {
    public let consentUrl: String
    public let state: String
    public let expiresAt: Date
}

/// What the token vault hands out: a short-lived access token and what a caller needs to use it.
/// Never the refresh token.
public struct VaultAccessToken: Codable, Sendable, Equatable, ResponseEncodable {
    public let accessToken: String
    /// Use the token until this time; asking again afterwards is cheap (the vault caches it).
    public let expiresAt: Date
    public let sellingPartnerId: String
    public let region: AmazonRegion
    public let marketplaceIds: [String]
    /// The SP-API base URL for the connection's region.
    public let endpoint: String
}

/// Connecting sellers, the token vault and account health: the integrations service's logic,
/// between its HTTP endpoints and jobs on one side and Postgres and Amazon on the other.
public struct AmazonConnector: Sendable {
    let repository: any AmazonConnectionsRepository
    let gateway: any AmazonAccountGateway
    let cipher: RefreshTokenCipher
    let settings: IntegrationsSettings
    let logger: Logger

    public init(repository: any AmazonConnectionsRepository, gateway: any AmazonAccountGateway, cipher: RefreshTokenCipher,
                settings: IntegrationsSettings, logger: Logger) {
        self.repository = repository
        self.gateway = gateway
        self.cipher = cipher
        self.settings = settings
        self.logger = logger
    }

    // MARK: Consent flow

    /// The `state` is 32 random bytes; only its SHA-256 is stored, so a database reader cannot
    /// complete someone else's consent.
    static func newState() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func hash(state: String) -> [UInt8] { Array(SHA256.hash(data: Data(state.utf8))) }

    /// 32 random bytes in base64url are 43 characters; anything shorter is not a secret.
    static let minimumBindingLength = 43

    /// Starts connecting: a consent URL on the region's Seller Central with a fresh single-use
    /// `state` bound to the tenant, the user and the browser that asked.
    /// - Parameters:
    ///   - region: the region to authorize; derived from `marketplaceID` when omitted.
    ///   - marketplaceID: the marketplace whose Seller Central site the seller uses (optional).
    ///   - browserBinding: the unguessable value the gateway puts in a cookie of the browser that
    ///     starts the flow; only its SHA-256 is stored, and the callback must present it again.
    /// - Throws: `AmazonConnectionError.invalidInput` for an unknown region or marketplace, a
    ///   marketplace outside the region, or a binding too short to be unguessable.
    public func startConsent(tenantID: UUID, userID: UUID, region regionText: String?, marketplaceID: String?,
                             browserBinding: String) async throws -> ConsentLink {
        let region = try Self.resolveRegion(regionText, marketplaceID: marketplaceID)
        guard (Self.minimumBindingLength...256).contains(browserBinding.utf8.count) else {
            throw AmazonConnectionError.invalidInput("browserBinding must be \(Self.minimumBindingLength) to 256 characters of randomness")
        }
        let state = Self.newState()
        let expiresAt = try await repository.createOAuthState(
            hash: Self.hash(state: state),
            grant: OAuthStateGrant(tenantID: tenantID, userID: userID, region: region, marketplaceID: marketplaceID),
            browserBindingHash: Self.hash(state: browserBinding),
            lifetime: settings.oauthStateLifetime)
        guard var components = URLComponents(string: settings.sellerCentralURL(region: region, marketplaceID: marketplaceID)) else {
            throw AmazonConnectionError.inconsistent("the configured Seller Central URL for \(region.rawValue) is not a URL")
        }
        components.path = (components.path.hasSuffix("/") ? String(components.path.dropLast()) : components.path) + "/apps/authorize/consent"
        var query = [URLQueryItem(name: "application_id", value: settings.applicationID),
                     URLQueryItem(name: "state", value: state),
                     URLQueryItem(name: "redirect_uri", value: settings.redirectURI)]
        if settings.consentDraftApplication { query.append(URLQueryItem(name: "version", value: "beta")) }
        components.percentEncodedQueryItems = query.map {
            URLQueryItem(name: $0.name, value: $0.value?.addingPercentEncoding(withAllowedCharacters: Self.queryValueCharacters))
        }
        guard let url = components.string else {
            throw AmazonConnectionError.inconsistent("the consent URL could not be built")
        }
        return ConsentLink(consentUrl: url, state: state, expiresAt: expiresAt)
    }

    /// RFC 3986 unreserved characters: everything else in a query value is percent-encoded
    /// (a redirect URI carries `:`, `/` and `?`).
    static let queryValueCharacters = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static func resolveRegion(_ text: String?, marketplaceID: String?) throws -> AmazonRegion {
        var marketplace: AmazonMarketplace?
        if let marketplaceID {
            guard let known = AmazonMarketplace.withID(marketplaceID) else {
                throw AmazonConnectionError.invalidInput("marketplaceId '\(marketplaceID)' is not an Amazon marketplace id (e.g. ATVPDKIKX0DER)")
            }
            marketplace = known
        }
        guard let text else {
            if let marketplace { return marketplace.region }
            throw AmazonConnectionError.invalidInput("region is required: one of na, eu, fe")
        }
        guard let region = AmazonRegion(rawValue: text.lowercased()) else {
            throw AmazonConnectionError.invalidInput("region must be one of na, eu, fe")
        }
        if let marketplace, marketplace.region != region {
            throw AmazonConnectionError.invalidInput("marketplace \(marketplace.id) (\(marketplace.countryCode)) belongs to region \(marketplace.region.rawValue), not \(region.rawValue)")
        }
        return region
    }

    static func validateSellingPartnerID(_ id: String) throws {
        guard (1...64).contains(id.count), id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw AmazonConnectionError.invalidInput("sellingPartnerId must be Amazon's merchant token: 1-64 letters and digits")
        }
    }

    /// Completes the consent flow from Amazon's redirect.
    ///
    /// The `state` is consumed before the code is exchanged, so a replayed redirect cannot run
    /// the exchange twice; a failed exchange therefore means starting again, which the error says.
    /// The browser must present the binding its cookie carried when the flow started: a link
    /// started by one account and approved in someone else's browser is refused before anything
    /// is exchanged or stored. The seller is who Amazon says the new refresh token belongs to;
    /// the redirect's `selling_partner_id` is only compared with it.
    /// - Returns: the connection and whether it is new (false when the seller reconnected).
    public func completeConsent(state: String, code: String, claimedSellingPartnerID: String?, browserBinding: String?,
                                presenter: OAuthStatePresenter) async throws -> (AmazonConnection, created: Bool) {
        guard !state.isEmpty, state.count <= 256 else { throw AmazonConnectionError.stateUnknown }
        guard !code.isEmpty, code.count <= 2048 else { throw AmazonConnectionError.invalidInput("spapi_oauth_code is missing or malformed") }
        let bindingHash = browserBinding.flatMap { (1...256).contains($0.utf8.count) ? Self.hash(state: $0) : nil }
        let grant = try await repository.consumeOAuthState(hash: Self.hash(state: state), presenter: presenter,
                                                           browserBindingHash: bindingHash, ads: false)
        let refreshToken: String
        do {
            refreshToken = try await gateway.exchangeAuthorizationCode(code, redirectURI: settings.redirectURI)
        } catch {
            if error.code == "invalid_grant" || error.code == "invalid_request" {
                throw AmazonConnectionError.authorizationCodeRejected("\(error.code): \(error.message)")
            }
            throw AmazonConnectionError.amazonUnavailable(error.description)
        }
        let seller: AuthorizedSeller
        do {
            seller = try await gateway.authorizedSeller(region: grant.region, refreshToken: refreshToken)
        } catch let error as SPAPIError {
            throw AmazonConnectionError.amazonUnavailable("reading who authorized failed: \(error)")
        }
        if let claimed = claimedSellingPartnerID, claimed != seller.sellingPartnerID {
            logger.notice("the consent redirect named another seller than Amazon reports; keeping Amazon's",
                          metadata: ["claimed": "\(claimed.prefix(64))", "sellingPartner": "\(seller.sellingPartnerID)"])
        }
        return try await save(refreshToken: refreshToken, sellingPartnerID: seller.sellingPartnerID, marketplaces: seller.marketplaceIDs,
                              region: grant.region, tenantID: grant.tenantID, userID: grant.userID, method: .consent)
    }

    /// Connects a private application's self-authorized refresh token, after proving it works
    /// and that it is the named seller's: Amazon says whose it is, as in the consent flow.
    /// - Throws: `.invalidInput` when the token belongs to another selling partner than
    ///   `sellingPartnerID`; `.refreshTokenRejected` when LWA refuses it.
    public func connectSelfAuthorized(tenantID: UUID, userID: UUID?, refreshToken: String, sellingPartnerID: String,
                                      region regionText: String) async throws -> (AmazonConnection, created: Bool) {
        let region = try Self.resolveRegion(regionText, marketplaceID: nil)
        try Self.validateSellingPartnerID(sellingPartnerID)
        let token = refreshToken.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...2048).contains(token.utf8.count) else {
            throw AmazonConnectionError.invalidInput("refreshToken is required (at most 2048 bytes)")
        }
        do {
            try await gateway.verifyRefreshToken(token)
        } catch {
            if error.code == "invalid_grant" || error.code == "invalid_request" {
                throw AmazonConnectionError.refreshTokenRejected("\(error.code): \(error.message)")
            }
            throw AmazonConnectionError.amazonUnavailable(error.description)
        }
        let seller: AuthorizedSeller
        do {
            seller = try await gateway.authorizedSeller(region: region, refreshToken: token)
        } catch let error as SPAPIError {
            throw AmazonConnectionError.amazonUnavailable("reading whose token this is failed: \(error)")
        }
        guard seller.sellingPartnerID == sellingPartnerID else {
            throw AmazonConnectionError.invalidInput(
                "this refresh token belongs to selling partner \(seller.sellingPartnerID), not \(sellingPartnerID): paste the seller id the token was issued for")
        }
        return try await save(refreshToken: token, sellingPartnerID: seller.sellingPartnerID, marketplaces: seller.marketplaceIDs,
                              region: region, tenantID: tenantID, userID: userID, method: .selfAuthorized)
    }

    private func save(refreshToken: String, sellingPartnerID: String, marketplaces: [String], region: AmazonRegion, tenantID: UUID,
                      userID: UUID?, method: AmazonAuthorizationMethod) async throws -> (AmazonConnection, created: Bool) {
        try Self.validateSellingPartnerID(sellingPartnerID)
        let cipher = self.cipher
        let saved = try await repository.saveAuthorization(
            NewAmazonAuthorization(tenantID: tenantID, userID: userID, sellingPartnerID: sellingPartnerID, region: region,
                                   marketplaceIDs: marketplaces, method: method),
            seal: { connectionID in try cipher.seal(refreshToken, connectionID: connectionID, tenantID: tenantID) })
        logger.info(saved.created ? "Amazon connection created" : "Amazon connection re-authorized",
                    metadata: ["connection": "\(saved.0.id)", "sellingPartner": "\(sellingPartnerID)", "region": "\(region.rawValue)"])
        return saved
    }

    // MARK: Connections

    public func connections(tenantID: UUID) async throws -> [AmazonConnection] {
        try await repository.connections(tenantID: tenantID)
    }

    public func connection(id: UUID, tenantID: UUID) async throws -> AmazonConnection {
        guard let found = try await repository.connection(id: id, tenantID: tenantID) else { throw AmazonConnectionError.notFound }
        return found
    }

    /// The connection, when it can reach Amazon now: a request checked before it is queued (a
    /// bulk update, an inbound plan) fails at once rather than in its job.
    /// - Throws: `disconnected`, or `needsReauthorization` with Amazon's reason.
    public func activeConnection(id: UUID, tenantID: UUID) async throws -> AmazonConnection {
        let connection = try await connection(id: id, tenantID: tenantID)
        guard connection.status == .active else {
            throw connection.status == .disconnected ? AmazonConnectionError.disconnected
                : AmazonConnectionError.needsReauthorization(reason: connection.reauthorizationReason ?? "invalid_grant",
                                                             since: connection.reauthorizationRequiredAt)
        }
        return connection
    }

    public func disconnect(id: UUID, tenantID: UUID) async throws -> AmazonConnection {
        guard let found = try await repository.disconnect(id: id, tenantID: tenantID) else { throw AmazonConnectionError.notFound }
        return found
    }

    // MARK: Token vault

    /// A short-lived access token for a connection of `tenantID`.
    /// - Parameter rejectedAccessToken: a token the caller saw Amazon refuse; it is dropped from
    ///   the cache first so the answer is a fresh one.
    /// - Throws: `.notFound` (also for another tenant's connection), `.needsReauthorization`,
    ///   `.disconnected`, `.amazonUnavailable`.
    public func accessToken(connectionID: UUID, tenantID: UUID, rejectedAccessToken: String?) async throws -> VaultAccessToken {
        let (connection, refreshToken) = try await activeCredential(connectionID: connectionID, tenantID: tenantID)
        if let rejectedAccessToken {
            await gateway.invalidate(accessToken: rejectedAccessToken, connectionID: connection.id,
                                     sellingPartnerID: connection.sellingPartnerId, region: connection.region, refreshToken: refreshToken)
        }
        let accessToken: (token: String, usableUntil: Date)
        do {
            accessToken = try await gateway.accessToken(connectionID: connection.id, sellingPartnerID: connection.sellingPartnerId,
                                                        region: connection.region, refreshToken: refreshToken)
        } catch let SPAPIError.authorization(error) {
            if error.needsReauthorization {
                let reason = "\(error.code): \(error.message)"
                _ = try await repository.markNeedsReauthorization(connectionID: connection.id, tenantID: tenantID, reason: reason)
                throw AmazonConnectionError.needsReauthorization(reason: reason, since: Date())
            }
            throw AmazonConnectionError.amazonUnavailable(error.description)
        }
        return VaultAccessToken(accessToken: accessToken.token, expiresAt: accessToken.usableUntil,
                                sellingPartnerId: connection.sellingPartnerId, region: connection.region,
                                marketplaceIds: connection.marketplaceIds, endpoint: gateway.endpoint(for: connection.region))
    }

    /// An active connection of the tenant and its opened refresh token.
    /// - Throws: `notFound` (also for another tenant's), `needsReauthorization`, `disconnected`.
    func activeCredential(connectionID: UUID, tenantID: UUID) async throws -> (AmazonConnection, String) {
        guard let (connection, sealed) = try await repository.credential(connectionID: connectionID, tenantID: tenantID) else {
            throw AmazonConnectionError.notFound
        }
        switch connection.status {
        case .needsReauthorization:
            throw AmazonConnectionError.needsReauthorization(reason: connection.reauthorizationReason ?? "invalid_grant",
                                                             since: connection.reauthorizationRequiredAt)
        case .disconnected:
            throw AmazonConnectionError.disconnected
        case .active:
            break
        }
        guard let sealed else { throw AmazonConnectionError.disconnected }
        return (connection, try await open(sealed, connection: connection))
    }

    /// Runs `body` with the seller's SP-API operations for an active connection. Amazon refusing
    /// the refresh token on the way marks the connection for reauthorization, as the vault does.
    public func withSellingPartnerAPI<T: Sendable>(connectionID: UUID, tenantID: UUID,
                                                   _ body: (AmazonConnection, SellingPartnerAPI) async throws -> T) async throws -> T {
        let (connection, refreshToken) = try await activeCredential(connectionID: connectionID, tenantID: tenantID)
        let api = gateway.sellingPartnerAPI(connectionID: connection.id, sellingPartnerID: connection.sellingPartnerId,
                                            region: connection.region, refreshToken: refreshToken)
        do {
            return try await body(connection, api)
        } catch let SPAPIError.authorization(error) {
            guard error.needsReauthorization else { throw AmazonConnectionError.amazonUnavailable(error.description) }
            let reason = "\(error.code): \(error.message)"
            _ = try await repository.markNeedsReauthorization(connectionID: connection.id, tenantID: tenantID, reason: reason)
            throw AmazonConnectionError.needsReauthorization(reason: reason, since: Date())
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// Opens a sealed token and, when an older key sealed it, re-seals it under the current key
    /// (lazy rotation). A failed re-seal only delays the rotation, so it is logged, not thrown.
    private func open(_ sealed: SealedRefreshToken, connection: AmazonConnection) async throws -> String {
        let token: String
        do {
            token = try cipher.open(sealed, connectionID: connection.id, tenantID: connection.tenantId)
        } catch {
            logger.error("stored refresh token does not open", metadata: ["connection": "\(connection.id)", "error": "\(error)"])
            throw AmazonConnectionError.tokenUnreadable(error)
        }
        if cipher.needsResealing(sealed) {
            do {
                let fresh = try cipher.seal(token, connectionID: connection.id, tenantID: connection.tenantId)
                try await repository.reseal(connectionID: connection.id, tenantID: connection.tenantId, replacing: sealed, with: fresh)
                logger.info("refresh token re-sealed under the current key",
                            metadata: ["connection": "\(connection.id)", "from": "\(sealed.keyID)", "to": "\(fresh.keyID)"])
            } catch {
                logger.warning("could not re-seal a refresh token; will retry on next use",
                               metadata: ["connection": "\(connection.id)", "error": "\(error)"])
            }
        }
        return token
    }

    // MARK: Account health

    /// What one health check found.
    public enum HealthOutcome: Sendable, Equatable {
        case healthy
        /// Amazon refused the refresh token; `changed` is false when it was already marked.
        case needsReauthorization(changed: Bool)
        /// Nothing to check: disconnected, already marked, or gone.
        case skipped
    }

    /// Exchanges the connection's refresh token once (not through the cache: the point is to ask
    /// Amazon). `invalid_grant` marks it `needs_reauthorization`; other failures throw, so the job
    /// retries them.
    public func checkHealth(_ target: HealthCheckTarget) async throws -> HealthOutcome {
        guard let (connection, sealed) = try await repository.credential(connectionID: target.connectionId, tenantID: target.tenantId),
              connection.status == .active, let sealed else {
            return .skipped
        }
        let refreshToken = try await open(sealed, connection: connection)
        do {
            try await gateway.verifyRefreshToken(refreshToken)
        } catch {
            guard error.needsReauthorization else { throw AmazonConnectionError.amazonUnavailable(error.description) }
            let changed = try await repository.markNeedsReauthorization(
                connectionID: connection.id, tenantID: connection.tenantId, reason: "\(error.code): \(error.message)")
            logger.notice("Amazon connection needs reauthorization",
                          metadata: ["connection": "\(connection.id)", "sellingPartner": "\(connection.sellingPartnerId)"])
            return .needsReauthorization(changed: changed)
        }
        try await repository.markHealthy(connectionID: connection.id, tenantID: connection.tenantId)
        return .healthy
    }
}
