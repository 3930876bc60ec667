import ClaimDetector
import CoreMetrics
import Foundation
import InventorySync
import Logging
import NIOConcurrencyHelpers
import OpsideCore
import OpsideJobs
import OpsidePostgres
import OpsideTesting
import PostgresNIO
import Testing

/// The fleet-wide gauges the queue leaders compute from the database (`LeaderGauges`) count what
/// the alerts say they count, across tenants, connected as the service's own role (row-level
/// security applies to it, so the metrics policies of the migrations are exercised too).
@Suite struct LeaderGaugesTests {
    @Test(.timeLimit(.minutes(5)))
    func gaugesCountQueuesFailingConnectionsAndClaimsNearTheirDeadline() async throws {
        let database = try await TestDatabase.create()
        // Started for their migrations (platform, amazon, claims); their own leaders report to the
        // process's registry, these gauges to `readings`.
        let inventorySync = try await RunningService.start(.inventorySync, database: database)
        let claimDetector = try await RunningService.start(.claimDetector, database: database)
        defer { Task { await inventorySync.stop(); await claimDetector.stop() } }
        try await Self.plantRows(in: database)

        let readings = GaugeReadings()
        let logger = Logger(label: "leader-gauges-test") { _ in SwiftLogNoOpLogHandler() }
        let queues = JobQueueGauges(queues: ["monitoring-test", "monitoring-empty"], factory: readings)
        let syncs = SyncFailureMetrics(factory: readings)
        let claims = ClaimDeadlineMetrics(factory: readings)
        try await Self.withDatabase(database.settings(for: .inventorySync), logger: logger) { db in
            try await queues.refresh(on: db, logger: logger)
            try await syncs.refresh(on: db, logger: logger)
        }
        try await Self.withDatabase(database.settings(for: .claimDetector), logger: logger) { db in
            try await claims.refresh(on: db, logger: logger)
        }

        #expect(readings["opside_job_queue_discarded_jobs{queue=monitoring-test}"] == 2)
        #expect(readings["opside_job_queue_available_jobs{queue=monitoring-test}"] == 1)
        let age = try #require(readings["opside_job_queue_oldest_available_age_seconds{queue=monitoring-test}"])
        #expect(age >= 600 && age < 3600, "the available job was scheduled ten minutes ago: \(age)")
        // A queue with nothing in it reports zeros, not nothing: an alert must see it recover.
        #expect(readings["opside_job_queue_discarded_jobs{queue=monitoring-empty}"] == 0)
        #expect(readings["opside_job_queue_oldest_available_age_seconds{queue=monitoring-empty}"] == 0)

        // Connections A (failed, tenant one) and C (retrying, tenant two); not B (failed, then
        // succeeded), D (needs the seller's re-authorization) or E (failed three days ago).
        #expect(readings["opside_sync_connections_failing"] == 2)

        // Within three days: the claim due in two days. Within seven: that one and the one due in
        // five. Not the filed one, the expired one, the one due in ten days or yesterday's.
        #expect(readings["opside_claims_unfiled_near_deadline{within_days=3}"] == 1)
        #expect(readings["opside_claims_unfiled_near_deadline{within_days=7}"] == 2)

        // A replica that stops leading withdraws its series.
        queues.withdraw()
        syncs.withdraw()
        claims.withdraw()
        #expect(readings.names.isEmpty, "\(readings.names)")
    }

    // MARK: Helpers

    static let tenantOne = UUID()
    static let tenantTwo = UUID()

    static func plantRows(in database: TestDatabase) async throws {
        let one = tenantOne.uuidString.lowercased(), two = tenantTwo.uuidString.lowercased()
        let (a, b, c, d, e) = (UUID(), UUID(), UUID(), UUID(), UUID())
        func run(_ sql: String) async throws {
            _ = try await database.withSuperuser { connection in
                try await connection.query(PostgresQuery(unsafeSQL: sql), logger: TestEnvironment.logger)
            }
        }
        try await run("""
            INSERT INTO platform.jobs (queue, kind, state, finalized_at, scheduled_at) VALUES
                ('monitoring-test', 'monitoring.test', 'discarded', now(), now() - interval '1 hour'),
                ('monitoring-test', 'monitoring.test', 'discarded', now(), now() - interval '2 hours'),
                ('monitoring-test', 'monitoring.test', 'completed', now(), now() - interval '3 hours'),
                ('monitoring-test', 'monitoring.test', 'available', NULL, now() - interval '10 minutes')
            """)
        func syncRun(_ connection: UUID, tenant: String, dataset: String, state: String, queuedAgo: String) -> String {
            "('\(UUID().uuidString.lowercased())', '\(tenant)', '\(connection.uuidString.lowercased())', '\(dataset)', 'schedule', '\(state)', now() - interval '\(queuedAgo)')"
        }
        let runs = [
            syncRun(a, tenant: one, dataset: "orders", state: "succeeded", queuedAgo: "3 hours"),
            syncRun(a, tenant: one, dataset: "orders", state: "failed", queuedAgo: "1 hour"),
            syncRun(a, tenant: one, dataset: "reimbursements", state: "succeeded", queuedAgo: "1 hour"),
            syncRun(b, tenant: one, dataset: "orders", state: "failed", queuedAgo: "3 hours"),
            syncRun(b, tenant: one, dataset: "orders", state: "succeeded", queuedAgo: "1 hour"),
            syncRun(c, tenant: two, dataset: "orders", state: "retrying", queuedAgo: "10 minutes"),
            syncRun(d, tenant: two, dataset: "orders", state: "needs_reauthorization", queuedAgo: "1 hour"),
            syncRun(e, tenant: two, dataset: "orders", state: "failed", queuedAgo: "3 days"),
        ]
        try await run("""
            INSERT INTO amazon.sync_runs (run_id, tenant_id, connection_id, dataset, trigger, state, queued_at) VALUES
            \(runs.joined(separator: ",\n"))
            """)
        let filed = UUID().uuidString.lowercased()
        func claim(_ id: String, tenant: String, status: String, dueInDays: Int) -> String {
            """
            ('\(id)', '\(tenant)', '\(UUID().uuidString.lowercased())', 'ATVPDKIKX0DER', '\(UUID().uuidString)', 'lost_inbound',
             '\(status)', 1, 1000, 'USD', '{}', current_date - 30, current_date - 30, (now() AT TIME ZONE 'UTC')::date + \(dueInDays),
             '[]', '{}', now(), now(), '\(UUID().uuidString.lowercased())')
            """
        }
        let claims = [
            claim(UUID().uuidString.lowercased(), tenant: one, status: "claimable", dueInDays: 2),
            claim(UUID().uuidString.lowercased(), tenant: two, status: "claimable", dueInDays: 5),
            claim(filed, tenant: one, status: "claimable", dueInDays: 1),
            claim(UUID().uuidString.lowercased(), tenant: one, status: "claimable", dueInDays: 10),
            claim(UUID().uuidString.lowercased(), tenant: two, status: "expired", dueInDays: 1),
            claim(UUID().uuidString.lowercased(), tenant: two, status: "claimable", dueInDays: -1),
        ]
        try await run("""
            INSERT INTO claims.claims (claim_id, tenant_id, connection_id, marketplace_id, claim_key, claim_type, status, units,
                                       amount_minor, currency, valuation, clock_started_on, opens_on, deadline, source_ids,
                                       explanation, first_detected_at, last_detected_at, run_id) VALUES
            \(claims.joined(separator: ",\n"))
            """)
        try await run("""
            INSERT INTO claims.case_outcomes (tenant_id, claim_id, case_id, claim_type, marketplace_id, amount_minor, currency,
                                              clock_started_on, status, filed_at, evidence_present, event_at)
            VALUES ('\(one)', '\(filed)', '\(UUID().uuidString.lowercased())', 'lost_inbound', 'ATVPDKIKX0DER', 1000, 'USD',
                    current_date - 30, 'filed', now(), false, now())
            """)
    }

    /// Runs `body` with a `Database` connected as a service's role, then closes it.
    static func withDatabase(_ settings: PostgresSettings, logger: Logger,
                             _ body: @escaping @Sendable (Database) async throws -> Void) async throws {
        let database = Database(settings: settings, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await database.client.run() }
            defer { group.cancelAll() }
            try await body(database)
        }
    }
}

/// A metrics factory that keeps the last value of each gauge, keyed `name{label=value,...}`, and
/// forgets a gauge that is destroyed. Everything else goes nowhere.
final class GaugeReadings: MetricsFactory, Sendable {
    private let values = NIOLockedValueBox<[String: Double]>([:])

    subscript(key: String) -> Double? { values.withLockedValue { $0[key] } }
    var names: [String] { values.withLockedValue { $0.keys.sorted() } }

    final class Reading: RecorderHandler, Sendable {
        let key: String
        let owner: GaugeReadings
        init(key: String, owner: GaugeReadings) {
            self.key = key
            self.owner = owner
        }
        func record(_ value: Int64) { record(Double(value)) }
        func record(_ value: Double) { owner.values.withLockedValue { $0[key] = value } }
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        let key = dimensions.isEmpty ? label : "\(label){\(dimensions.map { "\($0.0)=\($0.1)" }.joined(separator: ","))}"
        return Reading(key: key, owner: self)
    }

    func destroyRecorder(_ handler: any RecorderHandler) {
        guard let reading = handler as? Reading else { return }
        _ = values.withLockedValue { $0.removeValue(forKey: reading.key) }
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler { NOOPMetricsHandler.instance }
    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler { NOOPMetricsHandler.instance }
    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}
}
