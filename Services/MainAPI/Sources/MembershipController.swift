import Foundation
import Hummingbird
import Logging
import OpsideCore
import OpsidePostgres
import OpsideTransport
import PostgresNIO

/// Belonging to tenants: `POST /api/v1/auth/invitations/accept` (an invitation's link: a new
/// person sets a password and is signed in; a person with an account accepts while signed in as
/// that address), `GET /api/v1/auth/tenants` (every tenant the person belongs to, with their role)
/// and `POST /api/v1/auth/switch-tenant` (the sign-in moves to another of them: an agency's staff
/// serve several sellers, each of which invited them).
struct MembershipController {
    let database: Database
    let accounts: any AccountsRepository
    let hasher: PasswordHasher
    let sessions: SessionTokenAuthority
    let signIns: any SignInSessionStore
    let csrf: CSRFTokens
    let signInLifetime: TimeInterval
    let now: @Sendable () -> Date
    let logger: Logger

    struct AcceptRequest: Decodable {
        let token: String
        let password: String?
        let displayName: String?
    }

    struct Joined: ResponseEncodable {
        let tenantId: UUID
        let tenantName: String
        let role: String
    }

    struct TenantsResponse: ResponseEncodable {
        let tenants: [TenantMembership]
        let currentTenantId: UUID
    }

    struct SwitchRequest: Decodable {
        let tenantId: UUID
    }

    func addRoutes(to router: Router<OpsideRequestContext>) {
        let auth = router.group("/api/v1/auth")
        auth.post("invitations/accept") { request, context in try await accept(request, context: context) }
        auth.get("tenants") { _, context in try await tenants(context: context) }
        auth.post("switch-tenant") { request, context in try await switchTenant(request, context: context) }
    }

    struct PendingInvitation: Sendable {
        let id: UUID
        let tenant: UUID
        let tenantName: String
        let email: String
        let normalized: String
        let role: String
        let existingUser: UUID?
    }

    static let invalid = APIError(status: .badRequest, code: "invitation_invalid",
                                  message: "this invitation has expired, was revoked or was already used; ask for a new one")

    /// The invitation behind `token`, if it can still be accepted, and the account its address has.
    func pending(token: String) async throws -> PendingInvitation? {
        let logger = self.logger, now = self.now(), hash = OpaqueToken.hash(token)
        let hex = hash.map { String(format: "%02x", $0) }.joined()
        return try await database.withTransaction { connection in
            try await connection.query("SELECT set_config('opside.invitation_token_hash', \(hex), true)", logger: logger)
            let rows = try await connection.query("""
                SELECT invitation_id, tenant_id, email, email_normalized, role FROM app.invitations
                WHERE token_hash = \(hash) AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > \(now)
                """, logger: logger)
            var found: (UUID, UUID, String, String, String)?
            for try await row in rows.decode((UUID, UUID, String, String, String).self) { found = row }
            guard let (id, tenant, email, normalized, role) = found else { return nil }
            try await connection.query("SELECT set_config('opside.tenant_id', \(tenant.uuidString.lowercased()), true)", logger: logger)
            var tenantName = ""
            for try await name in try await connection.query("SELECT name FROM app.tenants WHERE id = \(tenant)", logger: logger)
                .decode(String.self) { tenantName = name }
            var user: UUID?
            for try await id in try await connection.query("SELECT id FROM app.users WHERE email_normalized = \(normalized)", logger: logger)
                .decode(UUID.self) { user = id }
            return PendingInvitation(id: id, tenant: tenant, tenantName: tenantName, email: email, normalized: normalized, role: role,
                                     existingUser: user)
        }
    }

    func accept(_ request: Request, context: OpsideRequestContext) async throws -> Response {
        let body = try await request.decode(as: AcceptRequest.self, context: context)
        guard let invitation = try await pending(token: body.token) else { throw Self.invalid }
        if let existing = invitation.existingUser {
            // The address has an account: its owner accepts, signed in, so that a forwarded link
            // cannot add someone else's account.
            guard let session = context.session, session.userID == existing else {
                throw APIError(status: .unauthorized, code: "sign_in_to_accept",
                               message: "\(invitation.email) already has an Opside account: sign in as that address, then accept")
            }
            guard try await join(invitation, user: existing, newUser: nil) else { throw Self.invalid }
            return try Joined(tenantId: invitation.tenant, tenantName: invitation.tenantName, role: invitation.role)
                .response(from: request, context: context)
        }
        guard let password = body.password else {
            throw APIError.validation("choose a password to create your account", details: ["password": "required"])
        }
        var problems: [String: String] = [:]
        if let problem = SignUpValidation.validatePassword(password, email: invitation.email) { problems["password"] = problem }
        if let name = body.displayName, let problem = SignUpValidation.validateDisplayName(name) { problems["displayName"] = problem }
        guard problems.isEmpty else { throw APIError.validation("the account details are not acceptable", details: problems) }
        let user = UUID()
        let hash = try await hasher.hash(password)
        do {
            guard try await join(invitation, user: user, newUser: (hash, body.displayName)) else { throw Self.invalid }
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            // The address signed up on its own a moment ago.
            throw APIError(status: .unauthorized, code: "sign_in_to_accept",
                           message: "\(invitation.email) already has an Opside account: sign in as that address, then accept")
        }
        let (refreshToken, family) = try await signIns.start(user: user, tenant: invitation.tenant, userAgent: request.headers[.userAgent])
        return try await AuthController.sessionResponse(status: .created, refreshToken: refreshToken, family: family, user: user,
                                                        tenant: invitation.tenant, role: invitation.role, sessions: sessions, csrf: csrf,
                                                        lifetime: signInLifetime, request: request, context: context)
    }

    /// Spends the invitation and adds the membership (creating the person first when new), in one
    /// transaction; false when someone spent it first.
    func join(_ invitation: PendingInvitation, user: UUID, newUser: (passwordHash: String, displayName: String?)?) async throws -> Bool {
        let logger = self.logger, now = self.now()
        struct AlreadySpent: Error {}
        do {
            try await database.withTransaction(tenant: invitation.tenant) { connection in
                // The person first (the invitation names who accepted it), then the invitation is
                // spent in the statement that checks it is unspent: of two acceptances, one wins and
                // the other's transaction, its new account included, rolls back.
                if let newUser {
                    try await connection.query("""
                        INSERT INTO app.users (id, email, email_normalized, password_hash, display_name, default_tenant_id)
                        VALUES (\(user), \(invitation.email), \(invitation.normalized), \(newUser.passwordHash), \(newUser.displayName),
                                \(invitation.tenant))
                        """, logger: logger)
                }
                let spent = try await connection.query("""
                    UPDATE app.invitations SET accepted_at = \(now), accepted_by = \(user)
                    WHERE invitation_id = \(invitation.id) AND tenant_id = \(invitation.tenant) AND accepted_at IS NULL AND revoked_at IS NULL
                      AND expires_at > \(now)
                    RETURNING 1
                    """, logger: logger)
                var won = false
                for try await _ in spent { won = true }
                guard won else { throw AlreadySpent() }
                try await connection.query("""
                    INSERT INTO app.memberships (tenant_id, user_id, role) VALUES (\(invitation.tenant), \(user), \(invitation.role))
                    ON CONFLICT (tenant_id, user_id) DO NOTHING
                    """, logger: logger)
            }
            return true
        } catch is AlreadySpent {
            return false
        }
    }

    func tenants(context: OpsideRequestContext) async throws -> TenantsResponse {
        let session = try context.requireSession()
        guard let user = session.userID, let current = session.tenantID else { throw APIError.unauthorized("log in again") }
        return TenantsResponse(tenants: try await Self.tenants(of: user, database: database, logger: logger), currentTenantId: current)
    }

    /// Every tenant `user` belongs to, by name.
    static func tenants(of user: UUID, database: Database, logger: Logger) async throws -> [TenantMembership] {
        try await database.withTransaction { connection in
            try await connection.query("SELECT set_config('opside.user_id', \(user.uuidString.lowercased()), true)", logger: logger)
            let rows = try await connection.query("""
                SELECT t.id, t.name, m.role FROM app.memberships m JOIN app.tenants t ON t.id = m.tenant_id
                WHERE m.user_id = \(user) ORDER BY lower(t.name), t.id
                """, logger: logger)
            var tenants: [TenantMembership] = []
            for try await (id, name, role) in rows.decode((UUID, String, String).self) {
                tenants.append(TenantMembership(tenantID: id, tenantName: name, role: role))
            }
            return tenants
        }
    }

    func switchTenant(_ request: Request, context: OpsideRequestContext) async throws -> Response {
        let session = try context.requireSession()
        guard let user = session.userID, let family = session.sessionID else {
            throw APIError.badRequest("this token belongs to no sign-in; log in to switch tenants")
        }
        let body = try await request.decode(as: SwitchRequest.self, context: context)
        // A tenant that did not invite this person reads like one that does not exist.
        guard let membership = try await accounts.membership(userID: user, tenantID: body.tenantId) else {
            throw APIError.notFound("no tenant \(body.tenantId.uuidString.lowercased()) of yours")
        }
        guard try await signIns.switchTenant(family: family, user: user, to: body.tenantId) else {
            throw APIError.unauthorized("this sign-in has ended; log in again")
        }
        let issued = try await sessions.issue(userID: user, tenantID: body.tenantId, role: membership.role, sessionID: family)
        var response = try AuthController.SessionResponse(
            token: issued.token, expiresAt: issued.expiresAt, userId: user, tenantId: body.tenantId, role: membership.role,
            sessionId: family, csrfToken: csrf.token(for: family)).response(from: request, context: context)
        response.headers[.cacheControl] = "no-store"
        SignInCookies.setAccess(on: &response, token: issued.token, lifetime: sessions.lifetime,
                                secure: AmazonConnectionsController.servedOverTLS(request))
        return response
    }
}
