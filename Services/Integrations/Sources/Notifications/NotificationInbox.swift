import Foundation
import Logging
import OpsideEvents
import OpsideJobs
import OpsidePostgres
import PostgresNIO

/// Takes notifications in: each once (by Amazon's notification id), routed to the active
/// connections of its seller that sell in its marketplaces (or whose marketplaces are not known), and published as one event per
/// connection in the same transaction that records it. So a notification is either wholly taken
/// in or not at all, and taking it in twice changes nothing.
struct NotificationInbox: Sendable {
    let database: Database
    let outbox: EventOutbox
    let logger: Logger

    enum Outcome: Equatable, Sendable {
        /// Published to this many connections (0: none of the seller's is active there any more).
        case published(connections: Int)
        /// Taken in before: a second delivery.
        case duplicate
        /// Its subscription is none we made (yet: Amazon can deliver before we recorded the
        /// subscription it just made; the message is left to come back).
        case unknownSubscription
    }

    func takeIn(_ notification: AmazonNotification, messageID: String, receivedAt: Date) async throws -> Outcome {
        let logger = self.logger
        let outbox = self.outbox
        let outcome: Outcome = try await database.withTransaction { connection in
            try await connection.query("SELECT set_config('opside.notification_routing', 'on', true)", logger: logger)
            let known = try await connection.query("""
                SELECT 1 FROM integrations.notification_subscriptions WHERE subscription_id = \(notification.subscriptionID) LIMIT 1
                """, logger: logger)
            var subscribed = false
            for try await _ in known { subscribed = true }
            guard subscribed else { return .unknownSubscription }
            let rows = try await connection.query("""
                SELECT id, tenant_id, marketplace_ids FROM integrations.amazon_connections
                WHERE selling_partner_id = \(notification.sellerID) AND status = 'active' ORDER BY id
                """, logger: logger)
            var targets: [(connection: UUID, tenant: UUID)] = []
            let wanted = notification.marketplaceIDs
            for try await (id, tenant, marketplaces) in rows.decode((UUID, UUID, [String]).self)
            where wanted.isEmpty || marketplaces.isEmpty || wanted.contains(where: marketplaces.contains) {
                targets.append((id, tenant))
            }
            let inserted = try await connection.query("""
                INSERT INTO integrations.amazon_notifications
                    (notification_id, notification_type, selling_partner_id, subscription_id, event_time, message_id, received_at, connections)
                VALUES (\(notification.notificationID), \(notification.type), \(notification.sellerID), \(notification.subscriptionID),
                        \(notification.eventTime), \(messageID), \(receivedAt), \(targets.count))
                ON CONFLICT (notification_id) DO NOTHING
                RETURNING 1
                """, logger: logger)
            var fresh = false
            for try await _ in inserted { fresh = true }
            guard fresh else { return .duplicate }
            for target in targets {
                try await Self.publish(notification, connectionID: target.connection, tenantID: target.tenant, outbox: outbox, on: connection)
                try await connection.query("""
                    INSERT INTO integrations.notification_deliveries
                        (tenant_id, connection_id, notification_id, notification_type, event_time, summary, received_at)
                    VALUES (\(target.tenant), \(target.connection), \(notification.notificationID), \(notification.type),
                            \(notification.changedAt), \(notification.summary), \(receivedAt))
                    """, logger: logger)
            }
            return .published(connections: targets.count)
        }
        if case .published(let count) = outcome, count > 0 { await outbox.wakeRelay() }
        return outcome
    }

    static func publish(_ notification: AmazonNotification, connectionID: UUID, tenantID: UUID, outbox: EventOutbox,
                        on connection: PostgresConnection) async throws {
        switch notification.change {
        case .inventory(let sku, let fnsku, let asin, let marketplaces):
            try await outbox.publish(AmazonInventoryChanged(connectionId: connectionID, notificationId: notification.notificationID,
                                                            eventTime: notification.eventTime, sellerSku: sku, fnsku: fnsku, asin: asin,
                                                            marketplaces: marketplaces), tenantId: tenantID, on: connection)
        case .order(let orderID, let marketplaceID, let changedAt, let changeType, let changeReason, let status, let fulfillmentType,
                    let purchaseDate, let itemsShipped, let itemsUnshipped):
            try await outbox.publish(AmazonOrderChanged(connectionId: connectionID, notificationId: notification.notificationID, changedAt: changedAt,
                                                        amazonOrderId: orderID, marketplaceId: marketplaceID, changeType: changeType,
                                                        changeReason: changeReason, orderStatus: status, fulfillmentType: fulfillmentType,
                                                        purchaseDate: purchaseDate, itemsShipped: itemsShipped, itemsUnshipped: itemsUnshipped),
                                     tenantId: tenantID, on: connection)
        case .report(let reportID, let reportType, let status, let documentID):
            try await outbox.publish(AmazonReportFinished(connectionId: connectionID, notificationId: notification.notificationID,
                                                          eventTime: notification.eventTime, reportId: reportID, reportType: reportType,
                                                          processingStatus: status, reportDocumentId: documentID),
                                     tenantId: tenantID, on: connection)
        }
    }

    /// Keeps a message that is no notification we can apply, with the reason, for the operator.
    func reject(messageID: String, body: String, reason: String, receivedAt: Date) async throws {
        let logger = self.logger
        // PostgreSQL's text takes no NUL character, which a hostile or broken body may hold.
        func storable(_ text: String) -> String { text.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}") }
        let excerpt = storable(String(decoding: body.utf8.prefix(4096), as: UTF8.self))
        let reason = storable(reason), messageID = storable(messageID)
        _ = try await database.withTransaction { connection in
            try await connection.query("""
                INSERT INTO integrations.notification_rejections (message_id, received_at, reason, body_excerpt)
                VALUES (\(messageID), \(receivedAt), \(reason), \(excerpt))
                """, logger: logger)
        }
    }

    /// A connection's latest notifications, newest first, and the types it is subscribed to.
    func recent(connectionID: UUID, tenantID: UUID, limit: Int) async throws -> ConnectionNotifications {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenantID) { connection in
            let subscribed = try await connection.query("""
                SELECT notification_type FROM integrations.notification_subscriptions WHERE connection_id = \(connectionID)
                ORDER BY notification_type
                """, logger: logger)
            var types: [String] = []
            for try await type in subscribed.decode(String.self) { types.append(type) }
            let rows = try await connection.query("""
                SELECT notification_id, notification_type, summary, event_time, received_at FROM integrations.notification_deliveries
                WHERE connection_id = \(connectionID) ORDER BY received_at DESC, event_time DESC LIMIT \(limit)
                """, logger: logger)
            var notifications: [ConnectionNotifications.Notification] = []
            for try await (id, type, summary, eventTime, receivedAt) in rows.decode((String, String, String, Date, Date).self) {
                notifications.append(.init(notificationId: id, type: type, summary: summary, eventTime: eventTime, receivedAt: receivedAt))
            }
            return ConnectionNotifications(subscribedTypes: types, notifications: notifications)
        }
    }

    /// Records the subscriptions a connection holds (a repeated subscribe replaces them).
    func recordSubscriptions(_ subscriptions: [(type: String, id: String, destination: String, version: String)], connectionID: UUID,
                             tenantID: UUID, at now: Date) async throws {
        let logger = self.logger
        _ = try await database.withTransaction(tenant: tenantID) { connection in
            for subscription in subscriptions {
                try await connection.query("""
                    INSERT INTO integrations.notification_subscriptions
                        (connection_id, tenant_id, notification_type, subscription_id, destination_id, payload_version, created_at)
                    VALUES (\(connectionID), \(tenantID), \(subscription.type), \(subscription.id), \(subscription.destination),
                            \(subscription.version), \(now))
                    ON CONFLICT (connection_id, notification_type) DO UPDATE
                        SET subscription_id = EXCLUDED.subscription_id, destination_id = EXCLUDED.destination_id,
                            payload_version = EXCLUDED.payload_version
                    """, logger: logger)
            }
        }
    }
}

/// What `GET /internal/amazon/connections/{id}/notifications` answers.
public struct ConnectionNotifications: Codable, Sendable, Equatable {
    public struct Notification: Codable, Sendable, Equatable {
        public let notificationId: String
        /// Amazon's type (`ORDER_CHANGE`...).
        public let type: String
        /// The change in a sentence.
        public let summary: String
        /// When it happened at Amazon (an order's change time).
        public let eventTime: Date
        public let receivedAt: Date
    }

    /// The types the connection is subscribed to (empty: notifications are off, or not set up yet).
    public let subscribedTypes: [String]
    /// Newest first.
    public let notifications: [Notification]
}
