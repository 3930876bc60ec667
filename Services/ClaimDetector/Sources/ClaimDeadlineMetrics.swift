import Foundation
import Logging
import Metrics
import OpsideJobs
import OpsidePostgres
import PostgresNIO

/// How many claimable claims are close to the last day they can be filed and still have no filed
/// case: money the suite found and is about to lose. One series per window (`within_days` 3 and
/// 7), never per tenant or claim: the dashboard's claim list says which.
///
/// Refreshed by the queue leader (`LeaderGauges`) with one query over the claimable claims due
/// within the week (a partial index on `deadline`), so its cost does not grow with the claims
/// already filed, resolved or expired.
public struct ClaimDeadlineMetrics: LeaderGauges {
    static let windows = [3, 7]
    private let gauges: [Int: WithdrawableGauge]

    /// - Parameter factory: the process's metrics (the default), or a test's own registry.
    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        gauges = Dictionary(uniqueKeysWithValues: Self.windows.map {
            ($0, WithdrawableGauge("opside_claims_unfiled_near_deadline", dimensions: [("within_days", String($0))], factory: factory))
        })
    }

    public func refresh(on database: Database, logger: Logger) async throws {
        let widest = Self.windows.max() ?? 7
        // Deadlines are calendar days; today is the UTC day, as the claims' deadlines are kept.
        let counts = try await database.withTransaction { connection in
            try await connection.query("SET TRANSACTION READ ONLY", logger: logger)
            try await connection.query("SELECT set_config('opside.metrics_read', 'on', true)", logger: logger)
            let rows = try await connection.query("""
                SELECT (c.deadline - (now() AT TIME ZONE 'UTC')::date)::integer AS days_left, count(*)::bigint
                FROM claims.claims c
                WHERE c.status = 'claimable'
                  AND c.deadline >= (now() AT TIME ZONE 'UTC')::date
                  AND c.deadline <= (now() AT TIME ZONE 'UTC')::date + \(Int32(widest))
                  AND NOT EXISTS (SELECT 1 FROM claims.case_outcomes o
                                  WHERE o.tenant_id = c.tenant_id AND o.claim_id = c.claim_id AND o.filed_at IS NOT NULL)
                GROUP BY 1
                """, logger: logger)
            var byDaysLeft: [Int: Int64] = [:]
            for try await (daysLeft, count) in rows.decode((Int32, Int64).self) { byDaysLeft[Int(daysLeft)] = count }
            return byDaysLeft
        }
        for window in Self.windows {
            let total = counts.filter { $0.key <= window }.values.reduce(0, +)
            gauges[window]?.set(Double(total))
        }
    }

    public func withdraw() {
        for gauge in gauges.values { gauge.withdraw() }
    }
}
