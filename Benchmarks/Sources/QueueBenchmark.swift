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

    @OptionGroup var servers: ServerOptions
    @Option(help: "No-op jobs for the throughput run.") var jobs = 20_000
    @Option(help: "Jobs run at once by the one worker process.") var concurrency = 100
    @Option(help: "Jobs claimed per round trip.") var batch = 100
    @Option(help: "Latency samples with Redis wake-ups.") var samples = 400

    func run() async throws {
        var logger = Logger(label: "opside.bench")
        logger.logLevel = .error
        let redis = servers.redis()
        print("Opside job queue benchmark: PostgreSQL \(servers.postgresHost):\(servers.postgresPort), Redis \(servers.redisHost):\(servers.redisPort)")
        try await servers.withScratchDatabase(maxConnections: 20, logger: logger) { settings in
            let throughput = try await measureThroughput(settings: settings, redis: redis, logger: logger)
            print(String(format: "throughput: %d no-op jobs in %.2f s = %.0f jobs/s (one worker process, concurrency %d, claim batch %d; goal >= 2000/s)",
                         jobs, throughput.seconds, Double(jobs) / throughput.seconds, concurrency, batch))
            let withRedis = try await measureLatency(settings: settings, redis: redis, useRedis: true, samples: samples, spacing: .milliseconds(15), logger: logger)
            print(String(format: "latency with Redis wake-ups (%d samples): p50 %.1f ms, p99 %.1f ms, max %.1f ms (goal p99 < 50 ms)",
                         withRedis.count, percentile(withRedis, 0.5), percentile(withRedis, 0.99), withRedis.max() ?? 0))
            let polling = try await measureLatency(settings: settings, redis: redis, useRedis: false, samples: 60, spacing: .milliseconds(137), logger: logger)
            print(String(format: "latency by polling only, 1 s interval (%d samples): p50 %.1f ms, p99 %.1f ms, max %.1f ms (goal p99 < 1500 ms)",
                         polling.count, percentile(polling, 0.5), percentile(polling, 0.99), polling.max() ?? 0))
        }
        try await redis.shutdown()
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
                latencies.append(max(0, milliseconds(elapsed)))
            }
            group.cancelAll()
            return latencies.sorted()
        }
    }
}

@main
struct OpsideBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "opside-bench", abstract: "Opside platform benchmarks; each prints its figures.",
        subcommands: [QueueBenchmark.self, FairnessBenchmark.self, RateLimitBucketBenchmark.self])
}
