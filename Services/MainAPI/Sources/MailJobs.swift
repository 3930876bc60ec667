import Foundation
import Logging
import OpsideJobs
import OpsideMail
import PostgresNIO

/// main-api's mail: each message is a job on the `main-api` queue, enqueued in the transaction
/// that decided to send it, and sent over SMTP by a worker, retried while the server is away
/// (4xx, no answer) and discarded when it refuses for good (5xx). A request never waits on SMTP.
struct MailJobs: Sendable {
    static let queue = "main-api"
    static let sendKind = "main-api.send-mail"

    let smtp: SMTPClient

    /// Puts `message` on the queue, in the caller's transaction.
    static func enqueue(_ message: MailMessage, on connection: PostgresConnection, logger: Logger) async throws {
        _ = try await JobQueue.enqueue(try NewJob(queue: queue, kind: sendKind, arguments: message, maxAttempts: 12), on: connection,
                                       logger: logger)
    }

    func register(in jobs: inout JobRegistry) {
        jobs.register(Self.sendKind, arguments: MailMessage.self, retryPolicy: RetryPolicy(capSeconds: 900)) { message, context in
            do {
                try await smtp.send(message)
                context.logger.info("mail sent", metadata: ["subject": "\(message.subject)"])
            } catch let error as SMTPError where !error.isTransient {
                throw JobOutcome.cancel(reason: error.description)
            }
        }
    }
}
