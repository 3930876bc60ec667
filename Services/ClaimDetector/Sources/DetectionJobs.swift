import Foundation
import Logging
import OpsideCore
import OpsideEvents
import OpsideJobs
import OpsidePostgres

/// claim-detector's jobs: a connection's detection a settle delay after its syncs complete, and
/// the daily detection of every known connection that moves statuses with the days.
public struct DetectionJobs: Sendable {
    public static let queue = "claim-detector"
    /// One connection's detection (arguments: `DetectConnection`), unique per connection while live.
    public static let detectKind = "claim-detector.detect"
    /// The daily cron tick: enqueues a detection of every known connection.
    public static let dailyKind = "claim-detector.daily-detection"

    /// The arguments of a detection job.
    public struct DetectConnection: Codable, Sendable, Equatable {
        @LowercasedUUID public var tenantId: UUID
        @LowercasedUUID public var connectionId: UUID
        public var trigger: DetectionRun.Trigger
    }

    let detection: ClaimDetection
    let store: ClaimStore
    let database: Database
    let jobQueue: JobQueue
    let settings: ClaimDetectorSettings
    let clocks: ServiceClocks

    public init(detection: ClaimDetection, store: ClaimStore, database: Database, jobQueue: JobQueue, settings: ClaimDetectorSettings,
                clocks: ServiceClocks) {
        self.detection = detection
        self.store = store
        self.database = database
        self.jobQueue = jobQueue
        self.settings = settings
        self.clocks = clocks
    }

    /// The unique key of a connection's live detection job: while one waits, another is not added.
    public static func uniqueKey(tenant: UUID, connection: UUID) -> String {
        "\(detectKind):\(tenant.uuidString.lowercased()):\(connection.uuidString.lowercased())"
    }

    /// The synced datasets detection never reads (Brand Analytics' search queries).
    public static let datasetsWithoutClaims: Set<String> = ["search_query_performance_weekly", "search_query_performance_monthly"]

    public func register(in jobs: inout JobRegistry) {
        jobs.consume(EventConsumers.detectAfterSync) { completed, envelope, context in
            guard let tenant = envelope.tenantId else {
                throw JobOutcome.cancel(reason: "sync.completed \(envelope.id) names no tenant")
            }
            // Search queries hold nothing a claim is detected from: their syncs change no claim.
            guard !Self.datasetsWithoutClaims.contains(completed.dataset) else { return }
            try await scheduleAfterSync(tenant: tenant, connection: completed.connectionId, logger: context.logger)
        }
        jobs.register(Self.detectKind, arguments: DetectConnection.self, retryPolicy: RetryPolicy(capSeconds: 1800)) { job, context in
            guard context.job.tenantID == job.tenantId else { throw JobOutcome.cancel(reason: "the job's tenant does not match its arguments") }
            let run = try await detection.detect(tenant: job.tenantId, connection: job.connectionId, asOf: nil, trigger: job.trigger)
            context.logger.info("claims detected", metadata: ["connection": "\(job.connectionId)", "run": "\(run.runId)",
                                                            "new": "\(run.counts.new)", "resolved": "\(run.counts.resolved)"])
        }
        jobs.register(Self.dailyKind, retryPolicy: RetryPolicy(capSeconds: 600)) { _, context in
            let enqueued = try await enqueueEveryKnownConnection(logger: context.logger)
            context.logger.info("daily detection", metadata: ["enqueued": "\(enqueued)"])
        }
    }

    /// The daily tick, by `claims.dailySchedule` on the injected wall clock.
    public var cron: [CronEntry] {
        [CronEntry(name: Self.dailyKind, schedule: settings.dailySchedule) { _ in
            NewJob(queue: Self.queue, kind: Self.dailyKind, maxAttempts: 3, uniqueKey: Self.dailyKind)
        }]
    }

    /// When the daily detection of `tick` starts for a connection: its fixed place in the
    /// `dailySpreadSeconds` after the tick.
    public func dailyStart(tenant: UUID, connection: UUID, tick: Date) -> Date {
        tick.addingTimeInterval(ScheduleSpread.offset(for: "\(tenant.uuidString.lowercased()):\(connection.uuidString.lowercased())",
                                                      within: settings.dailySpreadSeconds))
    }

    /// Records the connection and enqueues its detection `settleDelay` from now, unless one is
    /// already waiting: the many `sync.completed` of one sync give one detection. When the
    /// connection's detection is running instead (it may have read the data before this sync
    /// loaded), one more is enqueued to follow it, never more than one.
    /// - Returns: true when this call enqueued a job.
    @discardableResult
    public func scheduleAfterSync(tenant: UUID, connection: UUID, logger: Logger) async throws -> Bool {
        try await store.remember(tenant: tenant, connection: connection, at: clocks.wall.now)
        let key = Self.uniqueKey(tenant: tenant, connection: connection)
        func job(uniqueKey: String) throws -> NewJob {
            try NewJob(queue: Self.queue, kind: Self.detectKind,
                       arguments: DetectConnection(tenantId: tenant, connectionId: connection, trigger: .sync), tenantID: tenant,
                       maxAttempts: 5, scheduledAt: clocks.wall.now.addingTimeInterval(Double(settings.settleDelay.components.seconds)),
                       uniqueKey: uniqueKey, leaseSeconds: 600)
        }
        if try await jobQueue.enqueue(try job(uniqueKey: key)) != nil { return true }
        let logger = logger
        let running = try await database.withConnection { db in
            let rows = try await db.query("SELECT count(*) FROM platform.jobs WHERE unique_key = \(key) AND state = 'running'", logger: logger)
            for try await count in rows.decode(Int64.self) { return count > 0 }
            return false
        }
        guard running else { return false }
        return try await jobQueue.enqueue(try job(uniqueKey: key + ":after-running")) != nil
    }

    /// One detection job per known connection of every tenant, each at the connection's fixed
    /// time within `dailySpreadSeconds` of now (`dailyStart`).
    ///
    /// The daily detection has a unique key of its own: one waiting for its time must not hold
    /// back the detection a sync asks for meanwhile (the two never race: detections of one
    /// connection take turns on an advisory lock).
    public func enqueueEveryKnownConnection(logger: Logger) async throws -> Int {
        let targets = try await store.allKnownConnections()
        let now = clocks.wall.now
        let jobs = try targets.map { target in
            try NewJob(queue: Self.queue, kind: Self.detectKind,
                       arguments: DetectConnection(tenantId: target.tenant, connectionId: target.connection, trigger: .schedule),
                       tenantID: target.tenant, maxAttempts: 5,
                       scheduledAt: dailyStart(tenant: target.tenant, connection: target.connection, tick: now),
                       uniqueKey: Self.uniqueKey(tenant: target.tenant, connection: target.connection) + ":daily",
                       leaseSeconds: 600)
        }
        let enqueued = try await database.withTransaction { connection in
            var count = 0
            for job in jobs where try await JobQueue.enqueue(job, on: connection, logger: logger) != nil { count += 1 }
            return count
        }
        await jobQueue.wake(queues: [Self.queue])
        return enqueued
    }
}
