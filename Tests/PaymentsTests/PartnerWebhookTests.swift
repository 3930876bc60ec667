import Foundation
import NIOHTTP1
import OpsideCore
import OpsideTesting
import OpsideTransport
import Payments
import Testing

/// A partner through the running payments service, its routes and Stripe's Connect webhooks as
/// the sandbox delivers them: onboarding on Stripe's page makes the account active by
/// `account.updated` alone, a payout asked for twice is made once, and `payout.paid` reaches the
/// payout and is announced once.
@Suite struct PartnerWebhookTests {
    struct Stack {
        let database: TestDatabase
        let sandbox: StripeSandboxHarness
        let payments: RunningService

        func stop() async {
            await payments.stop()
            try? await sandbox.shutdown()
        }
    }

    /// payments with both its endpoints registered at the sandbox: the platform's and Connect's.
    static func start() async throws -> Stack {
        let database = try await TestDatabase.create()
        let sandbox = try await StripeSandboxHarness.start()
        do {
            var endpoints: [(id: String, secret: String)] = []
            for connect in [false, true] {
                let made = try await sandbox.call(.POST, "/v1/webhook_endpoints",
                                                  "url=http%3A%2F%2F127.0.0.1%3A9%2Fnot-yet&enabled_events[0]=*\(connect ? "&connect=true" : "")")
                endpoints.append((try (made.json["id"] as? String).unwrap("endpoint id"), try (made.json["secret"] as? String).unwrap("secret")))
            }
            let payments = try await RunningService.start(.payments, database: database, overrides: [
                "stripe.apiBase": sandbox.baseURL,
                "stripe.webhookSecrets.account": endpoints[0].secret,
                "stripe.webhookSecrets.connect": endpoints[1].secret,
            ])
            for (endpoint, kind) in zip(endpoints, ["account", "connect"]) {
                let url = "\(payments.baseURL)/webhooks/stripe/\(kind)".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                _ = try await sandbox.call(.POST, "/v1/webhook_endpoints/\(endpoint.id)", "url=\(url)")
            }
            return Stack(database: database, sandbox: sandbox, payments: payments)
        } catch {
            try? await sandbox.shutdown()
            throw error
        }
    }

    @Test func aPartnerOnboardsByWebhookAndAPayoutAskedForTwiceIsMadeOnceAndPaid() async throws {
        let stack = try await Self.start()
        defer { Task { await stack.stop() } }
        let tenant = UUID()
        let authority = await ServiceTokenAuthority(secret: TestEnvironment.serviceTokenSecret, service: .mainAPI)
        let headers = ["authorization": "Bearer \(try await authority.token(for: .payments, tenantID: tenant))"]
        let base = stack.payments.baseURL + "/internal/partners"

        // Not a partner yet: the overview says so and names the share on offer.
        let before = try await TestHTTP.request(.GET, base, headers: headers, timeout: .seconds(60))
        #expect(before.status == 200, "\(before.text)")
        let nothing = try before.json()
        #expect(nothing["partner"] == nil || nothing["partner"] is NSNull)
        #expect(nothing["defaultShareBasisPoints"] as? Int == 2500)

        let refused = try await TestHTTP.request(.POST, base, json: #"{"kind":"broker","displayName":"","contactEmail":"nope"}"#,
                                                 headers: headers, timeout: .seconds(60))
        #expect(refused.status == 422, "\(refused.text)")
        #expect(refused.text.contains("contactEmail") && refused.text.contains("kind"), "\(refused.text)")
        let joined = try await TestHTTP.request(.POST, base, json: """
            {"kind":"agency","displayName":"Northwind Agency","contactEmail":"payouts@northwind.test","country":"us"}
            """, headers: headers, timeout: .seconds(60))
        #expect(joined.status == 200, "\(joined.text)")
        let noPayoutYet = try await TestHTTP.request(.POST, base + "/payouts", json: #"{"requestId":"\#(UUID())","currency":"USD"}"#,
                                                     headers: headers, timeout: .seconds(60))
        #expect(noPayoutYet.status == 409, "\(noPayoutYet.text)")

        // Onboarding on Stripe's page; the browser is never sent back (the webhook alone tells us).
        let back = stack.payments.baseURL + "/health/live"
        let link = try await TestHTTP.request(.POST, base + "/onboarding", json: #"{"returnUrl":"\#(back)","refreshUrl":"\#(back)"}"#,
                                              headers: headers, timeout: .seconds(60))
        #expect(link.status == 200, "\(link.text)")
        let page = try (try link.json()["url"] as? String).unwrap("onboarding URL")
        let submitted = try await TestHTTP.request(.POST, page, body: Data("legal_name=Northwind&account_number=000123456789".utf8),
                                                   headers: ["content-type": "application/x-www-form-urlencoded"], timeout: .seconds(60))
        #expect([200, 302, 303].contains(submitted.status), "\(submitted.status)")
        let active = try await eventually(timeout: .seconds(60)) {
            let overview = try await TestHTTP.request(.GET, base, headers: headers, timeout: .seconds(60))
            return ((try? overview.json())?["partner"] as? [String: Any])?["accountStatus"] as? String == "active"
        }
        #expect(active, "account.updated made the account active")
        let partner = (try await TestHTTP.request(.GET, base, headers: headers, timeout: .seconds(60)).json()["partner"]
            as? [String: Any]) ?? [:]
        let account = try (partner["stripeAccountId"] as? String).unwrap("account id")

        // Money in the partner's balance; a payout asked for twice with one request id.
        _ = try await stack.sandbox.control("balance", ["account": account, "amount": 4_000, "currency": "usd"])
        let request = UUID()
        let asked = #"{"requestId":"\#(request)","currency":"usd","amount":"25.00"}"#
        let first = try await TestHTTP.request(.POST, base + "/payouts", json: asked, headers: headers, timeout: .seconds(60))
        let second = try await TestHTTP.request(.POST, base + "/payouts", json: asked, headers: headers, timeout: .seconds(60))
        #expect(first.status == 200 && second.status == 200, "\(first.text) \(second.text)")
        let firstPayout = (try first.json()["payout"] as? [String: Any]) ?? [:]
        #expect(firstPayout["stripePayoutId"] as? String == (try second.json()["payout"] as? [String: Any])?["stripePayoutId"] as? String)
        let tooMuch = try await TestHTTP.request(.POST, base + "/payouts", json: #"{"requestId":"\#(UUID())","currency":"usd","amount":"15.01"}"#,
                                                 headers: headers, timeout: .seconds(60))
        #expect(tooMuch.status == 409 && tooMuch.text.contains("15.00 USD"), "\(tooMuch.text)")
        let badAmount = try await TestHTTP.request(.POST, base + "/payouts", json: #"{"requestId":"\#(UUID())","currency":"usd","amount":"1.234"}"#,
                                                   headers: headers, timeout: .seconds(60))
        #expect(badAmount.status == 422, "\(badAmount.text)")

        // The bank has it two days later: payout.paid on the Connect endpoint.
        _ = try await stack.sandbox.control("clock", ["advance_seconds": 3 * 86_400])
        let paid = try await eventually(timeout: .seconds(60)) {
            let overview = try await TestHTTP.request(.GET, base, headers: headers, timeout: .seconds(60))
            let payouts = ((try? overview.json())?["payouts"] as? [[String: Any]]) ?? []
            return payouts.count == 1 && payouts.first?["status"] as? String == "paid"
        }
        #expect(paid)
        #expect(try await stack.database.count("SELECT count(*) FROM platform.outbox WHERE type = 'payout.paid'") == 1)
        // Stripe's payout events arrive on their own deliveries: payout.paid can be applied while
        // payout.created or payout.updated is still being recorded.
        let database = stack.database
        #expect(try await eventually(timeout: .seconds(30)) {
            try await database.count("SELECT count(*) FROM payments.stripe_events WHERE type LIKE 'payout.%' AND outcome = 'handled'") >= 3
        })

        // Another workspace sees none of it.
        let otherHeaders = ["authorization": "Bearer \(try await authority.token(for: .payments, tenantID: UUID()))"]
        let other = try await TestHTTP.request(.GET, base, headers: otherHeaders, timeout: .seconds(60))
        #expect(other.status == 200)
        #expect(!other.text.contains(account), "\(other.text)")
    }
}
