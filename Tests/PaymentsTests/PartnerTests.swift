import Foundation
import OpsideCore
import OpsideJobs
import OpsideTesting
@testable import Payments
import Testing

/// The partner programme against the Stripe sandbox: a partner's Express account is onboarded,
/// earns its exact share of the commission paid by the sellers it brought (never of others'),
/// gets it by one transfer however often the run repeats or Stripe fails, and pays it out to its
/// bank on request or on its schedule, each payout once, followed to paid or failed.
@Suite struct PartnerTests {
    /// A seller brought by `partner`, with a card on file and `amounts` recovered on its cases,
    /// its commission invoiced and paid.
    static func payingSeller(_ harness: BillingHarness, brought partner: Partner?, amounts: [Int64], name: String = "Acme Goods") async throws -> UUID {
        let seller = try await harness.tenant(rate: 2000)
        if let partner {
            let outcome = try await harness.partnerStore.attribute(sellerTenantId: seller, sellerName: name, code: partner.referralCode,
                                                                   source: "sign_up")
            guard case .attributed = outcome else { throw HarnessError("the seller was not attributed: \(outcome)") }
        }
        try await harness.cardOnFile(seller)
        for amount in amounts { try await harness.received(seller, amount) }
        let invoice = try await harness.invoicing.invoice(tenantId: seller, currency: "USD")
        #expect(invoice?.status == "paid")
        return seller
    }

    @Test func aPartnerEarnsItsExactShareOfItsSellersPaidCommissionOnceAndGetsItInOneTransfer() async throws {
        let harness = try await BillingHarness.start()
        defer { Task { await harness.stop() } }
        let partner = try await harness.partner()
        #expect(partner.accountStatus == "active")
        #expect(partner.transfersActive && partner.payoutsEnabled)

        // Amounts whose 20 % and then 25 % round: the share is exact on the sum, not per line.
        let amounts: [Int64] = [10_001, 333, 7_777, 12_345, 1, 99_999, 2_501]
        let seller = try await Self.payingSeller(harness, brought: partner, amounts: amounts)
        let stranger = try await Self.payingSeller(harness, brought: nil, amounts: [50_000])
        _ = stranger

        // The platform's card money is pending for two days: the transfer waits for funds.
        let first = try await harness.partnerEarnings.run()
        #expect(first.accrued == amounts.count)
        #expect(first.transfersWaiting == 1 && first.transfersSent == 0)
        let commission = CommissionMath.commission(onTotal: amounts.reduce(0, +), basisPoints: 2000)
        let share = CommissionMath.commission(onTotal: commission, basisPoints: 2500)
        #expect(try await harness.count("SELECT coalesce(sum(commission_minor), 0)::bigint FROM payments.commissions WHERE tenant_id = '\(seller)'") == Int(commission))
        #expect(try await harness.count("SELECT sum(earning_minor)::bigint FROM payments.partner_earnings") == Int(share))
        #expect(try await harness.strings("SELECT DISTINCT seller_name FROM payments.partner_earnings") == ["Acme Goods"])

        // Funds arrive (balance.available): the same transfer goes, under its next key, once,
        // though Stripe's first answer is lost after it made the transfer.
        try await harness.topUp(nil, 1_000_000)
        _ = try await harness.sandbox.control("faults", ["path": "transfers", "status": 500, "count": 1, "after_executing": true])
        let second = try await harness.partnerEarnings.run()
        #expect(second.accrued == 0 && second.transfersSent == 1)
        let third = try await harness.partnerEarnings.run()
        #expect(third == PartnerEarnings.RunSummary())
        let account = try partner.stripeAccountId.unwrap("account")
        let transfers = try await harness.sandbox.call(.GET, "/v1/transfers", "destination=\(account)")
        let sent = (transfers.json["data"] as? [[String: Any]]) ?? []
        #expect(sent.count == 1, "one transfer at Stripe: \(sent)")
        #expect(sent.first?["amount"] as? Int == Int(share))
        #expect(try await harness.count("SELECT count(*) FROM payments.partner_transfers WHERE state = 'sent'") == 1)

        // The partner's balance now holds its share, available at once.
        let balance = try await harness.partnerPayouts.balance(of: partner)
        #expect(balance.first?.available.amountMinor == share)
        let totals = try await harness.partnerStore.earningTotals(partnerTenantId: partner.tenantId)
        #expect(totals.first?.transferred.amountMinor == share && totals.first?.awaitingTransfer.amountMinor == 0)
    }

    @Test func aReversalEarnsANegativeShareNettedFromTheNextTransfer() async throws {
        let harness = try await BillingHarness.start()
        defer { Task { await harness.stop() } }
        try await harness.topUp(nil, 1_000_000)
        let partner = try await harness.partner()
        let seller = try await Self.payingSeller(harness, brought: partner, amounts: [40_000])
        #expect(try await harness.partnerEarnings.run().transfersSent == 1)
        // 20 % of 400.00 is 80.00; 25 % of that is 20.00.
        #expect(try await harness.count("SELECT sum(earning_minor)::bigint FROM payments.partner_earnings") == 2_000)

        // Amazon takes 100.00 back and pays 300.00 more: the invoice nets them, and so does the share.
        try await harness.received(seller, -10_000, kind: "reversal")
        try await harness.received(seller, 30_000)
        let invoice = try await harness.invoicing.invoice(tenantId: seller, currency: "USD")
        #expect(invoice?.status == "paid")
        #expect(try await harness.partnerEarnings.run().transfersSent == 1)
        #expect(try await harness.count("SELECT count(*) FROM payments.partner_earnings WHERE earning_minor < 0") == 1)
        // Share of the commission on 600.00 recovered: 25 % of 120.00.
        #expect(try await harness.count("SELECT sum(earning_minor)::bigint FROM payments.partner_earnings") == 3_000)
        #expect(try await harness.strings("SELECT amount_minor::text FROM payments.partner_transfers ORDER BY created_at") == ["2000", "1000"])
    }

    @Test func earningsWaitForAnAccountStripeCannotPayYet() async throws {
        let harness = try await BillingHarness.start()
        defer { Task { await harness.stop() } }
        try await harness.topUp(nil, 1_000_000)
        let partner = try await harness.partner(onboard: false)
        #expect(partner.accountStatus == "onboarding")
        _ = try await Self.payingSeller(harness, brought: partner, amounts: [10_000])
        let waiting = try await harness.partnerEarnings.run()
        #expect(waiting.accrued == 1 && waiting.transfersSent == 0)
        #expect(try await harness.count("SELECT count(*) FROM payments.partner_transfers") == 0)

        // Onboarding finishes; account.updated makes the account active and queues the run.
        let account = try partner.stripeAccountId.unwrap("account")
        _ = try await harness.sandbox.control("accounts/\(account)/onboard", ["account_number": "000123456789"])
        try await harness.partnerAccounts.accountChanged(accountId: account)
        #expect(try await harness.count("SELECT count(*) FROM platform.jobs WHERE kind = 'payments.pay-partners'") == 1)
        #expect(try await harness.partnerEarnings.run().transfersSent == 1)

        // The partner disconnects: nothing more goes to the account.
        try await harness.partnerAccounts.disconnected(accountId: account)
        #expect(try await harness.partnerStore.partner(tenantId: partner.tenantId)?.accountStatus == "disconnected")
    }

    @Test func aPayoutOnRequestIsMadeOnceAndFollowedToPaid() async throws {
        let harness = try await BillingHarness.start()
        defer { Task { await harness.stop() } }
        let partner = try await harness.partner()
        let account = try partner.stripeAccountId.unwrap("account")
        try await harness.topUp(account, 12_550)

        let request = UUID()
        let payout = try await harness.partnerPayouts.request(tenantId: partner.tenantId, requestId: request, currency: .usd, amountMinor: 5_000)
        #expect(payout.status == "pending" && payout.amount.amountMinor == 5_000 && payout.trigger == "request")
        #expect(payout.arrivalDate != nil)
        // A double click: the same payout, not a second one.
        let again = try await harness.partnerPayouts.request(tenantId: partner.tenantId, requestId: request, currency: .usd, amountMinor: 5_000)
        #expect(again.stripePayoutId == payout.stripePayoutId)
        let listed = try await harness.sandbox.call(.GET, "/v1/payouts", "limit=10", headers: [("Stripe-Account", account)])
        #expect((listed.json["data"] as? [[String: Any]])?.count == 1)

        // Another partner sending this request's id is refused, and nothing is sent under its key.
        let other = try await harness.partner(kind: "referrer", name: "Ann Referrer")
        try await harness.topUp(try other.stripeAccountId.unwrap("account"), 5_000)
        await #expect(throws: PartnerError.requestIdTaken) {
            _ = try await harness.partnerPayouts.request(tenantId: other.tenantId, requestId: request, currency: .usd, amountMinor: 5_000)
        }
        #expect(try await harness.partnerStore.payouts(partnerTenantId: other.tenantId).isEmpty)

        // More than is available is refused before Stripe is asked.
        await #expect(throws: PartnerError.moreThanAvailable(available: Money(amountMinor: 7_550, currency: .usd))) {
            _ = try await harness.partnerPayouts.request(tenantId: partner.tenantId, requestId: UUID(), currency: .usd, amountMinor: 10_000)
        }
        // Everything available, when no amount is given.
        let rest = try await harness.partnerPayouts.request(tenantId: partner.tenantId, requestId: UUID(), currency: .usd, amountMinor: nil)
        #expect(rest.amount.amountMinor == 7_550)
        await #expect(throws: PartnerError.nothingAvailable(currency: "USD")) {
            _ = try await harness.partnerPayouts.request(tenantId: partner.tenantId, requestId: UUID(), currency: .usd, amountMinor: nil)
        }

        // Two days later the bank has it: payout.paid, told once however often Stripe says it.
        _ = try await harness.sandbox.control("clock", ["advance_seconds": 3 * 86_400])
        let stripeId = try payout.stripePayoutId.unwrap("Stripe's payout id")
        try await harness.partnerPayouts.payoutChanged(payoutId: stripeId, accountId: account)
        try await harness.partnerPayouts.payoutChanged(payoutId: stripeId, accountId: account)
        #expect(try await harness.partnerStore.payout(partnerTenantId: partner.tenantId, payoutId: request)?.status == "paid")
        let announced = try await harness.published("payout.paid")
        #expect(announced.count == 1)
        #expect((announced.first?["amount"] as? [String: Any])?["amountMinor"] as? Int == 5_000)
    }

    @Test func aPayoutTheBankReturnsIsFailedWithItsReasonAndAnnounced() async throws {
        let harness = try await BillingHarness.start()
        defer { Task { await harness.stop() } }
        // Stripe's test account number for a bank that cannot find the account.
        let partner = try await harness.partner(accountNumber: "000111111116")
        let account = try partner.stripeAccountId.unwrap("account")
        try await harness.topUp(account, 20_000)
        let payout = try await harness.partnerPayouts.request(tenantId: partner.tenantId, requestId: UUID(), currency: .usd, amountMinor: 20_000)
        _ = try await harness.sandbox.control("clock", ["advance_seconds": 3 * 86_400])
        // An older event's copy arrives after: the handler reads Stripe's current payout, failed.
        let handlers = PartnerWebhookHandlers(accounts: harness.partnerAccounts, earnings: harness.partnerEarnings,
                                              payouts: harness.partnerPayouts).handlers
        let stale: [String: Any] = ["type": "payout.updated", "account": account,
                                    "data": ["object": ["id": try payout.stripePayoutId.unwrap("id"), "status": "in_transit"]]]
        try await handlers["payout.failed"]!(stale, TestEnvironment.logger)
        try await handlers["payout.updated"]!(stale, TestEnvironment.logger)
        let failed = try await harness.partnerStore.payout(partnerTenantId: partner.tenantId, payoutId: payout.payoutId)
        #expect(failed?.status == "failed")
        #expect(failed?.failureCode == "no_account")
        #expect(try await harness.published("payout.failed").count == 1)
        // The money is back in the partner's balance.
        #expect(try await harness.partnerPayouts.balance(of: partner).first?.available.amountMinor == 20_000)
    }

    @Test func aScheduledPayoutIsMadeOncePerPeriodAndOnlyAboveTheMinimum() async throws {
        let harness = try await BillingHarness.start()
        defer { Task { await harness.stop() } }
        let partner = try await harness.partner()
        let account = try partner.stripeAccountId.unwrap("account")
        _ = try await harness.partnerStore.setSchedule(tenantId: partner.tenantId, schedule: "weekly", minimumHundredths: 10_000)
        try await harness.topUp(account, 9_999)
        #expect(try await harness.partnerPayouts.runSchedule() == 0, "below the 100.00 minimum")
        try await harness.topUp(account, 1)
        #expect(try await harness.partnerPayouts.runSchedule() == 1)
        try await harness.topUp(account, 5_000_00)
        #expect(try await harness.partnerPayouts.runSchedule() == 0, "one scheduled payout a week")
        harness.clock.advance(by: 7 * 86_400)
        #expect(try await harness.partnerPayouts.runSchedule() == 1)
        let amounts = try await harness.strings("""
            SELECT amount_minor::text || ' ' || schedule_period FROM payments.partner_payouts WHERE trigger = 'schedule' ORDER BY created_at
            """)
        #expect(amounts == ["10000 2026-W49", "500000 2026-W50"], "\(amounts)")
    }

    @Test func aSellerIsBroughtOnceAndEachSideSeesOnlyItsOwn() async throws {
        let harness = try await BillingHarness.start()
        defer { Task { await harness.stop() } }
        let partner = try await harness.partner(onboard: false)
        let other = try await harness.partner(kind: "referrer", name: "Ann Referrer", onboard: false)
        let seller = try await harness.tenant()
        let store = harness.partnerStore

        #expect(try await store.attribute(sellerTenantId: seller, sellerName: "Acme", code: "NOSUCHCODE", source: "seller") == .unknownCode)
        #expect(try await store.attribute(sellerTenantId: seller, sellerName: "Acme", code: "<script>", source: "seller") == .unknownCode)
        #expect(try await store.attribute(sellerTenantId: partner.tenantId, sellerName: "Self", code: partner.referralCode, source: "seller") == .ownCode)
        // Codes are read without case, spaces or dashes, as people type them.
        let typed = partner.referralCode.lowercased().prefix(4) + "-" + partner.referralCode.lowercased().dropFirst(4)
        guard case .attributed(let referral) = try await store.attribute(sellerTenantId: seller, sellerName: "Acme", code: String(typed),
                                                                            source: "seller") else {
            Issue.record("the seller was not attributed")
            return
        }
        #expect(referral.partnerName == "Northwind Agency")
        guard case .alreadyReferred(let kept) = try await store.attribute(sellerTenantId: seller, sellerName: "Acme", code: other.referralCode,
                                                                           source: "seller") else {
            Issue.record("a second partner took the seller")
            return
        }
        #expect(kept.partnerName == "Northwind Agency")

        #expect(try await store.referral(sellerTenantId: seller)?.partnerName == "Northwind Agency")
        #expect(try await store.referrals(partnerTenantId: partner.tenantId).map(\.sellerName) == ["Acme"])
        #expect(try await store.referrals(partnerTenantId: other.tenantId).isEmpty)
        // The seller reads nothing of the partner's programme, nor the other partner of it.
        #expect(try await store.partner(tenantId: seller) == nil)
        #expect(try await store.payouts(partnerTenantId: other.tenantId).isEmpty)
        #expect(try await store.referral(sellerTenantId: other.tenantId) == nil)
        // Enrolling twice changes nothing.
        let again = try await store.enroll(tenantId: partner.tenantId, kind: "referrer", displayName: "Changed", contactEmail: "x@y.test",
                                           country: "GB", shareBasisPoints: 1)
        #expect(again == partner)
    }
}
