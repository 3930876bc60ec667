import Foundation
import Logging
import Metrics
import OpsideJobs
import OpsidePostgres
import PostgresNIO

/// What the on-call sees of failing syncs, in two shapes chosen for their cardinality.
///
/// "Sync failures per connection" is a question about thousands of sellers: a series per
/// connection would mean 10,000 series for one alert, most of them flat zeros, and a new series
/// each time a seller connects. So the alert reads one gauge, the number of connections failing
/// right now (`opside_sync_connections_failing`), and the failures themselves are counted by
/// dataset (`opside_sync_failures_total{dataset, outcome}`, a dozen datasets times two outcomes),
/// which says what is breaking. Which connections fail is a question for the database and the
/// runs API (`GET /v1/sync/runs`), not for Prometheus.
public struct SyncFailureMetrics: LeaderGauges {
    /// A connection whose runs of the last two days ended this way, on its latest run of some
    /// dataset, is failing. `needs_reauthorization` is left out: only the seller can fix it, and
    /// the seller is told.
    static let failingStates = ["failed", "retrying"]
    private let connectionsFailing: WithdrawableGauge

    /// - Parameter factory: the process's metrics (the default), or a test's own registry.
    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        connectionsFailing = WithdrawableGauge("opside_sync_connections_failing", factory: factory)
    }

    /// Counts a failed attempt of a dataset's sync: `retrying` (transient, the queue tries again)
    /// or `failed` (given up).
    static func count(dataset: String, outcome: String) {
        Counter(label: "opside_sync_failures_total", dimensions: [("dataset", dataset), ("outcome", outcome)]).increment()
    }

    /// Creates the counters at start, at zero, for every dataset: a rate over a series that
    /// appears only at its first failure misses that failure.
    static func registerCounters() {
        for dataset in SyncDataset.allCases {
            for outcome in ["retrying", "failed"] {
                _ = Counter(label: "opside_sync_failures_total", dimensions: [("dataset", dataset.rawValue), ("outcome", outcome)])
            }
        }
    }

    public func refresh(on database: Database, logger: Logger) async throws {
        let states = Self.failingStates
        let failing = try await database.withTransaction { connection in
            try await connection.query("SET TRANSACTION READ ONLY", logger: logger)
            try await connection.query("SELECT set_config('opside.metrics_read', 'on', true)", logger: logger)
            // Latest run per connection and dataset among the last two days' (the
            // sync_runs_by_connection index order); imports have no schedule to fail on.
            let rows = try await connection.query("""
                SELECT count(DISTINCT connection_id)::bigint FROM (
                    SELECT DISTINCT ON (connection_id, dataset) connection_id, state
                    FROM amazon.sync_runs
                    WHERE queued_at > now() - interval '2 days' AND trigger <> 'import'
                    ORDER BY connection_id, dataset, queued_at DESC
                ) latest
                WHERE state = ANY(\(states))
                """, logger: logger)
            for try await count in rows.decode(Int64.self) { return count }
            return 0
        }
        connectionsFailing.set(Double(failing))
    }

    public func withdraw() { connectionsFailing.withdraw() }
}
