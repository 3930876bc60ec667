import Foundation
import Logging
import Metrics
import NIOConcurrencyHelpers
import OpsidePostgres
import PostgresNIO

/// Gauges computed from the database, for the whole fleet, by the one replica that leads a
/// service's queue maintenance (`QueueMaintenance`).
///
/// Why the leader, on a schedule, rather than every replica at scrape time: one bounded query per
/// service every `QueueMaintenance.gaugeRefreshInterval` whatever the replica count and scrape rate,
/// and `/metrics` never waits on the database (a scrape during a Postgres outage still answers,
/// with the request and restart metrics the on-call needs then). A replica that stops leading
/// withdraws its series, so across replicas exactly one carries the value: the rules read them
/// with `max by (...)`.
public protocol LeaderGauges: Sendable {
    /// Reads the current values from the database and sets the gauges.
    func refresh(on database: Database, logger: Logger) async throws
    /// Removes the gauges from the registry: this replica no longer leads, another one reports.
    func withdraw()
}

/// One gauge series (name and labels) that can be withdrawn from `/metrics` and set again.
///
/// It keeps no handle on the registry's gauge: each `set` looks the series up (creating it after
/// a withdrawal), so a series withdrawn through another handle of the same name and labels comes
/// back at the next refresh instead of being recorded into a gauge no longer exported.
public final class WithdrawableGauge: Sendable {
    private let label: String
    private let dimensions: [(String, String)]
    private let factory: any MetricsFactory
    private let exported = NIOLockedValueBox(false)

    /// - Parameters:
    ///   - label: the metric name, e.g. `opside_job_queue_oldest_available_age_seconds`.
    ///   - dimensions: its labels; keep them few and bounded (never a tenant or connection id).
    ///   - factory: where the series lives: the process's registry, or a test's own.
    public init(_ label: String, dimensions: [(String, String)] = [], factory: any MetricsFactory = MetricsSystem.factory) {
        self.label = label
        self.dimensions = dimensions
        self.factory = factory
    }

    public func set(_ value: Double) {
        exported.withLockedValue { exported in
            Gauge(label: label, dimensions: dimensions, factory: factory).record(value)
            exported = true
        }
    }

    public func withdraw() {
        exported.withLockedValue { exported in
            guard exported else { return }
            Gauge(label: label, dimensions: dimensions, factory: factory).destroy()
            exported = false
        }
    }
}

/// The health of a service's job queues, per queue: how long the oldest available job has waited
/// (queue lag: workers too few, stuck or down), how many jobs wait, and how many are discarded
/// (the dead letters, kept a week by `JobQueue.cleanFinished`, visible and re-runnable through the
/// jobs API). Queues are a handful per service, so this is a handful of series.
///
/// Reads `platform.jobs` with its own query (the claim path's SQL in `JobQueue` is untouched):
/// the available rows through the `jobs_fetch` partial index, the discarded ones through
/// `jobs_finalized`, both bounded by the retention `cleanFinished` enforces.
public struct JobQueueGauges: LeaderGauges {
    public let queues: [String]
    private let oldestAge: [String: WithdrawableGauge]
    private let available: [String: WithdrawableGauge]
    private let discarded: [String: WithdrawableGauge]

    /// - Parameter factory: the process's metrics (the default), or a test's own registry.
    public init(queues: [String], factory: any MetricsFactory = MetricsSystem.factory) {
        self.queues = queues
        oldestAge = Dictionary(uniqueKeysWithValues: queues.map {
            ($0, WithdrawableGauge("opside_job_queue_oldest_available_age_seconds", dimensions: [("queue", $0)], factory: factory))
        })
        available = Dictionary(uniqueKeysWithValues: queues.map {
            ($0, WithdrawableGauge("opside_job_queue_available_jobs", dimensions: [("queue", $0)], factory: factory))
        })
        discarded = Dictionary(uniqueKeysWithValues: queues.map {
            ($0, WithdrawableGauge("opside_job_queue_discarded_jobs", dimensions: [("queue", $0)], factory: factory))
        })
    }

    public func refresh(on database: Database, logger: Logger) async throws {
        let queues = self.queues
        let stats = try await database.withConnection { connection in
            let rows = try await connection.query("""
                SELECT queue,
                       count(*) FILTER (WHERE state = 'available')::bigint,
                       coalesce(extract(epoch FROM now() - min(scheduled_at) FILTER (WHERE state = 'available')), 0)::float8,
                       count(*) FILTER (WHERE state = 'discarded')::bigint
                FROM platform.jobs
                WHERE queue = ANY(\(queues)) AND state IN ('available', 'discarded')
                GROUP BY queue
                """, logger: logger)
            var found: [String: (available: Int64, age: Double, discarded: Int64)] = [:]
            for try await (queue, waiting, age, dead) in rows.decode((String, Int64, Double, Int64).self) {
                found[queue] = (waiting, age, dead)
            }
            return found
        }
        for queue in queues {
            let row = stats[queue] ?? (0, 0, 0)
            oldestAge[queue]?.set(max(0, row.age))
            available[queue]?.set(Double(row.available))
            discarded[queue]?.set(Double(row.discarded))
        }
    }

    public func withdraw() {
        for gauge in Array(oldestAge.values) + Array(available.values) + Array(discarded.values) { gauge.withdraw() }
    }
}
