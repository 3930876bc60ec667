import Foundation
import OpsideJobs
import OpsidePostgres
import OpsideTesting
import Testing

/// The Postgres job queue against a real PostgreSQL: exactly-once execution under concurrency,
/// unique jobs, retries with backoff, the dead-letter state, rescue after SIGKILL, cancellation,
/// graceful hand-back, per-tenant fairness and cron with one leader.
@Suite struct JobQueueTests {
    static let fast = JobWorkerSettings(concurrency: 8, claimBatch: 16, pollInterval: .milliseconds(100),
                                        shutdownGrace: .seconds(5), rescueInterval: .milliseconds(300), leaderTTLSeconds: 2)

    @Test func concurrentWorkersRunEveryJobExactlyOnce() async throws {
        let harness = try await QueueHarness.make()
        let log = ExecutionLog()
        var registry = JobRegistry()
        registry.register("test.noop") { job, _ in log.record(job) }
        let jobCount = 1000
        try await harness.withWorkers(count: 4, queues: ["exact"], registry: registry, settings: Self.fast) { queue in
            let tenants = (0..<5).map { _ in UUID() }
            try await queue.enqueueBatch(queue: "exact", kind: "test.noop", arguments: (0..<jobCount).map { "{\"n\":\($0)}" },
                                         tenantIDs: (0..<jobCount).map { tenants[$0 % tenants.count] })
            let done = try await eventually(timeout: .seconds(60)) {
                try await harness.count("SELECT count(*) FROM platform.jobs WHERE state = 'completed'") == jobCount
            }
            #expect(done)
        }
        #expect(log.count == jobCount)
        #expect(Set(log.ids).count == jobCount, "no job ran twice")
        #expect(try await harness.count("SELECT count(*) FROM platform.jobs WHERE attempt <> 1") == 0)
    }

    @Test func uniqueJobEnqueuedTwiceRunsOnce() async throws {
        let harness = try await QueueHarness.make()
        let log = ExecutionLog()
        var registry = JobRegistry()
        registry.register("test.unique") { job, _ in log.record(job) }
        try await harness.withWorkers(queues: ["unique"], registry: registry, settings: Self.fast) { queue in
            // Scheduled an hour ahead, so the first is surely still waiting when the second comes
            // (half a second was not, on a loaded machine); then made due by hand.
            let job = NewJob(queue: "unique", kind: "test.unique", scheduledAt: Date().addingTimeInterval(3600), uniqueKey: "sync:tenant-1:orders")
            let first = try await queue.enqueue(job)
            let second = try await queue.enqueue(job)
            #expect(first != nil)
            #expect(second == nil, "a live job with the same key exists, so nothing is inserted")
            _ = try await harness.count("""
                WITH due AS (UPDATE platform.jobs SET state = 'available', scheduled_at = now() WHERE unique_key = 'sync:tenant-1:orders'
                             RETURNING 1)
                SELECT count(*) FROM due
                """)
            await queue.wake(queues: ["unique"])
            #expect(try await eventually { log.count == 1 })
            // Once the first has finished, the key is free again.
            #expect(try await eventually {
                try await harness.count("SELECT count(*) FROM platform.jobs WHERE state = 'completed'") == 1
            })
            let later = NewJob(queue: "unique", kind: "test.unique", uniqueKey: "sync:tenant-1:orders")
            #expect(try await queue.enqueue(later) != nil)
            #expect(try await eventually { log.count == 2 })
        }
        #expect(log.count == 2)
    }

    @Test func failuresRetryWithBackoffThenAreDiscardedAndCanBeRerun() async throws {
        let harness = try await QueueHarness.make()
        let log = ExecutionLog()
        let succeed = Flag(false)
        var registry = JobRegistry()
        let policy = RetryPolicy(baseSeconds: 0.3, exponent: 1, capSeconds: 10, jitter: 0)
        registry.register("test.flaky", retryPolicy: policy) { job, _ in
            log.record(job)
            if !succeed.isOn { throw TestFailure(description: "supplier API said no (attempt \(job.attempt))") }
        }
        try await harness.withWorkers(queues: ["flaky"], registry: registry, settings: Self.fast) { queue in
            let id = try #require(try await queue.enqueue(NewJob(queue: "flaky", kind: "test.flaky", maxAttempts: 3)))
            #expect(try await eventually {
                try await harness.count("SELECT count(*) FROM platform.jobs WHERE id = \(id) AND state = 'discarded'") == 1
            })
            #expect(log.attempts == [1, 2, 3])
            let instants = log.instants
            try #require(instants.count == 3)
            #expect(instants[1] - instants[0] >= .milliseconds(290), "second attempt waits the backoff after the first")
            #expect(instants[2] - instants[1] >= .milliseconds(590), "the backoff grows with the attempt")
            #expect(try await harness.count("SELECT jsonb_array_length(errors) FROM platform.jobs WHERE id = \(id)") == 3)

            let discarded = try await queue.list(queues: ["flaky"], state: .discarded)
            #expect(discarded.map(\.id) == [id], "the dead-letter state is visible")

            succeed.set(true)
            #expect(try await queue.retry(id: id, queues: ["flaky"]))
            #expect(try await eventually {
                try await harness.count("SELECT count(*) FROM platform.jobs WHERE id = \(id) AND state = 'completed' AND attempt = 4") == 1
            })
        }
        #expect(log.count == 4)
    }

    @Test func jobOfAWorkerKilledMidRunIsRescuedAndCompletedOnce() async throws {
        let harness = try await QueueHarness.make()
        let jobID = try await harness.withDatabase { db in
            try await JobQueue(database: db, redis: nil, logger: TestEnvironment.logger).enqueue(
                try NewJob(queue: "rescue", kind: "test.sleep", arguments: ["seconds": 60], leaseSeconds: 600))
        }
        let id = try #require(jobID)

        let process = Process()
        process.executableURL = TestEnvironment.executable("opside-test-worker")
        process.environment = [
            "POSTGRES_HOST": harness.database.host, "POSTGRES_PORT": String(harness.database.port),
            "POSTGRES_DATABASE": harness.database.name, "POSTGRES_USER": "opside_test_runner", "OPSIDE_TEST_QUEUE": "rescue",
        ]
        try process.run()
        let claimed = try await eventually(timeout: .seconds(30)) {
            try await harness.count("SELECT count(*) FROM platform.jobs WHERE id = \(id) AND state = 'running' AND attempted_by = 'test-worker-\(process.processIdentifier)'") == 1
        }
        #expect(claimed, "the separate worker process claimed the job")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        // The lease runs on the database's clock, the one every replica shares; the test moves
        // that lease past its end instead of waiting for it to lapse.
        _ = try await harness.database.withSuperuser { connection in
            try await connection.query("""
                UPDATE platform.jobs SET lease_expires_at = now() - interval '1 second' WHERE id = \(id)
                """, logger: TestEnvironment.logger)
        }

        let log = ExecutionLog()
        var registry = JobRegistry()
        registry.register("test.sleep", retryPolicy: RetryPolicy(baseSeconds: 0.1, exponent: 1, jitter: 0)) { job, _ in log.record(job) }
        let rescued = try await harness.withWorkers(queues: ["rescue"], registry: registry, settings: Self.fast, maintenance: []) { _ in
            try await eventually(timeout: .seconds(30)) {
                try await harness.count("SELECT count(*) FROM platform.jobs WHERE id = \(id) AND state = 'completed'") == 1
            }
        }
        #expect(rescued)
        #expect(log.ids == [id], "completed once, by the surviving worker")
        #expect(try await harness.count("SELECT attempt FROM platform.jobs WHERE id = \(id)") == 2)
        #expect(try await harness.count("SELECT rescue_count FROM platform.jobs WHERE id = \(id)") == 1)
        #expect(try await harness.count("SELECT count(*) FROM platform.jobs WHERE id = \(id) AND errors::text LIKE '%lease expired%'") == 1)
    }

    @Test func runningJobCancelsOnRequest() async throws {
        let harness = try await QueueHarness.make()
        let started = Flag(false)
        var registry = JobRegistry()
        registry.register("test.long") { _, _ in
            started.set(true)
            try await Task.sleep(for: .seconds(60))
        }
        let redis = try harness.redis()
        try await harness.withWorkers(queues: ["cancel"], registry: registry, settings: Self.fast, redis: redis, subscribe: true) { queue in
            let id = try #require(try await queue.enqueue(NewJob(queue: "cancel", kind: "test.long")))
            #expect(try await eventually { started.isOn })
            #expect(try await queue.cancel(id: id, queues: ["cancel"]) == .running)
            #expect(try await eventually(timeout: .seconds(10)) {
                try await harness.count("SELECT count(*) FROM platform.jobs WHERE id = \(id) AND state = 'cancelled'") == 1
            })
            // A job that is not running is cancelled at once, and a finished one cannot be.
            let waiting = try #require(try await queue.enqueue(NewJob(queue: "cancel", kind: "test.long", scheduledAt: Date().addingTimeInterval(3600))))
            #expect(try await queue.cancel(id: waiting, queues: ["cancel"]) == .cancelled)
            #expect(try await queue.cancel(id: waiting, queues: ["cancel"]) == nil)
        }
        try await redis.shutdown()
    }

    @Test func gracefulShutdownHandsRunningJobsBack() async throws {
        let harness = try await QueueHarness.make()
        let started = Flag(false)
        var registry = JobRegistry()
        registry.register("test.long") { _, _ in
            started.set(true)
            try await Task.sleep(for: .seconds(60))
        }
        var settings = Self.fast
        settings.shutdownGrace = .milliseconds(300)
        let id: Int64 = try await harness.withWorkers(queues: ["drain"], registry: registry, settings: settings) { queue in
            let id = try #require(try await queue.enqueue(NewJob(queue: "drain", kind: "test.long")))
            #expect(try await eventually { started.isOn })
            return id
        }
        #expect(try await harness.count("SELECT count(*) FROM platform.jobs WHERE id = \(id) AND state = 'available' AND attempt = 0") == 1,
                "the interrupted job is available again without having spent an attempt")
    }

    @Test func oneBigTenantCannotStarveAnother() async throws {
        let harness = try await QueueHarness.make()
        let log = ExecutionLog()
        var registry = JobRegistry()
        registry.register("test.fair") { job, _ in
            log.record(job)
            try await Task.sleep(for: .milliseconds(5))
        }
        let big = UUID()
        let small = UUID()
        try await harness.withDatabase { db in
            let queue = JobQueue(database: db, redis: nil, logger: TestEnvironment.logger)
            try await queue.enqueueBatch(queue: "fair", kind: "test.fair", arguments: Array(repeating: "{}", count: 300),
                                         tenantIDs: Array(repeating: big, count: 300))
            try await queue.enqueueBatch(queue: "fair", kind: "test.fair", arguments: Array(repeating: "{}", count: 4),
                                         tenantIDs: Array(repeating: small, count: 4))
        }
        var settings = Self.fast
        settings.concurrency = 2
        settings.claimBatch = 2
        let enough = try await harness.withWorkers(queues: ["fair"], registry: registry, settings: settings) { _ in
            try await eventually(timeout: .seconds(60)) { log.count >= 40 }
        }
        #expect(enough)
        let positions = log.tenants.enumerated().filter { $0.element == small }.map(\.offset)
        #expect(positions.count == 4, "the small tenant's jobs all ran within the first \(log.count)")
        #expect((positions.max() ?? 1000) < 16, "small tenant positions \(positions): round-robin serves it early")
    }

    @Test func cronTicksAreEnqueuedOnceAcrossReplicas() async throws {
        let harness = try await QueueHarness.make()
        let log = ExecutionLog()
        var registry = JobRegistry()
        registry.register("test.tick") { job, _ in log.record(job) }
        let cron = [CronEntry(name: "every-second", schedule: try CronSchedule("@every 1s")) { tick in
            try NewJob(queue: "cron", kind: "test.tick", arguments: ["tick": tick.timeIntervalSince1970])
        }]
        // Cron time is a clock the test moves: ticks come due when it says, not as seconds pass.
        let clock = ManualWallClock(Date(timeIntervalSince1970: 1_800_000_000.5))
        let tickCount = "SELECT count(*) FROM platform.cron_ticks WHERE name = 'every-second'"
        try await harness.withWorkers(count: 3, queues: ["cron"], registry: registry, settings: Self.fast, maintenance: cron,
                                      wallClock: clock) { (_: JobQueue) async throws -> Void in
            // The leader's first look goes a minute back (a tick its predecessor missed is kept).
            // (Bounded waits for the replicas to start and elect a leader, generous for a loaded machine.)
            #expect(try await eventually(timeout: .seconds(90)) { try await harness.count(tickCount) == 60 })
            for second in 1...3 {
                clock.advance(by: 1)
                #expect(try await eventually(timeout: .seconds(60)) { try await harness.count(tickCount) == 60 + second }, "second \(second)")
            }
            #expect(try await eventually(timeout: .seconds(60)) { log.count == 63 })
        }
        let ticks = try await harness.count(tickCount)
        let jobs = try await harness.count("SELECT count(*) FROM platform.jobs WHERE kind = 'test.tick'")
        #expect(ticks == 63, "one tick per second of the clock, none twice")
        #expect(jobs == ticks, "one job per tick although three replicas ran the scheduler")
        #expect(try await harness.count("SELECT count(*) FROM platform.cron_ticks WHERE tick_at > '2027-01-15 08:00:00+00'") == 3)
        #expect(try await harness.count("SELECT count(DISTINCT args->>'tick') FROM platform.jobs WHERE kind = 'test.tick'") == jobs)
    }
}
