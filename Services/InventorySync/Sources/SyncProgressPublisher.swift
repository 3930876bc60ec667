import Foundation
import Logging
import OpsideJobs
import OpsideRedis

/// Sends a run's progress (`sync.progress`) to its tenant's realtime channel.
struct SyncProgressPublisher: Sendable {
    let redis: RedisClient?
    let logger: Logger

    struct ProgressPayload: Encodable {
        @LowercasedUUID var connectionId: UUID
        @LowercasedUUID var runId: UUID
        let dataset: String
        let windowsDone: Int
        let windowsTotal: Int
        let pagesDone: Int
        let rowsDone: Int
        let startedAt: Date
        let estimatedFinishAt: Date?
    }

    /// Straight to the tenant's realtime channel: progress is too frequent for the outbox and
    /// worthless once stale, so losing one message costs nothing.
    func publish(_ arguments: SyncJobArguments, progress: SyncRunProgress, pagesInWindow: Int) async {
        guard let redis else { return }
        let payload = ProgressPayload(connectionId: arguments.connectionID, runId: arguments.runID, dataset: arguments.dataset.rawValue,
                                      windowsDone: progress.windowsDone, windowsTotal: progress.windowsTotal,
                                      pagesDone: progress.pages + pagesInWindow, rowsDone: progress.rows, startedAt: progress.startedAt,
                                      estimatedFinishAt: progress.estimatedFinish)
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = .sortedKeys
        guard let body = try? encoder.encode(payload) else { return }
        let envelope = EventEnvelope(id: UUID(), type: "sync.progress", tenantId: arguments.tenantID, producer: "inventory-sync",
                                     occurredAt: Date(), payload: String(decoding: body, as: UTF8.self))
        guard let message = try? encoder.encode(envelope) else { return }
        do {
            try await redis.publish(EventRelay.realtimeChannel(tenantID: arguments.tenantID), String(decoding: message, as: UTF8.self))
        } catch {
            logger.debug("progress not published", metadata: ["error": "\(error)"])
        }
    }
}
