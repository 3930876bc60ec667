import ArgumentParser
import Foundation
import Logging
import NIOConcurrencyHelpers
import OpsideBenchmarkSupport
import OpsideJobs
import OpsidePostgres
import OpsideRedis
import PostgresNIO
import ServiceLifecycle

/// `opside-bench queue`: the job queue's throughput and enqueue-to-start latency against a real
/// PostgreSQL and Redis. It creates its own database (bootstrapped like production) and drops it.
struct QueueBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "queue", abstract: "Job queue throughput and latency.")

    @Option(help: "PostgreSQL host.") var postgresHost = "127.0.0.1"
    @Option(help: "PostgreSQL port.") var postgresPort = 5432
    @Option(help: "A superuser that can create the benchmark database.") var postgresSuperuser = "postgres"
    @Option(help: "Redis host.") var redisHost = "127.0.0.1"
    @Option(help: "Redis port.") var redisPort = 6379
    @Option(help: "No-op jobs for the throughput run.") var jobs = 20_000
    @Option(help: "Jobs run at once by the one worker process.") var concurrency = 100
    @Option(help: "Jobs claimed per round trip.") var batch = 100
    @Option(help: "Latency samples with Redis wake-ups.") var samples = 400

    func run() async throws {
        var logger = Logger(label: "opside.bench")
        logger.logLevel = .error
        let name = "opside_bench_\(UInt32.random(in: 0...UInt32.max))"
        let bootstrap = try String(contentsOfFile: "deploy/sql/bootstrap.sql", encoding: .utf8)
        try await superuser(database: "postgres", logger: logger) { try await $0.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger) }
        try await superuser(database: name, logger: logger) { try await SQLScript.run(bootstrap, on: $0, logger: logger) }
        let settings = PostgresSettings(host: postgresHost, port: postgresPort, database: name, user: "opside_test_runner",
                                        password: Self.environment("POSTGRES_PASSWORD"), maxConnections: 20)
        let redis = RedisClient(settings: RedisSettings(host: redisHost, port: redisPort, password: Self.environment("REDIS_PASSWORD")))

        print("Opside job queue benchmark: PostgreSQL \(postgresHost):\(postgresPort), Redis \(redisHost):\(redisPort)")
        let throughput = try await measureThroughput(settings: settings, redis: redis, logger: logger)
        print(String(format: "throughput: %d no-op jobs in %.2f s = %.0f jobs/s (one worker process, concurrency %d, claim batch %d; goal >= 2000/s)",
                     jobs, throughput.seconds, Double(jobs) / throughput.seconds, concurrency, batch))
        let withRedis = try await measureLatency(settings: settings, redis: redis, useRedis: true, samples: samples, spacing: .milliseconds(15), logger: logger)
        print(String(format: "latency with Redis wake-ups (%d samples): p50 %.1f ms, p99 %.1f ms, max %.1f ms (goal p99 < 50 ms)",
                     withRedis.count, percentile(withRedis, 0.5), percentile(withRedis, 0.99), withRedis.max() ?? 0))
        let polling = try await measureLatency(settings: settings, redis: redis, useRedis: false, samples: 60, spacing: .milliseconds(137), logger: logger)
        print(String(format: "latency by polling only, 1 s interval (%d samples): p50 %.1f ms, p99 %.1f ms, max %.1f ms (goal p99 < 1500 ms)",
                     polling.count, percentile(polling, 0.5), percentile(polling, 0.99), polling.max() ?? 0))
        try await redis.shutdown()
        try await superuser(database: "postgres", logger: logger) {
            try await $0.query(PostgresQuery(unsafeSQL: "DROP DATABASE \(name) WITH (FORCE)"), logger: logger)
        }
    }

    /// Passwords come from the environment (deploy/up writes them to .run/secrets.env, which
    /// Benchmarks/run reads), never from the command line: `POSTGRES_SUPERUSER_PASSWORD`,
    /// `POSTGRES_PASSWORD` (the service roles'), `REDIS_PASSWORD`.
    static func environment(_ name: String) -> String? {
        ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    private func superuser(database: String, logger: Logger, _ body: (PostgresConnection) async throws -> Void) async throws {
        let connection = try await PostgresConnection.connect(
            configuration: .init(host: postgresHost, port: postgresPort, username: postgresSuperuser,
                                 password: Self.environment("POSTGRES_SUPERUSER_PASSWORD"), database: database, tls: .disable),
            id: 1, logger: logger)
        try await body(connection)
        try await connection.close()
    }

    /// Enqueues `jobs` no-op jobs, then times one worker from start until every job is completed in the database.
    private func measureThroughput(settings: PostgresSettings, redis: RedisClient, logger: Logger) async throws -> (seconds: Double, Void) {
        let database = Database(settings: settings, logger: logger)
        let queue = JobQueue(database: database, redis: redis, logger: logger)
        var registry = JobRegistry()
        registry.register("bench.noop") { _, _ in }
        let worker = JobWorker(queues: ["bench"], jobQueue: queue, registry: registry,
                               settings: JobWorkerSettings(concurrency: concurrency, claimBatch: batch, pollInterval: .milliseconds(50)),
                               subscriber: nil, logger: logger)
        let result: Double = try await withThrowingTaskGroup(of: Double?.self) { group in
            group.addTask { await database.client.run(); return nil }
            try await PlatformMigrations.migrator().apply(on: database)
            var enqueued = 0
            while enqueued < jobs {
                let count = min(5000, jobs - enqueued)
                try await queue.enqueueBatch(queue: "bench", kind: "bench.noop", arguments: Array(repeating: "{}", count: count),
                                             tenantIDs: (0..<count).map { _ in nil })
                enqueued += count
            }
            let serviceGroup = ServiceGroup(services: [worker], gracefulShutdownSignals: [], cancellationSignals: [], logger: logger)
            let start = ContinuousClock.now
            group.addTask { try await serviceGroup.run(); return nil }
            while try await count(database, "SELECT count(*) FROM platform.jobs WHERE state = 'completed'", logger: logger) < jobs {
                try await Task.sleep(for: .milliseconds(20))
            }
            let elapsed = ContinuousClock.now - start
            await serviceGroup.triggerGracefulShutdown()
            group.cancelAll()
            return seconds(elapsed)
        }
        return (result, ())
    }

    /// Enqueues one job at a time into an idle worker and records enqueue-commit to handler start.
    private func measureLatency(settings: PostgresSettings, redis: RedisClient, useRedis: Bool, samples: Int,
                                spacing: Duration, logger: Logger) async throws -> [Double] {
        let database = Database(settings: settings, logger: logger)
        let queueName = useRedis ? "bench-latency-redis" : "bench-latency-poll"
        let queue = JobQueue(database: database, redis: useRedis ? redis : nil, logger: logger)
        let starts = NIOLockedValueBox<[Int64: ContinuousClock.Instant]>([:])
        var registry = JobRegistry()
        registry.register("bench.latency") { job, _ in starts.withLockedValue { $0[job.id] = .now } }
        let subscriber = useRedis ? RedisSubscriber(settings: redis.settings, channels: JobWorker.channels(for: [queueName]), logger: logger) : nil
        let worker = JobWorker(queues: [queueName], jobQueue: queue, registry: registry,
                               settings: JobWorkerSettings(concurrency: 10, claimBatch: 10, pollInterval: .seconds(1)),
                               subscriber: subscriber, logger: logger)
        return try await withThrowingTaskGroup(of: [Double]?.self) { group in
            group.addTask { await database.client.run(); return nil }
            var services: [any Service] = [worker]
            if let subscriber { services.insert(subscriber, at: 0) }
            let serviceGroup = ServiceGroup(services: services, gracefulShutdownSignals: [], cancellationSignals: [], logger: logger)
            group.addTask { try await serviceGroup.run(); return nil }
            try await Task.sleep(for: .seconds(1))
            var enqueuedAt: [Int64: ContinuousClock.Instant] = [:]
            for _ in 0..<samples {
                let committed: Int64? = try await database.withTransaction { connection in
                    try await JobQueue.enqueue(NewJob(queue: queueName, kind: "bench.latency"), on: connection, logger: logger)
                }
                let id = committed ?? -1
                enqueuedAt[id] = .now
                await queue.wake(queues: [queueName])
                try await Task.sleep(for: spacing)
            }
            try await Task.sleep(for: .seconds(2))
            await serviceGroup.triggerGracefulShutdown()
            let started = starts.withLockedValue { $0 }
            var latencies: [Double] = []
            for (id, enqueued) in enqueuedAt {
                guard let start = started[id] else { continue }
                let elapsed = start - enqueued
                latencies.append(max(0, Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15))
            }
            group.cancelAll()
            return latencies.sorted()
        }
    }

    private func count(_ database: Database, _ sql: String, logger: Logger) async throws -> Int {
        try await database.withConnection { connection in
            for try await value in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).decode(Int64.self) { return Int(value) }
            return 0
        }
    }

    private func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.up)) - 1)]
    }
}

@main
struct OpsideBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "opside-bench", abstract: "Opside platform benchmarks; each prints its figures.",
        subcommands: [QueueBenchmark.self])
}
