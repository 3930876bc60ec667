import Foundation
import Logging
import OpsideCore
import OpsideEvents
import OpsideJobs
import OpsidePostgres

/// refund-engine's jobs: cases made when claims are detected, money reconciled when reimbursements
/// or finances sync, and the sweep that files due cases, follows filed ones, reminds and marks
/// missed deadlines for every known connection.
public struct CaseJobs: Sendable {
    public static let queue = "refund-engine"
    /// Brings one connection's cases in step with its claims, then files if filing is continuous.
    public static let intakeKind = "refund-engine.intake"
    /// Files one connection's due cases (and reads answers to filed ones).
    public static let fileKind = "refund-engine.file"
    /// Reconciles one connection's reimbursements.
    public static let reconcileKind = "refund-engine.reconcile"
    /// The cron tick: a `connection-sweep` job per known connection.
    public static let sweepKind = "refund-engine.sweep"
    /// One connection's sweep: reminders, missed deadlines, answers, and filing when continuous.
    public static let connectionSweepKind = "refund-engine.connection-sweep"

    public struct ConnectionJob: Codable, Sendable, Equatable {
        @LowercasedUUID public var tenantId: UUID
        @LowercasedUUID public var connectionId: UUID
        /// File even when continuous filing is off ("file now" for the whole queue).
        public var force: Bool?

        public init(tenantId: UUID, connectionId: UUID, force: Bool? = nil) {
            self.tenantId = tenantId
            self.connectionId = connectionId
            self.force = force
        }
    }

    let intake: CaseIntake
    let engine: FilingEngine
    let reconciler: Reconciler
    let store: CaseStore
    let settings: FilingSettingsStore
    let jobQueue: JobQueue
    let database: Database
    let configuration: RefundEngineSettings
    let evidence: CaseEvidence

    public init(intake: CaseIntake, engine: FilingEngine, reconciler: Reconciler, store: CaseStore, settings: FilingSettingsStore,
                jobQueue: JobQueue, database: Database, configuration: RefundEngineSettings, evidence: CaseEvidence) {
        self.intake = intake
        self.engine = engine
        self.reconciler = reconciler
        self.store = store
        self.settings = settings
        self.jobQueue = jobQueue
        self.database = database
        self.configuration = configuration
        self.evidence = evidence
    }

    static func uniqueKey(_ kind: String, tenant: UUID, connection: UUID) -> String {
        "\(kind):\(tenant.uuidString.lowercased()):\(connection.uuidString.lowercased())"
    }

    /// A connection's job, unique while one waits (so a burst of events gives one run).
    public static func job(_ kind: String, tenant: UUID, connection: UUID, force: Bool = false) throws -> NewJob {
        try NewJob(queue: queue, kind: kind, arguments: ConnectionJob(tenantId: tenant, connectionId: connection, force: force ? true : nil),
                   tenantID: tenant, maxAttempts: 8, uniqueKey: uniqueKey(kind, tenant: tenant, connection: connection), leaseSeconds: 300)
    }

    public func register(in jobs: inout JobRegistry) {
        jobs.consume(EventConsumers.openCasesForClaims) { detected, envelope, context in
            guard let tenant = envelope.tenantId else { throw JobOutcome.cancel(reason: "claims.detected \(envelope.id) names no tenant") }
            try await enqueueFollowingAnyRunning(Self.intakeKind, tenant: tenant, connection: detected.connectionId, logger: context.logger)
        }
        jobs.consume(EventConsumers.reconcileAfterSync) { completed, envelope, context in
            guard let tenant = envelope.tenantId else { throw JobOutcome.cancel(reason: "sync.completed \(envelope.id) names no tenant") }
            // Only the datasets that carry money matter: reimbursements, and finances for confirmation.
            guard ["reimbursements", "financial_events"].contains(completed.dataset) else { return }
            try await store.remember(tenant: tenant, connection: completed.connectionId, at: engine.clocks.wall.now)
            try await enqueueFollowingAnyRunning(Self.reconcileKind, tenant: tenant, connection: completed.connectionId, logger: context.logger)
        }
        jobs.consume(EventConsumers.holdFilingWhilePastDue) { changed, envelope, context in
            guard let tenant = envelope.tenantId else { throw JobOutcome.cancel(reason: "billing.standing_changed \(envelope.id) names no tenant") }
            guard try await settings.recordStanding(tenant: tenant, standing: changed.standing, reason: changed.reason,
                                                    changedAt: changed.changedAt) else { return }
            context.logger.info("billing standing", metadata: ["standing": "\(changed.standing)"])
            // Paid again: what waited is filed now rather than at the next pass.
            if changed.standing != "past_due", try await settings.settings(tenant: tenant).continuous {
                for connection in try await store.connections(tenant: tenant) {
                    _ = try await jobQueue.enqueue(try Self.job(Self.fileKind, tenant: tenant, connection: connection))
                }
            }
        }
        jobs.consume(EventConsumers.attachEvidenceToCase) { matched, envelope, context in
            guard let tenant = envelope.tenantId else { throw JobOutcome.cancel(reason: "evidence.matched \(envelope.id) names no tenant") }
            // A case that became ready is filed by the connection's next filing pass (which files
            // only when filing is continuous, or when asked to).
            if let item = try await evidence.receive(matched, tenant: tenant), item.status == .ready {
                try await enqueueFollowingAnyRunning(Self.fileKind, tenant: tenant, connection: item.connectionId, logger: context.logger)
            }
        }
        jobs.register(Self.intakeKind, arguments: ConnectionJob.self, retryPolicy: RetryPolicy(capSeconds: 600)) { job, context in
            guard context.job.tenantID == job.tenantId else { throw JobOutcome.cancel(reason: "the job's tenant does not match its arguments") }
            let counts = try await intake.intake(tenant: job.tenantId, connection: job.connectionId)
            context.logger.info("cases in step with claims", metadata: ["connection": "\(job.connectionId)", "created": "\(counts.created)",
                                                                        "withdrawn": "\(counts.withdrawn)", "missed": "\(counts.missed)"])
            if try await settings.settings(tenant: job.tenantId).continuous {
                _ = try await jobQueue.enqueue(try Self.job(Self.fileKind, tenant: job.tenantId, connection: job.connectionId))
            }
        }
        jobs.register(Self.fileKind, arguments: ConnectionJob.self, retryPolicy: RetryPolicy(capSeconds: 600)) { job, context in
            guard context.job.tenantID == job.tenantId else { throw JobOutcome.cancel(reason: "the job's tenant does not match its arguments") }
            let filing = try await settings.settings(tenant: job.tenantId)
            guard filing.continuous || job.force == true else { return }
            let pass = try await engine.file(tenant: job.tenantId, connection: job.connectionId)
            context.logger.info("filing pass", metadata: ["connection": "\(job.connectionId)", "filed": "\(pass.filed)",
                                                         "retrying": "\(pass.retrying)", "failed": "\(pass.failed)", "deferred": "\(pass.deferred)"])
        }
        jobs.register(Self.reconcileKind, arguments: ConnectionJob.self, retryPolicy: RetryPolicy(capSeconds: 600)) { job, context in
            guard context.job.tenantID == job.tenantId else { throw JobOutcome.cancel(reason: "the job's tenant does not match its arguments") }
            let pass = try await reconciler.reconcile(tenant: job.tenantId, connection: job.connectionId)
            context.logger.info("reimbursements reconciled", metadata: ["connection": "\(job.connectionId)", "entered": "\(pass.entered)",
                                                                        "toCases": "\(pass.attributedToCases)", "automatic": "\(pass.automatic)"])
        }
        jobs.register(Self.connectionSweepKind, arguments: ConnectionJob.self, retryPolicy: RetryPolicy(capSeconds: 600)) { job, context in
            guard context.job.tenantID == job.tenantId else { throw JobOutcome.cancel(reason: "the job's tenant does not match its arguments") }
            try await sweep(tenant: job.tenantId, connection: job.connectionId, logger: context.logger)
        }
        jobs.register(Self.sweepKind, retryPolicy: RetryPolicy(capSeconds: 600)) { _, context in
            let targets = try await store.allKnownConnections()
            let jobs = try targets.map { try Self.job(Self.connectionSweepKind, tenant: $0.tenant, connection: $0.connection) }
            let logger = context.logger
            let enqueued = try await database.withTransaction { connection in
                var count = 0
                for job in jobs where try await JobQueue.enqueue(job, on: connection, logger: logger) != nil { count += 1 }
                return count
            }
            await jobQueue.wake(queues: [Self.queue])
            context.logger.info("case sweep", metadata: ["connections": "\(enqueued)"])
        }
    }

    /// Enqueues the connection's job unless one waits; when one is running instead (it may have
    /// read the claims before this detection changed them), one more follows it, never more.
    func enqueueFollowingAnyRunning(_ kind: String, tenant: UUID, connection: UUID, logger: Logger) async throws {
        var job = try Self.job(kind, tenant: tenant, connection: connection)
        if try await jobQueue.enqueue(job) != nil { return }
        let key = Self.uniqueKey(kind, tenant: tenant, connection: connection)
        let running = try await database.withConnection { db in
            let rows = try await db.query("SELECT count(*) FROM platform.jobs WHERE unique_key = \(key) AND state = 'running'", logger: logger)
            for try await count in rows.decode(Int64.self) { return count > 0 }
            return false
        }
        guard running else { return }
        job.uniqueKey = key + ":after-running"
        _ = try await jobQueue.enqueue(job)
    }

    /// What one sweep of a connection did.
    public struct Sweep: Codable, Sendable, Equatable {
        public var reminded = 0
        public var missed = 0
        /// Cases Amazon's answer moved.
        public var answered = 0
        public var filed = 0

        public init() {}
    }

    /// Days passing on one connection: reminders and missed deadlines, Amazon's answers, and the
    /// filings that became due (retries whose wait ended, a new day's capacity).
    @discardableResult
    public func sweep(tenant: UUID, connection: UUID, logger: Logger) async throws -> Sweep {
        var sweep = Sweep()
        (sweep.reminded, sweep.missed) = try await engine.remindAndExpire(tenant: tenant, connection: connection)
        sweep.answered = try await engine.follow(tenant: tenant, connection: connection)
        if try await settings.settings(tenant: tenant).continuous {
            sweep.filed = try await engine.file(tenant: tenant, connection: connection).filed
        }
        logger.info("connection swept", metadata: ["connection": "\(connection)", "reminded": "\(sweep.reminded)", "missed": "\(sweep.missed)",
                                                   "answered": "\(sweep.answered)", "filed": "\(sweep.filed)"])
        return sweep
    }

    /// The sweep's cron line.
    public var cron: [CronEntry] {
        [CronEntry(name: Self.sweepKind, schedule: configuration.sweepSchedule) { _ in
            NewJob(queue: Self.queue, kind: Self.sweepKind, maxAttempts: 3, uniqueKey: Self.sweepKind)
        }]
    }
}
