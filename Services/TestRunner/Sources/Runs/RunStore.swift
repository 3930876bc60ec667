import Foundation
import Logging
import OpsideJobs
import OpsideCore
import OpsidePostgres
import PostgresNIO

/// `testruns.runs` and `testruns.results`: the runs' history. Nothing here belongs to a tenant.
public struct RunStore: Sendable {
    let database: Database
    let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    static let columns = """
        run_id, suites, trigger, requested_by, targets::text, status, passed, failed, skipped, error, requested_at, started_at, finished_at
        """

    /// Records a queued run and, in the same transaction, its job (`job`), so a run is never
    /// left queued without one; with `requestKey`, the run an earlier request with that key made
    /// (whether it was made now is the second value).
    func create(suites: [String], trigger: String, requestedBy: String, targets: [String: String], requestKey: String?,
                at now: Date, job: @escaping @Sendable (TestRun) throws -> NewJob) async throws -> (TestRun, created: Bool) {
        let logger = self.logger
        let runId = UUID()
        let targetsJSON = String(decoding: try OpsideJSON.encode(targets), as: UTF8.self)
        return try await database.withTransaction { db in
            let inserted = try await Self.decode(try await db.query("""
                INSERT INTO testruns.runs (run_id, suites, trigger, requested_by, request_key, targets, requested_at)
                VALUES (\(runId), \(suites), \(trigger), \(requestedBy), \(requestKey), \(targetsJSON)::jsonb, \(now))
                ON CONFLICT (request_key) DO NOTHING
                RETURNING \(unescaped: Self.columns)
                """, logger: logger)).first
            if let inserted {
                try await JobQueue.enqueue(try job(inserted), on: db, logger: logger)
                return (inserted, true)
            }
            guard let requestKey, let earlier = try await Self.decode(try await db.query(
                "SELECT \(unescaped: Self.columns) FROM testruns.runs WHERE request_key = \(requestKey)", logger: logger)).first else {
                throw DatabaseError.unavailable("the run was neither inserted nor found")
            }
            return (earlier, false)
        }
    }

    /// Marks a queued (or, after a lost worker, running) run as running; its earlier results go.
    /// - Returns: the run, or nil when it is finished already (a duplicate job).
    func start(runId: UUID, at now: Date) async throws -> TestRun? {
        let logger = self.logger
        return try await database.withTransaction { db in
            try await db.query("DELETE FROM testruns.results WHERE run_id = \(runId)", logger: logger)
            return try await Self.decode(try await db.query("""
                UPDATE testruns.runs SET status = 'running', started_at = \(now), passed = 0, failed = 0, skipped = 0, error = NULL
                WHERE run_id = \(runId) AND status IN ('queued', 'running')
                RETURNING \(unescaped: Self.columns)
                """, logger: logger)).first
        }
    }

    /// Stores the cases and the verdict, then drops the oldest runs past `keep`.
    func finish(runId: UUID, results: [CaseResult], error: String?, at now: Date, keep: Int) async throws {
        let logger = self.logger
        let passed = results.count { $0.outcome == .passed }
        let failed = results.count { $0.outcome == .failed }
        let skipped = results.count { $0.outcome == .skipped }
        let status = error != nil ? "error" : failed > 0 ? "failed" : "passed"
        try await database.withTransaction { db in
            for (position, result) in results.enumerated() {
                try await db.query("""
                    INSERT INTO testruns.results (run_id, position, suite, name, service, outcome, duration_ms, message)
                    VALUES (\(runId), \(position), \(result.suite), \(result.name), \(result.service), \(result.outcome.rawValue),
                            \(result.durationMilliseconds), \(result.message))
                    """, logger: logger)
            }
            try await db.query("""
                UPDATE testruns.runs SET status = \(status), passed = \(passed), failed = \(failed), skipped = \(skipped),
                       error = \(error), finished_at = \(now)
                WHERE run_id = \(runId)
                """, logger: logger)
            try await db.query("""
                DELETE FROM testruns.runs WHERE run_id IN (
                    SELECT run_id FROM testruns.runs ORDER BY requested_at DESC OFFSET \(keep))
                """, logger: logger)
        }
    }

    /// A run with its cases.
    public func run(_ runId: UUID) async throws -> TestRun? {
        let logger = self.logger
        return try await database.withConnection { db in
            guard var run = try await Self.decode(try await db.query(
                "SELECT \(unescaped: Self.columns) FROM testruns.runs WHERE run_id = \(runId)", logger: logger)).first else { return nil }
            var results: [CaseResult] = []
            for try await r in try await db.query("""
                SELECT suite, name, service, outcome, duration_ms, message FROM testruns.results WHERE run_id = \(runId) ORDER BY position
                """, logger: logger).decode((String, String, String?, String, Int32, String?).self) {
                results.append(CaseResult(suite: r.0, name: r.1, service: r.2, outcome: CaseResult.Outcome(rawValue: r.3) ?? .failed,
                                          durationMilliseconds: Int(r.4), message: r.5))
            }
            run.results = results
            return run
        }
    }

    /// The newest runs first, optionally only those that ran `suite`.
    public func history(limit: Int, suite: String?) async throws -> [TestRun] {
        let logger = self.logger
        return try await database.withConnection { db in
            if let suite {
                return try await Self.decode(try await db.query("""
                    SELECT \(unescaped: Self.columns) FROM testruns.runs WHERE \(suite) = ANY(suites)
                    ORDER BY requested_at DESC LIMIT \(limit)
                    """, logger: logger))
            }
            return try await Self.decode(try await db.query(
                "SELECT \(unescaped: Self.columns) FROM testruns.runs ORDER BY requested_at DESC LIMIT \(limit)", logger: logger))
        }
    }

    static func decode(_ rows: PostgresRowSequence) async throws -> [TestRun] {
        var runs: [TestRun] = []
        for try await r in rows.decode((UUID, [String], String, String, String, String, Int32, Int32, Int32, String?, Date, Date?, Date?).self) {
            let targets = (try? JSONDecoder().decode([String: String].self, from: Data(r.4.utf8))) ?? [:]
            runs.append(TestRun(runId: r.0, suites: r.1, trigger: r.2, requestedBy: r.3, targets: targets, status: TestRun.Status(rawValue: r.5) ?? .error,
                                passed: Int(r.6), failed: Int(r.7), skipped: Int(r.8), error: r.9, requestedAt: r.10, startedAt: r.11,
                                finishedAt: r.12, results: nil))
        }
        return runs
    }
}
