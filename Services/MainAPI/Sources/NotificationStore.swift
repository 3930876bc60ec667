import Foundation
import Logging
import OpsideCore
import OpsideJobs
import OpsideMail
import OpsidePostgres
import PostgresNIO

/// The notifications in PostgreSQL (`app.notifications`), one row per person, read and changed
/// only by that person in that tenant; and the e-mail they wait for.
struct NotificationStore: Sendable {
    let database: Database
    let mail: MailSettings
    /// When the daily digest goes out (UTC hour of day).
    let digestHour: Int
    let now: @Sendable () -> Date
    let logger: Logger

    /// Delivers `draft` to every member of `tenant`, once per event: a redelivered event (same
    /// `eventId`) and a problem already unread (same `dedupeKey`) add nothing. Queues the e-mail
    /// of those who want this kind, in the same transaction.
    /// - Returns: the people newly notified.
    @discardableResult
    func deliver(_ draft: NotificationDraft, eventId: UUID, tenant: UUID) async throws -> [UUID] {
        let logger = self.logger, now = self.now(), digestHour = self.digestHour
        return try await database.withTransaction(tenant: tenant) { connection in
            let rows = try await connection.query("""
                INSERT INTO app.notifications (id, tenant_id, user_id, event_id, kind, level, title, body, action_url, dedupe_key, created_at)
                SELECT gen_random_uuid(), m.tenant_id, m.user_id, \(eventId), \(draft.kind.rawValue), \(draft.level.rawValue), \(draft.title),
                       \(draft.body), \(draft.actionURL), \(draft.dedupeKey), \(now)
                FROM app.memberships m WHERE m.tenant_id = \(tenant) AND (\(draft.roles)::text[] IS NULL OR m.role = ANY(\(draft.roles)))
                ON CONFLICT DO NOTHING
                RETURNING user_id
                """, logger: logger)
            var notified: [UUID] = []
            for try await user in rows.decode(UUID.self) { notified.append(user) }
            for user in notified {
                let preferences = try await Self.preferences(of: user, on: connection, logger: logger)
                guard preferences.emailKinds.contains(draft.kind) else { continue }
                let sendAt = preferences.delivery == .immediate ? now : Self.nextDigest(after: now, hour: digestHour)
                _ = try await JobQueue.enqueue(try NewJob(
                    queue: MailJobs.queue, kind: NotificationMail.kind, arguments: NotificationMail.Arguments(userId: user),
                    scheduledAt: sendAt, uniqueKey: "notification-mail:\(user.uuidString.lowercased())"), on: connection, logger: logger)
            }
            return notified
        }
    }

    /// The first `hour`:00 UTC after `date`.
    static func nextDigest(after date: Date, hour: Int) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let today = calendar.date(bySettingHour: hour, minute: 0, second: 0, of: date) ?? date
        return today > date ? today : today.addingTimeInterval(86_400)
    }

    // MARK: One person's list

    static let columns = "id, kind, level, title, body, action_url, created_at, read_at"
    typealias Row = (UUID, String, String, String, String, String?, Date, Date?)

    static func notification(_ row: Row) throws -> UserNotification {
        guard let kind = NotificationKind(rawValue: row.1), let level = NotificationLevel(rawValue: row.2) else {
            throw NotificationStoreError.corruptRow("notification \(row.0) has an unknown kind or level")
        }
        return UserNotification(id: row.0, kind: kind, level: level, title: row.3, body: row.4, actionUrl: row.5, createdAt: row.6, readAt: row.7)
    }

    /// Newest first; `before` continues after the last one of the previous page.
    func list(tenant: UUID, user: UUID, limit: Int, unreadOnly: Bool, before: (createdAt: Date, id: UUID)?) async throws -> [UserNotification] {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenant) { connection in
            let cursorDate = before?.createdAt ?? Date.distantFuture, cursorID = before?.id ?? UUID(uuidString: "ffffffff-ffff-ffff-ffff-ffffffffffff")!
            let rows = try await connection.query("""
                SELECT \(unescaped: Self.columns) FROM app.notifications
                WHERE tenant_id = \(tenant) AND user_id = \(user) AND (NOT \(unreadOnly) OR read_at IS NULL)
                  AND (created_at, id) < (\(cursorDate), \(cursorID))
                ORDER BY created_at DESC, id DESC LIMIT \(Int32(limit))
                """, logger: logger)
            var list: [UserNotification] = []
            for try await row in rows.decode(Row.self) { list.append(try Self.notification(row)) }
            return list
        }
    }

    func unreadCount(tenant: UUID, user: UUID) async throws -> Int {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenant) { connection in
            let rows = try await connection.query("""
                SELECT count(*)::bigint FROM app.notifications WHERE tenant_id = \(tenant) AND user_id = \(user) AND read_at IS NULL
                """, logger: logger)
            for try await count in rows.decode(Int64.self) { return Int(count) }
            return 0
        }
    }

    /// Marks one notification read or unread; nil when the person has no such notification.
    /// Marking unread a notice whose problem has a newer unread one keeps the newer one only.
    func setRead(_ read: Bool, id: UUID, tenant: UUID, user: UUID) async throws -> UserNotification? {
        let logger = self.logger, now = self.now()
        return try await database.withTransaction(tenant: tenant) { connection in
            if !read {
                try await connection.query("""
                    UPDATE app.notifications o SET read_at = \(now)
                    FROM app.notifications n
                    WHERE n.id = \(id) AND n.tenant_id = \(tenant) AND n.user_id = \(user) AND n.dedupe_key IS NOT NULL
                      AND o.tenant_id = n.tenant_id AND o.user_id = n.user_id AND o.dedupe_key = n.dedupe_key
                      AND o.id <> n.id AND o.read_at IS NULL
                    """, logger: logger)
            }
            let rows = try await connection.query("""
                UPDATE app.notifications SET read_at = CASE WHEN \(read) THEN coalesce(read_at, \(now)) ELSE NULL END
                WHERE id = \(id) AND tenant_id = \(tenant) AND user_id = \(user)
                RETURNING \(unescaped: Self.columns)
                """, logger: logger)
            for try await row in rows.decode(Row.self) { return try Self.notification(row) }
            return nil
        }
    }

    /// - Returns: how many were unread.
    func markAllRead(tenant: UUID, user: UUID) async throws -> Int {
        let logger = self.logger, now = self.now()
        return try await database.withTransaction(tenant: tenant) { connection in
            let rows = try await connection.query("""
                UPDATE app.notifications SET read_at = \(now) WHERE tenant_id = \(tenant) AND user_id = \(user) AND read_at IS NULL RETURNING 1
                """, logger: logger)
            var count = 0
            for try await _ in rows { count += 1 }
            return count
        }
    }

    func delete(id: UUID, tenant: UUID, user: UUID) async throws -> Bool {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenant) { connection in
            let rows = try await connection.query("""
                DELETE FROM app.notifications WHERE id = \(id) AND tenant_id = \(tenant) AND user_id = \(user) RETURNING 1
                """, logger: logger)
            for try await _ in rows { return true }
            return false
        }
    }

    // MARK: Preferences

    static func preferences(of user: UUID, on connection: PostgresConnection, logger: Logger) async throws -> NotificationPreferences {
        let rows = try await connection.query("""
            SELECT email_kinds, delivery FROM app.notification_preferences WHERE user_id = \(user)
            """, logger: logger)
        for try await (kinds, delivery) in rows.decode(([String], String).self) {
            return NotificationPreferences(emailKinds: kinds.compactMap(NotificationKind.init(rawValue:)),
                                           delivery: NotificationPreferences.Delivery(rawValue: delivery) ?? .digest)
        }
        return .defaults
    }

    func preferences(of user: UUID) async throws -> NotificationPreferences {
        let logger = self.logger
        return try await database.withTransaction { connection in try await Self.preferences(of: user, on: connection, logger: logger) }
    }

    func setPreferences(_ preferences: NotificationPreferences, of user: UUID) async throws {
        let logger = self.logger, now = self.now()
        let kinds = NotificationKind.allCases.filter(preferences.emailKinds.contains).map(\.rawValue)
        try await database.withTransaction { connection in
            try await connection.query("""
                INSERT INTO app.notification_preferences (user_id, email_kinds, delivery, updated_at)
                VALUES (\(user), \(kinds), \(preferences.delivery.rawValue), \(now))
                ON CONFLICT (user_id) DO UPDATE SET email_kinds = EXCLUDED.email_kinds, delivery = EXCLUDED.delivery,
                                                    updated_at = EXCLUDED.updated_at
                """, logger: logger)
        }
    }

    // MARK: E-mail

    /// Writes one person's waiting notices (every tenant, the kinds they want) into one e-mail,
    /// queued in the transaction that marks them sent: a retried job finds them sent and mails
    /// nothing twice.
    /// - Returns: how many notices the e-mail carries (0: none waited, nothing sent).
    func mailWaiting(for user: UUID) async throws -> Int {
        let logger = self.logger, now = self.now(), mail = self.mail
        return try await database.withTransaction { connection in
            try await connection.query("SELECT set_config('opside.user_id', \(user.uuidString.lowercased()), true)", logger: logger)
            let preferences = try await Self.preferences(of: user, on: connection, logger: logger)
            var address: String?
            for try await email in try await connection.query("SELECT email FROM app.users WHERE id = \(user)", logger: logger)
                .decode(String.self) { address = email }
            guard let address else { return 0 }
            let rows = try await connection.query("""
                UPDATE app.notifications n SET emailed_at = \(now)
                FROM app.tenants t
                WHERE n.user_id = \(user) AND n.emailed_at IS NULL AND n.kind = ANY(\(preferences.emailKinds.map(\.rawValue)))
                  AND t.id = n.tenant_id
                RETURNING t.name, n.title, n.body, n.action_url, n.created_at
                """, logger: logger)
            var notices: [(tenant: String, title: String, body: String, url: String?, at: Date)] = []
            for try await row in rows.decode((String, String, String, String?, Date).self) {
                notices.append((row.0, row.1, row.2, row.3, row.4))
            }
            guard !notices.isEmpty else { return 0 }
            notices.sort { $0.at < $1.at }
            let subject = notices.count == 1 ? notices[0].title : "\(notices.count) updates from Opside"
            var text = notices.count == 1 ? "" : "Here is what happened since your last e-mail.\n\n"
            for notice in notices {
                text += "\(notice.title) (\(notice.tenant))\n\(notice.body)\n"
                if let url = notice.url { text += "\(mail.publicURL)\(url)\n" }
                text += "\n"
            }
            text += "Choose which notifications reach you by e-mail: \(mail.publicURL)/app/settings\n"
            try await MailJobs.enqueue(MailMessage(from: mail.fromAddress, fromName: mail.fromName, to: address, subject: subject, text: text),
                                       on: connection, logger: logger)
            return notices.count
        }
    }
}

/// The job that sends a person's waiting notifications by e-mail (one per person at a time: its
/// unique key gathers every notice that arrives before it runs).
enum NotificationMail {
    static let kind = "main-api.notification-mail"

    struct Arguments: Codable, Sendable {
        let userId: UUID
    }
}

/// A row that does not read as its columns promise (a kind or level this build does not know).
enum NotificationStoreError: Error, CustomStringConvertible {
    case corruptRow(String)

    var description: String {
        switch self {
        case .corruptRow(let what): what
        }
    }
}
