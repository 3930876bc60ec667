import Foundation
import OpsideCore
import OpsideTesting
import Payments
import Testing

/// The commission on money recovered: on attributed reimbursements only, once per ledger entry,
/// adding up to rate × recovered to the minor unit per currency, and credited back exactly.
@Suite struct CommissionLedgerTests {
    @Test func lineCommissionsAlwaysAddUpToTheRoundedCommissionOnTheTotal() {
        var generator = SystemRandomNumberGenerator()
        for rate in [0, 1, 1250, 2000, 3333, 10_000] {
            var total: Int64 = 0, charged: Int64 = 0
            for _ in 0..<2_000 {
                // Mostly payments, some reversals, cents that round both ways.
                let amount = Int64.random(in: -5_000...250_000, using: &generator)
                charged += CommissionMath.lineCommission(recoveredMinor: amount, recoveredBeforeMinor: total, basisPoints: rate)
                total += amount
                #expect(charged == CommissionMath.commission(onTotal: total, basisPoints: rate), "rate \(rate) after \(total)")
            }
        }
        #expect(CommissionMath.commission(onTotal: 1_005, basisPoints: 2000) == 201)  // 200.999… up
        #expect(CommissionMath.commission(onTotal: 1_002, basisPoints: 2000) == 200)  // 200.4 down
        #expect(CommissionMath.commission(onTotal: 25, basisPoints: 2000) == 5)
        #expect(CommissionMath.commission(onTotal: -1_005, basisPoints: 2000) == -201)
        #expect(CommissionMath.commission(onTotal: 2, basisPoints: 2500) == 1)  // 0.5 rounds away from zero
    }

    @Test func onlyCasesEarnCommissionAndARedeliveredEventChangesNothing() async throws {
        let billing = try await BillingHarness.start()
        defer { Task { await billing.stop() } }
        let tenant = try await billing.tenant(rate: 2000)
        #expect(try await billing.received(tenant, 10_000, attribution: "automatic") == .notAttributed)
        let entry = UUID()
        let first = try await billing.received(tenant, 12_345, entryId: entry)
        guard case .recorded(let line) = first else { Issue.record("not recorded: \(first)"); return }
        #expect(line.commission == Money(amountMinor: 2_469, currency: .usd))
        #expect(line.state == "pending")
        for _ in 0..<3 {
            let again = try await billing.received(tenant, 12_345, entryId: entry, eventId: UUID())
            #expect(again == .duplicate(line))
        }
        #expect(try await billing.count("SELECT count(*) FROM payments.commissions") == 1)
        // Another tenant sees none of it.
        let other = try await billing.tenant()
        #expect(try await billing.ledger.lines(tenantId: other).isEmpty)
        #expect(try await billing.ledger.totals(tenantId: other).isEmpty)
    }

    @Test func sumsAreExactPerCurrencyAndReversalsCreditBackAtTheRateCharged() async throws {
        let billing = try await BillingHarness.start()
        defer { Task { await billing.stop() } }
        let tenant = try await billing.tenant(rate: 1750)
        var recovered: [String: Int64] = [:]
        var cases: [(UUID, Int64, String)] = []
        for index in 0..<60 {
            let currency = index % 3 == 0 ? "EUR" : "USD"
            let amount = Int64.random(in: 1...90_000)
            let caseId = UUID()
            _ = try await billing.received(tenant, amount, currency: currency, caseId: caseId)
            recovered[currency, default: 0] += amount
            cases.append((caseId, amount, currency))
        }
        // The plan changes; a reversal of an earlier case is credited at 17.5 %, not the new rate.
        _ = try await billing.store.setPlan(tenantId: tenant, commissionBasisPoints: 3000, collection: nil)
        let (reversedCase, reversedAmount, reversedCurrency) = cases[7]
        let before = try await billing.ledger.totals(tenantId: tenant).first { $0.commission.currency.code == reversedCurrency }!
        let reversal = try await billing.received(tenant, -reversedAmount, currency: reversedCurrency, kind: "reversal", caseId: reversedCase)
        recovered[reversedCurrency, default: 0] -= reversedAmount
        #expect(reversal.line?.rateBasisPoints == 1750)
        let after = try await billing.ledger.totals(tenantId: tenant)
        for totals in after {
            let code = totals.commission.currency.code
            #expect(totals.recovered.amountMinor == recovered[code])
            #expect(totals.commission.amountMinor == CommissionMath.commission(onTotal: recovered[code]!, basisPoints: 1750),
                    "\(code): the commission is the rate on what was recovered, to the minor unit")
        }
        // The credit takes the total back to the commission on what remains recovered.
        let afterReversal = after.first { $0.commission.currency.code == reversedCurrency }!
        #expect(try before.commission - afterReversal.commission == (try reversal.line.unwrap("reversal line").commission.negated()))
        // Money recovered after the change earns the new rate.
        let later = try await billing.received(tenant, 10_000)
        #expect(later.line?.rateBasisPoints == 3000)
        #expect(later.line?.commission.amountMinor == 3_000)
    }

    @Test func aReportLineThatTakesOverFinancesMoneyIsNotChargedTwiceInEitherOrder() async throws {
        let billing = try await BillingHarness.start()
        defer { Task { await billing.stop() } }
        let tenant = try await billing.tenant(rate: 2000)
        // In order: Finances first (charged), then the report line replacing it (the difference only).
        let finance = UUID(), caseId = UUID()
        _ = try await billing.received(tenant, 5_000, caseId: caseId, entryId: finance)
        let report = try await billing.received(tenant, 5_050, caseId: caseId, replaces: [finance])
        #expect(report.line?.recovered.amountMinor == 50)
        // Out of order: the report line first carries the money; the Finances entry it replaced adds nothing.
        let lateFinance = UUID()
        _ = try await billing.received(tenant, 7_000, replaces: [lateFinance])
        #expect(try await billing.received(tenant, 7_000, entryId: lateFinance) == .superseded)
        let totals = try await billing.ledger.totals(tenantId: tenant)
        #expect(totals.first?.recovered.amountMinor == 12_050)
        #expect(totals.first?.commission.amountMinor == 2_410)
    }

    @Test func aTenantWithoutABillingAccountYetIsRetriedNotLost() async throws {
        let billing = try await BillingHarness.start()
        defer { Task { await billing.stop() } }
        await #expect(throws: (any Error).self) { try await billing.received(UUID(), 1_000) }
        #expect(try await billing.count("SELECT count(*) FROM payments.commissions") == 0)
    }
}
