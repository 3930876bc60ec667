import Foundation
import Logging
import OpsideCore
import OpsidePostgres
import OpsideRedis
import PostgresNIO
import ServiceLifecycle
import Tracing

/// Moves committed outbox events into the job queues subscribed to their type.
///
/// Every service runs one; they share the work with SKIP LOCKED. Inserting the jobs and marking
/// the event relayed happen in one transaction, so each subscription gets exactly one job per
/// event. After the commit it wakes the target queues and pushes the event to the tenant's
/// realtime channel for the dashboard.
public final class EventRelay: Service, Sendable {
    public static func realtimeChannel(tenantID: UUID) -> String { "opside:realtime:\(tenantID.uuidString.lowercased())" }

    private let jobQueue: JobQueue
    private let subscriptions: EventSubscriptions
    private let redis: RedisClient?
    private let pollInterval: Duration
    private let logger: Logger
    private let wakeUp = WakeSignal()

    /// - Parameter subscriptions: which jobs each event becomes (`EventConsumers.subscriptions`).
    public init(jobQueue: JobQueue, subscriptions: EventSubscriptions, redis: RedisClient?, subscriber: RedisSubscriber?,
                pollInterval: Duration, logger: Logger) {
        self.jobQueue = jobQueue
        self.subscriptions = subscriptions
        self.redis = redis
        self.pollInterval = pollInterval
        self.logger = logger
        subscriber?.onMessage { [wakeUp] message in
            if message.channel == EventOutbox.wakeChannel { wakeUp.signal() }
        }
    }

    public func run() async throws {
        while !Task.isCancelledOrShuttingDown {
            do {
                let relayed = try await relayBatch()
                if relayed == 0 { await wakeUp.wait(timeout: pollInterval) }
            } catch {
                logger.warning("event relay failed; will retry", metadata: ["error": "\(error)"])
                await wakeUp.wait(timeout: pollInterval)
            }
        }
    }

    /// Relays up to 100 pending events.
    /// - Returns: how many events were relayed.
    @discardableResult
    public func relayBatch() async throws -> Int {
        let logger = self.logger
        let subscriptions = self.subscriptions
        let relayed: [(EventEnvelope, [String])] = try await jobQueue.database.withTransaction { connection in
            let rows = try await connection.query("""
                SELECT id, event_id, type, tenant_id, producer, occurred_at, payload::text, request_id, trace_parent
                FROM platform.outbox WHERE relayed_at IS NULL
                ORDER BY id LIMIT 100 FOR UPDATE SKIP LOCKED
                """, logger: logger)
            var pending: [(Int64, EventEnvelope, String?, String?)] = []
            for try await (rowID, eventID, type, tenant, producer, occurredAt, payload, requestID, traceParent) in rows.decode(
                (Int64, UUID, String, UUID?, String, Date, String, String?, String?).self) {
                pending.append((rowID, EventEnvelope(id: eventID, type: type, tenantId: tenant, producer: producer,
                                                     occurredAt: occurredAt, payload: payload), requestID, traceParent))
            }
            var result: [(EventEnvelope, [String])] = []
            for (rowID, event, requestID, traceParent) in pending {
                var queues: [String] = []
                for subscription in subscriptions.subscriptions(for: event.type) {
                    let job = try NewJob(queue: subscription.queue, kind: subscription.kind, arguments: event,
                                         tenantID: event.tenantId, uniqueKey: "event:\(event.id):\(subscription.kind)")
                    // The jobs carry the producer's request id and trace, not the relay's.
                    try await RequestScope.$requestID.withValue(requestID) {
                        try await InstrumentationContext.$current.withValue(TraceContextCarrier.context(traceParent: traceParent)) {
                            _ = try await JobQueue.enqueue(job, on: connection, logger: logger)
                        }
                    }
                    queues.append(subscription.queue)
                }
                try await connection.query("UPDATE platform.outbox SET relayed_at = now() WHERE id = \(rowID)", logger: logger)
                result.append((event, queues))
            }
            return result
        }
        await jobQueue.wake(queues: relayed.flatMap(\.1))
        if let redis {
            for (event, _) in relayed {
                guard let tenant = event.tenantId else { continue }
                let message = (try? String(decoding: EventJSON.encoder.encode(event), as: UTF8.self)) ?? "{}"
                _ = try? await redis.publish(Self.realtimeChannel(tenantID: tenant), message)
            }
        }
        return relayed.count
    }
}

extension Task where Success == Never, Failure == Never {
    /// True once the task is cancelled or the service group began a graceful shutdown.
    static var isCancelledOrShuttingDown: Bool { Task.isCancelled || Task.isShuttingDownGracefully }
}
