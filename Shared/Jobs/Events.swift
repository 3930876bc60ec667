import Foundation
import Logging
import OpsideCore
import OpsidePostgres
import OpsideRedis
import PostgresNIO

/// An event of the suite: one `Codable` type per event, defined once (in `OpsideEvents`) and
/// used by its producer (`EventOutbox.publish`) and its consumers (a handler registered for the
/// type), so the two sides cannot disagree on a name or a field.
public protocol OpsideEvent: Codable, Sendable {
    /// The event's name in the outbox, in job arguments and on the realtime feed (`amazon.disconnected`).
    static var name: String { get }
}

/// An event as consumers receive it: the job arguments of every event-handling job.
///
/// JSON keys are camelCase with `Id` and UUIDs lowercase. Envelopes written before that style
/// (`tenantID`, uppercase UUIDs) still decode, so jobs already queued when this shipped run.
public struct EventEnvelope: Codable, Sendable, Equatable {
    public let id: UUID
    public let type: String
    public let tenantId: UUID?
    public let producer: String
    public let occurredAt: Date
    /// The event's own fields, as a JSON object.
    public let payload: String

    public init(id: UUID, type: String, tenantId: UUID?, producer: String, occurredAt: Date, payload: String) {
        self.id = id
        self.type = type
        self.tenantId = tenantId
        self.producer = producer
        self.occurredAt = occurredAt
        self.payload = payload
    }

    enum CodingKeys: String, CodingKey {
        case id, type, tenantId, producer, occurredAt, payload
        /// The spelling of envelopes written before the suite's JSON style.
        case legacyTenantID = "tenantID"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(LowercasedUUID.self, forKey: .id).wrappedValue
        type = try container.decode(String.self, forKey: .type)
        tenantId = try (container.decodeIfPresent(LowercasedUUID.self, forKey: .tenantId)
            ?? container.decodeIfPresent(LowercasedUUID.self, forKey: .legacyTenantID))?.wrappedValue
        producer = try container.decode(String.self, forKey: .producer)
        let when = try container.decode(String.self, forKey: .occurredAt)
        guard let occurred = (try? Date(when, strategy: Self.occurredAtStyle)) ?? (try? Date(when, strategy: .iso8601)) else {
            throw DecodingError.dataCorruptedError(forKey: .occurredAt, in: container,
                                                   debugDescription: "'\(when)' is not an ISO 8601 timestamp")
        }
        occurredAt = occurred
        payload = try container.decode(String.self, forKey: .payload)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(LowercasedUUID(wrappedValue: id), forKey: .id)
        try container.encode(type, forKey: .type)
        try container.encodeIfPresent(tenantId.map { LowercasedUUID(wrappedValue: $0) }, forKey: .tenantId)
        try container.encode(producer, forKey: .producer)
        try container.encode(occurredAt.formatted(Self.occurredAtStyle), forKey: .occurredAt)
        try container.encode(payload, forKey: .payload)
    }

    /// ISO 8601 in UTC with milliseconds: consumers order connection events by it, and events a
    /// second apart are common (connect, then disconnect at once).
    static let occurredAtStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// Decodes the payload as the event it names.
    /// - Throws: `EventMismatch` when the envelope carries another event.
    public func decodeEvent<Event: OpsideEvent>(_ type: Event.Type = Event.self) throws -> Event {
        guard self.type == Event.name else { throw EventMismatch(expected: Event.name, found: self.type) }
        return try EventJSON.decoder.decode(Event.self, from: Data(payload.utf8))
    }
}

/// An envelope handed to a handler of another event: a wiring mistake, never worth a retry.
public struct EventMismatch: Error, CustomStringConvertible {
    public let expected: String
    public let found: String
    public var description: String { "expected a \(expected) event, got \(found)" }
}

/// The one JSON form of event payloads and envelopes: ISO 8601 dates, sorted keys, unescaped slashes.
public enum EventJSON {
    public static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    public static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}

/// One consumer of one event: the relay turns each event of `event` into a job of `kind` on `queue`.
public struct EventSubscription: Sendable, Hashable, CustomStringConvertible {
    public let event: String
    public let queue: String
    public let kind: String

    public init(event: String, queue: String, kind: String) {
        self.event = event
        self.queue = queue
        self.kind = kind
    }

    public var description: String { "\(event) → \(queue)/\(kind)" }
}

/// Who consumes which event: the relay's routing table.
///
/// Built from the consumers the suite declares in one place (`EventConsumers` in
/// `OpsideEvents`), never kept by hand. It lives in code, not in a table a consumer fills at
/// start-up, so an event published while its consumer has never run still reaches it: the job
/// waits in the consumer's queue.
public struct EventSubscriptions: Sendable {
    public let all: [EventSubscription]
    private let byEvent: [String: [EventSubscription]]

    public init(_ subscriptions: [EventSubscription]) {
        all = subscriptions
        byEvent = Dictionary(grouping: subscriptions, by: \.event)
    }

    public func subscriptions(for event: String) -> [EventSubscription] { byEvent[event] ?? [] }
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

    /// Records `event`; it becomes visible only if the transaction of `connection` commits.
    /// - Returns: the event's id.
    @discardableResult
    public func publish<Event: OpsideEvent>(_ event: Event, tenantId: UUID?, on connection: PostgresConnection) async throws -> UUID {
        let json = String(decoding: try EventJSON.encoder.encode(event), as: UTF8.self)
        let id = UUID()
        try await connection.query("""
            INSERT INTO platform.outbox (event_id, type, tenant_id, producer, payload, request_id, trace_parent)
            VALUES (\(id), \(Event.name), \(tenantId), \(producer.name), \(json)::jsonb, \(RequestScope.requestID),
                    \(TraceContextCarrier.currentTraceParent()))
            """, logger: logger)
        return id
    }

    /// Records many events of one type, all of one tenant, in one statement (a reconciliation of
    /// thousands of lines publishes thousands); visible only if the transaction commits.
    public func publishAll<Event: OpsideEvent>(_ events: [Event], tenantId: UUID?, on connection: PostgresConnection) async throws {
        guard !events.isEmpty else { return }
        let encoder = EventJSON.encoder
        let payloads = try events.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
        let ids = events.map { _ in UUID() }
        try await connection.query("""
            INSERT INTO platform.outbox (event_id, type, tenant_id, producer, payload, request_id, trace_parent)
            SELECT e.id, \(Event.name), \(tenantId), \(producer.name), e.payload::jsonb, \(RequestScope.requestID),
                   \(TraceContextCarrier.currentTraceParent())
            FROM unnest(\(ids), \(payloads)) WITH ORDINALITY AS e(id, payload, position) ORDER BY e.position
            """, logger: logger)
    }

    /// Tells relays there is something to move; call after the commit. Polling covers a lost call.
    public func wakeRelay() async {
        guard let redis else { return }
        do { try await redis.publish(Self.wakeChannel, "") } catch {
            logger.debug("relay wake-up not published; relays will poll", metadata: ["error": "\(error)"])
        }
    }
}
