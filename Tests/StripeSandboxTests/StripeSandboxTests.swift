import AsyncHTTPClient
import Foundation
import OpsideTesting
import StripeSandbox
import Testing

/// The Stripe sandbox driven by Stripe's own Python library (Tests/Clients/stripe_sandbox_checks.py),
/// its objects compared with Stripe's example of each (`shared/stripe-models/fixtures3.json`),
/// and the refusals Stripe makes.
@Suite struct StripeSandboxTests {
    /// Every check of the script, so one that silently stops running fails here.
    static let expectedChecks = [
        "authentication_refuses_a_wrong_key", "customers_are_created_read_updated_listed_and_deleted",
        "bad_parameters_are_refused_by_name", "a_card_is_saved_through_a_setup_intent", "a_declined_card_is_not_saved",
        "an_off_session_payment_succeeds_and_expands", "declines_say_why",
        "an_off_session_payment_that_needs_the_cardholder_fails_with_authentication_required",
        "idempotency_keys_replay_and_refuse_other_parameters", "a_lost_answer_is_retried_with_the_same_key_and_charges_once",
        "refunds_are_bounded_by_what_was_charged", "an_invoice_is_itemised_finalised_and_paid",
        "a_failed_invoice_payment_counts_an_attempt_and_stays_open", "a_partner_onboards_on_connect_express",
        "transfers_need_available_funds_and_payouts_arrive", "a_payout_to_a_closed_bank_account_fails_and_returns_the_money",
        "webhooks_are_signed_as_stripe_signs_them", "connect_events_go_to_connect_endpoints_with_the_account",
        "failed_deliveries_are_retried_on_the_schedule", "held_deliveries_can_come_out_of_order_and_twice",
        "events_are_listed_newest_first_and_paged", "a_test_clock_moves_an_auto_advancing_invoice",
        "checkout_saves_a_card_in_setup_mode", "webhook_endpoints_are_listed_without_their_secrets",
    ]

    /// The object types the product uses, by the `object` value the sandbox stores them under.
    static let shapedTypes = [
        "customer", "payment_method", "setup_intent", "payment_intent", "charge", "refund", "invoice", "invoiceitem",
        "invoice_payment", "account", "transfer", "transfer_reversal", "payout", "balance_transaction", "event", "webhook_endpoint",
        "test_helpers.test_clock", "checkout.session",
    ]

    /// Keys the sandbox gives that the example lacks, each one Stripe really returns in that place.
    static let documentedExtras: [String: Set<String>] = [
        // Events of connected accounts carry `account` (queues-and-stripe.md B.6).
        "event": ["account"],
        // Express accounts have the newer controller and no legacy `settings` sections the example fills.
        "account": [],
    ]

    @Test func stripePythonDrivesEveryFlowAndTheObjectsHaveStripesShapes() async throws {
        try await StripeSandboxHarness.with { sandbox in
            let output = try await ClientScripts.run("stripe_sandbox_checks.py",
                                                     settings: ["base": sandbox.baseURL, "key": sandbox.settings.secretKey])
            let checks = (try JSONSerialization.jsonObject(with: output) as? [String: Any])?["checks"] as? [String]
            #expect(checks == Self.expectedChecks)

            let fixtures = try Self.fixtures()
            for type in Self.shapedTypes {
                let samples = await sandbox.state.objects(ofType: type)
                guard let fixture = fixtures[type] as? [String: Any] else {
                    Issue.record("fixtures3.json has no \(type)")
                    continue
                }
                #expect(!samples.isEmpty, "the flows made no \(type)")
                let expected = Set(fixture.keys)
                for sample in samples.prefix(3) {
                    let actual = Set(sample.keys)
                    let missing = expected.subtracting(actual)
                    let extra = actual.subtracting(expected).subtracting(Self.documentedExtras[type] ?? [])
                    #expect(missing.isEmpty && extra.isEmpty, "\(type) \(sample.id): missing \(missing.sorted()), extra \(extra.sorted())")
                }
            }
        }
    }

    /// Stripe's example objects, from `shared/stripe-models` beside the repository (or
    /// `OPSIDE_STRIPE_MODELS`).
    static func fixtures() throws -> [String: Any] {
        let folder = ProcessInfo.processInfo.environment["OPSIDE_STRIPE_MODELS"].map { URL(fileURLWithPath: $0) }
            ?? ClientScripts.root.deletingLastPathComponent().appendingPathComponent("shared/stripe-models")
        let data = try Data(contentsOf: folder.appendingPathComponent("fixtures3.json"))
        return ((try JSONSerialization.jsonObject(with: data)) as? [String: Any])?["resources"] as? [String: Any] ?? [:]
    }

    // MARK: Refusals

    @Test func requestsPastTheRateLimitAre429WithStripesCode() async throws {
        try await StripeSandboxHarness.with(.init(port: 0, requestsPerSecond: 0.2, tickMilliseconds: 50)) { sandbox in
            let first = try await sandbox.call(.GET, "/v1/customers")
            #expect(first.status == 200)
            let second = try await sandbox.call(.GET, "/v1/customers")
            #expect(second.status == 429)
            #expect((second.json["error"] as? [String: Any])?["code"] as? String == "rate_limit")
        }
    }

    @Test func headersAndBodiesStripeRefusesAreRefused() async throws {
        try await StripeSandboxHarness.with { sandbox in
            let noKey = try await sandbox.call(.GET, "/v1/customers", key: "")
            #expect(noKey.status == 401)
            let version = try await sandbox.call(.GET, "/v1/customers", headers: [("Stripe-Version", "yesterday")])
            #expect(version.status == 400)
            let account = try await sandbox.call(.GET, "/v1/balance", headers: [("Stripe-Account", "acct_1Nobody000000000")])
            #expect(account.status == 403)
            #expect((account.json["error"] as? [String: Any])?["code"] as? String == "account_invalid")
            let unknownURL = try await sandbox.call(.GET, "/v1/charges_and_more")
            #expect(unknownURL.status == 404)
            let customer = try await sandbox.call(.POST, "/v1/customers", "email=a%40example.com")
            let id = try #require(customer.json["id"] as? String)
            let badExpand = try await sandbox.call(.GET, "/v1/customers/\(id)", "expand[]=nothing_here")
            #expect(badExpand.status == 400)
            #expect(((badExpand.json["error"] as? [String: Any])?["message"] as? String)?.contains("cannot be expanded") == true)
            let tooLong = try await sandbox.call(.POST, "/v1/customers", "email=b%40example.com",
                                                 headers: [("Idempotency-Key", String(repeating: "k", count: 256))])
            #expect(tooLong.status == 400)
        }
    }

    @Test func anIdempotencyKeyIsForgottenAfterADay() async throws {
        try await StripeSandboxHarness.with { sandbox in
            let key = [("Idempotency-Key", "tenant-1:billing:v1")]
            let first = try await sandbox.call(.POST, "/v1/customers", "email=first%40example.com", headers: key)
            let replay = try await sandbox.call(.POST, "/v1/customers", "email=first%40example.com", headers: key)
            #expect(replay.json["id"] as? String == first.json["id"] as? String)
            #expect(replay.headers.first(name: "Idempotent-Replayed") == "true")
            let misuse = try await sandbox.call(.POST, "/v1/customers", "email=other%40example.com", headers: key)
            #expect(misuse.status == 400)
            #expect((misuse.json["error"] as? [String: Any])?["type"] as? String == "idempotency_error")
            try await sandbox.control("clock", ["advance_seconds": 24 * 3600 + 1])
            let later = try await sandbox.call(.POST, "/v1/customers", "email=other%40example.com", headers: key)
            #expect(later.status == 200)
            #expect(later.json["id"] as? String != first.json["id"] as? String)
        }
    }

    @Test func aConnectedAccountSeesOnlyItsOwnObjects() async throws {
        try await StripeSandboxHarness.with { sandbox in
            let account = try await sandbox.call(.POST, "/v1/accounts", "type=express&capabilities[transfers][requested]=true")
            let id = try #require(account.json["id"] as? String)
            try await sandbox.control("accounts/\(id)/onboard")
            try await sandbox.control("balance", ["amount": 5000])
            let transfer = try await sandbox.call(.POST, "/v1/transfers", "amount=1500&currency=usd&destination=\(id)")
            #expect(transfer.status == 200)
            let payout = try await sandbox.call(.POST, "/v1/payouts", "amount=1000&currency=usd", headers: [("Stripe-Account", id)])
            let payoutId = try #require(payout.json["id"] as? String)
            let asPlatform = try await sandbox.call(.GET, "/v1/payouts/\(payoutId)")
            #expect(asPlatform.status == 404)
            let platformBalance = try await sandbox.call(.GET, "/v1/balance")
            let available = (platformBalance.json["available"] as? [[String: Any]])?.first?["amount"] as? Int
            #expect(available == 3500)
        }
    }
}
