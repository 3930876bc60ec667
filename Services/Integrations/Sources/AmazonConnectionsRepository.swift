import Foundation
import Logging
import OpsideAmazonSPAPI
import OpsideEvents
import OpsideJobs
import OpsidePostgres
import PostgresNIO

/// A seller's authorization about to be recorded.
public struct NewAmazonAuthorization: Sendable {
    public let tenantID: UUID
    public let userID: UUID?
    public let sellingPartnerID: String
    public let region: AmazonRegion
    public let marketplaceIDs: [String]
    public let method: AmazonAuthorizationMethod

    public init(tenantID: UUID, userID: UUID?, sellingPartnerID: String, region: AmazonRegion, marketplaceIDs: [String],
                method: AmazonAuthorizationMethod) {
        self.tenantID = tenantID
        self.userID = userID
        self.sellingPartnerID = sellingPartnerID
        self.region = region
        self.marketplaceIDs = marketplaceIDs
        self.method = method
    }
}

/// A connection the account-health sweep should check, and the tenant to check it under.
public struct HealthCheckTarget: Sendable, Equatable, Codable {
    public let connectionId: UUID
    public let tenantId: UUID

    public init(connectionId: UUID, tenantId: UUID) {
        self.connectionId = connectionId
        self.tenantId = tenantId
    }
}

/// Connections, their sealed refresh tokens and consent states (schema `integrations`).
///
/// Every write that other services must hear about publishes its event in the same transaction.
public protocol AmazonConnectionsRepository: Sendable {
    /// Records a consent flow's `state` by its hash, with the hash of the browser binding (the
    /// cookie value of the browser that started it).
    /// - Returns: when the state expires (the service's wall clock).
    func createOAuthState(hash: [UInt8], grant: OAuthStateGrant, browserBindingHash: [UInt8], lifetime: Duration) async throws -> Date
    /// Marks the state used and returns what it stood for.
    /// - Parameter browserBindingHash: the SHA-256 of the binding the callback's browser carried
    ///   (nil when it carried none).
    ///   - ads: whether this is the Amazon Ads consent's callback: a state of the other flow is unknown to it.
    /// - Throws: `AmazonConnectionError.state…` when it is unknown, presented by another tenant,
    ///   user or browser (then it stays usable), already used, or expired.
    func consumeOAuthState(hash: [UInt8], presenter: OAuthStatePresenter, browserBindingHash: [UInt8]?, ads: Bool) async throws -> OAuthStateGrant
    /// Creates or re-activates the tenant's connection to the seller in the region, stores the
    /// token `seal` returns for the connection's id, and publishes `amazon.connected`.
    /// - Returns: the connection and whether it was new.
    func saveAuthorization(_ authorization: NewAmazonAuthorization,
                           seal: @escaping @Sendable (UUID) throws -> SealedRefreshToken) async throws -> (AmazonConnection, created: Bool)
    /// The tenant's connections that are not disconnected, oldest first.
    func connections(tenantID: UUID) async throws -> [AmazonConnection]
    func connection(id: UUID, tenantID: UUID) async throws -> AmazonConnection?
    /// Deletes the tokens (SP-API's and Ads'), marks the connection disconnected and publishes `amazon.disconnected`
    /// (once: disconnecting again changes nothing).
    /// - Returns: the connection, or nil when the tenant has no such connection.
    func disconnect(id: UUID, tenantID: UUID) async throws -> AmazonConnection?
    /// The connection and its sealed token (nil once disconnected).
    func credential(connectionID: UUID, tenantID: UUID) async throws -> (AmazonConnection, SealedRefreshToken?)?
    /// Replaces a token sealed under an old key, unless someone replaced it meanwhile.
    func reseal(connectionID: UUID, tenantID: UUID, replacing old: SealedRefreshToken, with new: SealedRefreshToken) async throws
    func markHealthy(connectionID: UUID, tenantID: UUID) async throws
    /// Marks an active connection `needs_reauthorization` and publishes `amazon.reauthorization_required`.
    /// - Returns: true when this call changed the status (the event is published once).
    func markNeedsReauthorization(connectionID: UUID, tenantID: UUID, reason: String) async throws -> Bool
    /// Every active connection, across tenants.
    func connectionsDueForHealthCheck() async throws -> [HealthCheckTarget]
}

public struct AmazonConnectionsPostgresRepository: AmazonConnectionsRepository {
    let database: Database
    let outbox: EventOutbox
    let logger: Logger
    /// The clock consent states expire by (the service's wall clock; tests move it).
    let now: @Sendable () -> Date

    public init(database: Database, outbox: EventOutbox, logger: Logger, now: @escaping @Sendable () -> Date = Date.init) {
        self.database = database
        self.outbox = outbox
        self.logger = logger
        self.now = now
    }

    static let columns = """
        id, tenant_id, selling_partner_id, region, marketplace_ids, status, authorization_method, connected_by_user_id,
        reauthorization_reason, reauthorization_required_at, last_health_check_at, disconnected_at, created_at, updated_at
        """

    typealias Row = (UUID, UUID, String, String, [String], String, String, UUID?, String?, Date?, Date?, Date?, Date, Date)

    static func connection(_ row: Row) throws -> AmazonConnection {
        guard let region = AmazonRegion(rawValue: row.3), let status = AmazonConnectionStatus(rawValue: row.5),
              let method = AmazonAuthorizationMethod(rawValue: row.6) else {
            throw AmazonConnectionError.inconsistent("connection \(row.0) has an unreadable region, status or method")
        }
        return AmazonConnection(id: row.0, tenantId: row.1, sellingPartnerId: row.2, region: region, marketplaceIds: row.4,
                                status: status, authorizationMethod: method, connectedByUserId: row.7,
                                reauthorizationReason: row.8, reauthorizationRequiredAt: row.9, lastHealthCheckAt: row.10,
                                disconnectedAt: row.11, createdAt: row.12, updatedAt: row.13)
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    // MARK: OAuth state

    public func createOAuthState(hash: [UInt8], grant: OAuthStateGrant, browserBindingHash: [UInt8],
                                 lifetime: Duration) async throws -> Date {
        let logger = self.logger
        let now = self.now()
        let expiresAt = now.addingTimeInterval(Double(lifetime.components.seconds) + Double(lifetime.components.attoseconds) / 1e18)
        let forgottenBefore = now.addingTimeInterval(-3600)
        return try await database.withTransaction(tenant: grant.tenantID) { connection in
            // States expire in minutes; consumed and expired ones are kept an hour so a replay is
            // told "already used" or "expired" rather than "unknown", then cleaned up here.
            try await connection.query("""
                DELETE FROM integrations.oauth_states WHERE tenant_id = \(grant.tenantID) AND expires_at < \(forgottenBefore)
                """, logger: logger)
            let rows = try await connection.query("""
                INSERT INTO integrations.oauth_states
                    (state_hash, tenant_id, user_id, region, marketplace_id, browser_binding_hash, expires_at, ads_connection_id)
                VALUES (\(ByteBuffer(bytes: hash)), \(grant.tenantID), \(grant.userID), \(grant.region.rawValue), \(grant.marketplaceID),
                        \(ByteBuffer(bytes: browserBindingHash)), \(expiresAt), \(grant.adsConnectionID))
                RETURNING expires_at
                """, logger: logger)
            for try await expiresAt in rows.decode(Date.self) { return expiresAt }
            throw AmazonConnectionError.inconsistent("the consent state was not recorded")
        }
    }

    public func consumeOAuthState(hash: [UInt8], presenter: OAuthStatePresenter, browserBindingHash: [UInt8]?,
                                  ads: Bool) async throws -> OAuthStateGrant {
        let logger = self.logger
        let hashHex = Self.hex(hash)
        let now = self.now()
        return try await database.withTransaction { connection in
            // The tenant is not known yet: presenting the state's hash is what lets this
            // transaction see (only) that row, through the `state_bearer` policies.
            try await connection.query("SELECT set_config('opside.oauth_state_hash', \(hashHex), true)", logger: logger)
            let rows = try await connection.query("""
                SELECT tenant_id, user_id, region, marketplace_id, consumed_at IS NOT NULL, expires_at <= \(now), browser_binding_hash,
                       ads_connection_id
                FROM integrations.oauth_states WHERE state_hash = \(ByteBuffer(bytes: hash)) FOR UPDATE
                """, logger: logger)
            var found: (UUID, UUID, String, String?, Bool, Bool, ByteBuffer, UUID?)?
            for try await row in rows.decode((UUID, UUID, String, String?, Bool, Bool, ByteBuffer, UUID?).self) { found = row }
            // A state of the other flow (SP-API's at the Ads callback, or the reverse) is unknown here.
            guard let (tenant, user, regionText, marketplace, consumed, expired, binding, adsConnection) = found,
                  let region = AmazonRegion(rawValue: regionText), (adsConnection != nil) == ads else {
                throw AmazonConnectionError.stateUnknown
            }
            // Another account's state is refused before anything about it is revealed, and stays
            // usable by the account that started it.
            if let presentingTenant = presenter.tenantID, presentingTenant != tenant { throw AmazonConnectionError.stateOtherTenant }
            if let presentingUser = presenter.userID, presentingUser != user { throw AmazonConnectionError.stateOtherUser }
            // The browser that approves must be the one that started: otherwise a link sent to a
            // victim would connect the victim's account to the sender's tenant.
            guard let browserBindingHash, Self.constantTimeEqual(Array(binding.readableBytesView), browserBindingHash) else {
                throw AmazonConnectionError.stateOtherBrowser
            }
            if consumed { throw AmazonConnectionError.stateAlreadyUsed }
            if expired { throw AmazonConnectionError.stateExpired }
            try await connection.query("""
                UPDATE integrations.oauth_states SET consumed_at = now() WHERE state_hash = \(ByteBuffer(bytes: hash))
                """, logger: logger)
            return OAuthStateGrant(tenantID: tenant, userID: user, region: region, marketplaceID: marketplace, adsConnectionID: adsConnection)
        }
    }

    // MARK: Connections

    public func saveAuthorization(_ authorization: NewAmazonAuthorization,
                                  seal: @escaping @Sendable (UUID) throws -> SealedRefreshToken) async throws -> (AmazonConnection, created: Bool) {
        let logger = self.logger
        let outbox = self.outbox
        let newID = UUID()
        let result = try await database.withTransaction(tenant: authorization.tenantID) { connection -> (AmazonConnection, Bool) in
            let rows = try await connection.query("""
                INSERT INTO integrations.amazon_connections
                    (id, tenant_id, selling_partner_id, region, marketplace_ids, authorization_method, connected_by_user_id)
                VALUES (\(newID), \(authorization.tenantID), \(authorization.sellingPartnerID), \(authorization.region.rawValue),
                        \(authorization.marketplaceIDs), \(authorization.method.rawValue), \(authorization.userID))
                ON CONFLICT (tenant_id, selling_partner_id, region) DO UPDATE SET
                    marketplace_ids = EXCLUDED.marketplace_ids, status = 'active',
                    authorization_method = EXCLUDED.authorization_method,
                    connected_by_user_id = COALESCE(EXCLUDED.connected_by_user_id, amazon_connections.connected_by_user_id),
                    reauthorization_reason = NULL, reauthorization_required_at = NULL, disconnected_at = NULL,
                    updated_at = now()
                RETURNING \(unescaped: Self.columns)
                """, logger: logger)
            var saved: AmazonConnection?
            for try await row in rows.decode(Row.self) { saved = try Self.connection(row) }
            guard let saved else { throw AmazonConnectionError.inconsistent("the connection was not recorded") }
            let sealed = try seal(saved.id)
            try await connection.query("""
                INSERT INTO integrations.amazon_refresh_tokens (connection_id, tenant_id, key_id, sealed)
                VALUES (\(saved.id), \(authorization.tenantID), \(sealed.keyID), \(ByteBuffer(bytes: sealed.sealed)))
                ON CONFLICT (connection_id) DO UPDATE SET key_id = EXCLUDED.key_id, sealed = EXCLUDED.sealed, updated_at = now()
                """, logger: logger)
            try await outbox.publish(AmazonConnected(
                connectionId: saved.id, sellingPartnerId: saved.sellingPartnerId, region: saved.region.rawValue,
                marketplaceIds: saved.marketplaceIds), tenantId: authorization.tenantID, on: connection)
            return (saved, saved.id == newID)
        }
        await outbox.wakeRelay()
        return result
    }

    public func connections(tenantID: UUID) async throws -> [AmazonConnection] {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenantID) { connection in
            let rows = try await connection.query("""
                SELECT \(unescaped: Self.columns) FROM integrations.amazon_connections
                WHERE tenant_id = \(tenantID) AND status <> 'disconnected' ORDER BY created_at, id
                """, logger: logger)
            var list: [AmazonConnection] = []
            for try await row in rows.decode(Row.self) { list.append(try Self.connection(row)) }
            return list
        }
    }

    public func connection(id: UUID, tenantID: UUID) async throws -> AmazonConnection? {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenantID) { connection in
            try await Self.select(id: id, tenantID: tenantID, on: connection, logger: logger)
        }
    }

    static func select(id: UUID, tenantID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> AmazonConnection? {
        let rows = try await connection.query("""
            SELECT \(unescaped: Self.columns) FROM integrations.amazon_connections WHERE id = \(id) AND tenant_id = \(tenantID)
            """, logger: logger)
        for try await row in rows.decode(Row.self) { return try Self.connection(row) }
        return nil
    }

    public func disconnect(id: UUID, tenantID: UUID) async throws -> AmazonConnection? {
        let logger = self.logger
        let outbox = self.outbox
        let result = try await database.withTransaction(tenant: tenantID) { connection -> (AmazonConnection?, Bool) in
            try await connection.query("DELETE FROM integrations.amazon_refresh_tokens WHERE connection_id = \(id)", logger: logger)
            // The Ads authorization goes with the connection: its token too is the seller's grant to us.
            var adsRemoved = false
            for try await _ in try await connection.query("""
                DELETE FROM integrations.amazon_ads_authorizations WHERE connection_id = \(id) RETURNING connection_id
                """, logger: logger).decode(UUID.self) {
                adsRemoved = true
            }
            if adsRemoved { try await outbox.publish(AmazonAdsDisconnected(connectionId: id), tenantId: tenantID, on: connection) }
            let rows = try await connection.query("""
                UPDATE integrations.amazon_connections
                SET status = 'disconnected', disconnected_at = now(), updated_at = now()
                WHERE id = \(id) AND tenant_id = \(tenantID) AND status <> 'disconnected'
                RETURNING \(unescaped: Self.columns)
                """, logger: logger)
            var changed: AmazonConnection?
            for try await row in rows.decode(Row.self) { changed = try Self.connection(row) }
            if let changed {
                try await outbox.publish(AmazonDisconnected(
                    connectionId: changed.id, sellingPartnerId: changed.sellingPartnerId, region: changed.region.rawValue),
                    tenantId: tenantID, on: connection)
                return (changed, true)
            }
            return (try await Self.select(id: id, tenantID: tenantID, on: connection, logger: logger), false)
        }
        if result.1 { await outbox.wakeRelay() }
        return result.0
    }

    public func credential(connectionID: UUID, tenantID: UUID) async throws -> (AmazonConnection, SealedRefreshToken?)? {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenantID) { connection -> (AmazonConnection, SealedRefreshToken?)? in
            guard let found = try await Self.select(id: connectionID, tenantID: tenantID, on: connection, logger: logger) else { return nil }
            let rows = try await connection.query("""
                SELECT key_id, sealed FROM integrations.amazon_refresh_tokens WHERE connection_id = \(connectionID)
                """, logger: logger)
            var token: SealedRefreshToken?
            for try await (keyID, sealed) in rows.decode((String, ByteBuffer).self) {
                token = SealedRefreshToken(keyID: keyID, sealed: Array(sealed.readableBytesView))
            }
            return (found, token)
        }
    }

    public func reseal(connectionID: UUID, tenantID: UUID, replacing old: SealedRefreshToken, with new: SealedRefreshToken) async throws {
        let logger = self.logger
        _ = try await database.withTransaction(tenant: tenantID) { connection in
            try await connection.query("""
                UPDATE integrations.amazon_refresh_tokens SET key_id = \(new.keyID), sealed = \(ByteBuffer(bytes: new.sealed)), updated_at = now()
                WHERE connection_id = \(connectionID) AND key_id = \(old.keyID) AND sealed = \(ByteBuffer(bytes: old.sealed))
                """, logger: logger)
        }
    }

    public func markHealthy(connectionID: UUID, tenantID: UUID) async throws {
        let logger = self.logger
        _ = try await database.withTransaction(tenant: tenantID) { connection in
            try await connection.query("""
                UPDATE integrations.amazon_connections SET last_health_check_at = now() WHERE id = \(connectionID)
                """, logger: logger)
        }
    }

    public func markNeedsReauthorization(connectionID: UUID, tenantID: UUID, reason: String) async throws -> Bool {
        let logger = self.logger
        let outbox = self.outbox
        let changed = try await database.withTransaction(tenant: tenantID) { connection -> Bool in
            let rows = try await connection.query("""
                UPDATE integrations.amazon_connections
                SET status = 'needs_reauthorization', reauthorization_reason = \(reason), reauthorization_required_at = now(),
                    last_health_check_at = now(), updated_at = now()
                WHERE id = \(connectionID) AND status = 'active'
                RETURNING selling_partner_id, region, reauthorization_required_at
                """, logger: logger)
            for try await (seller, region, at) in rows.decode((String, String, Date).self) {
                try await outbox.publish(AmazonReauthorizationRequired(
                    connectionId: connectionID, sellingPartnerId: seller, region: region, reason: reason, requiredAt: at),
                    tenantId: tenantID, on: connection)
                return true
            }
            return false
        }
        if changed { await outbox.wakeRelay() }
        return changed
    }

    public func connectionsDueForHealthCheck() async throws -> [HealthCheckTarget] {
        let logger = self.logger
        return try await database.withTransaction { connection in
            // The one cross-tenant read (policy `account_health_sweep`): ids and tenants only.
            try await connection.query("SELECT set_config('opside.account_health_sweep', 'on', true)", logger: logger)
            let rows = try await connection.query("""
                SELECT id, tenant_id FROM integrations.amazon_connections WHERE status = 'active' ORDER BY last_health_check_at NULLS FIRST
                """, logger: logger)
            var targets: [HealthCheckTarget] = []
            for try await (id, tenant) in rows.decode((UUID, UUID).self) { targets.append(HealthCheckTarget(connectionId: id, tenantId: tenant)) }
            return targets
        }
    }
}
