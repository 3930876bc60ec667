import Foundation
import Logging
import OpsideEvents
import OpsideJobs
import OpsidePostgres
import PostgresNIO

/// Ends what a run left behind when its owner is gone: an import still `running` past its
/// deadline (the process died, or its transaction hung) becomes `failed`, an upload's temporary
/// file older than the deadline is deleted, and a sync run whose job the queue gave up on (its
/// worker lost on every attempt) fails with `sync.failed`, so no run stays `running` forever.
/// Runs every minute as a cron job; time comes from `now`, which tests move.
public struct RunSweeper: Sendable {
    let database: Database
    let outbox: EventOutbox
    let logger: Logger
    /// Where uploads are stored while they import.
    let importDirectory: String
    /// How long an import may take: an upload file older than this has no import left.
    let deadline: Duration
    let now: @Sendable () -> Date

    /// Upload files are named with this prefix, and nothing else in the folder is touched.
    public static let uploadPrefix = "opside-import-"

    public init(database: Database, outbox: EventOutbox, logger: Logger, importDirectory: String, deadline: Duration,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.database = database
        self.outbox = outbox
        self.logger = logger
        self.importDirectory = importDirectory
        self.deadline = deadline
        self.now = now
    }

    /// Ends abandoned sync runs, then overdue imports and their files.
    /// - Returns: how many import runs were ended and how many files deleted.
    @discardableResult
    public func sweep() async throws -> (runs: Int, files: Int) {
        try await endAbandonedSyncRuns()
        return try await sweepImports()
    }

    /// Fails each sync run whose job is gone and announces it; returns how many.
    @discardableResult
    public func endAbandonedSyncRuns() async throws -> Int {
        let logger = self.logger, outbox = self.outbox
        let abandoned = try await database.withTransaction { db in try await SyncRunRepository.abandoned(on: db, logger: logger) }
        var ended = 0
        for run in abandoned {
            let message = "abandoned: its job ended without finishing the run (the worker was lost on every attempt, or the job was cancelled)"
            let failed = try await database.withTransaction(tenant: run.tenantID) { db in
                guard try await SyncRunRepository.end(runID: run.runID, state: "failed", errorKind: "transient", message: message,
                                                      on: db, logger: logger) else { return false }
                try await outbox.publish(SyncFailed(connectionId: run.connectionID, runId: run.runID, dataset: run.dataset, state: "failed",
                                                    errorKind: "transient", errorMessage: message), tenantId: run.tenantID, on: db)
                return true
            }
            if failed { ended += 1 }
        }
        if ended > 0 {
            logger.warning("failed sync runs whose job was gone", metadata: ["runs": "\(ended)"])
            await outbox.wakeRelay()
        }
        return ended
    }

    private func sweepImports() async throws -> (runs: Int, files: Int) {
        let now = self.now(), logger = self.logger
        let overdue = try await database.withTransaction { db in
            try await SyncRunRepository.overdue(now: now, on: db, logger: logger)
        }
        var ended = 0
        for (tenant, runs) in Dictionary(grouping: overdue, by: \.tenantID) {
            let ids = runs.map(\.runID)
            ended += try await database.withTransaction(tenant: tenant) { db in
                try await SyncRunRepository.failOverdue(runIDs: ids, now: now, on: db, logger: logger)
            }
        }
        let files = removeStaleUploads(now: now)
        if ended > 0 || files > 0 {
            logger.warning("swept abandoned imports", metadata: ["runs": "\(ended)", "files": "\(files)"])
        }
        return (ended, files)
    }

    /// Deletes upload files last written before `now - deadline`.
    private func removeStaleUploads(now: Date) -> Int {
        let manager = FileManager.default
        let cutoff = now.addingTimeInterval(-Double(deadline.components.seconds))
        guard let names = try? manager.contentsOfDirectory(atPath: importDirectory) else { return 0 }
        var removed = 0
        for name in names where name.hasPrefix(Self.uploadPrefix) {
            let path = (importDirectory as NSString).appendingPathComponent(name)
            guard let written = (try? manager.attributesOfItem(atPath: path))?[.modificationDate] as? Date, written < cutoff else { continue }
            do {
                try manager.removeItem(atPath: path)
                removed += 1
            } catch {
                logger.warning("cannot delete an abandoned upload", metadata: ["path": "\(path)", "error": "\(error)"])
            }
        }
        return removed
    }
}
