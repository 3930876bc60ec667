import Foundation
import Logging
import OpsideJobs
import PostgresNIO

/// The one owner of `amazon.sync_runs` and `amazon.sync_watermarks`: every statement on them is
/// here, and nowhere else. Each runs inside the caller's transaction (a window's progress commits
/// with its rows, a run's request with its job), so callers compose them; none opens one itself.
enum SyncRunRepository {
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

    // MARK: Requests (API, scheduler, connection events)

    /// The live run of (connection, dataset), or a new run and its job. The job's unique key
    /// makes a second live job for the pair impossible.
    static func request(tenantID: UUID, connectionID: UUID, dataset: SyncDataset, trigger: SyncTrigger, priority: Int,
                        queue: String, kind: String, maxAttempts: Int, leaseSeconds: Int, manualCooldownSeconds: Int,
                        runHistoryKept: Int, on db: PostgresConnection, logger: Logger) async throws -> SyncRun {
        // One request at a time per (connection, dataset) decides whether a run is live.
        try await db.query("SELECT pg_advisory_xact_lock(hashtextextended(\(connectionID.uuidString + dataset.rawValue), 0))", logger: logger)
        // An import loading a file of this dataset (a settlement file beside the finance sync)
        // is no sync run: it has no job, and must be neither joined nor closed as abandoned.
        let live = try await decodeRuns(try await db.query("""
            SELECT \(unescaped: runColumns) FROM amazon.sync_runs
            WHERE connection_id = \(connectionID) AND dataset = \(dataset.rawValue) AND trigger <> 'import'
              AND state = ANY(\(SyncRunState.live))
            ORDER BY queued_at DESC LIMIT 1
            """, logger: logger))
        let uniqueKey = SyncPostgresRepository.jobKey(connectionID: connectionID, dataset: dataset.rawValue)
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

    static func run(runID: UUID, on db: PostgresConnection, logger: Logger) async throws -> SyncRun? {
        try await decodeRuns(try await db.query(
            "SELECT \(unescaped: runColumns) FROM amazon.sync_runs WHERE run_id = \(runID)", logger: logger)).first
    }

    /// Newest first.
    static func runs(connectionID: UUID, dataset: SyncDataset?, limit: Int, on db: PostgresConnection, logger: Logger) async throws -> [SyncRun] {
        try await decodeRuns(try await db.query("""
            SELECT \(unescaped: runColumns) FROM amazon.sync_runs
            WHERE connection_id = \(connectionID) AND (\(dataset?.rawValue)::text IS NULL OR dataset = \(dataset?.rawValue))
            ORDER BY queued_at DESC LIMIT \(Int64(limit))
            """, logger: logger))
    }

    /// Ends the connection's live runs (imports aside) `cancelled` with `reason`.
    /// - Returns: the runs cancelled and their datasets.
    static func cancelLive(connectionID: UUID, reason: String, on db: PostgresConnection,
                           logger: Logger) async throws -> [(runID: UUID, dataset: String)] {
        let rows = try await db.query("""
            UPDATE amazon.sync_runs SET state = 'cancelled', finished_at = now(), estimated_finish_at = NULL,
                error_kind = 'disconnected', error_message = \(reason)
            WHERE connection_id = \(connectionID) AND trigger <> 'import' AND state = ANY(\(SyncRunState.live))
            RETURNING run_id, dataset
            """, logger: logger)
        var cancelled: [(runID: UUID, dataset: String)] = []
        for try await (run, dataset) in rows.decode((UUID, String).self) { cancelled.append((run, dataset)) }
        return cancelled
    }

    // MARK: A sync run's life (the engine)

    /// Marks the run running; nil when it is no longer live (a redelivered job, or cancelled).
    static func start(runID: UUID, on db: PostgresConnection, logger: Logger) async throws -> SyncRun? {
        try await decodeRuns(try await db.query("""
            UPDATE amazon.sync_runs SET state = 'running', started_at = coalesce(started_at, now()), attempts = attempts + 1,
                error_kind = NULL, error_message = NULL
            WHERE run_id = \(runID) AND state IN ('queued', 'running', 'retrying')
            RETURNING \(unescaped: runColumns)
            """, logger: logger)).first
    }

    static func watermark(connectionID: UUID, dataset: SyncDataset, on db: PostgresConnection, logger: Logger) async throws -> SyncWatermark {
        let rows = try await db.query("""
            SELECT synced_through, resume_run_id, resume_from FROM amazon.sync_watermarks
            WHERE connection_id = \(connectionID) AND dataset = \(dataset.rawValue)
            """, logger: logger)
        for try await (through, run, from) in rows.decode((Date?, UUID?, Date?).self) {
            return SyncWatermark(syncedThrough: through, resumeRunID: run, resumeFrom: from)
        }
        return SyncWatermark(syncedThrough: nil, resumeRunID: nil, resumeFrom: nil)
    }

    /// When each dataset of the connection first finished syncing.
    static func firstSynced(connectionID: UUID, on db: PostgresConnection, logger: Logger) async throws -> [SyncDataset: Date] {
        let rows = try await db.query("""
            SELECT dataset, first_synced_at FROM amazon.sync_watermarks
            WHERE connection_id = \(connectionID) AND first_synced_at IS NOT NULL
            """, logger: logger)
        var synced: [SyncDataset: Date] = [:]
        for try await (name, at) in rows.decode((String, Date).self) {
            if let dataset = SyncDataset(rawValue: name) { synced[dataset] = at }
        }
        return synced
    }

    /// Whether `runID` belongs to a backfill while any of `datasets` is still in its first sync
    /// for the connection: queued or running (a retrying one is failing and not waited for), and
    /// nothing synced yet.
    static func backfillBehindFirstSyncs(runID: UUID, connectionID: UUID, datasets: [SyncDataset], on db: PostgresConnection,
                                         logger: Logger) async throws -> Bool {
        let rows = try await db.query("""
            SELECT EXISTS (SELECT 1 FROM amazon.sync_runs me WHERE me.run_id = \(runID) AND me.trigger = 'backfill')
               AND EXISTS (
                SELECT 1 FROM amazon.sync_runs r
                WHERE r.connection_id = \(connectionID) AND r.dataset = ANY(\(datasets.map(\.rawValue)))
                  AND r.state IN ('queued', 'running')
                  AND NOT EXISTS (SELECT 1 FROM amazon.sync_watermarks w
                                  WHERE w.connection_id = r.connection_id AND w.dataset = r.dataset AND w.synced_through IS NOT NULL))
            """, logger: logger)
        for try await live in rows.decode(Bool.self) { return live }
        return false
    }

    /// A committed window: the run's progress and the resume point (`resumeFrom`, the window's end).
    static func recordWindow(_ arguments: SyncJobArguments, resumeFrom: Date?, pages: Int, counts: MergeCounts, estimatedFinish: Date?,
                             warningsJSON: String, on db: PostgresConnection, logger: Logger) async throws {
        try await db.query("""
            UPDATE amazon.sync_runs SET windows_done = windows_done + 1, pages_done = pages_done + \(Int32(clamping: pages)),
                rows_done = rows_done + \(Int64(counts.staged)), rows_inserted = rows_inserted + \(Int64(counts.inserted)),
                rows_updated = rows_updated + \(Int64(counts.updated)), rows_quarantined = rows_quarantined + \(Int64(counts.quarantined)),
                rows_with_warnings = rows_with_warnings + \(Int64(counts.warned)),
                warnings = CASE WHEN jsonb_array_length(warnings) < 100 THEN warnings || \(warningsJSON)::jsonb ELSE warnings END,
                estimated_finish_at = \(estimatedFinish)
            WHERE run_id = \(arguments.runID)
            """, logger: logger)
        try await db.query("""
            INSERT INTO amazon.sync_watermarks (tenant_id, connection_id, dataset, resume_run_id, resume_from)
            VALUES (\(arguments.tenantID), \(arguments.connectionID), \(arguments.dataset.rawValue), \(arguments.runID), \(resumeFrom))
            ON CONFLICT (connection_id, dataset) DO UPDATE SET resume_run_id = EXCLUDED.resume_run_id,
                resume_from = EXCLUDED.resume_from, updated_at = now()
            """, logger: logger)
    }

    /// The run succeeded and the dataset is synced through `syncedThrough`. Only a run still
    /// running succeeds: one cancelled meanwhile stays cancelled (its committed windows stay merged).
    /// - Returns: the finished run, or nil when it was no longer running.
    static func succeed(_ arguments: SyncJobArguments, windowsTotal: Int, syncedThrough: Date?, on db: PostgresConnection,
                        logger: Logger) async throws -> SyncRun? {
        let runs = try await decodeRuns(try await db.query("""
            UPDATE amazon.sync_runs SET state = 'succeeded', finished_at = now(), windows_total = \(Int32(clamping: windowsTotal)),
                windows_done = \(Int32(clamping: windowsTotal)), estimated_finish_at = NULL
            WHERE run_id = \(arguments.runID) AND state = 'running'
            RETURNING \(unescaped: runColumns)
            """, logger: logger))
        guard let run = runs.first else { return nil }
        try await db.query("""
            INSERT INTO amazon.sync_watermarks (tenant_id, connection_id, dataset, synced_through, first_synced_at)
            VALUES (\(arguments.tenantID), \(arguments.connectionID), \(arguments.dataset.rawValue), \(syncedThrough), now())
            ON CONFLICT (connection_id, dataset) DO UPDATE SET synced_through = EXCLUDED.synced_through,
                resume_run_id = NULL, resume_from = NULL, updated_at = now(),
                first_synced_at = coalesce(sync_watermarks.first_synced_at, now())
            """, logger: logger)
        return run
    }

    static func markRetrying(runID: UUID, message: String, on db: PostgresConnection, logger: Logger) async throws {
        try await db.query("""
            UPDATE amazon.sync_runs SET state = 'retrying', error_kind = 'transient', error_message = \(message)
            WHERE run_id = \(runID) AND state IN ('queued', 'running', 'retrying')
            """, logger: logger)
    }

    /// Ends a live run in `state` with the error; false when it was no longer live (it keeps its outcome).
    static func end(runID: UUID, state: String, errorKind: String, message: String, on db: PostgresConnection,
                    logger: Logger) async throws -> Bool {
        let ended = try await db.query("""
            UPDATE amazon.sync_runs SET state = \(state), finished_at = now(), error_kind = \(errorKind), error_message = \(message)
            WHERE run_id = \(runID) AND state = ANY(\(SyncRunState.live))
            RETURNING run_id
            """, logger: logger)
        for try await _ in ended.decode(UUID.self) { return true }
        return false
    }

    // MARK: Imports

    /// The tenant's imports running within their deadline.
    static func importsInFlight(on db: PostgresConnection, logger: Logger) async throws -> Int {
        let live = try await db.query("""
            SELECT count(*) FROM amazon.sync_runs WHERE trigger = 'import' AND state = 'running' AND deadline_at > now()
            """, logger: logger)
        for try await count in live.decode(Int64.self) { return Int(count) }
        return 0
    }

    /// Records an import's run, running from now until `deadlineSeconds` from now.
    static func startImport(runID: UUID, tenantID: UUID, connectionID: UUID, mapping: ReportMapping, sourceName: String?,
                            deadlineSeconds: Double, on db: PostgresConnection, logger: Logger) async throws -> SyncRun {
        try await decodeRuns(try await db.query("""
            INSERT INTO amazon.sync_runs (run_id, tenant_id, connection_id, dataset, trigger, state, started_at, source_name, deadline_at,
                                          detected_report_type, windows_total)
            VALUES (\(runID), \(tenantID), \(connectionID), \(mapping.dataset.rawValue), 'import', 'running', now(), \(sourceName),
                    now() + make_interval(secs => \(deadlineSeconds)), \(mapping.reportType), 1)
            RETURNING \(unescaped: runColumns)
            """, logger: logger)).first.unwrapped()
    }

    static func recordImportProgress(runID: UUID, rows: Int, on db: PostgresConnection, logger: Logger) async throws {
        try await db.query("UPDATE amazon.sync_runs SET rows_done = \(Int64(rows)) WHERE run_id = \(runID) AND state = 'running'",
                           logger: logger)
    }

    static func succeedImport(runID: UUID, mapping: ReportMapping, counts: MergeCounts, warningsJSON: String,
                              on db: PostgresConnection, logger: Logger) async throws {
        try await db.query("""
            UPDATE amazon.sync_runs SET state = 'succeeded', dataset = \(mapping.dataset.rawValue), finished_at = clock_timestamp(),
                windows_total = 1, windows_done = 1, pages_done = 1, rows_done = \(Int64(counts.staged)),
                rows_inserted = \(Int64(counts.inserted)), rows_updated = \(Int64(counts.updated)),
                rows_quarantined = \(Int64(counts.quarantined)), detected_report_type = \(mapping.reportType),
                rows_with_warnings = \(Int64(counts.warned)), warnings = \(warningsJSON)::jsonb
            WHERE run_id = \(runID)
            """, logger: logger)
    }

    static func failImport(runID: UUID, errorKind: String, message: String, on db: PostgresConnection, logger: Logger) async throws {
        try await db.query("""
            UPDATE amazon.sync_runs SET state = 'failed', finished_at = clock_timestamp(), error_kind = \(errorKind), error_message = \(message)
            WHERE run_id = \(runID)
            """, logger: logger)
    }

    /// Whether the connection has a run besides `runID` that is live or loaded something.
    static func hasOtherUnfailedRun(connectionID: UUID, besides runID: UUID, on db: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await db.query("""
            SELECT EXISTS (SELECT 1 FROM amazon.sync_runs WHERE connection_id = \(connectionID) AND run_id <> \(runID) AND state <> 'failed')
            """, logger: logger)
        for try await exists in rows.decode(Bool.self) { return exists }
        return false
    }

    // MARK: The sweep

    /// Live runs past their deadline, across tenants (the `run_sweep` policy, for this transaction only).
    static func overdue(now: Date, on db: PostgresConnection, logger: Logger) async throws -> [(tenantID: UUID, runID: UUID)] {
        try await db.query("SELECT set_config('opside.run_sweep', 'on', true)", logger: logger)
        let rows = try await db.query("""
            SELECT tenant_id, run_id FROM amazon.sync_runs
            WHERE state IN ('queued', 'running', 'retrying') AND deadline_at < \(now)
            ORDER BY deadline_at LIMIT 1000
            """, logger: logger)
        var found: [(tenantID: UUID, runID: UUID)] = []
        for try await row in rows.decode((UUID, UUID).self) { found.append(row) }
        return found
    }

    /// A sync run left live with no live job behind it: the queue discarded the job (its worker was
    /// lost on every attempt) or an operator cancelled it, so nothing will ever end the run. Runs
    /// and their jobs are created in one transaction, so a live run without one is abandoned.
    struct AbandonedRun: Sendable {
        let tenantID: UUID
        let runID: UUID
        let connectionID: UUID
        let dataset: String
    }

    /// Every tenant's abandoned sync runs (imports have no job: their deadline ends them).
    static func abandoned(on db: PostgresConnection, logger: Logger) async throws -> [AbandonedRun] {
        try await db.query("SELECT set_config('opside.run_sweep', 'on', true)", logger: logger)
        let rows = try await db.query("""
            SELECT r.tenant_id, r.run_id, r.connection_id, r.dataset FROM amazon.sync_runs r
            WHERE r.state IN ('queued', 'running', 'retrying') AND r.trigger <> 'import'
              AND NOT EXISTS (
                  SELECT 1 FROM platform.jobs j
                  WHERE j.unique_key = 'inventory-sync:' || lower(r.connection_id::text) || ':' || r.dataset
                    AND j.state IN ('available', 'scheduled', 'running', 'retryable'))
            ORDER BY r.queued_at LIMIT 1000
            """, logger: logger)
        var found: [AbandonedRun] = []
        for try await (tenant, run, connection, dataset) in rows.decode((UUID, UUID, UUID, String).self) {
            found.append(AbandonedRun(tenantID: tenant, runID: run, connectionID: connection, dataset: dataset))
        }
        return found
    }

    /// Fails those of `runIDs` still live past their deadline; returns how many.
    static func failOverdue(runIDs: [UUID], now: Date, on db: PostgresConnection, logger: Logger) async throws -> Int {
        let result = try await db.query("""
            UPDATE amazon.sync_runs SET state = 'failed', finished_at = \(now), error_kind = 'transient',
                error_message = 'interrupted: the import did not finish by its deadline (its process ended or its transaction hung); nothing of it was loaded'
            WHERE run_id = ANY(\(runIDs)) AND state IN ('queued', 'running', 'retrying') AND deadline_at < \(now)
            RETURNING run_id
            """, logger: logger)
        var count = 0
        for try await _ in result.decode(UUID.self) { count += 1 }
        return count
    }
}
