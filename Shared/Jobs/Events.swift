import Foundation
import Logging
import OpsideCore
import OpsidePostgres
import OpsideRedis
import PostgresNIO

/// An event as consumers receive it: the job arguments of every event-handling job.
public struct EventEnvelope: Codable, Sendable, Equatable {
    public let id: UUID
    public let type: String
    public let tenantID: UUID?
    public let producer: String
    public let occurredAt: Date
    /// The event's own fields, as a JSON object.
    public let payload: String

    public init(id: UUID, type: String, tenantID: UUID?, producer: String, occurredAt: Date, payload: String) {
        self.id = id
        self.type = type
        self.tenantID = tenantID
        self.producer = producer
        self.occurredAt = occurredAt
        self.payload = payload
    }

    /// Decodes the payload into the consumer's type.
    public func decodePayload<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(T.self, from: Data(payload.utf8))
    }
}

/// Who consumes which event: the one shared contract between producers and consumers.
///
/// The relay reads it to turn each event into one job per subscription. It lives in code, not in
/// a table a consumer fills at start-up, so an event published while its consumer has never run
/// still reaches it: the job waits in the consumer's queue.
public enum EventSubscriptions {
    public struct Subscription: Sendable, Equatable {
        public let queue: String
        public let kind: String
    }

    public static let all: [String: [Subscription]] = [
        "tenant.created": [Subscription(queue: "payments", kind: "payments.create-billing-account")],
        "amazon.connected": [Subscription(queue: "inventory-sync", kind: "inventory-sync.backfill")],
    ]

    public static func subscriptions(for type: String) -> [Subscription] { all[type] ?? [] }
}

/// Writes events into the outbox inside the producer's transaction.
public struct EventOutbox: Sendable {
    public static let wakeChannel = "opside:outbox"
    public let producer: OpsideService
    let redis: RedisClient?
    let logger: Logger

    public init(producer: OpsideService, redis: RedisClient?, logger: Logger) {
        self.producer = producer
        self.redis = redis
        self.logger = logger
    }

    /// Records `payload` as an event of `type`; it becomes visible only if the transaction commits.
    /// - Returns: the event's id.
    @discardableResult
    public func publish<Payload: Encodable>(_ type: String, tenantID: UUID?, payload: Payload,
                                            on connection: PostgresConnection) async throws -> UUID {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(payload), as: UTF8.self)
        let id = UUID()
        try await connection.query("""
            INSERT INTO platform.outbox (event_id, type, tenant_id, producer, payload, request_id, trace_parent)
            VALUES (\(id), \(type), \(tenantID), \(producer.name), \(json)::jsonb, \(RequestScope.requestID),
                    \(TraceContextCarrier.currentTraceParent()))
            """, logger: logger)
        return id
    }

    /// Tells relays there is something to move; call after the commit. Polling covers a lost call.
    public func wakeRelay() async {
        guard let redis else { return }
        do { try await redis.publish(Self.wakeChannel, "") } catch {
            logger.debug("relay wake-up not published; relays will poll", metadata: ["error": "\(error)"])
        }
    }
}
