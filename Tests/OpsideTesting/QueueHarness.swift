import Foundation
import Logging
import NIOConcurrencyHelpers
import OpsideCore
import OpsideJobs
import OpsidePostgres
import OpsideRedis
import ServiceLifecycle
import Testing

/// A migrated test database with the job queue on it, and helpers to run workers in-process as
/// separate "processes" (each with its own pool and worker id).
public struct QueueHarness: Sendable {
    public let database: TestDatabase

    public static func make() async throws -> QueueHarness {
        let database = try await TestDatabase.create()
        let harness = QueueHarness(database: database)
        _ = try await harness.withDatabase { try await PlatformMigrations.migrator().apply(on: $0) }
        return harness
    }

    /// Runs `body` with a live pool connected as the test-runner service role.
    public func withDatabase<T: Sendable>(_ body: @Sendable (Database) async throws -> T) async throws -> T {
        let db = Database(settings: database.settings(for: .testRunner), logger: TestEnvironment.logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { await db.client.run(); return nil }
            let result = try await body(db)
            group.cancelAll()
            return result
        }
    }

    public func redis() throws -> RedisClient {
        RedisClient(settings: RedisSettings(host: TestEnvironment.redisHost, port: try TestEnvironment.redisPort()))
    }

    /// Starts `count` workers (each with its own pool, like separate processes) plus whatever
    /// extra services are given, runs `body`, then shuts them all down gracefully.
    public func withWorkers<T: Sendable>(
        count: Int = 1, queues: [String], registry: JobRegistry, settings: JobWorkerSettings,
        redis: RedisClient? = nil, subscribe: Bool = false, maintenance: [CronEntry]? = nil,
        wallClock: any WallClock = SystemWallClock(),
        _ body: @Sendable (JobQueue) async throws -> T
    ) async throws -> T {
        var services: [any Service] = []
        var subscriber: RedisSubscriber?
        if subscribe {
            let channels = JobWorker.channels(for: queues)
            let created = RedisSubscriber(settings: try self.redis().settings, channels: channels, logger: TestEnvironment.logger)
            subscriber = created
            services.append(created)
        }
        for index in 0..<count {
            let db = Database(settings: database.settings(for: .testRunner), logger: TestEnvironment.logger)
            services.append(DatabaseService(database: db))
            let jobQueue = JobQueue(database: db, redis: redis, logger: TestEnvironment.logger)
            services.append(JobWorker(queues: queues, jobQueue: jobQueue, registry: registry, settings: settings,
                                      subscriber: subscriber, logger: TestEnvironment.logger, workerID: "worker-\(index)-\(UUID().uuidString.prefix(6))"))
            if let maintenance {
                services.append(QueueMaintenance(leaderName: "tests", queues: queues, jobQueue: jobQueue, cron: maintenance,
                                                 settings: settings, logger: TestEnvironment.logger, wallClock: wallClock))
            }
        }
        let group = ServiceGroup(services: services, gracefulShutdownSignals: [], cancellationSignals: [], logger: TestEnvironment.logger)
        let running = Task { try await group.run() }
        do {
            let result = try await withDatabase { db in
                try await body(JobQueue(database: db, redis: redis, logger: TestEnvironment.logger))
            }
            await group.triggerGracefulShutdown()
            try await running.value
            return result
        } catch {
            await group.triggerGracefulShutdown()
            _ = try? await running.value
            throw error
        }
    }

    public func count(_ sql: String) async throws -> Int { try await database.count(sql) }
}

/// Records what handlers ran, from any thread.
public final class ExecutionLog: Sendable {
    private let entries = NIOLockedValueBox<[(id: Int64, tenant: UUID?, at: ContinuousClock.Instant, attempt: Int)]>([])

    public init() {}

    public func record(_ job: ClaimedJob) {
        entries.withLockedValue { $0.append((job.id, job.tenantID, .now, job.attempt)) }
    }

    public var ids: [Int64] { entries.withLockedValue { $0.map(\.id) } }
    public var tenants: [UUID?] { entries.withLockedValue { $0.map(\.tenant) } }
    public var instants: [ContinuousClock.Instant] { entries.withLockedValue { $0.map(\.at) } }
    public var attempts: [Int] { entries.withLockedValue { $0.map(\.attempt) } }
    public var count: Int { entries.withLockedValue { $0.count } }
}

/// A switch a test flips while workers run.
public final class Flag: Sendable {
    private let value: NIOLockedValueBox<Bool>
    public init(_ initial: Bool) { value = NIOLockedValueBox(initial) }
    public var isOn: Bool { value.withLockedValue { $0 } }
    public func set(_ newValue: Bool) { value.withLockedValue { $0 = newValue } }
}

public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(description: String) { self.description = description }
}
