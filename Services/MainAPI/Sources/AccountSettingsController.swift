import Foundation
import Hummingbird
import Logging
import OpsideMail
import OpsidePostgres
import OpsideTransport
import PostgresNIO

/// `POST /api/v1/account/password` and `POST /api/v1/account/email`: a signed-in person changes
/// their password or address. Both need the current password (a borrowed open laptop is not
/// enough), both tell the old address by e-mail, and a new password ends every other sign-in.
struct AccountSettingsController {
    let database: Database
    let hasher: PasswordHasher
    let signIns: any SignInSessionStore
    let liveness: SignInLiveness
    let mail: MailSettings
    let logger: Logger

    struct PasswordChange: Decodable {
        let currentPassword: String
        let newPassword: String
    }

    struct EmailChange: Decodable {
        let password: String
        let email: String
    }

    struct EmailResponse: ResponseEncodable {
        let email: String
    }

    func addRoutes(to router: Router<OpsideRequestContext>) {
        router.post("/api/v1/account/password") { request, context in try await changePassword(request, context) }
        router.post("/api/v1/account/email") { request, context in try await changeEmail(request, context) }
    }

    /// The person's id and address once `password` is theirs; 403 otherwise.
    func confirmed(_ context: OpsideRequestContext, password: String) async throws -> (user: UUID, email: String) {
        let session = try context.requireSession()
        guard let user = session.userID else { throw APIError.unauthorized("log in again") }
        let logger = self.logger
        let record = try await database.withConnection { connection -> (String, String)? in
            let rows = try await connection.query("SELECT email, password_hash FROM app.users WHERE id = \(user)", logger: logger)
            for try await row in rows.decode((String, String).self) { return row }
            return nil
        }
        guard let (email, hash) = record else { throw APIError.unauthorized("this account no longer exists") }
        guard try await hasher.verify(password, hash: hash) else {
            throw APIError(status: .forbidden, code: "wrong_password", message: "the current password is wrong")
        }
        return (user, email)
    }

    func changePassword(_ request: Request, _ context: OpsideRequestContext) async throws -> Response {
        // Without a sign-in the body is not read at all: the refusal is the same whatever was sent.
        _ = try context.requireSession()
        let body = try await request.decode(as: PasswordChange.self, context: context)
        let (user, email) = try await confirmed(context, password: body.currentPassword)
        if let problem = SignUpValidation.validatePassword(body.newPassword, email: email) {
            throw APIError.validation("the new password is not acceptable", details: ["newPassword": problem])
        }
        let hash = try await hasher.hash(body.newPassword)
        let logger = self.logger, mail = self.mail
        try await database.withTransaction { connection in
            try await connection.query("UPDATE app.users SET password_hash = \(hash) WHERE id = \(user)", logger: logger)
            try await MailJobs.enqueue(MailMessage(
                from: mail.fromAddress, fromName: mail.fromName, to: email, subject: "Your Opside password was changed",
                text: """
                    The password of your Opside account (\(email)) was just changed, and every other sign-in was ended.

                    If this was not you, reset your password now: \(mail.publicURL)/sign-in#forgot
                    """), on: connection, logger: logger)
        }
        // Everyone else who was signed in as this person is signed out; this browser stays.
        let current = try context.requireSession().sessionID
        for signIn in try await signIns.live(user: user) where signIn.id != current {
            _ = try await signIns.end(family: signIn.id, user: user, reason: "password changed")
            await liveness.forget(family: signIn.id)
        }
        return Response(status: .noContent)
    }

    func changeEmail(_ request: Request, _ context: OpsideRequestContext) async throws -> EmailResponse {
        _ = try context.requireSession()
        let body = try await request.decode(as: EmailChange.self, context: context)
        let (user, oldEmail) = try await confirmed(context, password: body.password)
        let newEmail = body.email.trimmingCharacters(in: .whitespaces)
        if let problem = SignUpValidation.validateEmail(newEmail) {
            throw APIError.validation("the new e-mail address is not acceptable", details: ["email": problem])
        }
        let logger = self.logger, mail = self.mail
        do {
            try await database.withTransaction { connection in
                try await connection.query("""
                    UPDATE app.users SET email = \(newEmail), email_normalized = \(AccountsPostgresRepository.normalize(newEmail)) WHERE id = \(user)
                    """, logger: logger)
                try await MailJobs.enqueue(MailMessage(
                    from: mail.fromAddress, fromName: mail.fromName, to: oldEmail, subject: "Your Opside e-mail address was changed",
                    text: """
                        Your Opside account's e-mail address was changed from \(oldEmail) to \(newEmail). Sign in with the new address from now on.

                        If this was not you, write to us at once by replying to this message.
                        """), on: connection, logger: logger)
                try await MailJobs.enqueue(MailMessage(
                    from: mail.fromAddress, fromName: mail.fromName, to: newEmail, subject: "This is now your Opside sign-in address",
                    text: """
                        Your Opside account now signs in with \(newEmail).

                        Open the dashboard: \(mail.publicURL)/app
                        """), on: connection, logger: logger)
            }
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            throw APIError.conflict("another account already uses \(newEmail)")
        }
        return EmailResponse(email: newEmail)
    }
}
