import Foundation
import Hummingbird
import Logging
import OpsideCore
import OpsideEvents
import OpsideJobs
import OpsideRedis
import OpsideTransport

/// `/api/v1/notifications`: the signed-in person's notifications in the current tenant (list,
/// unread count, read/unread, all read, delete) and their e-mail preferences.
struct NotificationsController {
    let store: NotificationStore

    struct ListResponse: ResponseEncodable {
        let notifications: [UserNotification]
        let unreadCount: Int
        /// Pass as `before` for the next page; absent on the last page.
        let nextCursor: String?
    }

    struct CountResponse: ResponseEncodable {
        let unreadCount: Int
    }

    struct NotificationResponse: ResponseEncodable {
        let notification: UserNotification
    }

    struct MarkedResponse: ResponseEncodable {
        let updated: Int
    }

    struct PreferencesBody: Codable, ResponseEncodable {
        let emailKinds: [String]
        let delivery: String
    }

    func addRoutes(to router: Router<OpsideRequestContext>) {
        let group = router.group("/api/v1/notifications")
        group.get { request, context in try await list(request, context) }
        group.get("unread-count") { _, context in
            let (tenant, user) = try signedIn(context)
            return CountResponse(unreadCount: try await store.unreadCount(tenant: tenant, user: user))
        }
        group.post("read-all") { _, context in
            let (tenant, user) = try signedIn(context)
            return MarkedResponse(updated: try await store.markAllRead(tenant: tenant, user: user))
        }
        group.get("preferences") { _, context in
            let (_, user) = try signedIn(context)
            return Self.body(try await store.preferences(of: user))
        }
        group.put("preferences") { request, context in
            let (_, user) = try signedIn(context)
            let body = try await request.decode(as: PreferencesBody.self, context: context)
            let preferences = try Self.preferences(body)
            try await store.setPreferences(preferences, of: user)
            return Self.body(preferences)
        }
        group.post(":id/read") { _, context in try await mark(true, context) }
        group.post(":id/unread") { _, context in try await mark(false, context) }
        group.delete(":id") { _, context -> Response in
            let (tenant, user) = try signedIn(context)
            guard try await store.delete(id: try Self.id(context), tenant: tenant, user: user) else { throw APIError.noSuch("notification") }
            return Response(status: .noContent)
        }
    }

    func signedIn(_ context: OpsideRequestContext) throws -> (tenant: UUID, user: UUID) {
        let session = try context.requireSession()
        guard let tenant = session.tenantID, let user = session.userID else { throw APIError.unauthorized("log in again") }
        return (tenant, user)
    }

    static func id(_ context: OpsideRequestContext) throws -> UUID {
        guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)) else {
            throw APIError.validation("the notification id is not a UUID")
        }
        return id
    }

    func list(_ request: Request, _ context: OpsideRequestContext) async throws -> ListResponse {
        let (tenant, user) = try signedIn(context)
        let limit = try QueryParameters.integer(request, "limit", in: 1...100, default: 20)
        let query = request.uri.queryParameters
        let unreadOnly: Bool
        switch query.get("unread_only") ?? query.get("unreadOnly") {
        case nil, "false", "0": unreadOnly = false
        case "true", "1": unreadOnly = true
        case let other?: throw APIError.validation("unread_only must be true or false, not \(other)", details: ["unread_only": "not a boolean"])
        }
        var before: (Date, UUID)?
        if let cursor = query.get("before") {
            guard let decoded = Self.cursor(cursor) else { throw APIError.validation("before is not a cursor this list gave", details: ["before": "unknown cursor"]) }
            before = decoded
        }
        let page = try await store.list(tenant: tenant, user: user, limit: limit + 1, unreadOnly: unreadOnly, before: before)
        let shown = Array(page.prefix(limit))
        let next = page.count > limit ? shown.last.map { Self.cursor(for: $0) } : nil
        return ListResponse(notifications: shown, unreadCount: try await store.unreadCount(tenant: tenant, user: user), nextCursor: next)
    }

    /// `<microseconds since 1970>_<id>`: where the next page starts.
    static func cursor(for notification: UserNotification) -> String {
        "\(Int64((notification.createdAt.timeIntervalSince1970 * 1_000_000).rounded()))_\(notification.id.uuidString.lowercased())"
    }

    static func cursor(_ text: String) -> (Date, UUID)? {
        let parts = text.split(separator: "_")
        guard parts.count == 2, let micros = Int64(parts[0]), let id = UUID(uuidString: String(parts[1])) else { return nil }
        return (Date(timeIntervalSince1970: Double(micros) / 1_000_000), id)
    }

    func mark(_ read: Bool, _ context: OpsideRequestContext) async throws -> NotificationResponse {
        let (tenant, user) = try signedIn(context)
        guard let notification = try await store.setRead(read, id: try Self.id(context), tenant: tenant, user: user) else {
            throw APIError.noSuch("notification")
        }
        return NotificationResponse(notification: notification)
    }

    static func body(_ preferences: NotificationPreferences) -> PreferencesBody {
        PreferencesBody(emailKinds: preferences.emailKinds.map(\.rawValue), delivery: preferences.delivery.rawValue)
    }

    static func preferences(_ body: PreferencesBody) throws -> NotificationPreferences {
        var kinds: [NotificationKind] = []
        for name in body.emailKinds {
            guard let kind = NotificationKind(rawValue: name) else {
                throw APIError.validation("unknown notification kind \(name); known: \(NotificationKind.allCases.map(\.rawValue).joined(separator: ", "))",
                                          details: ["emailKinds": "unknown kind"])
            }
            if !kinds.contains(kind) { kinds.append(kind) }
        }
        guard let delivery = NotificationPreferences.Delivery(rawValue: body.delivery) else {
            throw APIError.validation("delivery must be digest or immediate", details: ["delivery": "unknown"])
        }
        return NotificationPreferences(emailKinds: kinds, delivery: delivery)
    }
}

/// The event consumers that turn events into notifications, and the job that mails them.
struct NotificationJobs: Sendable {
    let store: NotificationStore
    let redis: RedisClient
    let now: @Sendable () -> Date

    /// The realtime message open pages get when a notification arrives (the bell refetches its count).
    static let createdEvent = "notification.created"

    func register(in jobs: inout JobRegistry) {
        jobs.consume(EventConsumers.notifyClaimsFound) { event, envelope, _ in
            guard let draft = NotificationDrafts.claimsFound(event) else { return }
            try await deliver(draft, envelope)
        }
        jobs.consume(EventConsumers.notifyDeadlinesApproaching) { event, envelope, _ in
            try await deliver(NotificationDrafts.deadlinesApproaching(event), envelope)
        }
        jobs.consume(EventConsumers.notifySyncFailed) { event, envelope, _ in
            try await deliver(NotificationDrafts.syncFailed(event), envelope)
        }
        jobs.consume(EventConsumers.notifyReauthorizationRequired) { event, envelope, _ in
            try await deliver(NotificationDrafts.reauthorizationNeeded(connectionId: event.connectionId, reason: event.reason), envelope)
        }
        jobs.consume(EventConsumers.notifySyncReauthorizationRequired) { event, envelope, _ in
            try await deliver(NotificationDrafts.reauthorizationNeeded(connectionId: event.connectionId, reason: event.errorMessage), envelope)
        }
        jobs.consume(EventConsumers.notifyCaseStatusChanged) { event, envelope, _ in
            guard let draft = NotificationDrafts.caseStatusChanged(event) else { return }
            try await deliver(draft, envelope)
        }
        jobs.consume(EventConsumers.notifyCaseFiled) { event, envelope, _ in
            try await deliver(NotificationDrafts.caseFiled(event), envelope)
        }
        jobs.consume(EventConsumers.notifyCaseFilingReminder) { event, envelope, _ in
            try await deliver(NotificationDrafts.filingReminder(event), envelope)
        }
        jobs.consume(EventConsumers.notifyReimbursementReceived) { event, envelope, _ in
            guard let draft = NotificationDrafts.reimbursementReceived(event) else { return }
            try await deliver(draft, envelope)
        }
        jobs.consume(EventConsumers.notifyPaymentFailed) { event, envelope, _ in
            try await deliver(NotificationDrafts.paymentFailed(event), envelope)
        }
        jobs.consume(EventConsumers.notifyInvoicePaid) { event, envelope, _ in
            try await deliver(NotificationDrafts.invoicePaid(event), envelope)
        }
        jobs.consume(EventConsumers.notifyPayoutPaid) { event, envelope, _ in
            try await deliver(NotificationDrafts.payoutPaid(event), envelope)
        }
        jobs.consume(EventConsumers.notifyPayoutFailed) { event, envelope, _ in
            try await deliver(NotificationDrafts.payoutFailed(event), envelope)
        }
        jobs.consume(EventConsumers.notifyPromptCreated) { event, envelope, _ in
            try await deliver(NotificationDrafts.evidencePrompt(event), envelope)
        }
        jobs.consume(EventConsumers.notifyProofPacket) { event, envelope, _ in
            try await deliver(NotificationDrafts.proofPacket(event), envelope)
        }
        jobs.register(NotificationMail.kind, arguments: NotificationMail.Arguments.self) { arguments, context in
            let sent = try await store.mailWaiting(for: arguments.userId)
            if sent > 0 { context.logger.info("notification e-mail queued", metadata: ["notices": "\(sent)"]) }
        }
    }

    func deliver(_ draft: NotificationDraft, _ envelope: EventEnvelope) async throws {
        guard let tenant = envelope.tenantId else {
            throw JobOutcome.cancel(reason: "the \(envelope.type) event \(envelope.id) names no tenant to notify")
        }
        let notified = try await store.deliver(draft, eventId: envelope.id, tenant: tenant)
        guard !notified.isEmpty else { return }
        // Open pages learn at once; a lost message only delays the bell until the next page load.
        let payload = String(decoding: try OpsideJSON.encode(["kind": draft.kind.rawValue, "title": draft.title, "level": draft.level.rawValue]),
                             as: UTF8.self)
        let message = EventEnvelope(id: UUID(), type: Self.createdEvent, tenantId: tenant, producer: "main-api", occurredAt: now(), payload: payload)
        _ = try? await redis.publish(EventRelay.realtimeChannel(tenantID: tenant), String(decoding: try OpsideJSON.encode(message), as: UTF8.self))
    }
}
