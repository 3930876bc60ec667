import Foundation
import Logging
import NIOConcurrencyHelpers
import OpsideCore
import OpsidePostgres
import ServiceLifecycle

/// The chores one process per service does for that service's queues: it wins a lease-based
/// leader election (modelled on River's), then rescues jobs whose worker vanished, enqueues cron
/// ticks, deletes old finished jobs and refreshes the fleet-wide gauges (`LeaderGauges`). Every
/// replica runs it; only the leader acts.
public final class QueueMaintenance: Service, Sendable {
    public let leaderName: String
    public let leaderID: String
    private let queues: [String]
    private let jobQueue: JobQueue
    private let cron: [CronEntry]
    private let settings: JobWorkerSettings
    private let logger: Logger
    private let leading = NIOLockedValueBox(false)
    private let cronCursor = NIOLockedValueBox<[String: Date]>([:])
    /// The clock cron ticks come due by: tests move it instead of waiting for ticks.
    private let wallClock: any WallClock
    /// Gauges read from the database for the whole fleet, by the leader alone.
    private let gauges: [any LeaderGauges]

    /// How often the leader refreshes its gauges: a few scrape intervals' worth of staleness at
    /// most, and one cheap query per service per interval.
    public static let gaugeRefreshInterval = Duration.seconds(15)

    /// - Parameters:
    ///   - wallClock: the time cron ticks are due by.
    ///   - gauges: the fleet-wide gauges the leader keeps (the queues' own `JobQueueGauges`, plus
    ///     any the service adds).
    public init(leaderName: String, queues: [String], jobQueue: JobQueue, cron: [CronEntry],
                settings: JobWorkerSettings, logger: Logger, wallClock: any WallClock = SystemWallClock(),
                gauges: [any LeaderGauges] = []) {
        self.wallClock = wallClock
        self.gauges = gauges
        self.leaderName = leaderName
        self.leaderID = UUID().uuidString
        self.queues = queues
        self.jobQueue = jobQueue
        self.cron = cron
        self.settings = settings
        self.logger = logger
    }

    public var isLeader: Bool { leading.withLockedValue { $0 } }

    public func run() async throws {
        var lastRescue = ContinuousClock.now - .seconds(3600)
        var lastClean = ContinuousClock.now - .seconds(3600)
        var lastElection = ContinuousClock.now - .seconds(3600)
        var lastGauges = ContinuousClock.now - .seconds(3600)
        let electionInterval = Duration.seconds(max(1, settings.leaderTTLSeconds / 3))
        while !Task.isCancelledOrShuttingDown {
            do {
                if ContinuousClock.now - lastElection >= electionInterval {
                    lastElection = .now
                    let won = try await elect()
                    let was = leading.withLockedValue { state in defer { state = won }; return state }
                    if won != was { logger.info(won ? "became queue leader" : "lost queue leadership", metadata: ["name": "\(leaderName)"]) }
                    if was, !won { withdrawGauges() }
                    if won, !was { lastGauges = ContinuousClock.now - .seconds(3600) }
                }
                if isLeader {
                    // Each time round: a burst of enqueued jobs must not leave claims planned for an empty table.
                    try await QueueStatistics.refreshIfGrown(database: jobQueue.database, logger: logger)
                    if ContinuousClock.now - lastRescue >= settings.rescueInterval {
                        lastRescue = .now
                        let rescued = try await jobQueue.rescueExpiredLeases(queues: queues)
                        if !rescued.isEmpty {
                            logger.warning("rescued jobs whose worker was lost", metadata: ["jobs": "\(rescued)"])
                        }
                    }
                    try await enqueueCronTicks()
                    if ContinuousClock.now - lastClean >= .seconds(60) {
                        lastClean = .now
                        try await jobQueue.cleanFinished(queues: queues)
                    }
                    if ContinuousClock.now - lastGauges >= Self.gaugeRefreshInterval {
                        lastGauges = .now
                        await refreshGauges()
                    }
                }
            } catch {
                logger.warning("queue maintenance failed; will retry", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: .milliseconds(min(1000, max(100, Int(settings.rescueInterval.components.seconds * 1000 / 2)))))
        }
        withdrawGauges()
        try? await resign()
    }

    /// Each gauge on its own: one failing query (a missing policy, a slow table) leaves the others
    /// current. A failure is logged and the gauge keeps its last value until the next refresh.
    private func refreshGauges() async {
        for gauge in gauges {
            do {
                try await gauge.refresh(on: jobQueue.database, logger: logger)
            } catch {
                logger.warning("could not refresh a leader gauge", metadata: ["gauge": "\(type(of: gauge))", "error": "\(String(reflecting: error))"])
            }
        }
    }

    private func withdrawGauges() {
        for gauge in gauges { gauge.withdraw() }
    }

    /// Takes or keeps the leadership for `leaderTTLSeconds`.
    /// - Returns: whether this process leads now.
    func elect() async throws -> Bool {
        let name = leaderName
        let id = leaderID
        let ttl = settings.leaderTTLSeconds
        let logger = self.logger
        return try await jobQueue.database.withConnection { connection in
            let rows = try await connection.query("""
                INSERT INTO platform.queue_leaders (name, leader_id, elected_at, expires_at)
                VALUES (\(name), \(id), now(), now() + make_interval(secs => \(ttl)))
                ON CONFLICT (name) DO UPDATE
                SET leader_id = EXCLUDED.leader_id, expires_at = EXCLUDED.expires_at,
                    elected_at = CASE WHEN platform.queue_leaders.leader_id = EXCLUDED.leader_id
                                      THEN platform.queue_leaders.elected_at ELSE now() END
                WHERE platform.queue_leaders.leader_id = EXCLUDED.leader_id OR platform.queue_leaders.expires_at < now()
                RETURNING leader_id
                """, logger: logger)
            for try await leader in rows.decode(String.self) { return leader == id }
            return false
        }
    }

    private func resign() async throws {
        guard isLeader else { return }
        let name = leaderName
        let id = leaderID
        let logger = self.logger
        _ = try await jobQueue.database.withConnection { connection in
            try await connection.query("DELETE FROM platform.queue_leaders WHERE name = \(name) AND leader_id = \(id)", logger: logger)
        }
    }

    /// Enqueues each cron tick that came due since the last look, once across all replicas.
    private func enqueueCronTicks() async throws {
        let now = wallClock.now
        for entry in cron {
            // A new leader looks a minute back, so a tick its predecessor missed while dying is kept.
            var cursor = cronCursor.withLockedValue { $0[entry.name] } ?? now.addingTimeInterval(-60)
            while case let tick = entry.schedule.next(after: cursor), tick <= now {
                let job = try entry.makeJob(tick)
                let name = entry.name
                let logger = self.logger
                let jobID: Int64? = try await jobQueue.database.withTransaction { connection in
                    let rows = try await connection.query("""
                        INSERT INTO platform.cron_ticks (name, tick_at) VALUES (\(name), \(tick))
                        ON CONFLICT DO NOTHING RETURNING 1
                        """, logger: logger)
                    var inserted = false
                    for try await _ in rows { inserted = true }
                    guard inserted else { return nil }
                    let id = try await JobQueue.enqueue(job, on: connection, logger: logger)
                    try await connection.query("UPDATE platform.cron_ticks SET job_id = \(id) WHERE name = \(name) AND tick_at = \(tick)", logger: logger)
                    return id
                }
                if jobID != nil { await jobQueue.wake(queues: [job.queue]) }
                cursor = tick
            }
            cronCursor.withLockedValue { $0[entry.name] = cursor }
        }
    }
}
