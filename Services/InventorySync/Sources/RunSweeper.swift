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
        let overdue: [(UUID, UUID)] = try await database.withTransaction { db in
            try await db.query("SELECT set_config('opside.run_sweep', 'on', true)", logger: logger)
            let rows = try await db.query("""
                SELECT tenant_id, run_id FROM amazon.sync_runs
                WHERE state IN ('queued', 'running', 'retrying') AND deadline_at < \(now)
                ORDER BY deadline_at LIMIT 1000
                """, logger: logger)
            var found: [(UUID, UUID)] = []
            for try await row in rows.decode((UUID, UUID).self) { found.append(row) }
            return found
        }
        var ended = 0
        for (tenant, runs) in Dictionary(grouping: overdue, by: \.0) {
            let ids = runs.map(\.1)
            ended += try await database.withTransaction(tenant: tenant) { db in
                let result = try await db.query("""
                    UPDATE amazon.sync_runs SET state = 'failed', finished_at = \(now), error_kind = 'transient',
                        error_message = 'interrupted: the import did not finish by its deadline (its process ended or its transaction hung); nothing of it was loaded'
                    WHERE run_id = ANY(\(ids)) AND state IN ('queued', 'running', 'retrying') AND deadline_at < \(now)
                    RETURNING run_id
                    """, logger: logger)
                var count = 0
                for try await _ in result.decode(UUID.self) { count += 1 }
                return count
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
