import Foundation
import Logging
import OpsideJobs
import OpsidePostgres
import PostgresNIO

/// Sync bookkeeping: connections, schedules, runs and their history. The engine's per-window
/// writes happen inside its load transactions (see `SyncEngine`); everything the API and the
/// scheduler need goes through here.
public protocol SyncRepository: Sendable {
    /// Records (or refreshes) a connection and gives it the default schedules it lacks.
    func upsertConnection(_ connection: SyncConnection) async throws
    func connection(tenantID: UUID, connectionID: UUID) async throws -> SyncConnection?
    /// Starts a run of `dataset` unless one is live; returns the live or new run.
    func requestRun(tenantID: UUID, connectionID: UUID, dataset: SyncDataset, trigger: SyncTrigger, priority: Int) async throws -> SyncRun
    func run(tenantID: UUID, runID: UUID) async throws -> SyncRun?
    /// Newest first.
    func runs(tenantID: UUID, connectionID: UUID, dataset: SyncDataset?, limit: Int) async throws -> [SyncRun]
    func schedules(tenantID: UUID, connectionID: UUID) async throws -> [SyncSchedule]
    func setSchedule(tenantID: UUID, connectionID: UUID, dataset: SyncDataset, intervalSeconds: Int, enabled: Bool,
                     changedBy: String) async throws -> SyncSchedule?
    /// Enqueues a run for every schedule that is due, across tenants; returns how many.
    func enqueueDueSchedules(limit: Int) async throws -> Int
    func quarantine(tenantID: UUID, runID: UUID, limit: Int) async throws -> [QuarantinedLine]
    func discrepancies(tenantID: UUID, connectionID: UUID) async throws -> [InventoryDiscrepancy]
}

public struct SyncPostgresRepository: SyncRepository {
    let database: Database
    let logger: Logger
    let queue: String
    let jobKind: String
    let maxAttempts: Int
    /// How long a sync job's lease lasts without renewal: how soon a killed worker's job is
    /// picked up again.
    let leaseSeconds: Int
    /// A manual trigger within this many seconds of the previous one returns that run.
    let manualCooldownSeconds: Int
    /// Finished runs kept per (connection, dataset); older ones and their quarantine go.
    let runHistoryKept: Int
    public static let defaultRunHistoryKept = 200

    public init(database: Database, logger: Logger, queue: String, jobKind: String, maxAttempts: Int, leaseSeconds: Int = 120,
                manualCooldownSeconds: Int = 60, runHistoryKept: Int = SyncPostgresRepository.defaultRunHistoryKept) {
        self.database = database
        self.logger = logger
        self.manualCooldownSeconds = manualCooldownSeconds
        self.runHistoryKept = max(1, runHistoryKept)
        self.queue = queue
        self.jobKind = jobKind
        self.maxAttempts = maxAttempts
        self.leaseSeconds = leaseSeconds
    }

    static let runColumns = """
        run_id, connection_id, dataset, trigger, state, queued_at, started_at, finished_at, windows_total, windows_done,
        pages_done, rows_done, rows_inserted, rows_updated, rows_quarantined, estimated_finish_at, error_kind, error_message,
        detected_report_type, rows_with_warnings, warnings::text
        """

    static let warningsDecoder = JSONDecoder()

    static func decodeRuns(_ rows: PostgresRowSequence) async throws -> [SyncRun] {
        var runs: [SyncRun] = []
        for try await row in rows {
            let r = try row.decode((UUID, UUID, String, String, String, Date, Date?, Date?, Int32, Int32, Int32, Int64, Int64,
                                    Int64, Int64, Date?, String?, String?, String?, Int64, String).self)
            runs.append(SyncRun(runId: r.0, connectionId: r.1, dataset: r.2, trigger: r.3, state: r.4, queuedAt: r.5, startedAt: r.6,
                                finishedAt: r.7, windowsTotal: Int(r.8), windowsDone: Int(r.9), pagesDone: Int(r.10),
                                rowsDone: Int(r.11), rowsInserted: Int(r.12), rowsUpdated: Int(r.13), rowsQuarantined: Int(r.14),
                                estimatedFinishAt: r.15, errorKind: r.16, errorMessage: r.17, detectedReportType: r.18,
                                rowsWithWarnings: Int(r.19), warnings: try Self.warningsDecoder.decode([RowWarning].self, from: Data(r.20.utf8))))
        }
        return runs
    }

    public func upsertConnection(_ connection: SyncConnection) async throws {
        let logger = self.logger
        try await database.withTransaction(tenant: connection.tenantId) { db in
            try await db.query("""
                INSERT INTO amazon.connections (connection_id, tenant_id, selling_partner_id, region, marketplace_ids, status, status_reason)
                VALUES (\(connection.connectionId), \(connection.tenantId), \(connection.sellingPartnerId), \(connection.region),
                        \(connection.marketplaceIds), \(connection.status), \(connection.statusReason))
                ON CONFLICT (connection_id) DO UPDATE SET
                    selling_partner_id = COALESCE(EXCLUDED.selling_partner_id, connections.selling_partner_id),
                    region = COALESCE(EXCLUDED.region, connections.region),
                    marketplace_ids = CASE WHEN cardinality(EXCLUDED.marketplace_ids) > 0 THEN EXCLUDED.marketplace_ids
                                           ELSE connections.marketplace_ids END,
                    status = EXCLUDED.status, status_reason = EXCLUDED.status_reason, updated_at = now()
                """, logger: logger)
            if connection.status != "import_only" {
                let datasets = SyncDataset.allCases.map(\.rawValue)
                let intervals = SyncDataset.allCases.map { Int32($0.defaultInterval) }
                try await db.query("""
                    INSERT INTO amazon.sync_schedules (tenant_id, connection_id, dataset, interval_seconds, next_run_at, changed_by)
                    SELECT \(connection.tenantId), \(connection.connectionId), d, i, now() + make_interval(secs => i), 'default'
                    FROM unnest(\(datasets)::text[], \(intervals)::integer[]) AS s(d, i)
                    ON CONFLICT (connection_id, dataset) DO NOTHING
                    """, logger: logger)
            }
        }
    }

    public func connection(tenantID: UUID, connectionID: UUID) async throws -> SyncConnection? {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenantID) { db in
            try await Self.connection(connectionID: connectionID, on: db, logger: logger)
        }
    }

    static func connection(connectionID: UUID, on db: PostgresConnection, logger: Logger) async throws -> SyncConnection? {
        let rows = try await db.query("""
            SELECT connection_id, tenant_id, selling_partner_id, region, marketplace_ids, status, status_reason
            FROM amazon.connections WHERE connection_id = \(connectionID)
            """, logger: logger)
        for try await r in rows.decode((UUID, UUID, String?, String?, [String], String, String?).self) {
            return SyncConnection(connectionId: r.0, tenantId: r.1, sellingPartnerId: r.2, region: r.3, marketplaceIds: r.4,
                                  status: r.5, statusReason: r.6)
        }
        return nil
    }

    public func requestRun(tenantID: UUID, connectionID: UUID, dataset: SyncDataset, trigger: SyncTrigger, priority: Int) async throws -> SyncRun {
        let logger = self.logger
        let queue = self.queue, kind = self.jobKind, maxAttempts = self.maxAttempts, lease = self.leaseSeconds
        let cooldown = manualCooldownSeconds, kept = runHistoryKept
        let run = try await database.withTransaction(tenant: tenantID) { db in
            try await Self.requestRun(tenantID: tenantID, connectionID: connectionID, dataset: dataset, trigger: trigger,
                                      priority: priority, queue: queue, kind: kind, maxAttempts: maxAttempts, leaseSeconds: lease,
                                      manualCooldownSeconds: cooldown, runHistoryKept: kept, on: db, logger: logger)
        }
        return run
    }

    /// Inside the caller's transaction: the live run of (connection, dataset), or a new run and
    /// its job. The job's unique key makes a second live job for the pair impossible.
    static func requestRun(tenantID: UUID, connectionID: UUID, dataset: SyncDataset, trigger: SyncTrigger, priority: Int,
                           queue: String, kind: String, maxAttempts: Int, leaseSeconds: Int, manualCooldownSeconds: Int = 0,
                           runHistoryKept: Int = SyncPostgresRepository.defaultRunHistoryKept,
                           on db: PostgresConnection, logger: Logger) async throws -> SyncRun {
        // One request at a time per (connection, dataset) decides whether a run is live.
        try await db.query("SELECT pg_advisory_xact_lock(hashtextextended(\(connectionID.uuidString + dataset.rawValue), 0))", logger: logger)
        let live = try await decodeRuns(try await db.query("""
            SELECT \(unescaped: runColumns) FROM amazon.sync_runs
            WHERE connection_id = \(connectionID) AND dataset = \(dataset.rawValue) AND state = ANY(\(SyncRunState.live))
            ORDER BY queued_at DESC LIMIT 1
            """, logger: logger))
        let uniqueKey = "inventory-sync:\(connectionID.uuidString.lowercased()):\(dataset.rawValue)"
        if let existing = live.first {
            // A live run whose job is gone (discarded after a crash loop, cancelled by an operator)
            // would block its dataset forever: close it and start afresh.
            let jobs = try await db.query("""
                SELECT count(*) FROM platform.jobs
                WHERE unique_key = \(uniqueKey) AND state IN ('available', 'scheduled', 'running', 'retryable')
                """, logger: logger)
            var liveJobs: Int64 = 0
            for try await count in jobs.decode(Int64.self) { liveJobs = count }
            if liveJobs > 0 { return existing }
            try await db.query("""
                UPDATE amazon.sync_runs SET state = 'failed', finished_at = now(), error_kind = 'permanent',
                    error_message = 'abandoned: its job no longer exists'
                WHERE run_id = \(existing.runId)
                """, logger: logger)
        }
        if trigger == .manual, manualCooldownSeconds > 0 {
            // A manual trigger within the cooldown of the last one answers with that run
            // instead of starting another: a button pressed 300 times is one sync.
            let recent = try await decodeRuns(try await db.query("""
                SELECT \(unescaped: runColumns) FROM amazon.sync_runs
                WHERE connection_id = \(connectionID) AND dataset = \(dataset.rawValue) AND trigger = 'manual'
                  AND queued_at > now() - make_interval(secs => \(Double(manualCooldownSeconds)))
                ORDER BY queued_at DESC LIMIT 1
                """, logger: logger))
            if let recent = recent.first { return recent }
        }
        // The history of a (connection, dataset) keeps its newest finished runs, not every run
        // since the connection was made.
        try await db.query("""
            WITH old AS (
                SELECT run_id FROM amazon.sync_runs
                WHERE connection_id = \(connectionID) AND dataset = \(dataset.rawValue) AND NOT (state = ANY(\(SyncRunState.live)))
                ORDER BY queued_at DESC OFFSET \(Int64(runHistoryKept))
            ), gone AS (DELETE FROM amazon.sync_runs WHERE run_id IN (SELECT run_id FROM old) RETURNING run_id)
            DELETE FROM amazon.sync_quarantine WHERE run_id IN (SELECT run_id FROM gone)
            """, logger: logger)
        let runID = UUID()
        let job = try NewJob(queue: queue, kind: kind,
                             arguments: SyncJobArguments(tenantID: tenantID, connectionID: connectionID, dataset: dataset, runID: runID),
                             tenantID: tenantID, priority: priority, maxAttempts: maxAttempts,
                             uniqueKey: uniqueKey, leaseSeconds: leaseSeconds)
        guard try await JobQueue.enqueue(job, on: db, logger: logger) != nil else {
            // The previous run's job is still finishing: that run is the answer.
            let latest = try await decodeRuns(try await db.query("""
                SELECT \(unescaped: runColumns) FROM amazon.sync_runs
                WHERE connection_id = \(connectionID) AND dataset = \(dataset.rawValue) ORDER BY queued_at DESC LIMIT 1
                """, logger: logger))
            return try latest.first.unwrapped()
        }
        return try await decodeRuns(try await db.query("""
            INSERT INTO amazon.sync_runs (run_id, tenant_id, connection_id, dataset, trigger)
            VALUES (\(runID), \(tenantID), \(connectionID), \(dataset.rawValue), \(trigger.rawValue))
            RETURNING \(unescaped: runColumns)
            """, logger: logger)).first.unwrapped()
    }

    public func run(tenantID: UUID, runID: UUID) async throws -> SyncRun? {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenantID) { db in
            try await Self.decodeRuns(try await db.query(
                "SELECT \(unescaped: Self.runColumns) FROM amazon.sync_runs WHERE run_id = \(runID)", logger: logger)).first
        }
    }

    public func runs(tenantID: UUID, connectionID: UUID, dataset: SyncDataset?, limit: Int) async throws -> [SyncRun] {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenantID) { db in
            try await Self.decodeRuns(try await db.query("""
                SELECT \(unescaped: Self.runColumns) FROM amazon.sync_runs
                WHERE connection_id = \(connectionID) AND (\(dataset?.rawValue)::text IS NULL OR dataset = \(dataset?.rawValue))
                ORDER BY queued_at DESC LIMIT \(Int64(limit))
                """, logger: logger))
        }
    }

    public func schedules(tenantID: UUID, connectionID: UUID) async throws -> [SyncSchedule] {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenantID) { db in
            var schedules: [SyncSchedule] = []
            let rows = try await db.query("""
                SELECT connection_id, dataset, interval_seconds, enabled, next_run_at, changed_by FROM amazon.sync_schedules
                WHERE connection_id = \(connectionID) ORDER BY dataset
                """, logger: logger)
            for try await r in rows.decode((UUID, String, Int32, Bool, Date, String?).self) {
                schedules.append(SyncSchedule(connectionId: r.0, dataset: r.1, intervalSeconds: Int(r.2), enabled: r.3, nextRunAt: r.4, changedBy: r.5))
            }
            return schedules
        }
    }

    public func setSchedule(tenantID: UUID, connectionID: UUID, dataset: SyncDataset, intervalSeconds: Int, enabled: Bool,
                            changedBy: String) async throws -> SyncSchedule? {
        let logger = self.logger
        // The controller refuses intervals outside the allowed range; clamping keeps any other
        // caller from trapping the process on a value the column cannot hold.
        let interval = Int32(clamping: intervalSeconds.clamped(to: SyncSchedule.allowedIntervalSeconds))
        return try await database.withTransaction(tenant: tenantID) { db in
            let rows = try await db.query("""
                UPDATE amazon.sync_schedules SET interval_seconds = \(interval), enabled = \(enabled),
                    next_run_at = LEAST(next_run_at, now() + make_interval(secs => \(interval))),
                    changed_by = \(changedBy), updated_at = now()
                WHERE connection_id = \(connectionID) AND dataset = \(dataset.rawValue)
                RETURNING connection_id, dataset, interval_seconds, enabled, next_run_at, changed_by
                """, logger: logger)
            for try await r in rows.decode((UUID, String, Int32, Bool, Date, String?).self) {
                return SyncSchedule(connectionId: r.0, dataset: r.1, intervalSeconds: Int(r.2), enabled: r.3, nextRunAt: r.4, changedBy: r.5)
            }
            return nil
        }
    }

    public func enqueueDueSchedules(limit: Int) async throws -> Int {
        let logger = self.logger
        // The scan reads every tenant's schedules (the `scheduler_scan` policy, this role only);
        // each run is then requested inside its own tenant's transaction.
        let due: [(UUID, UUID, String)] = try await database.withTransaction { db in
            try await db.query("SELECT set_config('opside.scheduler_scan', 'on', true)", logger: logger)
            var due: [(UUID, UUID, String)] = []
            let rows = try await db.query("""
                SELECT s.tenant_id, s.connection_id, s.dataset FROM amazon.sync_schedules s
                WHERE s.enabled AND s.next_run_at <= now() ORDER BY s.next_run_at LIMIT \(Int64(limit))
                """, logger: logger)
            for try await r in rows.decode((UUID, UUID, String).self) { due.append(r) }
            return due
        }
        var enqueued = 0
        let queue = self.queue, kind = self.jobKind, maxAttempts = self.maxAttempts, lease = self.leaseSeconds
        for (tenant, connectionID, datasetName) in due {
            guard let dataset = SyncDataset(rawValue: datasetName) else { continue }
            try await database.withTransaction(tenant: tenant) { db in
                let connection = try await Self.connection(connectionID: connectionID, on: db, logger: logger)
                if connection?.status == "active" {
                    _ = try await Self.requestRun(tenantID: tenant, connectionID: connectionID, dataset: dataset, trigger: .schedule,
                                                  priority: 3, queue: queue, kind: kind, maxAttempts: maxAttempts, leaseSeconds: lease, on: db, logger: logger)
                }
                try await db.query("""
                    UPDATE amazon.sync_schedules SET next_run_at = now() + make_interval(secs => interval_seconds), last_enqueued_at = now()
                    WHERE connection_id = \(connectionID) AND dataset = \(datasetName)
                    """, logger: logger)
            }
            enqueued += 1
        }
        return enqueued
    }

    public func quarantine(tenantID: UUID, runID: UUID, limit: Int) async throws -> [QuarantinedLine] {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenantID) { db in
            var lines: [QuarantinedLine] = []
            let rows = try await db.query("""
                SELECT line_number, reason, raw_line FROM amazon.sync_quarantine WHERE run_id = \(runID)
                ORDER BY line_number LIMIT \(Int64(limit))
                """, logger: logger)
            for try await (line, reason, raw) in rows.decode((Int32, String, String).self) {
                lines.append(QuarantinedLine(lineNumber: Int(line), reason: reason, rawLine: raw))
            }
            return lines
        }
    }

    public func discrepancies(tenantID: UUID, connectionID: UUID) async throws -> [InventoryDiscrepancy] {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenantID) { db in
            var found: [InventoryDiscrepancy] = []
            let rows = try await db.query("""
                SELECT marketplace_id, fnsku, seller_sku, summary_quantity, ledger_quantity, difference
                FROM amazon.inventory_discrepancies WHERE connection_id = \(connectionID) ORDER BY fnsku
                """, logger: logger)
            for try await r in rows.decode((String, String, String?, Int32, Int32, Int32).self) {
                found.append(InventoryDiscrepancy(marketplaceId: r.0, fnsku: r.1, sellerSku: r.2, summaryQuantity: Int(r.3),
                                                  ledgerQuantity: Int(r.4), difference: Int(r.5)))
            }
            return found
        }
    }
}

struct MissingRowError: Error, CustomStringConvertible {
    var description: String { "the database returned no row where one was expected" }
}

extension Comparable {
    func clamped(to range: ClosedRange<Self>) -> Self { min(max(self, range.lowerBound), range.upperBound) }
}

extension Optional {
    func unwrapped() throws -> Wrapped {
        guard let self else { throw MissingRowError() }
        return self
    }
}
