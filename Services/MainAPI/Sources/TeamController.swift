import Foundation
import Hummingbird
import Logging
import OpsideCore
import OpsideMail
import OpsidePostgres
import OpsideTransport
import PostgresNIO

/// A tenant's people (`/api/v1/team`): members and pending invitations for any member to see;
/// invitations by e-mail (owners and admins); roles changed by owners; members removed by owners
/// (anyone), admins (not owners) or themselves. A tenant always keeps an owner. The caller's role
/// is read from the database on every call, not from the bearer token, which may predate a change.
struct TeamController {
    let database: Database
    let liveness: SignInLiveness
    let mail: MailSettings
    let invitationLifetime: TimeInterval
    let now: @Sendable () -> Date
    let logger: Logger

    struct Member: Codable, Sendable {
        let userId: UUID
        let email: String
        let displayName: String?
        let role: String
        let joinedAt: Date
    }

    struct Invitation: Codable, Sendable {
        let id: UUID
        let email: String
        let role: String
        let invitedBy: UUID
        let createdAt: Date
        let expiresAt: Date
    }

    struct TeamResponse: ResponseEncodable {
        let members: [Member]
        let invitations: [Invitation]
    }

    struct InvitationResponse: ResponseEncodable {
        let invitation: Invitation
    }

    struct MemberResponse: ResponseEncodable {
        let member: Member
    }

    struct InviteRequest: Decodable {
        let email: String
        let role: String
    }

    struct RoleRequest: Decodable {
        let role: String
    }

    func addRoutes(to router: Router<OpsideRequestContext>) {
        let team = router.group("/api/v1/team")
        team.get { _, context in try await list(context: context) }
        team.post("invitations") { request, context in try await invite(request, context: context) }
        team.delete("invitations/:id") { _, context in try await revoke(context: context) }
        team.patch("members/:userId") { request, context in try await changeRole(request, context: context) }
        team.delete("members/:userId") { _, context in try await remove(context: context) }
    }

    /// The signed-in person, their tenant, and their role there now.
    func caller(_ context: OpsideRequestContext) async throws -> (user: UUID, tenant: UUID, role: String) {
        let session = try context.requireSession()
        guard let user = session.userID, let tenant = session.tenantID else { throw APIError.unauthorized("log in again") }
        guard let role = try await role(of: user, in: tenant) else {
            throw APIError.forbidden("you are no longer a member of this tenant")
        }
        return (user, tenant, role)
    }

    func role(of user: UUID, in tenant: UUID) async throws -> String? {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenant) { connection in
            let rows = try await connection.query("""
                SELECT role FROM app.memberships WHERE tenant_id = \(tenant) AND user_id = \(user)
                """, logger: logger)
            for try await role in rows.decode(String.self) { return role }
            return nil
        }
    }

    static func require(_ role: String, in allowed: Set<String>, to action: String) throws {
        guard allowed.contains(role) else {
            throw APIError.forbidden("only \(allowed.sorted().joined(separator: " or ")) may \(action); you are \(role)")
        }
    }

    func list(context: OpsideRequestContext) async throws -> TeamResponse {
        let (_, tenant, _) = try await caller(context)
        return try await Self.members(tenant: tenant, now: now(), database: database, logger: logger)
    }

    /// The tenant's members (owners first) and pending invitations.
    static func members(tenant: UUID, now: Date, database: Database, logger: Logger) async throws -> TeamResponse {
        try await database.withTransaction(tenant: tenant) { connection in
            var members: [Member] = []
            let rows = try await connection.query("""
                SELECT u.id, u.email, u.display_name, m.role, m.created_at FROM app.memberships m JOIN app.users u ON u.id = m.user_id
                WHERE m.tenant_id = \(tenant)
                ORDER BY CASE m.role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 ELSE 2 END, u.email_normalized
                """, logger: logger)
            for try await (id, email, name, role, joined) in rows.decode((UUID, String, String?, String, Date).self) {
                members.append(Member(userId: id, email: email, displayName: name, role: role, joinedAt: joined))
            }
            return TeamResponse(members: members, invitations: try await Self.pending(tenant: tenant, now: now, on: connection, logger: logger))
        }
    }

    static func pending(tenant: UUID, now: Date, on connection: PostgresConnection, logger: Logger) async throws -> [Invitation] {
        let rows = try await connection.query("""
            SELECT invitation_id, email, role, invited_by, created_at, expires_at FROM app.invitations
            WHERE tenant_id = \(tenant) AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > \(now)
            ORDER BY created_at, invitation_id
            """, logger: logger)
        var invitations: [Invitation] = []
        for try await (id, email, role, by, created, expires) in rows.decode((UUID, String, String, UUID, Date, Date).self) {
            invitations.append(Invitation(id: id, email: email, role: role, invitedBy: by, createdAt: created, expiresAt: expires))
        }
        return invitations
    }

    func invite(_ request: Request, context: OpsideRequestContext) async throws -> EditedResponse<InvitationResponse> {
        let (user, tenant, role) = try await caller(context)
        try Self.require(role, in: ["owner", "admin"], to: "invite people")
        let body = try await request.decode(as: InviteRequest.self, context: context)
        guard SignUpValidation.validateEmail(body.email) == nil else { throw APIError.validation("send a valid email", details: ["email": "invalid"]) }
        guard ["admin", "member"].contains(body.role) else {
            throw APIError.validation("invite as admin or member (an owner promotes a member to owner)", details: ["role": "invalid"])
        }
        let logger = self.logger, now = self.now(), expires = now.addingTimeInterval(invitationLifetime), mail = self.mail
        let email = body.email.trimmingCharacters(in: .whitespaces), normalized = AccountsPostgresRepository.normalize(body.email)
        let token = OpaqueToken.make(), id = UUID(), days = max(1, Int(invitationLifetime / 86_400))
        let invitation = try await database.withTransaction(tenant: tenant) { connection -> Invitation in
            let member = try await connection.query("""
                SELECT 1 FROM app.memberships m JOIN app.users u ON u.id = m.user_id
                WHERE m.tenant_id = \(tenant) AND u.email_normalized = \(normalized)
                """, logger: logger)
            for try await _ in member { throw APIError.conflict("\(email) is already a member of this tenant") }
            let names = try await connection.query("""
                SELECT t.name, coalesce(u.display_name, u.email) FROM app.tenants t, app.users u WHERE t.id = \(tenant) AND u.id = \(user)
                """, logger: logger)
            var tenantName = "an Opside account", inviter = "Someone"
            for try await (name, by) in names.decode((String, String).self) { (tenantName, inviter) = (name, by) }
            // A new invitation replaces a pending one for the same address.
            try await connection.query("""
                UPDATE app.invitations SET revoked_at = \(now)
                WHERE tenant_id = \(tenant) AND email_normalized = \(normalized) AND accepted_at IS NULL AND revoked_at IS NULL
                """, logger: logger)
            try await connection.query("""
                INSERT INTO app.invitations (token_hash, invitation_id, tenant_id, email, email_normalized, role, invited_by, created_at, expires_at)
                VALUES (\(OpaqueToken.hash(token)), \(id), \(tenant), \(email), \(normalized), \(body.role), \(user), \(now), \(expires))
                """, logger: logger)
            try await MailJobs.enqueue(MailMessage(
                from: mail.fromAddress, fromName: mail.fromName, to: email, subject: "\(inviter) invited you to \(tenantName) on Opside",
                text: """
                    \(inviter) invited you to join \(tenantName) on Opside as \(body.role == "admin" ? "an admin" : "a member").

                    To accept, open this link within \(days) days. It works once:

                    \(mail.publicURL)/accept-invitation?token=\(token)

                    If you did not expect this invitation, ignore this message.
                    """), on: connection, logger: logger)
            return Invitation(id: id, email: email, role: body.role, invitedBy: user, createdAt: now, expiresAt: expires)
        }
        return EditedResponse(status: .created, response: InvitationResponse(invitation: invitation))
    }

    func revoke(context: OpsideRequestContext) async throws -> Response {
        let (_, tenant, role) = try await caller(context)
        try Self.require(role, in: ["owner", "admin"], to: "revoke invitations")
        guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw APIError.validation("the invitation id is not a UUID") }
        let logger = self.logger, now = self.now()
        let revoked = try await database.withTransaction(tenant: tenant) { connection in
            let rows = try await connection.query("""
                UPDATE app.invitations SET revoked_at = \(now)
                WHERE tenant_id = \(tenant) AND invitation_id = \(id) AND accepted_at IS NULL AND revoked_at IS NULL RETURNING 1
                """, logger: logger)
            for try await _ in rows { return true }
            return false
        }
        guard revoked else { throw APIError.notFound("no pending invitation \(id.uuidString.lowercased())") }
        return Response(status: .noContent)
    }

    func changeRole(_ request: Request, context: OpsideRequestContext) async throws -> MemberResponse {
        let (_, tenant, role) = try await caller(context)
        try Self.require(role, in: ["owner"], to: "change roles")
        let body = try await request.decode(as: RoleRequest.self, context: context)
        guard ["owner", "admin", "member"].contains(body.role) else { throw APIError.validation("role is owner, admin or member", details: ["role": "invalid"]) }
        guard let target = context.parameters.get("userId").flatMap(UUID.init(uuidString:)) else { throw APIError.validation("the user id is not a UUID") }
        let logger = self.logger
        let member = try await database.withTransaction(tenant: tenant) { connection -> Member? in
            try await Self.lockMemberships(tenant: tenant, on: connection, logger: logger)
            let rows = try await connection.query("""
                UPDATE app.memberships m SET role = \(body.role) FROM app.users u
                WHERE m.tenant_id = \(tenant) AND m.user_id = \(target) AND u.id = m.user_id
                RETURNING u.id, u.email, u.display_name, m.role, m.created_at
                """, logger: logger)
            var changed: Member?
            for try await (id, email, name, role, joined) in rows.decode((UUID, String, String?, String, Date).self) {
                changed = Member(userId: id, email: email, displayName: name, role: role, joinedAt: joined)
            }
            try await Self.requireAnOwner(tenant: tenant, on: connection, logger: logger)
            return changed
        }
        guard let member else { throw APIError.notFound("no member \(target.uuidString.lowercased()) in this tenant") }
        // Bearer tokens carry the role: the member's take the new one at their next refresh.
        return MemberResponse(member: member)
    }

    func remove(context: OpsideRequestContext) async throws -> Response {
        let (user, tenant, role) = try await caller(context)
        guard let target = context.parameters.get("userId").flatMap(UUID.init(uuidString:)) else { throw APIError.validation("the user id is not a UUID") }
        let logger = self.logger, now = self.now()
        let removed = try await database.withTransaction(tenant: tenant) { connection -> Bool in
            try await Self.lockMemberships(tenant: tenant, on: connection, logger: logger)
            let rows = try await connection.query("""
                SELECT role FROM app.memberships WHERE tenant_id = \(tenant) AND user_id = \(target)
                """, logger: logger)
            var targetRole: String?
            for try await found in rows.decode(String.self) { targetRole = found }
            guard let targetRole else { return false }
            if target != user {
                try Self.require(role, in: ["owner", "admin"], to: "remove members")
                if targetRole == "owner" { try Self.require(role, in: ["owner"], to: "remove an owner") }
            }
            try await connection.query("DELETE FROM app.memberships WHERE tenant_id = \(tenant) AND user_id = \(target)", logger: logger)
            try await Self.requireAnOwner(tenant: tenant, on: connection, logger: logger)
            // Their sign-ins working in this tenant end now, not at their next refresh.
            try await connection.query("""
                UPDATE app.session_families SET revoked_at = \(now), revoked_reason = 'removed from the tenant'
                WHERE user_id = \(target) AND tenant_id = \(tenant) AND revoked_at IS NULL
                """, logger: logger)
            return true
        }
        guard removed else { throw APIError.notFound("no member \(target.uuidString.lowercased()) in this tenant") }
        await liveness.forget(user: target)
        return Response(status: .noContent)
    }

    /// Role changes and removals of one tenant one at a time, so two owners demoting each other
    /// cannot leave it without one.
    static func lockMemberships(tenant: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            SELECT pg_advisory_xact_lock(hashtextextended('app.memberships:' || \(tenant.uuidString.lowercased()), 0))
            """, logger: logger)
    }

    static func requireAnOwner(tenant: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        let rows = try await connection.query("""
            SELECT count(*) FROM app.memberships WHERE tenant_id = \(tenant) AND role = 'owner'
            """, logger: logger)
        for try await owners in rows.decode(Int64.self) where owners == 0 {
            throw APIError.conflict("a tenant keeps at least one owner: make someone else owner first")
        }
    }
}
