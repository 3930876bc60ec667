import Foundation
import Logging
import OpsideJobs
import OpsidePostgres
import PostgresNIO

/// An event as a webhook delivered it, its fields read from the signed body.
public struct IncomingStripeEvent: Sendable, Equatable {
    public let id: String
    public let type: String
    public let account: String?
    public let livemode: Bool
    public let apiVersion: String?
    public let created: Date
    /// The body exactly as signed.
    public let payload: String
}

/// Where Stripe's events are kept: once per event id, each first arrival enqueuing the job that
/// processes it in the same transaction.
public protocol StripeEventStore: Sendable {
    /// Keeps a delivery.
    /// - Returns: true for an event's first delivery; a repeat only counts the delivery.
    func record(_ event: IncomingStripeEvent, endpoint: StripeWebhookEndpoint) async throws -> Bool
    /// The stored body of an event, with its endpoint, or nil.
    func event(id: String) async throws -> (payload: String, endpoint: StripeWebhookEndpoint)?
    func markProcessed(id: String, outcome: String) async throws
}

public struct StripeEventsPostgresStore: StripeEventStore {
    public static let processJobKind = "payments.stripe-event"

    let database: Database
    let jobs: JobQueue
    let queue: String
    let logger: Logger

    public init(database: Database, jobs: JobQueue, queue: String, logger: Logger) {
        self.database = database
        self.jobs = jobs
        self.queue = queue
        self.logger = logger
    }

    public func record(_ event: IncomingStripeEvent, endpoint: StripeWebhookEndpoint) async throws -> Bool {
        let logger = self.logger
        let queue = self.queue
        let inserted = try await database.withTransaction { connection in
            // xmax = 0 only on the row this statement inserted: a repeat updates the count instead.
            let rows = try await connection.query("""
                INSERT INTO payments.stripe_events (event_id, endpoint, type, account, livemode, api_version, stripe_created, payload)
                VALUES (\(event.id), \(endpoint.rawValue), \(event.type), \(event.account), \(event.livemode), \(event.apiVersion),
                        \(event.created), \(event.payload)::jsonb)
                ON CONFLICT (event_id) DO UPDATE
                    SET deliveries = payments.stripe_events.deliveries + 1, last_received_at = now()
                RETURNING (xmax = 0)
                """, logger: logger)
            var first = false
            for try await value in rows.decode(Bool.self) { first = value }
            if first {
                try await JobQueue.enqueue(try NewJob(queue: queue, kind: Self.processJobKind, arguments: ["eventId": event.id],
                                                      uniqueKey: "stripe-event:\(event.id)"),
                                           on: connection, logger: logger)
            }
            return first
        }
        if inserted { await jobs.wake(queues: [queue]) }
        return inserted
    }

    public func event(id: String) async throws -> (payload: String, endpoint: StripeWebhookEndpoint)? {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                "SELECT payload::text, endpoint FROM payments.stripe_events WHERE event_id = \(id)", logger: logger)
            for try await (payload, endpoint) in rows.decode((String, String).self) {
                return StripeWebhookEndpoint(rawValue: endpoint).map { (payload, $0) }
            }
            return nil
        }
    }

    public func markProcessed(id: String, outcome: String) async throws {
        try await database.withConnection { connection in
            try await connection.query("""
                UPDATE payments.stripe_events SET processed_at = now(), outcome = \(outcome) WHERE event_id = \(id)
                """, logger: logger)
        }
    }
}
