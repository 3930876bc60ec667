import Foundation
import NIOHTTP1
import OpsideCore
import OpsideEvents
import OpsidePostgres
import OpsideTesting
import OpsideTransport
import Payments
import Testing

/// Billing through the running payments service and the Stripe sandbox's webhooks: a card saved
/// on Stripe's Checkout page reaches the account by its webhook, an invoice settled through the
/// API is paid, and Stripe's events, however often they come, are acted on once.
@Suite struct BillingWebhookTests {
    @Test func aCardSavedOnCheckoutIsOnFileAndASettledInvoiceIsAnnouncedOnceHoweverOftenStripeSaysSo() async throws {
        let stack = try await StripeWebhookTests.start()
        defer { Task { await stack.stop() } }
        let tenant = UUID()
        _ = try await stack.database.withSuperuser { connection in
            try await connection.query("""
                INSERT INTO payments.billing_accounts (tenant_id, company_name, billing_email, source_event_id)
                VALUES (\(tenant), 'Acme Goods', 'owner@acme.test', \(UUID()))
                """, logger: TestEnvironment.logger)
        }
        let authority = await ServiceTokenAuthority(secret: TestEnvironment.serviceTokenSecret, service: .mainAPI)
        let token = try await authority.token(for: .payments, tenantID: tenant)
        let headers = ["authorization": "Bearer \(token)"]

        // The owner is sent to Checkout and types a test card there.
        // Checkout redirects back; a page that answers stands in for the dashboard's.
        let back = stack.payments.baseURL + "/health/live"
        let setup = try await TestHTTP.request(.POST, stack.payments.baseURL + "/internal/billing/card-setup", json: """
            {"successUrl": "\(back)?saved=1", "cancelUrl": "\(back)"}
            """, headers: headers, timeout: .seconds(60))
        #expect(setup.status == 200, "\(setup.text)")
        let page = try (try setup.json()["url"] as? String).unwrap("Checkout URL")
        let submitted = try await TestHTTP.request(.POST, page, body: Data("card_number=4242+4242+4242+4242&name=Ann+Owner".utf8),
                                                   headers: ["content-type": "application/x-www-form-urlencoded"], timeout: .seconds(60))
        #expect([200, 302, 303].contains(submitted.status), "\(submitted.status) \(submitted.text)")
        // No return to our page: the webhook alone puts the card on file.
        let onFile = try await eventually(timeout: .seconds(60)) {
            let billing = try await TestHTTP.request(.GET, stack.payments.baseURL + "/internal/billing", headers: headers, timeout: .seconds(60))
            return ((try? billing.json())?["billing"] as? [String: Any])?["card"] != nil
        }
        #expect(onFile, "the card reached the account through checkout.session.completed")
        let overview = try await TestHTTP.request(.GET, stack.payments.baseURL + "/internal/billing", headers: headers, timeout: .seconds(60))
        let card = ((try overview.json()["billing"] as? [String: Any])?["card"] as? [String: Any]) ?? [:]
        #expect(card["last4"] as? String == "4242")

        // Money recovered on a case; the owner settles now.
        let database = Database(settings: stack.database.settings(for: .payments), logger: TestEnvironment.logger)
        let run = Task { await database.client.run() }
        defer { run.cancel() }
        let ledger = CommissionLedger(database: database, queue: PaymentsService.queue, logger: TestEnvironment.logger)
        _ = try await ledger.record(ReimbursementReceived(
            entryId: UUID(), connectionId: UUID(), reimbursementId: "2740112", kind: "reimbursement", attribution: "case", caseId: UUID(),
            amazonCaseId: "19283746501", claimType: "lost_warehouse", amount: Money(amountMinor: 31_415, currency: .usd), approvalDate: nil),
            eventId: UUID(), tenantId: tenant)
        let settled = try await TestHTTP.request(.POST, stack.payments.baseURL + "/internal/billing/settle", json: "{}", headers: headers,
                                                 timeout: .seconds(60))
        #expect(settled.status == 200, "\(settled.text)")
        let invoices = (try settled.json()["invoices"] as? [[String: Any]]) ?? []
        #expect(invoices.first?["status"] as? String == "paid")
        #expect((invoices.first?["total"] as? [String: Any])?["amountMinor"] as? Int == 6_283)

        // Stripe's invoice.paid arrives, then again: the invoice was announced paid once.
        let handled = try await eventually(timeout: .seconds(60)) {
            try await stack.database.count("SELECT count(*) FROM payments.stripe_events WHERE type = 'invoice.paid' AND outcome = 'handled'") == 1
        }
        #expect(handled)
        let eventId = try (try await stack.database.strings("SELECT event_id FROM payments.stripe_events WHERE type = 'invoice.paid'").first)
            .unwrap("invoice.paid event")
        _ = try await stack.sandbox.control("events/\(eventId)/resend")
        let redelivered = try await eventually(timeout: .seconds(60)) {
            try await stack.database.count("SELECT deliveries FROM payments.stripe_events WHERE event_id = '\(eventId)'") == 2
        }
        #expect(redelivered)
        #expect(try await stack.database.count("SELECT count(*) FROM platform.outbox WHERE type = 'billing.invoice_paid'") == 1)
        #expect(try await stack.database.count("SELECT count(*) FROM payments.commissions WHERE state = 'paid'") == 1)

        // Another tenant's token sees none of it.
        let otherToken = try await authority.token(for: .payments, tenantID: UUID())
        let other = try await TestHTTP.request(.GET, stack.payments.baseURL + "/internal/billing/commissions",
                                               headers: ["authorization": "Bearer \(otherToken)"], timeout: .seconds(60))
        #expect(other.status == 200)
        #expect((try other.json()["commissions"] as? [Any])?.isEmpty == true)
    }
}
