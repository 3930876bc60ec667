import Foundation
import Logging
import OpsidePostgres
import PostgresNIO

/// Ends what an import left behind when its owner is gone: a run still `running` past its
/// deadline (the process died, or its transaction hung) becomes `failed`, and an upload's
/// temporary file older than the deadline is deleted. Runs every minute as a cron job; time
/// comes from `now`, which tests move.
public struct RunSweeper: Sendable {
    let database: Database
    let logger: Logger
    /// Where uploads are stored while they import.
    let importDirectory: String
    /// How long an import may take: an upload file older than this has no import left.
    let deadline: Duration
    let now: @Sendable () -> Date

    /// Upload files are named with this prefix, and nothing else in the folder is touched.
    public static let uploadPrefix = "opside-import-"

    public init(database: Database, logger: Logger, importDirectory: String, deadline: Duration,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.database = database
        self.logger = logger
        self.importDirectory = importDirectory
        self.deadline = deadline
        self.now = now
    }

    /// - Returns: how many runs were ended and how many files deleted.
    @discardableResult
    public func sweep() async throws -> (runs: Int, files: Int) {
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
