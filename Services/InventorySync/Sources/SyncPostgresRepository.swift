import Foundation
import Logging
import OpsideJobs
import OpsidePostgres
import PostgresNIO

/// `SyncRepository` on PostgreSQL, every statement under the tenant's row-level security
/// (the scheduler's cross-tenant scan aside, by its own policy).
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
    /// The clock schedules fall due by (tests move it to a Tuesday morning).
    let now: @Sendable () -> Date
    /// How long after a connection is first recorded its calendar datasets first sync (they are
    /// not in the connection's backfill: see `SyncDataset.backfilledOnConnect`).
    let calendarFirstRunDelay: TimeInterval

    public init(database: Database, logger: Logger, queue: String, jobKind: String, maxAttempts: Int, leaseSeconds: Int = 120,
                manualCooldownSeconds: Int = 60, runHistoryKept: Int = SyncPostgresRepository.defaultRunHistoryKept,
                calendarFirstRunDelay: TimeInterval = 1200, now: @escaping @Sendable () -> Date = Date.init) {
        self.now = now
        self.calendarFirstRunDelay = max(0, calendarFirstRunDelay)
        self.database = database
        self.logger = logger
        self.manualCooldownSeconds = manualCooldownSeconds
        self.runHistoryKept = max(1, runHistoryKept)
        self.queue = queue
        self.jobKind = jobKind
        self.maxAttempts = maxAttempts
        self.leaseSeconds = leaseSeconds
    }

    @discardableResult
    public func upsertConnection(_ connection: SyncConnection, changedAt: Date?) async throws -> Bool {
        let logger = self.logger
        let now = self.now()
        return try await database.withTransaction(tenant: connection.tenantId) { db in
            let applied = try await db.query("""
                INSERT INTO amazon.connections (connection_id, tenant_id, selling_partner_id, region, marketplace_ids, status, status_reason,
                                                status_changed_at)
                VALUES (\(connection.connectionId), \(connection.tenantId), \(connection.sellingPartnerId), \(connection.region),
                        \(connection.marketplaceIds), \(connection.status), \(connection.statusReason), \(changedAt))
                ON CONFLICT (connection_id) DO UPDATE SET
                    selling_partner_id = COALESCE(EXCLUDED.selling_partner_id, connections.selling_partner_id),
                    region = COALESCE(EXCLUDED.region, connections.region),
                    marketplace_ids = CASE WHEN cardinality(EXCLUDED.marketplace_ids) > 0 THEN EXCLUDED.marketplace_ids
                                           ELSE connections.marketplace_ids END,
                    status = EXCLUDED.status, status_reason = EXCLUDED.status_reason,
                    status_changed_at = COALESCE(EXCLUDED.status_changed_at, connections.status_changed_at), updated_at = now()
                WHERE EXCLUDED.status_changed_at IS NULL OR connections.status_changed_at IS NULL
                   OR connections.status_changed_at <= EXCLUDED.status_changed_at
                RETURNING connection_id
                """, logger: logger)
            var changed = false
            for try await _ in applied.decode(UUID.self) { changed = true }
            guard changed else { return false }
            if connection.status != SyncConnectionStatus.importOnly.rawValue {
                let scheduled = SyncDataset.scheduledWithConnection
                let datasets = scheduled.map(\.rawValue)
                let intervals = scheduled.map { Int32($0.defaultInterval) }
                // The interval datasets are backfilled now, so their schedules start at the connection's
                // slot about one interval on; the calendar datasets' first run is their backfill,
                // once the claim datasets had the quota.
                let firstRuns = scheduled.map { dataset in
                    dataset.backfilledOnConnect
                        ? dataset.nextScheduledRun(after: now, intervalSeconds: Int(dataset.defaultInterval), connection: connection.connectionId)
                        : now.addingTimeInterval(calendarFirstRunDelay)
                }
                try await db.query("""
                    INSERT INTO amazon.sync_schedules (tenant_id, connection_id, dataset, interval_seconds, next_run_at, changed_by)
                    SELECT \(connection.tenantId), \(connection.connectionId), d, i, n, 'default'
                    FROM unnest(\(datasets)::text[], \(intervals)::integer[], \(firstRuns)::timestamptz[]) AS s(d, i, n)
                    ON CONFLICT (connection_id, dataset) DO NOTHING
                    """, logger: logger)
            }
            if connection.status == SyncConnectionStatus.active.rawValue {
                // Back from a disconnection: the schedules run again, from their next due time
                // (a calendar dataset's next time on its calendar, an interval dataset's next slot).
                var paused: [(String, Int32, Date)] = []
                for try await row in try await db.query("""
                    SELECT dataset, interval_seconds, next_run_at FROM amazon.sync_schedules
                    WHERE connection_id = \(connection.connectionId) AND paused_at IS NOT NULL
                    """, logger: logger).decode((String, Int32, Date).self) { paused.append(row) }
                for (name, interval, due) in paused {
                    guard let dataset = SyncDataset(rawValue: name) else { continue }
                    let slot = dataset.nextScheduledRun(after: now, intervalSeconds: Int(interval), connection: connection.connectionId)
                    // A run already due later than the slot (it ran just before the disconnection) keeps its time.
                    let next = dataset.calendar == nil ? max(due, slot) : slot
                    try await db.query("""
                        UPDATE amazon.sync_schedules SET paused_at = NULL, next_run_at = \(next)
                        WHERE connection_id = \(connection.connectionId) AND dataset = \(name)
                        """, logger: logger)
                }
            }
            return true
        }
    }

    public func stopSyncing(tenantID: UUID, connectionID: UUID, sellingPartnerId: String?, region: String?, reason: String,
                            changedAt: Date) async throws -> StoppedSyncing? {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenantID) { db -> StoppedSyncing? in
            // Known or not (the `amazon.connected` may not have been handled yet), the connection
            // is recorded disconnected, so an older connection event handled later cannot revive it.
            let applied = try await db.query("""
                INSERT INTO amazon.connections (connection_id, tenant_id, selling_partner_id, region, status, status_reason, status_changed_at)
                VALUES (\(connectionID), \(tenantID), \(sellingPartnerId), \(region), 'disconnected', \(reason), \(changedAt))
                ON CONFLICT (connection_id) DO UPDATE SET status = 'disconnected', status_reason = EXCLUDED.status_reason,
                    status_changed_at = EXCLUDED.status_changed_at, updated_at = now()
                WHERE connections.status <> 'import_only'
                  AND (connections.status_changed_at IS NULL OR connections.status_changed_at <= EXCLUDED.status_changed_at)
                RETURNING connection_id
                """, logger: logger)
            var changed = false
            for try await _ in applied.decode(UUID.self) { changed = true }
            guard changed else { return nil }
            try await db.query("""
                UPDATE amazon.sync_schedules SET paused_at = COALESCE(paused_at, now()) WHERE connection_id = \(connectionID)
                """, logger: logger)
            let cancelled = try await SyncRunRepository.cancelLive(connectionID: connectionID, reason: reason, on: db, logger: logger)
            let runs = cancelled.map(\.runID)
            let keys = cancelled.map { Self.jobKey(connectionID: connectionID, dataset: $0.dataset) }
            var jobs: [Int64] = []
            if !keys.isEmpty {
                let live = try await db.query("""
                    SELECT id FROM platform.jobs
                    WHERE unique_key = ANY(\(keys)) AND state IN ('available', 'scheduled', 'running', 'retryable')
                    """, logger: logger)
                for try await id in live.decode(Int64.self) { jobs.append(id) }
            }
            return StoppedSyncing(cancelledRuns: runs, jobs: jobs)
        }
    }

    /// Flags a connection Amazon refused (a run's authorization failure), unless it is
    /// disconnected or import-only, inside the caller's transaction.
    static func flagNeedsReauthorization(connectionID: UUID, reason: String, on db: PostgresConnection, logger: Logger) async throws {
        try await db.query("""
            UPDATE amazon.connections SET status = 'needs_reauthorization', status_reason = \(reason), updated_at = now()
            WHERE connection_id = \(connectionID) AND status IN ('active', 'needs_reauthorization')
            """, logger: logger)
    }

    /// The unique key of a dataset's sync job: one live job per (connection, dataset).
    /// (`SyncRunRepository.abandoned` spells the same key in SQL.)
    static func jobKey(connectionID: UUID, dataset: String) -> String {
        "inventory-sync:\(connectionID.uuidString.lowercased()):\(dataset)"
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
        // Read first, under a share lock: a disconnection committing meanwhile waits for this
        // transaction (and then cancels the run it made), or this one sees it and refuses.
        let status = try await db.query("""
            SELECT status FROM amazon.connections WHERE connection_id = \(connectionID) FOR SHARE
            """, logger: logger)
        for try await current in status.decode(String.self) where current == SyncConnectionStatus.disconnected.rawValue {
            throw ConnectionDisconnectedError(connectionID: connectionID)
        }
        return try await SyncRunRepository.request(tenantID: tenantID, connectionID: connectionID, dataset: dataset, trigger: trigger,
                                                   priority: priority, queue: queue, kind: kind, maxAttempts: maxAttempts,
                                                   leaseSeconds: leaseSeconds, manualCooldownSeconds: manualCooldownSeconds,
                                                   runHistoryKept: runHistoryKept, on: db, logger: logger)
    }

    public func run(tenantID: UUID, runID: UUID) async throws -> SyncRun? {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenantID) { db in
            try await SyncRunRepository.run(runID: runID, on: db, logger: logger)
        }
    }

    public func runs(tenantID: UUID, connectionID: UUID, dataset: SyncDataset?, limit: Int) async throws -> [SyncRun] {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenantID) { db in
            try await SyncRunRepository.runs(connectionID: connectionID, dataset: dataset, limit: limit, on: db, logger: logger)
        }
    }

    public func claimCoverage(tenantID: UUID, connectionID: UUID) async throws -> [ClaimCoverage.State] {
        let logger = self.logger
        let synced = try await database.withTransaction(tenant: tenantID) { db in
            try await SyncRunRepository.firstSynced(connectionID: connectionID, on: db, logger: logger)
        }
        return ClaimCoverage.states(firstSynced: synced)
    }

    public func schedules(tenantID: UUID, connectionID: UUID) async throws -> [SyncSchedule] {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenantID) { db in
            var schedules: [SyncSchedule] = []
            let rows = try await db.query("""
                SELECT connection_id, dataset, interval_seconds, enabled, next_run_at, changed_by, paused_at FROM amazon.sync_schedules
                WHERE connection_id = \(connectionID) ORDER BY dataset
                """, logger: logger)
            for try await r in rows.decode((UUID, String, Int32, Bool, Date, String?, Date?).self) {
                schedules.append(SyncSchedule(connectionId: r.0, dataset: r.1, intervalSeconds: Int(r.2), enabled: r.3, nextRunAt: r.4, changedBy: r.5,
                                             pausedAt: r.6, runsAt: SyncDataset(rawValue: r.1)?.runsAt))
            }
            return schedules
        }
    }

    public func setSchedule(tenantID: UUID, connectionID: UUID, dataset: SyncDataset, intervalSeconds: Int, enabled: Bool,
                            changedBy: String) async throws -> SyncSchedule? {
        let logger = self.logger
        // The controller refuses intervals outside the allowed range; clamping keeps any other
        // caller from trapping the process on a value the column cannot hold.
        // A calendar dataset keeps its period and its times: only its switch is the seller's.
        let interval = dataset.calendar == nil ? Int32(clamping: intervalSeconds.clamped(to: SyncSchedule.allowedIntervalSeconds))
            : Int32(dataset.defaultInterval)
        let now = self.now()
        // A shorter interval brings the next run forward to the connection's slot of it; a longer
        // one keeps the run already due.
        let slot = dataset.nextScheduledRun(after: now, intervalSeconds: Int(interval), connection: connectionID)
        let calendarNext = dataset.calendar == nil ? nil : slot
        return try await database.withTransaction(tenant: tenantID) { db in
            let rows = try await db.query("""
                UPDATE amazon.sync_schedules SET interval_seconds = \(interval), enabled = \(enabled),
                    next_run_at = COALESCE(\(calendarNext), LEAST(next_run_at, \(slot))),
                    changed_by = \(changedBy), updated_at = now()
                WHERE connection_id = \(connectionID) AND dataset = \(dataset.rawValue)
                RETURNING connection_id, dataset, interval_seconds, enabled, next_run_at, changed_by, paused_at
                """, logger: logger)
            for try await r in rows.decode((UUID, String, Int32, Bool, Date, String?, Date?).self) {
                return SyncSchedule(connectionId: r.0, dataset: r.1, intervalSeconds: Int(r.2), enabled: r.3, nextRunAt: r.4, changedBy: r.5,
                                    pausedAt: r.6, runsAt: dataset.runsAt)
            }
            return nil
        }
    }

    public func backfill(tenantID: UUID, connectionID: UUID, dataset: SyncDataset, from: Date) async throws -> SyncRun {
        let logger = self.logger
        let queue = self.queue, kind = self.jobKind, maxAttempts = self.maxAttempts, lease = self.leaseSeconds, kept = runHistoryKept
        return try await database.withTransaction(tenant: tenantID) { db in
            // The same lock a run request takes: no run can start between this check and the request below.
            try await db.query("SELECT pg_advisory_xact_lock(hashtextextended(\(connectionID.uuidString + dataset.rawValue), 0))", logger: logger)
            let live = try await SyncRunRepository.decodeRuns(try await db.query("""
                SELECT \(unescaped: SyncRunRepository.runColumns) FROM amazon.sync_runs
                WHERE connection_id = \(connectionID) AND dataset = \(dataset.rawValue) AND trigger <> 'import'
                  AND state = ANY(\(SyncRunState.live))
                ORDER BY queued_at DESC LIMIT 1
                """, logger: logger))
            if let running = live.first { throw SyncBackfillError(run: running) }
            try await db.query("""
                INSERT INTO amazon.sync_watermarks (tenant_id, connection_id, dataset, synced_through)
                VALUES (\(tenantID), \(connectionID), \(dataset.rawValue), \(from))
                ON CONFLICT (connection_id, dataset) DO UPDATE SET
                    synced_through = LEAST(COALESCE(sync_watermarks.synced_through, EXCLUDED.synced_through), EXCLUDED.synced_through),
                    resume_run_id = NULL, resume_from = NULL, updated_at = now()
                """, logger: logger)
            return try await Self.requestRun(tenantID: tenantID, connectionID: connectionID, dataset: dataset, trigger: .backfill, priority: 2,
                                             queue: queue, kind: kind, maxAttempts: maxAttempts, leaseSeconds: lease, runHistoryKept: kept,
                                             on: db, logger: logger)
        }
    }

    public func startAdsSpend(tenantID: UUID, connectionID: UUID) async throws -> SyncRun {
        let logger = self.logger
        let queue = self.queue, kind = self.jobKind, maxAttempts = self.maxAttempts, lease = self.leaseSeconds
        let dataset = SyncDataset.adsSpend
        let now = self.now()
        return try await database.withTransaction(tenant: tenantID) { db in
            // Requested first: it refuses a disconnected connection before a schedule is made.
            let run = try await Self.requestRun(tenantID: tenantID, connectionID: connectionID, dataset: dataset, trigger: .backfill,
                                                priority: 2, queue: queue, kind: kind, maxAttempts: maxAttempts, leaseSeconds: lease,
                                                on: db, logger: logger)
            try await db.query("""
                INSERT INTO amazon.sync_schedules (tenant_id, connection_id, dataset, interval_seconds, next_run_at, changed_by)
                VALUES (\(tenantID), \(connectionID), \(dataset.rawValue), \(Int32(dataset.defaultInterval)),
                        \(dataset.nextScheduledRun(after: now, intervalSeconds: Int(dataset.defaultInterval), connection: connectionID)), 'default')
                ON CONFLICT (connection_id, dataset) DO UPDATE SET paused_at = NULL
                """, logger: logger)
            return run
        }
    }

    public func stopAdsSpend(tenantID: UUID, connectionID: UUID) async throws {
        let logger = self.logger
        try await database.withTransaction(tenant: tenantID) { db in
            try await db.query("""
                DELETE FROM amazon.sync_schedules WHERE connection_id = \(connectionID) AND dataset = \(SyncDataset.adsSpend.rawValue)
                """, logger: logger)
        }
    }

    public func enqueueDueSchedules(limit: Int) async throws -> Int {
        let logger = self.logger
        let now = self.now()
        // The scan reads every tenant's schedules (the `scheduler_scan` policy, this role only);
        // each run is then requested inside its own tenant's transaction.
        let due: [(UUID, UUID, String, Int32)] = try await database.withTransaction { db in
            try await db.query("SELECT set_config('opside.scheduler_scan', 'on', true)", logger: logger)
            var due: [(UUID, UUID, String, Int32)] = []
            let rows = try await db.query("""
                SELECT s.tenant_id, s.connection_id, s.dataset, s.interval_seconds FROM amazon.sync_schedules s
                WHERE s.enabled AND s.paused_at IS NULL AND s.next_run_at <= \(now) ORDER BY s.next_run_at LIMIT \(Int64(limit))
                """, logger: logger)
            for try await r in rows.decode((UUID, UUID, String, Int32).self) { due.append(r) }
            return due
        }
        var enqueued = 0
        let queue = self.queue, kind = self.jobKind, maxAttempts = self.maxAttempts, lease = self.leaseSeconds
        for (tenant, connectionID, datasetName, interval) in due {
            guard let dataset = SyncDataset(rawValue: datasetName) else { continue }
            let next = dataset.nextScheduledRun(after: now, intervalSeconds: Int(interval), connection: connectionID)
            let requested = try await database.withTransaction(tenant: tenant) { db -> Bool in
                let connection = try await Self.connection(connectionID: connectionID, on: db, logger: logger)
                let active = connection?.status == SyncConnectionStatus.active.rawValue
                if active {
                    _ = try await Self.requestRun(tenantID: tenant, connectionID: connectionID, dataset: dataset, trigger: .schedule,
                                                  priority: 3, queue: queue, kind: kind, maxAttempts: maxAttempts, leaseSeconds: lease, on: db, logger: logger)
                }
                try await db.query("""
                    UPDATE amazon.sync_schedules
                    SET next_run_at = \(next), last_enqueued_at = \(now)
                    WHERE connection_id = \(connectionID) AND dataset = \(datasetName)
                    """, logger: logger)
                return active
            }
            if requested { enqueued += 1 }
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
