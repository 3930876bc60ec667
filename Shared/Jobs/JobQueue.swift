import Foundation
import Logging
import OpsideCore
import OpsidePostgres
import OpsideRedis
import PostgresNIO

/// The Postgres job queue: every statement that moves a job between states lives here.
///
/// Enqueueing takes the caller's open transaction, so a job exists exactly when the change that
/// caused it committed. Wake-ups go to Redis only after commit, and are only hints: workers also
/// poll, so a Redis outage slows the queue and loses nothing.
public struct JobQueue: Sendable {
    public let database: Database
    public let redis: RedisClient?
    let logger: Logger

    public init(database: Database, redis: RedisClient?, logger: Logger) {
        self.database = database
        self.redis = redis
        self.logger = logger
    }

    /// The Redis channel that wakes the workers of `queue`.
    public static func wakeChannel(_ queue: String) -> String { "opside:jobs:\(queue)" }
    /// The Redis channel that asks the worker running a job to cancel it.
    public static let controlChannel = "opside:jobs:control"

    // MARK: Enqueue

    /// Inserts a job inside the caller's transaction.
    /// - Returns: the job's id, or `nil` when a live job with the same unique key already exists.
    @discardableResult
    public static func enqueue(_ job: NewJob, on connection: PostgresConnection, logger: Logger) async throws -> Int64? {
        let state = (job.scheduledAt.map { $0 > Date() } ?? false) ? "scheduled" : "available"
        let rows = try await connection.query("""
            INSERT INTO platform.jobs (queue, kind, args, tenant_id, fairness_key, state, priority, max_attempts,
                                       scheduled_at, unique_key, lease_seconds, request_id, trace_parent)
            VALUES (\(job.queue), \(job.kind), \(job.arguments)::jsonb, \(job.tenantID),
                    \(job.tenantID?.uuidString.lowercased() ?? ""), \(state)::platform.job_state, \(Int16(clamping: job.priority)),
                    \(Int16(clamping: job.maxAttempts)), COALESCE(\(job.scheduledAt), now()), \(job.uniqueKey), \(Int32(clamping: job.leaseSeconds)),
                    \(RequestScope.requestID), \(TraceContextCarrier.currentTraceParent()))
            ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL
                AND state IN ('available', 'scheduled', 'running', 'retryable')
            DO NOTHING
            RETURNING id
            """, logger: logger)
        for try await id in rows.decode(Int64.self) { return id }
        return nil
    }

    /// Inserts a job in a transaction of its own and wakes its queue's workers.
    @discardableResult
    public func enqueue(_ job: NewJob) async throws -> Int64? {
        let logger = self.logger
        let id = try await database.withTransaction { connection in
            try await Self.enqueue(job, on: connection, logger: logger)
        }
        await wake(queues: [job.queue])
        return id
    }

    /// Inserts many jobs in one statement (benchmarks, fan-out); returns how many were inserted.
    @discardableResult
    public func enqueueBatch(queue: String, kind: String, arguments: [String], tenantIDs: [UUID?]) async throws -> Int {
        precondition(arguments.count == tenantIDs.count, "one tenant per job")
        let logger = self.logger
        let tenants = tenantIDs.map { $0?.uuidString.lowercased() ?? "" }
        let count = try await database.withConnection { connection in
            let rows = try await connection.query("""
                WITH inserted AS (
                    INSERT INTO platform.jobs (queue, kind, args, tenant_id, fairness_key)
                    SELECT \(queue), \(kind), a::jsonb, NULLIF(t, '')::uuid, t
                    FROM unnest(\(arguments)::text[], \(tenants)::text[]) AS input(a, t)
                    RETURNING 1)
                SELECT count(*) FROM inserted
                """, logger: logger)
            for try await count in rows.decode(Int64.self) { return Int(count) }
            return 0
        }
        await wake(queues: [queue])
        return count
    }

    /// Publishes wake-ups after a commit. A failure is logged, never thrown: polling covers it.
    public func wake(queues: some Sequence<String>) async {
        guard let redis else { return }
        for queue in Set(queues) {
            do { try await redis.publish(Self.wakeChannel(queue), queue) } catch {
                logger.debug("wake-up not published; workers will poll", metadata: ["queue": "\(queue)", "error": "\(error)"])
            }
        }
    }

    // MARK: Claim, complete, fail

    /// Moves scheduled and retryable jobs whose time has come to `available`.
    /// - Returns: how many became available.
    @discardableResult
    func promoteDueJobs(queues: [String]) async throws -> Int {
        let logger = self.logger
        return try await database.withConnection { connection in
            let rows = try await connection.query("""
                WITH due AS (
                    SELECT id FROM platform.jobs
                    WHERE queue = ANY(\(queues)) AND state IN ('scheduled', 'retryable') AND scheduled_at <= now()
                    ORDER BY scheduled_at LIMIT 1000 FOR UPDATE SKIP LOCKED)
                UPDATE platform.jobs j SET state = 'available' FROM due WHERE j.id = due.id
                RETURNING 1
                """, logger: logger)
            var count = 0
            for try await _ in rows { count += 1 }
            return count
        }
    }

    /// Claims up to `limit` available jobs of `queue`, round-robin across tenants starting after
    /// `afterFairnessKey` (from the start when nil), so one big seller cannot starve the others.
    ///
    /// Of the next 64 tenants with work, each tenant's most urgent job comes before any tenant's
    /// second; among tenants, in key order from the cursor (not by the jobs' age), so the next
    /// claim's cursor, the last tenant served, passes over no tenant this claim left unserved.
    func claim(queue: String, limit: Int, workerID: String, afterFairnessKey: String?) async throws -> [ClaimedJob] {
        let logger = self.logger
        return try await database.withConnection { connection in
            let rows = try await connection.query("""
                WITH RECURSIVE tenants(key) AS (
                    (SELECT fairness_key FROM platform.jobs
                     WHERE state = 'available' AND queue = \(queue)
                       AND (\(afterFairnessKey)::text IS NULL OR fairness_key > \(afterFairnessKey)::text)
                     ORDER BY fairness_key LIMIT 1)
                    UNION ALL
                    SELECT (SELECT j.fairness_key FROM platform.jobs j
                            WHERE j.state = 'available' AND j.queue = \(queue) AND j.fairness_key > t.key
                            ORDER BY j.fairness_key LIMIT 1)
                    FROM tenants t WHERE t.key IS NOT NULL
                ),
                first_tenants AS (SELECT key FROM tenants WHERE key IS NOT NULL LIMIT 64),
                candidates AS (
                    SELECT c.id, c.priority, c.rank, t.key
                    FROM first_tenants t CROSS JOIN LATERAL (
                        SELECT j.id, j.priority, j.scheduled_at,
                               row_number() OVER (ORDER BY j.priority, j.scheduled_at, j.id) AS rank
                        FROM platform.jobs j
                        WHERE j.state = 'available' AND j.queue = \(queue) AND j.fairness_key = t.key
                        ORDER BY j.priority, j.scheduled_at, j.id
                        LIMIT \(limit)) c
                ),
                picked AS (SELECT id FROM candidates ORDER BY priority, rank, key, id LIMIT \(limit)),
                locked AS (
                    SELECT id FROM platform.jobs
                    WHERE id IN (SELECT id FROM picked) AND state = 'available'
                    FOR UPDATE SKIP LOCKED)
                UPDATE platform.jobs j
                SET state = 'running', attempt = j.attempt + 1, attempted_at = now(), attempted_by = \(workerID),
                    lease_expires_at = now() + make_interval(secs => j.lease_seconds)
                FROM locked WHERE j.id = locked.id
                RETURNING j.id, j.queue, j.kind, j.args::text, j.tenant_id, j.attempt, j.max_attempts, j.lease_seconds,
                          j.request_id, j.fairness_key, j.trace_parent
                """, logger: logger)
            var jobs: [ClaimedJob] = []
            for try await (id, queue, kind, args, tenant, attempt, maxAttempts, lease, requestID, _, traceParent) in rows.decode(
                (Int64, String, String, String, UUID?, Int16, Int16, Int32, String?, String, String?).self) {
                jobs.append(ClaimedJob(id: id, queue: queue, kind: kind, arguments: args, tenantID: tenant,
                                       attempt: Int(attempt), maxAttempts: Int(maxAttempts), leaseSeconds: Int(lease),
                                       requestID: requestID, traceParent: traceParent))
            }
            return jobs
        }
    }

    /// Marks jobs completed. Only the worker that holds the attempt can: a zombie whose job was
    /// rescued changes nothing.
    func complete(_ jobs: [(id: Int64, attempt: Int)], workerID: String) async throws {
        guard !jobs.isEmpty else { return }
        let ids = jobs.map(\.id)
        let attempts = jobs.map { Int16(clamping: $0.attempt) }
        let logger = self.logger
        _ = try await database.withConnection { connection in
            try await connection.query("""
                UPDATE platform.jobs j
                SET state = 'completed', finalized_at = now(), lease_expires_at = NULL
                FROM unnest(\(ids)::bigint[], \(attempts)::smallint[]) AS done(id, attempt)
                WHERE j.id = done.id AND j.attempt = done.attempt AND j.state = 'running' AND j.attempted_by = \(workerID)
                """, logger: logger)
        }
    }

    /// Records a failed attempt: retryable after `retryDelay`, or discarded when attempts are spent.
    func fail(id: Int64, attempt: Int, workerID: String, error: String, retryDelay: Double) async throws {
        let logger = self.logger
        _ = try await database.withConnection { connection in
            try await connection.query("""
                UPDATE platform.jobs
                SET state = CASE WHEN attempt >= max_attempts THEN 'discarded' ELSE 'retryable' END::platform.job_state,
                    scheduled_at = CASE WHEN attempt >= max_attempts THEN scheduled_at
                                        ELSE now() + make_interval(secs => \(retryDelay)) END,
                    finalized_at = CASE WHEN attempt >= max_attempts THEN now() END,
                    lease_expires_at = NULL,
                    errors = errors || jsonb_build_array(jsonb_build_object(
                        'attempt', attempt, 'at', now(), 'error', \(String(error.prefix(2000)))))
                WHERE id = \(id) AND attempt = \(Int16(clamping: attempt)) AND state = 'running' AND attempted_by = \(workerID)
                """, logger: logger)
        }
    }

    /// Ends a running job as cancelled (by request, or because the handler asked to stop).
    func finishCancelled(id: Int64, attempt: Int, workerID: String, reason: String) async throws {
        let logger = self.logger
        _ = try await database.withConnection { connection in
            try await connection.query("""
                UPDATE platform.jobs
                SET state = 'cancelled', finalized_at = now(), lease_expires_at = NULL,
                    errors = errors || jsonb_build_array(jsonb_build_object('attempt', attempt, 'at', now(), 'error', \(reason)))
                WHERE id = \(id) AND attempt = \(Int16(clamping: attempt)) AND state = 'running' AND attempted_by = \(workerID)
                """, logger: logger)
        }
    }

    /// Puts a running job back without spending its attempt: a snooze, or a worker shutting down.
    func release(id: Int64, attempt: Int, workerID: String, delaySeconds: Double) async throws {
        let logger = self.logger
        _ = try await database.withConnection { connection in
            try await connection.query("""
                UPDATE platform.jobs
                SET state = CASE WHEN \(delaySeconds) > 0 THEN 'scheduled' ELSE 'available' END::platform.job_state,
                    attempt = attempt - 1, lease_expires_at = NULL,
                    scheduled_at = now() + make_interval(secs => \(delaySeconds))
                WHERE id = \(id) AND attempt = \(Int16(clamping: attempt)) AND state = 'running' AND attempted_by = \(workerID)
                """, logger: logger)
        }
    }

    /// Extends the leases of the jobs a worker holds.
    /// - Returns: the ids among them whose cancellation was requested (the poll fallback when the
    ///   Redis control message was lost).
    func renewLeases(ids: [Int64], workerID: String) async throws -> [Int64] {
        guard !ids.isEmpty else { return [] }
        let logger = self.logger
        return try await database.withConnection { connection in
            let rows = try await connection.query("""
                UPDATE platform.jobs SET lease_expires_at = now() + make_interval(secs => lease_seconds)
                WHERE id = ANY(\(ids)) AND state = 'running' AND attempted_by = \(workerID)
                RETURNING id, cancel_requested_at IS NOT NULL
                """, logger: logger)
            var cancelled: [Int64] = []
            for try await (id, cancelRequested) in rows.decode((Int64, Bool).self) where cancelRequested { cancelled.append(id) }
            return cancelled
        }
    }

    /// Rescues jobs whose worker vanished (lease expired): retryable with backoff, or discarded
    /// when their attempts are spent.
    /// - Returns: the rescued ids.
    @discardableResult
    public func rescueExpiredLeases(queues: [String], policy: RetryPolicy = .standard) async throws -> [Int64] {
        let logger = self.logger
        return try await database.withConnection { connection in
            let rows = try await connection.query("""
                WITH expired AS (
                    SELECT id FROM platform.jobs
                    WHERE state = 'running' AND lease_expires_at < now() AND queue = ANY(\(queues))
                    ORDER BY lease_expires_at LIMIT 1000 FOR UPDATE SKIP LOCKED)
                UPDATE platform.jobs j
                SET state = CASE WHEN j.attempt >= j.max_attempts THEN 'discarded' ELSE 'retryable' END::platform.job_state,
                    finalized_at = CASE WHEN j.attempt >= j.max_attempts THEN now() END,
                    scheduled_at = now() + make_interval(secs => LEAST(\(policy.capSeconds),
                        \(policy.baseSeconds) * power(j.attempt, \(policy.exponent)))),
                    lease_expires_at = NULL, rescue_count = j.rescue_count + 1,
                    errors = j.errors || jsonb_build_array(jsonb_build_object(
                        'attempt', j.attempt, 'at', now(), 'error', 'lease expired (worker lost): ' || COALESCE(j.attempted_by, '')))
                FROM expired WHERE j.id = expired.id
                RETURNING j.id
                """, logger: logger)
            var ids: [Int64] = []
            for try await id in rows.decode(Int64.self) { ids.append(id) }
            return ids
        }
    }

    // MARK: Operator actions

    /// Lists jobs, newest first; only `tenantID`'s when it is given (nil: every tenant's, for system callers).
    public func list(queues: [String], state: JobState?, tenantID: UUID? = nil, limit: Int = 100) async throws -> [JobSummary] {
        let logger = self.logger
        let stateText = state?.rawValue
        return try await database.withConnection { connection in
            let rows = try await connection.query("""
                SELECT id, queue, kind, state::text, tenant_id, attempt, max_attempts, scheduled_at, created_at,
                       finalized_at, errors::text
                FROM platform.jobs
                WHERE queue = ANY(\(queues)) AND (\(stateText)::text IS NULL OR state = \(stateText)::platform.job_state)
                  AND (\(tenantID)::uuid IS NULL OR tenant_id = \(tenantID))
                ORDER BY id DESC LIMIT \(min(max(limit, 1), 1000))
                """, logger: logger)
            var jobs: [JobSummary] = []
            for try await (id, queue, kind, state, tenant, attempt, maxAttempts, scheduledAt, createdAt, finalizedAt, errors)
                in rows.decode((Int64, String, String, String, UUID?, Int16, Int16, Date, Date, Date?, String).self) {
                jobs.append(JobSummary(id: id, queue: queue, kind: kind, state: JobState(rawValue: state) ?? .available,
                                       tenantID: tenant, attempt: Int(attempt), maxAttempts: Int(maxAttempts),
                                       scheduledAt: scheduledAt, createdAt: createdAt, finalizedAt: finalizedAt, errors: errors))
            }
            return jobs
        }
    }

    /// Makes a discarded or cancelled job run again, with one more attempt allowed.
    /// - Returns: false when no such job is in a re-runnable state.
    public func retry(id: Int64, queues: [String], tenantID: UUID? = nil) async throws -> Bool {
        let logger = self.logger
        let queue: String? = try await database.withConnection { connection in
            let rows = try await connection.query("""
                UPDATE platform.jobs
                SET state = 'available', scheduled_at = now(), finalized_at = NULL, cancel_requested_at = NULL,
                    max_attempts = GREATEST(max_attempts, attempt + 1)
                WHERE id = \(id) AND queue = ANY(\(queues)) AND state IN ('discarded', 'cancelled', 'retryable', 'scheduled')
                  AND (\(tenantID)::uuid IS NULL OR tenant_id = \(tenantID))
                RETURNING queue
                """, logger: logger)
            for try await queue in rows.decode(String.self) { return queue }
            return nil
        }
        if let queue { await wake(queues: [queue]) }
        return queue != nil
    }

    /// Cancels a job: at once when it is not running; a running one is asked to stop through
    /// Redis, and through its next lease renewal should that message be lost.
    /// - Returns: the job's state after the call, or `nil` when no live job has that id.
    public func cancel(id: Int64, queues: [String], tenantID: UUID? = nil) async throws -> JobState? {
        let logger = self.logger
        let state: JobState? = try await database.withConnection { connection in
            let rows = try await connection.query("""
                UPDATE platform.jobs
                SET cancel_requested_at = now(),
                    state = CASE WHEN state = 'running' THEN state ELSE 'cancelled' END::platform.job_state,
                    finalized_at = CASE WHEN state = 'running' THEN NULL ELSE now() END
                WHERE id = \(id) AND queue = ANY(\(queues)) AND state NOT IN ('completed', 'cancelled', 'discarded')
                  AND (\(tenantID)::uuid IS NULL OR tenant_id = \(tenantID))
                RETURNING state::text
                """, logger: logger)
            for try await state in rows.decode(String.self) { return JobState(rawValue: state) }
            return nil
        }
        if state == .running, let redis {
            do { try await redis.publish(Self.controlChannel, String(id)) } catch {
                logger.debug("cancel message not published; the lease renewal will deliver it", metadata: ["job": "\(id)"])
            }
        }
        return state
    }

    /// Deletes finished jobs: completed and cancelled after a day, discarded after a week.
    @discardableResult
    func cleanFinished(queues: [String], keepCompleted: Double = 86_400, keepDiscarded: Double = 7 * 86_400) async throws -> Int {
        let logger = self.logger
        return try await database.withConnection { connection in
            let rows = try await connection.query("""
                WITH old AS (
                    SELECT id FROM platform.jobs
                    WHERE queue = ANY(\(queues)) AND finalized_at IS NOT NULL AND (
                        (state IN ('completed', 'cancelled') AND finalized_at < now() - make_interval(secs => \(keepCompleted)))
                        OR (state = 'discarded' AND finalized_at < now() - make_interval(secs => \(keepDiscarded))))
                    LIMIT 1000)
                DELETE FROM platform.jobs j USING old WHERE j.id = old.id RETURNING 1
                """, logger: logger)
            var count = 0
            for try await _ in rows { count += 1 }
            return count
        }
    }
}
