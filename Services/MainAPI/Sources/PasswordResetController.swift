import Crypto
import Foundation
import Hummingbird
import Logging
import OpsideCore
import OpsideMail
import OpsidePostgres
import OpsideTransport
import PostgresNIO

/// Forgotten passwords: `POST /api/v1/auth/password-reset` {email} mails a single-use link that
/// expires (the answer is the same 202 whether or not the address has an account), and
/// `POST /api/v1/auth/password-reset/confirm` {token, password} sets the new password, spends the
/// link and ends every sign-in of the person.
struct PasswordResetController {
    let database: Database
    let hasher: PasswordHasher
    let signIns: any SignInSessionStore
    let liveness: SignInLiveness
    let mail: MailSettings
    let linkLifetime: TimeInterval
    let now: @Sendable () -> Date
    let logger: Logger

    struct ResetRequest: Decodable {
        let email: String
    }

    struct ConfirmRequest: Decodable {
        let token: String
        let password: String
    }

    struct Accepted: ResponseEncodable {
        let message: String
    }

    func addRoutes(to router: Router<OpsideRequestContext>) {
        let auth = router.group("/api/v1/auth")
        auth.post("password-reset") { request, context in try await requestReset(request, context: context) }
        auth.post("password-reset/confirm") { request, context in try await confirm(request, context: context) }
    }

    func requestReset(_ request: Request, context: OpsideRequestContext) async throws -> EditedResponse<Accepted> {
        let body = try await request.decode(as: ResetRequest.self, context: context)
        guard SignUpValidation.validateEmail(body.email) == nil else { throw APIError.validation("send a valid email") }
        let logger = self.logger, now = self.now(), expires = now.addingTimeInterval(linkLifetime), mail = self.mail
        let token = OpaqueToken.make(), minutes = Int(linkLifetime / 60)
        try await database.withTransaction { connection in
            let rows = try await connection.query("""
                SELECT id, email FROM app.users WHERE email_normalized = \(AccountsPostgresRepository.normalize(body.email))
                """, logger: logger)
            var found: (UUID, String)?
            for try await row in rows.decode((UUID, String).self) { found = row }
            guard let (user, email) = found else { return }
            try await connection.query("""
                INSERT INTO app.password_resets (token_hash, user_id, created_at, expires_at)
                VALUES (\(OpaqueToken.hash(token)), \(user), \(now), \(expires))
                """, logger: logger)
            try await MailJobs.enqueue(MailMessage(
                from: mail.fromAddress, fromName: mail.fromName, to: email, subject: "Reset your Opside password",
                text: """
                    Someone asked to reset the password of your Opside account (\(email)).

                    To choose a new password, open this link within \(minutes) minutes. It works once:

                    \(mail.publicURL)/reset-password?token=\(token)

                    If it was not you, ignore this message: your password stays as it is.
                    """), on: connection, logger: logger)
        }
        // The same answer, and no timing worth measuring, for an address with no account.
        return EditedResponse(status: .accepted, response: Accepted(
            message: "if an account uses this address, a link to reset its password is on its way"))
    }

    func confirm(_ request: Request, context: OpsideRequestContext) async throws -> Response {
        let body = try await request.decode(as: ConfirmRequest.self, context: context)
        let logger = self.logger, now = self.now()
        let rows = try await database.withConnection { connection in
            let rows = try await connection.query("""
                SELECT r.user_id, u.email FROM app.password_resets r JOIN app.users u ON u.id = r.user_id
                WHERE r.token_hash = \(OpaqueToken.hash(body.token)) AND r.used_at IS NULL AND r.expires_at > \(now)
                """, logger: logger)
            var found: [(UUID, String)] = []
            for try await row in rows.decode((UUID, String).self) { found.append(row) }
            return found
        }
        guard let (user, email) = rows.first else {
            throw APIError(status: .badRequest, code: "reset_link_invalid",
                           message: "this reset link has expired or was already used; ask for a new one")
        }
        if let problem = SignUpValidation.validatePassword(body.password, email: email) {
            throw APIError.validation("the new password is not acceptable", details: ["password": problem])
        }
        let hash = try await hasher.hash(body.password)
        let spent = try await database.withTransaction { connection in
            // Spent in the same statement that checks it is unspent: two confirmations, one wins.
            let spent = try await connection.query("""
                UPDATE app.password_resets SET used_at = \(now)
                WHERE token_hash = \(OpaqueToken.hash(body.token)) AND used_at IS NULL AND expires_at > \(now)
                RETURNING 1
                """, logger: logger)
            var won = false
            for try await _ in spent { won = true }
            guard won else { return false }
            try await connection.query("UPDATE app.users SET password_hash = \(hash) WHERE id = \(user)", logger: logger)
            // Every other link of the person dies with this one.
            try await connection.query("""
                UPDATE app.password_resets SET used_at = \(now) WHERE user_id = \(user) AND used_at IS NULL
                """, logger: logger)
            return true
        }
        guard spent else {
            throw APIError(status: .badRequest, code: "reset_link_invalid",
                           message: "this reset link has expired or was already used; ask for a new one")
        }
        // Whoever knew the old password is signed out.
        _ = try await signIns.endAll(user: user, reason: "password reset")
        await liveness.forget(user: user)
        return Response(status: .noContent)
    }
}

/// Who main-api's mail comes from, and the address its links start with: `mail.from`
/// (no-reply@opside.local), `mail.fromName` (Opside), `dashboard.publicUrl` (http://127.0.0.1:8000).
struct MailSettings: Sendable {
    var fromAddress: String
    var fromName: String
    var publicURL: String
}
