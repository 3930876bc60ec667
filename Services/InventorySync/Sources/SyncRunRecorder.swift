import Foundation
import Logging
import OpsideEvents
import OpsideJobs
import OpsidePostgres

/// A sync run's bookkeeping for the engine, each step in a transaction of its own together with
/// the event it announces: start, where to start from, success, retry, failure. The statements
/// on runs and watermarks are `SyncRunRepository`'s.
struct SyncRunRecorder: Sendable {
    let database: Database
    let outbox: EventOutbox
    let logger: Logger

    /// Marks the run running; nil when it is no longer live (a redelivered job, or cancelled).
    func start(_ arguments: SyncJobArguments) async throws -> SyncRun? {
        let logger = self.logger
        return try await database.withTransaction(tenant: arguments.tenantID) { db in
            try await SyncRunRepository.start(runID: arguments.runID, on: db, logger: logger)
        }
    }

    func watermark(_ arguments: SyncJobArguments) async throws -> SyncWatermark {
        let logger = self.logger
        return try await database.withTransaction(tenant: arguments.tenantID) { db in
            try await SyncRunRepository.watermark(connectionID: arguments.connectionID, dataset: arguments.dataset, on: db, logger: logger)
        }
    }

    /// Whether the run is a backfill while any of `datasets` is still in its first sync for the connection.
    func backfillBehindFirstSyncs(_ arguments: SyncJobArguments, datasets: [SyncDataset]) async throws -> Bool {
        guard !datasets.isEmpty else { return false }
        let logger = self.logger
        return try await database.withTransaction(tenant: arguments.tenantID) { db in
            try await SyncRunRepository.backfillBehindFirstSyncs(runID: arguments.runID, connectionID: arguments.connectionID,
                                                                 datasets: datasets, on: db, logger: logger)
        }
    }

    /// The run succeeded: the watermark moves to `syncedThrough` and `sync.completed` goes out.
    func finish(_ arguments: SyncJobArguments, syncedThrough: Date?, windowsTotal: Int) async throws {
        let logger = self.logger
        let outbox = self.outbox
        try await database.withTransaction(tenant: arguments.tenantID) { db in
            guard let run = try await SyncRunRepository.succeed(arguments, windowsTotal: windowsTotal, syncedThrough: syncedThrough,
                                                                on: db, logger: logger) else { return }
            try await outbox.publish(SyncCompleted(
                connectionId: arguments.connectionID, runId: run.runId, dataset: run.dataset, state: run.state,
                rowsInserted: run.rowsInserted, rowsUpdated: run.rowsUpdated, rowsQuarantined: run.rowsQuarantined),
                tenantId: arguments.tenantID, on: db)
        }
        await outbox.wakeRelay()
    }

    func retrying(_ arguments: SyncJobArguments, message: String) async throws {
        let logger = self.logger
        try await database.withTransaction(tenant: arguments.tenantID) { db in
            try await SyncRunRepository.markRetrying(runID: arguments.runID, message: message, on: db, logger: logger)
        }
    }

    /// A failed dataset: the run says why, an operator-visible `sync.failed` event goes out; an
    /// authorization failure also flags the connection and announces `sync.reauthorization_required`.
    func failure(_ arguments: SyncJobArguments, failure: SyncFailure, originalKind: String) async throws {
        let logger = self.logger
        let outbox = self.outbox
        let state = failure.kind == "authorization" ? "needs_reauthorization" : "failed"
        let message = originalKind == failure.kind ? failure.message : "gave up after repeated \(originalKind) failures: \(failure.message)"
        try await database.withTransaction(tenant: arguments.tenantID) { db in
            // A run that is no longer live (cancelled by a disconnection) keeps its outcome.
            guard try await SyncRunRepository.end(runID: arguments.runID, state: state, errorKind: failure.kind, message: message,
                                                  on: db, logger: logger) else { return }
            if case .authorization = failure {
                try await SyncPostgresRepository.flagNeedsReauthorization(connectionID: arguments.connectionID, reason: message,
                                                                          on: db, logger: logger)
                try await outbox.publish(SyncReauthorizationRequired(
                    connectionId: arguments.connectionID, runId: arguments.runID, dataset: arguments.dataset.rawValue, state: state,
                    errorKind: failure.kind, errorMessage: message), tenantId: arguments.tenantID, on: db)
            } else {
                try await outbox.publish(SyncFailed(
                    connectionId: arguments.connectionID, runId: arguments.runID, dataset: arguments.dataset.rawValue, state: state,
                    errorKind: failure.kind, errorMessage: message), tenantId: arguments.tenantID, on: db)
            }
        }
        await outbox.wakeRelay()
    }
}
