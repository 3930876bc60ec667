import Foundation
import OpsideCore
import OpsideTesting
import Payments
import Testing

/// Collecting the commission through the Stripe sandbox: the month's invoice, per-reimbursement
/// charges and refunds, declines, a bank asking for the cardholder, dunning on the injected
/// clock, and Stripe failing part-way, with nothing ever charged twice.
@Suite struct CommissionCollectionTests {
    /// Stripe's objects for the tenant's customer.
    static func stripeList(_ billing: BillingHarness, _ path: String, _ query: String) async throws -> [[String: Any]] {
        let reply = try await billing.sandbox.call(.GET, path, query + "&limit=100")
        return (reply.json["data"] as? [[String: Any]]) ?? []
    }

    @Test func theMonthsInvoiceCarriesEveryLineOnceAndIsPaid() async throws {
        let billing = try await BillingHarness.start()
        defer { Task { await billing.stop() } }
        let tenant = try await billing.tenant(rate: 2000)
        try await billing.cardOnFile(tenant)
        let paid = UUID()
        _ = try await billing.received(tenant, 10_000, caseId: paid)
        _ = try await billing.received(tenant, 4_321)
        _ = try await billing.received(tenant, -2_000, kind: "reversal", caseId: paid)
        _ = try await billing.received(tenant, 9_999, currency: "EUR")
        // Stripe answers 500 once after doing the work: the retried request with the same key
        // must not add a second item.
        _ = try await billing.sandbox.control("faults", ["path": "invoiceitems", "status": 500, "count": 1, "after_executing": true])

        #expect(try await billing.invoicing.closePeriod() == 2, "one invoice job per currency")
        let invoice = try await billing.invoicing.invoice(tenantId: tenant, currency: "USD").unwrap("USD invoice")
        #expect(invoice.status == "paid")
        #expect(invoice.total.amountMinor == 2_000 + 864 - 400)
        #expect(invoice.lineCount == 3)
        let stripeId = try invoice.stripeInvoiceId.unwrap("Stripe invoice")
        let items = try await Self.stripeList(billing, "/v1/invoiceitems", "invoice=\(stripeId)")
        #expect(items.count == 3)
        let stripeInvoice = try await billing.sandbox.call(.GET, "/v1/invoices/\(stripeId)")
        #expect(stripeInvoice.json["status"] as? String == "paid")
        #expect(stripeInvoice.json["amount_paid"] as? Int == 2_464)
        #expect(try await billing.count("SELECT count(*) FROM payments.commissions WHERE currency = 'USD' AND state = 'paid'") == 3)
        // Asked again (a replayed job): nothing new is invoiced or charged.
        #expect(try await billing.invoicing.invoice(tenantId: tenant, currency: "USD") == nil)
        #expect(try await Self.stripeList(billing, "/v1/invoices", "customer=\(try await billing.cards.customer(for: tenant))").count == 1)
        let paidEvents = try await billing.published("billing.invoice_paid")
        #expect(paidEvents.count == 1)
        // The EUR lines wait for their own invoice; the totals say so.
        let eur = try await billing.ledger.totals(tenantId: tenant).first { $0.commission.currency.code == "EUR" }
        #expect(eur?.upcoming.amountMinor == 2_000)
    }

    @Test func anInvoiceLeftHalfMadeByACrashIsFinishedNotMadeAgain() async throws {
        let billing = try await BillingHarness.start()
        defer { Task { await billing.stop() } }
        let tenant = try await billing.tenant(rate: 2500)
        try await billing.cardOnFile(tenant)
        for amount in [1_000, 2_000, 3_000] as [Int64] { _ = try await billing.received(tenant, amount) }
        // Stripe stops answering once the invoice and its items are made (the read before
        // finalizing fails, with every retry): the attempt ends with a draft at Stripe.
        _ = try await billing.sandbox.control("faults", ["path": "invoices/", "status": 503, "count": 3])
        await #expect(throws: (any Error).self) { try await billing.invoicing.invoice(tenantId: tenant, currency: "USD") }
        #expect(try await billing.strings("SELECT status FROM payments.invoices") == ["creating"])
        // The job runs again: the same invoice is finished and paid.
        let invoice = try await billing.invoicing.invoice(tenantId: tenant, currency: "USD").unwrap("invoice")
        #expect(invoice.status == "paid")
        #expect(invoice.total.amountMinor == 1_500)
        let customer = try await billing.cards.customer(for: tenant)
        #expect(try await Self.stripeList(billing, "/v1/invoices", "customer=\(customer)").count == 1)
        #expect(try await Self.stripeList(billing, "/v1/invoiceitems", "customer=\(customer)").count == 3)
    }

    @Test func anInvoiceFinalizedButNeverChargedIsChargedByTheNextAttemptOrTheDunningScan() async throws {
        let billing = try await BillingHarness.start()
        defer { Task { await billing.stop() } }
        let tenant = try await billing.tenant(rate: 2000)
        try await billing.cardOnFile(tenant)
        _ = try await billing.received(tenant, 10_000)
        // The first attempt ends once the invoice exists at Stripe (its items cannot be read)...
        _ = try await billing.sandbox.control("faults", ["path": "invoiceitems", "status": 503, "count": 3])
        await #expect(throws: (any Error).self) { try await billing.invoicing.invoice(tenantId: tenant, currency: "USD") }
        let made = try (try await billing.store.invoices(tenantId: tenant).first?.stripeInvoiceId).unwrap("the Stripe invoice")
        // ...the second finalizes it, then Stripe stops answering before the payment (rate limited, down).
        _ = try await billing.sandbox.control("faults", ["path": "invoices/\(made)/pay", "status": 503, "count": 3])
        await #expect(throws: (any Error).self) { try await billing.invoicing.invoice(tenantId: tenant, currency: "USD") }
        let open = try await billing.store.invoices(tenantId: tenant).first.unwrap("the invoice")
        #expect(open.status == "open" && open.attemptCount == 0)
        // No pending line is left to invoice, yet the open invoice is not forgotten: it is due.
        #expect(try await billing.store.invoicesDueForRetry(at: billing.clock.now).map(\.invoiceId) == [open.invoiceId])
        #expect(try await billing.invoicing.enqueueDueRetries() == 1)
        // The owner's "pay what is due now" (or the retry job) charges it, once.
        let paid = try await billing.invoicing.invoice(tenantId: tenant, currency: "USD").unwrap("the invoice")
        #expect(paid.status == "paid" && paid.invoiceId == open.invoiceId)
        #expect(try await billing.store.invoicesDueForRetry(at: billing.clock.now).isEmpty)
        #expect(try await billing.invoicing.invoice(tenantId: tenant, currency: "USD") == nil)
        let customer = try await billing.cards.customer(for: tenant)
        #expect(try await Self.stripeList(billing, "/v1/invoices", "customer=\(customer)").count == 1)
        #expect(try await Self.stripeList(billing, "/v1/payment_intents", "customer=\(customer)").count == 1)
    }

    @Test func aFailedPaymentFollowsTheDunningScheduleThenThePastDueTenantPaysAndIsInGoodStandingAgain() async throws {
        let billing = try await BillingHarness.start()
        defer { Task { await billing.stop() } }
        let tenant = try await billing.tenant(rate: 2000)
        try await billing.cardOnFile(tenant, "pm_card_chargeCustomerFail")
        _ = try await billing.received(tenant, 50_000)
        let invoice = try await billing.invoicing.invoice(tenantId: tenant, currency: "USD").unwrap("invoice")
        #expect(invoice.status == "payment_failed")
        #expect(invoice.attemptCount == 1)
        let start = billing.clock.now
        #expect(invoice.nextRetryAt == start.addingTimeInterval(3 * 86_400))
        #expect(try await billing.store.profile(tenantId: tenant)?.standing == "payment_failed")
        // Not due yet.
        #expect(try await billing.invoicing.enqueueDueRetries() == 0)
        for (day, attempt) in [(3, 2), (5, 3), (7, 4)] {
            billing.clock.advance(by: start.addingTimeInterval(Double(day) * 86_400).timeIntervalSince(billing.clock.now))
            #expect(try await billing.invoicing.enqueueDueRetries() == 1, "day \(day)")
            try await billing.invoicing.attemptPayment(tenantId: tenant, invoiceId: invoice.invoiceId)
            let now = try await billing.store.invoice(tenantId: tenant, invoiceId: invoice.invoiceId)
            #expect(now?.attemptCount == attempt)
            // Jobs for the retry were enqueued once per due time; clear them as the queue would.
            _ = try await billing.testDatabase.withSuperuser { connection in
                try await connection.query("DELETE FROM platform.jobs WHERE kind = 'payments.retry-invoice'", logger: TestEnvironment.logger)
            }
        }
        let final = try await billing.store.invoice(tenantId: tenant, invoiceId: invoice.invoiceId)
        #expect(final?.nextRetryAt == nil)
        let profile = try await billing.store.profile(tenantId: tenant)
        #expect(profile?.standing == "past_due")
        #expect(profile?.standingReason?.contains("4 attempts") == true)
        let failures = try await billing.published("billing.payment_failed")
        #expect(failures.count == 4)
        #expect(failures.last?["finalAttempt"] as? Bool == true)
        #expect(failures.first?["reason"] as? String == "the card was declined (card_declined)" || failures.first?["reason"] != nil)
        let standings = try await billing.published("billing.standing_changed").compactMap { $0["standing"] as? String }
        #expect(standings == ["payment_failed", "past_due"])

        // The owner saves a card that works and pays now.
        try await billing.cardOnFile(tenant, "pm_card_visa")
        try await billing.invoicing.attemptPayment(tenantId: tenant, invoiceId: invoice.invoiceId)
        #expect(try await billing.store.invoice(tenantId: tenant, invoiceId: invoice.invoiceId)?.status == "paid")
        #expect(try await billing.store.profile(tenantId: tenant)?.standing == "good")
        #expect(try await billing.published("billing.standing_changed").compactMap { $0["standing"] as? String }.last == "good")
        #expect(try await billing.invoicing.enqueueDueRetries() == 0)
    }

    @Test func aBankAskingForTheCardholderSendsTheOwnerToStripesPage() async throws {
        let billing = try await BillingHarness.start()
        defer { Task { await billing.stop() } }
        let tenant = try await billing.tenant(rate: 2000)
        try await billing.cardNeedingAuthentication(tenant)
        _ = try await billing.received(tenant, 10_000)
        let invoice = try await billing.invoicing.invoice(tenantId: tenant, currency: "USD").unwrap("invoice")
        #expect(invoice.status == "requires_action")
        let failure = try await billing.published("billing.payment_failed").last
        #expect(failure?["actionRequired"] as? Bool == true)
        #expect((failure?["actionUrl"] as? String)?.contains("/_hosted/invoices/") == true)
        #expect(invoice.hostedInvoiceUrl != nil)
    }

    @Test func perReimbursementChargesOnceRefundsReversalsAndLeavesDeclinesToTheInvoice() async throws {
        let billing = try await BillingHarness.start()
        defer { Task { await billing.stop() } }
        let tenant = try await billing.tenant(rate: 2000, collection: .perReimbursement)
        try await billing.cardOnFile(tenant)
        let caseId = UUID()
        let line = try await billing.received(tenant, 25_000, caseId: caseId).line.unwrap("line")
        #expect(try await billing.count("SELECT count(*) FROM platform.jobs WHERE kind = 'payments.charge-commission'") == 1)
        // Stripe charges, then answers 500: the retry with the same key gets the charge, not a second one.
        _ = try await billing.sandbox.control("faults", ["path": "payment_intents", "status": 500, "count": 1, "after_executing": true])
        #expect(try await billing.charging.collect(tenantId: tenant, commissionId: line.commissionId) == "paid")
        #expect(try await billing.charging.collect(tenantId: tenant, commissionId: line.commissionId) == "skipped")
        let customer = try await billing.cards.customer(for: tenant)
        let intents = try await Self.stripeList(billing, "/v1/payment_intents", "customer=\(customer)")
        #expect(intents.count == 1)
        #expect(intents.first?["amount"] as? Int == 5_000)
        #expect(intents.first?["status"] as? String == "succeeded")

        // Amazon takes back part of it: the credit is refunded on that charge.
        let credit = try await billing.received(tenant, -10_000, kind: "reversal", caseId: caseId).line.unwrap("credit")
        #expect(credit.commission.amountMinor == -2_000)
        #expect(try await billing.charging.collect(tenantId: tenant, commissionId: credit.commissionId) == "credited")
        let refunds = try await Self.stripeList(billing, "/v1/refunds", "payment_intent=\(intents.first?["id"] as? String ?? "")")
        #expect(refunds.map { $0["amount"] as? Int } == [2_000])

        // A declined card: the line waits for the month's invoice, and the owner is told.
        let declining = try await billing.tenant(rate: 2000, collection: .perReimbursement)
        try await billing.cardOnFile(declining, "pm_card_chargeCustomerFail")
        let declined = try await billing.received(declining, 1_000).line.unwrap("line")
        #expect(try await billing.charging.collect(tenantId: declining, commissionId: declined.commissionId) == "pending")
        #expect(try await billing.ledger.line(tenantId: declining, commissionId: declined.commissionId)?.chargeFailure != nil)
        #expect(try await billing.published("billing.payment_failed").count == 1)
    }
}
