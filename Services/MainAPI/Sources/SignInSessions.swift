import Foundation
import Logging
import OpsidePostgres
import PostgresNIO

/// One sign-in as its owner sees it in the list of their sessions.
public struct SignInSession: Sendable, Equatable, Codable {
    public let id: UUID
    public let tenantId: UUID
    public let createdAt: Date
    public let lastUsedAt: Date
    public let expiresAt: Date
    public let userAgent: String?
    /// Whether this is the sign-in the request was made with.
    public var current: Bool
}

/// What a refresh token was good for.
public enum RefreshOutcome: Sendable, Equatable {
    /// The token was exchanged: `token` is its successor, for the sign-in `family`.
    case rotated(token: String, family: UUID, user: UUID, tenant: UUID)
    /// No such token (never issued, or mistyped).
    case unknown
    /// The sign-in ended: signed out, revoked, past its lifetime or unused for too long.
    case ended
    /// The token had already been exchanged: someone else holds a copy. The sign-in is revoked.
    case reused(family: UUID)
    /// The request did not prove it came from the sign-in's own pages (its CSRF token); nothing changed.
    case refused
}

/// How long sign-ins last, and how long a used refresh token still works (two tabs refreshing
/// at once both hold the same token; only one can be first).
public struct SignInSessionPolicy: Sendable {
    public var lifetime: TimeInterval
    public var idleLifetime: TimeInterval
    public var reuseGrace: TimeInterval

    public init(lifetime: TimeInterval = 90 * 86_400, idleLifetime: TimeInterval = 30 * 86_400, reuseGrace: TimeInterval = 10) {
        self.lifetime = lifetime
        self.idleLifetime = idleLifetime
        self.reuseGrace = reuseGrace
    }
}

/// Sign-ins and their rotating refresh tokens (`app.session_families`, `app.refresh_tokens`).
public protocol SignInSessionStore: Sendable {
    /// Starts a sign-in for `user` in `tenant`; returns its first refresh token and its id.
    func start(user: UUID, tenant: UUID, userAgent: String?) async throws -> (token: String, family: UUID)
    /// Exchanges a refresh token for its successor (see `RefreshOutcome`), if `permits` accepts
    /// the token's sign-in (the CSRF check, which needs to know whose token it is first).
    func refresh(token: String, userAgent: String?, permits: @escaping @Sendable (UUID) -> Bool) async throws -> RefreshOutcome
    /// Moves a live sign-in of `user` to `tenant` (the caller checked the membership).
    func switchTenant(family: UUID, user: UUID, to tenant: UUID) async throws -> Bool
    /// Ends one sign-in of `user`; false when it is not theirs or already ended.
    func end(family: UUID, user: UUID, reason: String) async throws -> Bool
    /// Ends every sign-in of `user`; returns how many were live.
    func endAll(user: UUID, reason: String) async throws -> Int
    /// The live sign-ins of `user`, newest use first.
    func live(user: UUID) async throws -> [SignInSession]
    /// Whether the sign-in is live (not ended, within its lifetimes).
    func isLive(family: UUID) async throws -> Bool
}

public struct SignInSessionsPostgres: SignInSessionStore {
    let database: Database
    let policy: SignInSessionPolicy
    let now: @Sendable () -> Date
    let logger: Logger

    public init(database: Database, policy: SignInSessionPolicy, now: @escaping @Sendable () -> Date, logger: Logger) {
        self.database = database
        self.policy = policy
        self.now = now
        self.logger = logger
    }



    static func trimmed(_ userAgent: String?) -> String? { userAgent.map { String($0.prefix(512)) } }

    public func start(user: UUID, tenant: UUID, userAgent: String?) async throws -> (token: String, family: UUID) {
        let logger = self.logger, now = self.now(), family = UUID(), token = OpaqueToken.make()
        let expires = now.addingTimeInterval(policy.lifetime), agent = Self.trimmed(userAgent)
        try await database.withConnection { connection in
            try await connection.query("""
                WITH family AS (
                    INSERT INTO app.session_families (family_id, user_id, tenant_id, created_at, last_used_at, expires_at, user_agent)
                    VALUES (\(family), \(user), \(tenant), \(now), \(now), \(expires), \(agent))
                    RETURNING family_id
                )
                INSERT INTO app.refresh_tokens (token_hash, family_id, issued_at) SELECT \(OpaqueToken.hash(token)), family_id, \(now) FROM family
                """, logger: logger)
        }
        return (token, family)
    }

    public func refresh(token: String, userAgent: String?, permits: @escaping @Sendable (UUID) -> Bool) async throws -> RefreshOutcome {
        let logger = self.logger, now = self.now(), policy = self.policy, agent = Self.trimmed(userAgent)
        return try await database.withTransaction { connection -> RefreshOutcome in
            // Row locks: two refreshes of one token are decided one after the other.
            let rows = try await connection.query("""
                SELECT f.family_id, f.user_id, f.tenant_id, f.last_used_at, f.expires_at, f.revoked_at, t.replaced_at
                FROM app.refresh_tokens t JOIN app.session_families f ON f.family_id = t.family_id
                WHERE t.token_hash = \(OpaqueToken.hash(token))
                FOR UPDATE OF t, f
                """, logger: logger)
            var found: (UUID, UUID, UUID, Date, Date, Date?, Date?)?
            for try await row in rows.decode((UUID, UUID, UUID, Date, Date, Date?, Date?).self) { found = row }
            guard let (family, user, tenant, lastUsed, expires, revoked, replaced) = found else { return .unknown }
            guard permits(family) else { return .refused }
            guard revoked == nil, now < expires, now.timeIntervalSince(lastUsed) < policy.idleLifetime else { return .ended }
            if let replaced, now.timeIntervalSince(replaced) > policy.reuseGrace {
                try await connection.query("""
                    UPDATE app.session_families SET revoked_at = \(now), revoked_reason = 'refresh token reused'
                    WHERE family_id = \(family)
                    """, logger: logger)
                return .reused(family: family)
            }
            let next = OpaqueToken.make()
            try await connection.query("""
                UPDATE app.refresh_tokens SET replaced_at = coalesce(replaced_at, \(now)) WHERE token_hash = \(OpaqueToken.hash(token))
                """, logger: logger)
            try await connection.query("""
                INSERT INTO app.refresh_tokens (token_hash, family_id, issued_at) VALUES (\(OpaqueToken.hash(next)), \(family), \(now))
                """, logger: logger)
            try await connection.query("""
                UPDATE app.session_families SET last_used_at = \(now), user_agent = coalesce(\(agent), user_agent) WHERE family_id = \(family)
                """, logger: logger)
            return .rotated(token: next, family: family, user: user, tenant: tenant)
        }
    }

    public func switchTenant(family: UUID, user: UUID, to tenant: UUID) async throws -> Bool {
        let logger = self.logger, now = self.now()
        return try await database.withConnection { connection in
            let rows = try await connection.query("""
                UPDATE app.session_families SET tenant_id = \(tenant), last_used_at = \(now)
                WHERE family_id = \(family) AND user_id = \(user) AND revoked_at IS NULL AND expires_at > \(now)
                RETURNING 1
                """, logger: logger)
            for try await _ in rows { return true }
            return false
        }
    }

    public func end(family: UUID, user: UUID, reason: String) async throws -> Bool {
        let logger = self.logger, now = self.now()
        return try await database.withConnection { connection in
            let rows = try await connection.query("""
                UPDATE app.session_families SET revoked_at = \(now), revoked_reason = \(reason)
                WHERE family_id = \(family) AND user_id = \(user) AND revoked_at IS NULL
                RETURNING 1
                """, logger: logger)
            for try await _ in rows { return true }
            return false
        }
    }

    public func endAll(user: UUID, reason: String) async throws -> Int {
        let logger = self.logger, now = self.now()
        return try await database.withConnection { connection in
            let rows = try await connection.query("""
                UPDATE app.session_families SET revoked_at = \(now), revoked_reason = \(reason)
                WHERE user_id = \(user) AND revoked_at IS NULL
                RETURNING 1
                """, logger: logger)
            var ended = 0
            for try await _ in rows { ended += 1 }
            return ended
        }
    }

    public func live(user: UUID) async throws -> [SignInSession] {
        let logger = self.logger, now = self.now(), idleSince = now.addingTimeInterval(-policy.idleLifetime)
        return try await database.withConnection { connection in
            let rows = try await connection.query("""
                SELECT family_id, tenant_id, created_at, last_used_at, expires_at, user_agent FROM app.session_families
                WHERE user_id = \(user) AND revoked_at IS NULL AND expires_at > \(now) AND last_used_at > \(idleSince)
                ORDER BY last_used_at DESC, family_id
                """, logger: logger)
            var sessions: [SignInSession] = []
            for try await (family, tenant, created, used, expires, agent) in rows.decode((UUID, UUID, Date, Date, Date, String?).self) {
                sessions.append(SignInSession(id: family, tenantId: tenant, createdAt: created, lastUsedAt: used, expiresAt: expires,
                                              userAgent: agent, current: false))
            }
            return sessions
        }
    }

    public func isLive(family: UUID) async throws -> Bool {
        let logger = self.logger, now = self.now(), idleSince = now.addingTimeInterval(-policy.idleLifetime)
        return try await database.withConnection { connection in
            let rows = try await connection.query("""
                SELECT 1 FROM app.session_families
                WHERE family_id = \(family) AND revoked_at IS NULL AND expires_at > \(now) AND last_used_at > \(idleSince)
                """, logger: logger)
            for try await _ in rows { return true }
            return false
        }
    }
}
