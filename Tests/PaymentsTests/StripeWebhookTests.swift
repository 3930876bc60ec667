import Foundation
import OpsideCore
import OpsideStripe
import OpsideTesting
import Payments
import Testing

/// Stripe's webhooks into payments, delivered by the Stripe sandbox as Stripe delivers them: an
/// event is kept once however often and in whatever order it comes, and nothing unsigned, stale,
/// forged or malformed is kept.
@Suite struct StripeWebhookTests {
    /// payments with its account endpoint registered at the sandbox (the secret comes back once, at
    /// creation, so the endpoint is made first and pointed at payments once payments listens).
    struct Stack {
        let database: TestDatabase
        let sandbox: StripeSandboxHarness
        let payments: RunningService
        let endpointId: String
        let secret: String

        func stop() async {
            await payments.stop()
            try? await sandbox.shutdown()
        }

        func stored(_ event: String) async throws -> (deliveries: Int, outcome: String?)? {
            let rows = try await database.strings(
                "SELECT deliveries::text || '|' || COALESCE(outcome, '') FROM payments.stripe_events WHERE event_id = '\(event)'")
            guard let row = rows.first else { return nil }
            let parts = row.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false)
            return (Int(parts[0]) ?? 0, parts.count > 1 && !parts[1].isEmpty ? String(parts[1]) : nil)
        }
    }

    static func start() async throws -> Stack {
        let database = try await TestDatabase.create()
        let sandbox = try await StripeSandboxHarness.start()
        do {
            let endpoint = try await sandbox.call(.POST, "/v1/webhook_endpoints",
                                                  "url=http%3A%2F%2F127.0.0.1%3A9%2Fnot-yet&enabled_events[0]=*")
            let id = try (endpoint.json["id"] as? String).unwrap("endpoint id")
            let secret = try (endpoint.json["secret"] as? String).unwrap("endpoint secret")
            let payments = try await RunningService.start(.payments, database: database, overrides: [
                "stripe.apiBase": sandbox.baseURL,
                "stripe.webhookSecrets.account": secret,
            ])
            let url = "\(payments.baseURL)/webhooks/stripe/account".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            _ = try await sandbox.call(.POST, "/v1/webhook_endpoints/\(id)", "url=\(url)")
            return Stack(database: database, sandbox: sandbox, payments: payments, endpointId: id, secret: secret)
        } catch {
            // The sandbox's HTTP client must be shut down however the start ends.
            try? await sandbox.shutdown()
            throw error
        }
    }

    @Test func anEventDeliveredThreeTimesOutOfOrderIsKeptAndProcessedOnce() async throws {
        let stack = try await Self.start()
        defer { Task { await stack.stop() } }
        try await stack.sandbox.control("webhooks/hold")
        let first = try await stack.sandbox.call(.POST, "/v1/customers", "email=one%40example.com")
        let second = try await stack.sandbox.call(.POST, "/v1/customers", "email=two%40example.com")
        try await stack.sandbox.control("webhooks/release", ["reverse": true, "copies": 3])
        let events = try await stack.sandbox.call(.GET, "/v1/events", "type=customer.created")
        let ids = ((events.json["data"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }
        #expect(ids.count == 2, "\(first.json["id"] ?? "") \(second.json["id"] ?? "")")
        for id in ids {
            let settled = try await eventually(timeout: .seconds(30)) {
                let row = try await stack.stored(id)
                return row?.deliveries == 3 && row?.outcome != nil
            }
            let row = try await stack.stored(id)
            #expect(settled, "event \(id): \(String(describing: row))")
            // customer.created is no event payments acts on: kept and acknowledged.
            #expect(try await stack.stored(id)?.outcome == "unhandled")
        }
        #expect(try await stack.database.count("SELECT count(*) FROM payments.stripe_events WHERE type = 'customer.created'") == 2)
        #expect(try await stack.database.count(
            "SELECT count(*) FROM platform.jobs WHERE kind = 'payments.stripe-event'") == 2, "one job per event, not per delivery")
    }

    @Test func unsignedStaleForgedAndMalformedDeliveriesAreRefusedAndKeepNothing() async throws {
        let stack = try await Self.start()
        defer { Task { await stack.stop() } }
        let url = stack.payments.baseURL + "/webhooks/stripe/account"
        let now = Int(Date().timeIntervalSince1970)
        let event = #"{"id":"evt_1Forged00000000","object":"event","type":"invoice.paid","created":\#(now),"livemode":false,"data":{"object":{}}}"#
        let body = Data(event.utf8)
        func post(_ body: Data, signature: String?, to target: String = url) async throws -> TestHTTP.Reply {
            var headers = ["content-type": "application/json"]
            if let signature { headers["stripe-signature"] = signature }
            return try await TestHTTP.request(.POST, target, body: body, headers: headers)
        }
        let unsigned = try await post(body, signature: nil)
        #expect(unsigned.status == 400)
        #expect(unsigned.text.contains("invalid_signature"), "\(unsigned.text)")
        let forged = try await post(body, signature: StripeWebhookSignature.header(payload: body, secrets: ["whsec_guess"], timestamp: now))
        #expect(forged.status == 400)
        let stale = try await post(body, signature: StripeWebhookSignature.header(payload: body, secrets: [stack.secret], timestamp: now - 301))
        #expect(stale.status == 400)
        let tampered = try await post(Data(event.replacingOccurrences(of: "invoice.paid", with: "invoice.voided").utf8),
                                      signature: StripeWebhookSignature.header(payload: body, secrets: [stack.secret], timestamp: now))
        #expect(tampered.status == 400)
        let notAnEvent = Data(#"{"id":"cus_1","object":"customer"}"#.utf8)
        let malformed = try await post(notAnEvent, signature: StripeWebhookSignature.header(payload: notAnEvent, secrets: [stack.secret], timestamp: now))
        #expect(malformed.status == 400)
        #expect(malformed.text.contains("invalid_event"), "\(malformed.text)")
        let unconfigured = try await post(body, signature: StripeWebhookSignature.header(payload: body, secrets: [stack.secret], timestamp: now),
                                          to: stack.payments.baseURL + "/webhooks/stripe/connect")
        #expect(unconfigured.status == 503)
        let unknownEndpoint = try await post(body, signature: nil, to: stack.payments.baseURL + "/webhooks/stripe/elsewhere")
        #expect(unknownEndpoint.status == 404)
        #expect(try await stack.database.count("SELECT count(*) FROM payments.stripe_events") == 0)

        // The same body, properly signed, is kept: the refusals were about the delivery, not the event.
        let signed = try await post(body, signature: StripeWebhookSignature.header(payload: body, secrets: [stack.secret], timestamp: now))
        #expect(signed.status == 200, "\(signed.text)")
        #expect(signed.text.contains(#""duplicate":false"#), "\(signed.text)")
        let again = try await post(body, signature: StripeWebhookSignature.header(payload: body, secrets: [stack.secret], timestamp: now))
        #expect(again.text.contains(#""duplicate":true"#), "\(again.text)")
    }

    @Test func whileASecretIsRolledEitherSignatureIsAccepted() async throws {
        let stack = try await Self.start()
        defer { Task { await stack.stop() } }
        // The sandbox rolls: from now on it signs with the new secret and, for an hour, the old.
        // payments knows only the old one until its configuration is updated: still accepted.
        try await stack.sandbox.control("webhook_endpoints/\(stack.endpointId)/roll", ["overlap_seconds": 3600])
        let customer = try await stack.sandbox.call(.POST, "/v1/customers", "email=rolled%40example.com")
        let events = try await stack.sandbox.call(.GET, "/v1/events", "type=customer.created")
        let id = try (((events.json["data"] as? [[String: Any]]) ?? []).first?["id"] as? String).unwrap("event")
        #expect(try await eventually(timeout: .seconds(30)) { try await stack.stored(id) != nil }, "\(customer.json)")
    }

    @Test func anEventOfTheOtherModeIsKeptButIgnored() async throws {
        let stack = try await Self.start()
        defer { Task { await stack.stop() } }
        let now = Int(Date().timeIntervalSince1970)
        let body = Data(#"{"id":"evt_1LiveOne000000","object":"event","type":"invoice.paid","created":\#(now),"livemode":true,"data":{"object":{}}}"#.utf8)
        let reply = try await TestHTTP.request(.POST, stack.payments.baseURL + "/webhooks/stripe/account", body: body, headers: [
            "content-type": "application/json",
            "stripe-signature": StripeWebhookSignature.header(payload: body, secrets: [stack.secret], timestamp: now),
        ])
        #expect(reply.status == 200)
        #expect(try await eventually(timeout: .seconds(30)) { try await stack.stored("evt_1LiveOne000000")?.outcome != nil })
        #expect(try await stack.stored("evt_1LiveOne000000")?.outcome == "ignored: a live event on a test-mode endpoint")
    }
}
