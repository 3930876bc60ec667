import Foundation
import Logging
import OpsideBenchmarkSupport
import OpsideCore
import OpsideJobs
import OpsidePostgres
import OpsideStripe
import Payments
import PostgresNIO

// opside-payments-bench: payments' Stripe webhook intake at volume.
//
//   opside-payments-bench [--events 20000] [--duplicates 20] [--concurrency 16] [--keep]
//
// Into a scratch database (payments' migrations applied, as payments' role): N signed events,
// of which D % are delivered twice (Stripe delivers at least once), sent through the intake by C
// concurrent callers, as Stripe's deliveries reach payments at once. Each call verifies the
// signature (HMAC-SHA256 against the endpoint's secrets, the timestamp by the clock), reads the
// event, and keeps it once with its processing job in one transaction. Prints events per second
// and the latency distribution (p50, p99, max); then checks that every event was kept once with
// one job, and that the duplicates counted as deliveries. The HTTP layer in front (Hummingbird,
// the request middleware) is measured by `Benchmarks/run http`.
// Figures are printed, never asserted: not a test. Against deploy/up's PostgreSQL:
// `Benchmarks/run payments`.

let logger = benchmarkLogger("opside-payments-bench")
let reader = try await OpsideConfiguration.reader()
let postgres = BenchmarkPostgres(reader: reader)
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let eventCount = option("events", 20_000), duplicatePercent = option("duplicates", 20), concurrency = option("concurrency", 16)
let keep = CommandLine.arguments.contains("--keep")
let name = "opside_payments_bench_" + UUID().uuidString.prefix(8).lowercased()
let secret = "whsec_bench_" + UUID().uuidString

func withSuperuser(_ database: String, _ body: (PostgresConnection) async throws -> Void) async throws {
    try await postgres.withSuperuser(database, logger: logger, body)
}

func withPaymentsDatabase<T: Sendable>(_ body: @escaping @Sendable (Database) async throws -> T) async throws -> T {
    let database = Database(settings: PostgresSettings(host: postgres.host, port: postgres.port, database: name,
                                                       user: OpsideService.payments.databaseRole, password: postgres.servicePassword,
                                                       maxConnections: max(4, concurrency), leaseTimeout: .seconds(120)),
                            logger: logger)
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask {
            await database.client.run()
            return nil
        }
        defer { group.cancelAll() }
        return try await body(database)
    }
}

/// One delivery: the body and its signature header, made before the clock starts.
struct Delivery: Sendable {
    let body: [UInt8]
    let signature: String
}

func deliveries() -> [Delivery] {
    let now = Int(Date().timeIntervalSince1970)
    var made: [Delivery] = []
    made.reserveCapacity(eventCount + eventCount * duplicatePercent / 100)
    for index in 0..<eventCount {
        let body = Array("""
            {"id":"evt_bench\(index)","object":"event","api_version":"2026-10-28.endive","created":\(now),"livemode":false,\
            "pending_webhooks":1,"request":{"id":null,"idempotency_key":null},"type":"invoice.paid",\
            "data":{"object":{"id":"in_bench\(index)","object":"invoice","amount_paid":\(1000 + index % 5000),"currency":"usd",\
            "customer":"cus_bench\(index % 500)","status":"paid"}}}
            """.utf8)
        let delivery = Delivery(body: body, signature: StripeWebhookSignature.header(payload: body, secrets: [secret], timestamp: now))
        made.append(delivery)
        if index % 100 < duplicatePercent { made.append(delivery) }
    }
    // Stripe promises no order: the copies arrive anywhere in the stream.
    var generator = SystemRandomNumberGenerator()
    made.shuffle(using: &generator)
    return made
}

try await withSuperuser("postgres") { admin in
    try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
}
do {
    try await withSuperuser(name) { bootstrap in
        try await SQLScript.run(try String(contentsOf: repositoryRoot.appendingPathComponent("deploy/sql/bootstrap.sql"), encoding: .utf8),
                                on: bootstrap, logger: logger)
    }
    let all = deliveries()
    let figures = try await withPaymentsDatabase { database in
        for migrator in [try PlatformMigrations.migrator()] + (try PaymentsService.migrators()) { _ = try await migrator.apply(on: database) }
        let store = StripeEventsPostgresStore(database: database, jobs: JobQueue(database: database, redis: nil, logger: logger),
                                              queue: PaymentsService.queue, logger: logger)
        let intake = StripeWebhookIntake(settings: StripeWebhookSettings(secrets: [.account: [secret]]), store: store,
                                         clock: SystemWallClock(), logger: Logger(label: "intake", factory: { _ in SwiftLogNoOpLogHandler() }))
        let clock = ContinuousClock()
        let started = clock.now
        // C callers take the next delivery as they finish one, as Stripe's concurrent deliveries do.
        let next = Counter()
        let latencies = try await withThrowingTaskGroup(of: [Duration].self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var mine: [Duration] = []
                    while let index = next.take(below: all.count) {
                        let begin = clock.now
                        _ = try await intake.receive(all[index].body, signature: all[index].signature, endpoint: .account)
                        mine.append(clock.now - begin)
                    }
                    return mine
                }
            }
            var every: [Duration] = []
            for try await some in group { every += some }
            return every
        }
        let wall = clock.now - started
        let events = try await database.withConnection { connection -> (kept: Int, jobs: Int, deliveries: Int) in
            let rows = try await connection.query("""
                SELECT (SELECT count(*) FROM payments.stripe_events), (SELECT count(*) FROM platform.jobs WHERE kind = 'payments.stripe-event'),
                       (SELECT COALESCE(sum(deliveries), 0) FROM payments.stripe_events)
                """, logger: logger)
            for try await (kept, jobs, deliveries) in rows.decode((Int64, Int64, Int64).self) { return (Int(kept), Int(jobs), Int(deliveries)) }
            return (0, 0, 0)
        }
        return (latencies.sorted(), wall, events)
    }
    let (latencies, wall, stored) = figures
    func percentile(_ p: Double) -> Double { seconds(latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))]) * 1000 }
    print("Stripe webhook intake: \(all.count) deliveries (\(eventCount) events, \(all.count - eventCount) repeats), \(concurrency) at once")
    print(String(format: "  wall %.2f s: %.0f deliveries/s", seconds(wall), Double(all.count) / seconds(wall)))
    print(String(format: "  latency per delivery: p50 %.2f ms, p99 %.2f ms, max %.2f ms", percentile(0.50), percentile(0.99),
                 seconds(latencies.last ?? .zero) * 1000))
    print("  kept \(stored.kept) events with \(stored.jobs) jobs, \(stored.deliveries) deliveries counted"
          + (stored.kept == eventCount && stored.jobs == eventCount && stored.deliveries == all.count ? " (as sent)" : " (NOT as sent)"))
    print(String(format: "  peak RSS %.0f MiB", PeakMemory.mebibytes()))
} catch {
    if !keep { try? await withSuperuser("postgres") { try await $0.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: logger) } }
    throw error
}
if !keep {
    try await withSuperuser("postgres") { admin in
        try await admin.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: logger)
    }
}

/// Hands out indices to concurrent callers.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func take(below limit: Int) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard value < limit else { return nil }
        value += 1
        return value - 1
    }
}
