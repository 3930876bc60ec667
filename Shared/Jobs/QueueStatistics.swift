import Logging
import OpsidePostgres
import PostgresNIO

/// Keeps PostgreSQL's statistics of `platform.jobs` current through bursts, which autovacuum
/// notices too late for a queue.
///
/// The queue table swings from nearly empty to tens of thousands of rows in a second (the daily
/// detection of 10,000 sellers, an agency's first syncs). Until the next ANALYZE the planner
/// believes the old, small row count and plans the claim's round-robin walk over tenants as a
/// sort of every available job per step instead of a walk down `jobs_fetch`: 1.5 s a claim with
/// 40,000 jobs instead of 2 ms (measured, `Benchmarks/run fairness`). Autovacuum looks once a
/// minute at best, so the queue leader looks each time round (about once a second): when the
/// live rows have more than doubled since the last analysis, by at least `minimumGrowth`, it
/// analyzes the table then (a few milliseconds: ANALYZE samples).
enum QueueStatistics {
    static let minimumGrowth: Double = 1_000

    /// Analyzes `platform.jobs` when it has grown past what the planner knows.
    /// - Returns: whether it analyzed.
    @discardableResult
    static func refreshIfGrown(database: Database, logger: Logger) async throws -> Bool {
        try await database.withConnection { connection in
            var grown = false
            let rows = try await connection.query("""
                SELECT s.n_live_tup::float8, c.reltuples::float8 FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
                WHERE s.relid = 'platform.jobs'::regclass
                """, logger: logger)
            for try await (live, known) in rows.decode((Double, Double).self) {
                // reltuples is -1 until the table was first analyzed.
                grown = live > max(0, known) * 2 + minimumGrowth
            }
            guard grown else { return false }
            try await connection.query("ANALYZE platform.jobs", logger: logger)
            logger.debug("analyzed platform.jobs after a burst of jobs")
            return true
        }
    }
}
