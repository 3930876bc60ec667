import Foundation
import OpsideCore
import OpsideTesting
import Payments
import Testing

/// The payments executable killed with SIGKILL in the middle of a charge: Stripe has charged the
/// card, payments never recorded it. A new process takes the job over when its lease lapses and
/// gets Stripe's first answer again (the same idempotency key): one charge, recorded once.
@Suite(.serialized) struct ChargeKilledMidwayTests {
    /// The real `payments` executable, configured through its environment as in production.
    final class PaymentsProcess: Sendable {
        let process: Process
        let baseURL: String

        init(database: TestDatabase, stripeBase: String) throws {
            let port = try TestEnvironment.freePort()
            baseURL = "http://127.0.0.1:\(port)"
            let values: [String: String] = [
                "http.host": "127.0.0.1", "http.port": String(port),
                "postgres.host": database.host, "postgres.port": String(database.port), "postgres.database": database.name,
                "postgres.user": OpsideService.payments.databaseRole,
                "redis.host": TestEnvironment.redisHost, "redis.port": String(try TestEnvironment.redisPort()),
                "security.serviceTokenSecret": TestEnvironment.serviceTokenSecret,
                "stripe.apiBase": stripeBase, "billing.chargeLeaseSeconds": "3",
                "jobs.pollIntervalMilliseconds": "100", "jobs.rescueIntervalMilliseconds": "500", "log.level": "warning",
            ]
            var environment = ProcessInfo.processInfo.environment
            for (key, value) in values { environment[OpsideConfiguration.environmentName(for: key)] = value }
            process = Process()
            process.executableURL = TestEnvironment.executable("payments")
            process.environment = environment
            process.standardOutput = FileHandle.nullDevice
            try process.run()
        }

        func ready() async throws -> Bool {
            try await eventually(timeout: .seconds(120)) {
                (try? await TestHTTP.request(.GET, self.baseURL + "/health/ready", timeout: .seconds(2)))?.status == 200
            }
        }

        func kill() {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }

        func stop() {
            guard process.isRunning else { return }
            process.terminate()
            process.waitUntilExit()
        }
    }

    @Test func aProcessKilledAfterStripeChargedIsFollowedByOneRecordedCharge() async throws {
        let database = try await TestDatabase.create()
        let billing = try await BillingHarness.start(testDatabase: database)
        defer { Task { await billing.stop() } }
        let tenant = try await billing.tenant(rate: 2000, collection: .perReimbursement)
        try await billing.cardOnFile(tenant)
        let first = try PaymentsProcess(database: database, stripeBase: billing.sandbox.baseURL)
        defer { first.stop() }
        #expect(try await first.ready())
        // Stripe does the charge and then fails to answer, as long as the three tries of one call last.
        _ = try await billing.sandbox.control("faults", ["path": "payment_intents", "status": 500, "count": 3, "after_executing": true])

        let line = try await billing.received(tenant, 43_210).line.unwrap("line")
        let charged = try await eventually(timeout: .seconds(60), every: .milliseconds(20)) {
            await billing.sandbox.state.objects(ofType: "payment_intent").contains { $0["status"]?.string == "succeeded" }
        }
        #expect(charged, "Stripe charged the card")
        first.kill()
        #expect(try await billing.ledger.line(tenantId: tenant, commissionId: line.commissionId)?.state != "paid",
                "killed before it recorded the charge")

        let second = try PaymentsProcess(database: database, stripeBase: billing.sandbox.baseURL)
        defer { second.stop() }
        #expect(try await second.ready())
        let recorded = try await eventually(timeout: .seconds(90), every: .milliseconds(200)) {
            try await billing.ledger.line(tenantId: tenant, commissionId: line.commissionId)?.state == "paid"
        }
        let after = try await billing.ledger.line(tenantId: tenant, commissionId: line.commissionId)
        #expect(recorded, "the charge was recorded after the restart: \(String(describing: after))")
        let intents = await billing.sandbox.state.objects(ofType: "payment_intent")
        #expect(intents.count == 1, "one charge, not two")
        #expect(intents.first?["amount"]?.int == 8_642)
        #expect(after?.paymentIntentId == intents.first?.id)
    }
}
