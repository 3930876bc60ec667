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

    /// A partner's code given at sign-up reaches payments with `tenant.created`: the seller is
    /// brought by that partner, and a code nobody has signs up all the same.
    @Test func aPartnerCodeGivenAtSignUpBringsTheSellerToThatPartner() async throws {
        let database = try await TestDatabase.create()
        let payments = try await RunningService.start(.payments, database: database)
        let mainAPI = try await RunningService.start(.mainAPI, database: database, overrides: ["services.payments.url": payments.baseURL])
        defer { Task { await mainAPI.stop(); await payments.stop() } }
        let (agency, _) = try await TestSignUp.signUp(mainAPI, email: "owner@northwind.test")
        let joined = try await TestHTTP.request(.POST, mainAPI.baseURL + "/api/v1/partners", json: """
            {"kind":"agency","displayName":"Northwind Agency","contactEmail":"owner@northwind.test"}
            """, headers: ["authorization": "Bearer \(agency)"])
        #expect(joined.status == 200, "\(joined.text)")
        let code = try ((try joined.json()["partner"] as? [String: Any])?["referralCode"] as? String).unwrap("code")

        let refused = try await TestHTTP.request(.POST, mainAPI.baseURL + "/api/v1/auth/signup", json: """
            {"email":"x@acme.test","password":"Acme-Goods-Sign-Up-1","companyName":"Acme","referralCode":"<b>"}
            """)
        #expect(refused.status == 422 && refused.text.contains("referralCode"), "\(refused.text)")
        for (email, given) in [("brought@acme.test", " \(code.lowercased()) "), ("alone@acme.test", "NOSUCHCODE")] {
            let signedUp = try await TestHTTP.request(.POST, mainAPI.baseURL + "/api/v1/auth/signup", json: """
                {"email":"\(email)","password":"Acme-Goods-Sign-Up-1","companyName":"Acme \(email.prefix(5))","referralCode":"\(given)"}
                """)
            #expect(signedUp.status == 201, "\(signedUp.text)")
        }
        #expect(try await eventually { try await database.count("SELECT count(*) FROM payments.billing_accounts") == 3 })
        #expect(try await eventually { try await database.count("SELECT count(*) FROM payments.referrals") == 1 })
        #expect(try await database.strings("SELECT seller_name || ' ' || source FROM payments.referrals") == ["Acme broug sign_up"])
        // The seller sees who brought it; the agency sees the seller.
        let sellerLogin = try await TestHTTP.request(.POST, mainAPI.baseURL + "/api/v1/auth/login",
                                                     json: #"{"email":"brought@acme.test","password":"Acme-Goods-Sign-Up-1"}"#)
        let seller = try (try sellerLogin.json()["token"] as? String).unwrap("token")
        let billing = try await TestHTTP.request(.GET, mainAPI.baseURL + "/api/v1/billing/overview", headers: ["authorization": "Bearer \(seller)"])
        #expect(((try billing.json()["referral"] as? [String: Any])?["partnerName"] as? String) == "Northwind Agency", "\(billing.text)")
        let overview = try await TestHTTP.request(.GET, mainAPI.baseURL + "/api/v1/partners", headers: ["authorization": "Bearer \(agency)"])
        #expect(((try overview.json()["referrals"] as? [[String: Any]])?.first?["sellerName"] as? String) == "Acme broug")
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
