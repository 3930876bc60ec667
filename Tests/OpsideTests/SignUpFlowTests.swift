import Foundation
import OpsideCore
import OpsideTesting
import Testing

/// The first real flow across services: main-api signs a seller up, publishes `tenant.created`,
/// payments creates the billing account, and main-api reads it back over a signed internal call.
@Suite struct SignUpFlowTests {
    @Test func tenantCreatedIsHandledExactlyOnceByPayments() async throws {
        let database = try await TestDatabase.create()
        let payments = try await RunningService.start(.payments, database: database)
        let mainAPI = try await RunningService.start(.mainAPI, database: database, overrides: ["services.payments.url": payments.baseURL])
        defer { Task { await mainAPI.stop(); await payments.stop() } }

        let (token, tenant) = try await TestSignUp.signUp(mainAPI, email: "owner@acme.test")
        let created = try await eventually {
            try await database.count("SELECT count(*) FROM payments.billing_accounts WHERE tenant_id = '\(tenant)'") == 1
        }
        #expect(created)

        let billing = try await TestHTTP.request(.GET, mainAPI.baseURL + "/api/v1/billing", headers: ["authorization": "Bearer \(token)"])
        #expect(billing.status == 200, "billing answered \(billing.text)")
        let account = try (try billing.json()["account"] as? [String: Any]).unwrap("account")
        #expect(account["companyName"] as? String == "Acme Goods")
        #expect(account["billingEmail"] as? String == "owner@acme.test")

        // Replaying the relay cannot create a second job or account.
        #expect(try await database.count("SELECT count(*) FROM platform.jobs WHERE kind = 'payments.create-billing-account'") == 1)
        #expect(try await database.count("SELECT count(*) FROM platform.outbox WHERE relayed_at IS NULL") == 0)
        await mainAPI.stop()
        await payments.stop()
        #expect(try await database.count("SELECT count(*) FROM payments.billing_accounts") == 1)
    }

    @Test func eventWaitsForPaymentsWhenItWasDownAtSignUp() async throws {
        let database = try await TestDatabase.create()
        let mainAPI = try await RunningService.start(.mainAPI, database: database)
        let (_, tenant) = try await TestSignUp.signUp(mainAPI, email: "late@acme.test")
        // main-api's relay moves the event into payments' queue, where it waits.
        #expect(try await eventually {
            try await database.count("SELECT count(*) FROM platform.jobs WHERE queue = 'payments' AND state = 'available'") == 1
        })
        await mainAPI.stop()
        #expect(try await database.count("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'payments' AND table_name = 'billing_accounts'") == 0,
                "payments never ran, so its tables do not exist yet")

        let payments = try await RunningService.start(.payments, database: database)
        defer { Task { await payments.stop() } }
        #expect(try await eventually {
            try await database.count("SELECT count(*) FROM payments.billing_accounts WHERE tenant_id = '\(tenant)'") == 1
        })
        // The worker records completions in batches, after the handler's own transaction: the
        // account can be there a moment before its job reads completed.
        #expect(try await eventually {
            try await database.count("SELECT count(*) FROM platform.jobs WHERE kind = 'payments.create-billing-account' AND state = 'completed'") == 1
        })
        await payments.stop()
    }

    @Test func eventArrivesByPollingWhileRedisIsDown() async throws {
        let database = try await TestDatabase.create()
        let deadRedis = try TestEnvironment.freePort()
        let mainAPI = try await RunningService.start(.mainAPI, database: database, redisPort: deadRedis, waitForReady: false)
        let payments = try await RunningService.start(.payments, database: database, redisPort: deadRedis, waitForReady: false)
        defer { Task { await mainAPI.stop(); await payments.stop() } }

        let ready = try await TestHTTP.request(.GET, payments.baseURL + "/health/ready")
        #expect(ready.status == 503)
        #expect(try ready.envelope().error.details["redis"] != nil, "readiness names Redis as down")
        #expect(try ready.envelope().error.details["postgres"] == nil)

        let (_, tenant) = try await TestSignUp.signUp(mainAPI, email: "noredis@acme.test")
        #expect(try await eventually {
            try await database.count("SELECT count(*) FROM payments.billing_accounts WHERE tenant_id = '\(tenant)'") == 1
        })
        await mainAPI.stop()
        await payments.stop()
    }
}
