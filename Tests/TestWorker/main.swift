// A worker process for tests that must kill one (SIGKILL mid-job). It works the queue named in
// OPSIDE_TEST_QUEUE against the database named in the environment, with one job kind:
// `test.sleep` sleeps for the job's `seconds` argument.
import Foundation
import Logging
import OpsideJobs
import OpsidePostgres
import OpsideRedis
import ServiceLifecycle

struct SleepArguments: Codable, Sendable { let seconds: Double }

let environment = ProcessInfo.processInfo.environment
var logger = Logger(label: "opside.test-worker")
logger.logLevel = .warning
let database = Database(settings: PostgresSettings(
    host: environment["POSTGRES_HOST"] ?? "127.0.0.1", port: Int(environment["POSTGRES_PORT"] ?? "") ?? 5432,
    database: environment["POSTGRES_DATABASE"] ?? "opside", user: environment["POSTGRES_USER"] ?? "opside_test_runner"), logger: logger)
let jobQueue = JobQueue(database: database, redis: nil, logger: logger)
var registry = JobRegistry()
registry.register("test.sleep", arguments: SleepArguments.self) { arguments, _ in
    try await Task.sleep(for: .milliseconds(Int(arguments.seconds * 1000)))
}
let worker = JobWorker(queues: [environment["OPSIDE_TEST_QUEUE"] ?? "test"], jobQueue: jobQueue, registry: registry,
                       settings: JobWorkerSettings(concurrency: 4, pollInterval: .milliseconds(100)), subscriber: nil,
                       logger: logger, workerID: "test-worker-\(getpid())")
let group = ServiceGroup(services: [DatabaseService(database: database), worker], gracefulShutdownSignals: [.sigterm],
                         cancellationSignals: [], logger: logger)
try await group.run()
