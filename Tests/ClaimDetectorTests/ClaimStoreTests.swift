import ClaimDetector
import Foundation
import OpsideCore
import OpsideEvents
import OpsideTesting
import PostgresNIO
import Testing

/// How a detection run changes the stored claims, with scripted rules against the real database:
/// new claims inserted, existing ones updated, netted ones resolved with the reason and reopened
/// when owed again, dismissed ones left dismissed, a re-run a no-op, a failed run a no-op,
/// concurrent runs of one connection one after the other, and tenants apart.
@Suite struct ClaimStoreTests {
    static let lossDay = CivilDate(year: 2026, month: 3, day: 1)

    @Test func runsInsertUpdateResolveReopenAndLeaveDismissedClaimsDismissed() async throws {
        try await ClaimStack.with { stack in
            let tenant = UUID(), connection = UUID()
            try await stack.seed(tenant: tenant, connection: connection)
            let a = Claims.lost(connection, reference: "REF-A", on: Self.lossDay)
            let b = Claims.lost(connection, reference: "REF-B", fnsku: "X00FNSKU02", units: 1, unitMinor: 2500, on: Self.lossDay)

            // 1. Both new; 20 days after the loss they are past the 14-day grace: claimable.
            stack.detector.script(connection, [a, b])
            let first = try await stack.detect(tenant, asOf: Self.lossDay.adding(days: 20))
            #expect(first.state == .succeeded && first.counts == DetectionCounts(new: 2))
            let stored = try await stack.claims(tenant)
            #expect(stored.count == 2 && stored.allSatisfy { $0.status == .claimable })
            let storedA = try #require(stored.first { $0.key == a.key })
            #expect(storedA.amount == Money(amountMinor: 2000, currency: .usd) && storedA.units == 2)
            #expect(storedA.opensOn == Self.lossDay.adding(days: 14) && storedA.deadline == Self.lossDay.adding(days: 60))
            #expect(storedA.sourceIds == ["ledgerReferenceId": "REF-A", "fnsku": "X00FNSKU01"])
            #expect(storedA.explanation == a.explanation && storedA.valuation == a.valuation)

            // 2. The same again changes nothing.
            let again = try await stack.detect(tenant, asOf: Self.lossDay.adding(days: 20))
            #expect(again.counts == DetectionCounts(unchanged: 2))
            let afterAgain = try await stack.claims(tenant)
            #expect(afterAgain.map(\.id) == stored.map(\.id))
            #expect(afterAgain.map(\.amount) == stored.map(\.amount) && afterAgain.map(\.status) == stored.map(\.status))

            // 3. A grows, B is found: updated, and resolved with the reason (never deleted).
            var bigger = a
            bigger.units = 3
            bigger.amount = Money(amountMinor: 3000, currency: .usd)
            stack.detector.script(connection, [bigger, Claims.netted(b, reason: "1 unit found (ledger F)")])
            let third = try await stack.detect(tenant, asOf: Self.lossDay.adding(days: 21))
            #expect(third.counts == DetectionCounts(updated: 1, resolved: 1))
            var now = try await stack.claims(tenant)
            let resolvedB = try #require(now.first { $0.key == b.key })
            #expect(resolvedB.status == .resolved && resolvedB.resolutionReason == "1 unit found (ledger F)" && resolvedB.resolvedAt != nil)
            #expect(now.first { $0.key == a.key }?.units == 3)

            // 4. The seller dismisses A; later runs update its numbers and leave it dismissed. B owed again reopens.
            let dismissed = try await stack.parts.store.dismiss(tenant: tenant, id: storedA.id, reason: "already filed by hand", by: "user:x", at: Date())
            #expect(dismissed?.status == .dismissed)
            var biggest = a
            biggest.units = 4
            biggest.amount = Money(amountMinor: 4000, currency: .usd)
            stack.detector.script(connection, [biggest, b])
            let fourth = try await stack.detect(tenant, asOf: Self.lossDay.adding(days: 22))
            #expect(fourth.counts == DetectionCounts(updated: 1, reopened: 1))
            now = try await stack.claims(tenant)
            let nowA = try #require(now.first { $0.key == a.key })
            #expect(nowA.status == .dismissed && nowA.units == 4 && nowA.dismissedReason == "already filed by hand")
            let reopened = try #require(now.first { $0.key == b.key })
            #expect(reopened.status == .claimable && reopened.resolutionReason == nil && reopened.reopenedAt != nil)
            #expect(reopened.id == stored.first { $0.key == b.key }?.id, "the same claim, never a second one")

            // 5. Past the deadline the open claim expires; the dismissed one stays dismissed.
            let fifth = try await stack.detect(tenant, asOf: Self.lossDay.adding(days: 61))
            #expect(fifth.counts == DetectionCounts(updated: 1, unchanged: 1))
            now = try await stack.claims(tenant)
            #expect(now.first { $0.key == b.key }?.status == .expired && now.first { $0.key == a.key }?.status == .dismissed)
            #expect(now.count == 2, "a claim is never duplicated")

            // Each run's pair published claims.detected from its transaction, with the counts.
            let events = try await stack.database.strings("""
                SELECT payload::text FROM platform.outbox WHERE type = 'claims.detected' ORDER BY id
                """).map { try JSONDecoder().decode(ClaimsDetected.self, from: Data($0.utf8)) }
            #expect(events.map(\.newClaims) == [2, 0, 0, 0, 0] && events.map(\.resolvedClaims) == [0, 0, 1, 0, 0])
            #expect(events.map(\.reopenedClaims) == [0, 0, 0, 1, 0] && events.allSatisfy { $0.connectionId == connection })
            #expect(events[0].owedTotals == [Money(amountMinor: 4500, currency: .usd)])
            #expect(events[1].owedTotals.isEmpty, "a re-run changes no total")
            #expect(events[2].owedTotals == [Money(amountMinor: 3000, currency: .usd)], "A grew to 30.00, B was resolved")
            #expect(events[2].asOf == Self.lossDay.adding(days: 21) && events[2].runId == third.runId)
        }
    }

    @Test func aLargeRunStoresEveryClaimOnceAndAReRunChangesNothing() async throws {
        try await ClaimStack.with { stack in
            let tenant = UUID(), connection = UUID()
            try await stack.seed(tenant: tenant, connection: connection)
            let claims = (0..<1_201).map { Claims.lost(connection, reference: "REF-\($0)", units: 1 + $0 % 3, on: Self.lossDay.adding(days: -($0 % 90))) }
            stack.detector.script(connection, claims)
            let first = try await stack.detect(tenant, asOf: Self.lossDay.adding(days: 20))
            #expect(first.counts == DetectionCounts(new: 1_201))
            let second = try await stack.detect(tenant, asOf: Self.lossDay.adding(days: 20))
            #expect(second.counts == DetectionCounts(unchanged: 1_201))
            #expect(try await stack.database.count("SELECT count(*) FROM claims.claims") == 1_201)
            let owed = try await stack.database.count("SELECT sum(amount_minor)::bigint FROM claims.claims")
            #expect(owed == claims.reduce(0) { $0 + Int($1.amount.amountMinor) }, "every claim's money once")
            let statuses = Set(try await stack.database.strings("SELECT DISTINCT status FROM claims.claims"))
            #expect(statuses == ["claimable", "expired"], "losses up to 89 days back, as of 20 days after the last")
        }
    }

    @Test func aLossNettedBeforeItWasEverStoredIsNotKept() async throws {
        try await ClaimStack.with { stack in
            let tenant = UUID(), connection = UUID()
            try await stack.seed(tenant: tenant, connection: connection)
            stack.detector.script(connection, [Claims.netted(Claims.lost(connection, reference: "REF-N", on: Self.lossDay), reason: "reimbursed")])
            let run = try await stack.detect(tenant, asOf: Self.lossDay.adding(days: 30))
            #expect(run.counts == DetectionCounts())
            #expect(try await stack.claims(tenant).isEmpty)
        }
    }

    /// A key the rules emit twice in one run counts once, as its last emission says: owed then
    /// netted is nothing to keep; netted (never stored) then owed is one new claim.
    @Test func aKeyEmittedTwiceInARunIsStoredAsItsLastEmissionSays() async throws {
        try await ClaimStack.with { stack in
            let tenant = UUID(), connection = UUID()
            try await stack.seed(tenant: tenant, connection: connection)
            let owedThenNetted = Claims.lost(connection, reference: "REF-A", on: Self.lossDay)
            let nettedThenOwed = Claims.lost(connection, reference: "REF-B", units: 3, on: Self.lossDay)
            stack.detector.script(connection, [owedThenNetted, Claims.netted(nettedThenOwed, reason: "found"),
                                               Claims.netted(owedThenNetted, reason: "found"), nettedThenOwed])
            let run = try await stack.detect(tenant, asOf: Self.lossDay.adding(days: 30))
            #expect(run.counts == DetectionCounts(new: 1))
            let stored = try await stack.claims(tenant)
            #expect(stored.map(\.key) == [nettedThenOwed.key] && stored.first?.units == 3)
        }
    }

    @Test func aRunThatFailsHalfWayLeavesThePreviousClaimsIntact() async throws {
        try await ClaimStack.with { stack in
            let tenant = UUID(), connection = UUID()
            try await stack.seed(tenant: tenant, connection: connection)
            let a = Claims.lost(connection, reference: "REF-A", on: Self.lossDay)
            let b = Claims.lost(connection, reference: "REF-B", on: Self.lossDay)
            stack.detector.script(connection, [a, b])
            _ = try await stack.detect(tenant, asOf: Self.lossDay.adding(days: 20))
            let before = try await stack.claims(tenant)

            var changed = a
            changed.units = 9
            changed.amount = Money(amountMinor: 9000, currency: .usd)
            stack.detector.script(connection, [changed, Claims.netted(b, reason: "found"), Claims.lost(connection, reference: "REF-C", on: Self.lossDay)],
                                  failAfter: 2)
            await #expect(throws: ScriptedFailure.self) { try await stack.detect(tenant, asOf: Self.lossDay.adding(days: 20)) }
            let after = try await stack.claims(tenant)
            #expect(after == before, "the failed run changed nothing")
            #expect(try await stack.database.strings("SELECT state FROM claims.detection_runs ORDER BY started_at") == ["succeeded", "failed"])
            #expect(try await stack.database.count("SELECT count(*) FROM platform.outbox WHERE type = 'claims.detected'") == 1)
        }
    }

    @Test func concurrentRunsOfOneConnectionRunOneAfterTheOther() async throws {
        try await ClaimStack.with { stack in
            let tenant = UUID(), connection = UUID()
            try await stack.seed(tenant: tenant, connection: connection)
            stack.detector.script(connection, [Claims.lost(connection, reference: "REF-A", on: Self.lossDay)])
            stack.detector.holdRuns()
            let day = Self.lossDay.adding(days: 20)
            async let first = stack.detect(tenant, asOf: day)
            // The first run holds its transaction (and the connection's lock) after emitting its claim.
            #expect(try await eventually { stack.detector.runsEntered == 1 })
            async let second = stack.detect(tenant, asOf: day)
            // The second waits for the lock before its rules even start.
            #expect(try await eventually {
                try await stack.database.count("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted") == 1
            })
            #expect(stack.detector.runsEntered == 1)
            stack.detector.release()
            let (one, two) = try await (first, second)
            #expect(one.counts == DetectionCounts(new: 1))
            #expect(two.counts == DetectionCounts(unchanged: 1), "the second run saw the first one's claim")
            #expect(try await stack.claims(tenant).count == 1)
        }
    }

    @Test func twoTenantsNeverSeeEachOthersClaims() async throws {
        try await ClaimStack.with { stack in
            let (tenantA, tenantB) = (UUID(), UUID())
            let (connectionA, connectionB) = (UUID(), UUID())
            try await stack.seed(tenant: tenantA, connection: connectionA)
            try await stack.seed(tenant: tenantB, connection: connectionB)
            stack.detector.script(connectionA, [Claims.lost(connectionA, reference: "REF-A", on: Self.lossDay)])
            stack.detector.script(connectionB, [Claims.lost(connectionB, reference: "REF-B", currency: .eur, on: Self.lossDay)])
            _ = try await stack.detect(tenantA, asOf: Self.lossDay.adding(days: 20))
            _ = try await stack.detect(tenantB, asOf: Self.lossDay.adding(days: 20))
            let mine = try await stack.claims(tenantA)
            let theirs = try await stack.claims(tenantB)
            #expect(mine.count == 1 && mine[0].connectionId == connectionA)
            #expect(theirs.count == 1 && theirs[0].connectionId == connectionB)
            #expect(try await stack.parts.store.claim(tenant: tenantB, id: mine[0].id) == nil)
            #expect(try await stack.parts.store.dismiss(tenant: tenantB, id: mine[0].id, reason: "x", by: "y", at: Date()) == nil)
            // A detection of tenant B never touches tenant A's connection, even when named.
            let stray = try await stack.detect(tenantB, connectionA, asOf: Self.lossDay.adding(days: 20))
            #expect(stray.counts == DetectionCounts())
            #expect(try await stack.claims(tenantA) == mine)
        }
    }

    @Test func eachMarketplaceIsDetectedAsOfItsOwnTodayByTheInjectedClock() async throws {
        // 05:00 UTC on March 1st is still February 28th in Los Angeles, already March 1st in Tokyo.
        let clock = ManualWallClock(Date(timeIntervalSince1970: CivilDate(year: 2026, month: 3, day: 1).utcMidnight.timeIntervalSince1970 + 5 * 3600))
        try await ClaimStack.with(clocks: ServiceClocks(wall: clock)) { stack in
            let tenant = UUID(), connection = UUID()
            try await stack.seed(tenant: tenant, connection: connection, marketplaces: ["ATVPDKIKX0DER", "A1VC38T7YXB528"])
            let run = try await stack.parts.detection.detect(tenant: tenant, connection: nil, asOf: nil, trigger: .api)
            #expect(run.asOf == nil && run.state == .succeeded)
            let days = Dictionary(uniqueKeysWithValues: stack.detector.requests.withLock { $0 }.map { ($0.marketplaceId, $0.asOf) })
            #expect(days == ["ATVPDKIKX0DER": CivilDate(year: 2026, month: 2, day: 28), "A1VC38T7YXB528": CivilDate(year: 2026, month: 3, day: 1)])
        }
    }

    @Test func unitCostsAndFeesReachTheRulesMostSpecificFirst() async throws {
        try await ClaimStack.with { stack in
            let tenant = UUID(), connection = UUID(), other = UUID()
            try await stack.seed(tenant: tenant, connection: connection)
            let usd = { (minor: Int64) in Money(amountMinor: minor, currency: .usd) }
            try await stack.parts.amounts.set(.unitCost, tenant: tenant, amounts: [
                SKUAmount(sku: "SKU-1", amount: usd(500)),
                SKUAmount(sku: "SKU-1", marketplaceId: Claims.marketplace, amount: usd(600)),
                SKUAmount(sku: "SKU-2", amount: usd(700)),
                SKUAmount(sku: "SKU-2", connectionId: other, amount: usd(900)),
            ], source: "seller", at: Date())
            let csv = "sku,amount,currency,connectionId\r\nSKU-3,3.10,USD,\(connection)\r\n\"SKU,4\",4,USD,\r\n"
            try await stack.parts.amounts.set(.unitCost, tenant: tenant, amounts: try SKUAmountCSV.parse(csv), source: "import", at: Date())
            try await stack.parts.amounts.set(.expectedFee, tenant: tenant, amounts: [SKUAmount(sku: "SKU-1", amount: usd(312))],
                                              source: "seller", at: Date())
            _ = try await stack.detect(tenant, asOf: Self.lossDay)
            let request = try #require(stack.detector.requests.withLock { $0.first })
            #expect(request.unitCosts == ["SKU-1": usd(600), "SKU-2": usd(700), "SKU-3": usd(310), "SKU,4": usd(400)])
            #expect(request.expectedFulfillmentFees == ["SKU-1": usd(312)])
            #expect(throws: SKUAmountCSVError.self) { try SKUAmountCSV.parse("sku,amount,currency\nSKU-1,abc,USD\n") }
            #expect(try await stack.parts.amounts.list(.unitCost, tenant: UUID()).isEmpty)
        }
    }

    /// Invoices' costs reach the rules dated, oldest first, and apart from the seller's; an
    /// invoice costed again (a mapping taught) replaces its own costs and no other invoice's.
    @Test func invoiceCostsReachTheRulesDatedAndARecostedInvoiceReplacesOnlyItsOwn() async throws {
        try await ClaimStack.with { stack in
            let tenant = UUID(), connection = UUID()
            try await stack.seed(tenant: tenant, connection: connection)
            let usd = { (minor: Int64) in Money(amountMinor: minor, currency: .usd) }
            func cost(_ sku: String, _ minor: Int64, _ day: CivilDate) -> SKUCost {
                SKUCost(sku: sku, manufacturingUnitCost: usd(minor), landedUnitCost: usd(minor + 50), effectiveOn: day)
            }
            let january = CivilDate(year: 2026, month: 1, day: 10), february = CivilDate(year: 2026, month: 2, day: 20)
            let first = UUID(), second = UUID()
            let amounts = stack.parts.amounts
            #expect(try await amounts.setFromInvoice(tenant: tenant, document: first, costs: [cost("SKU-5", 400, january), cost("SKU-6", 300, january)],
                                                     at: Date()) == 2)
            #expect(try await amounts.setFromInvoice(tenant: tenant, document: second, costs: [cost("SKU-5", 600, february)], at: Date()) == 1)
            #expect(try await amounts.setFromInvoice(tenant: tenant, document: first, costs: [cost("SKU-5", 400, january), cost("SKU-6", 300, january)],
                                                     at: Date()) == 0, "the same costs again change nothing")
            // Costed again: SKU-5's line now reads 4.50 and SKU-6's line maps elsewhere.
            #expect(try await amounts.setFromInvoice(tenant: tenant, document: first, costs: [cost("SKU-5", 450, january)], at: Date()) == 2)
            try await amounts.set(.unitCost, tenant: tenant, amounts: [SKUAmount(sku: "SKU-7", amount: usd(999))], source: "seller", at: Date())

            _ = try await stack.detect(tenant, asOf: Self.lossDay)
            let request = try #require(stack.detector.requests.withLock { $0.first })
            #expect(request.invoiceCosts == ["SKU-5": [DatedUnitCost(effectiveOn: january, amount: usd(450), documentId: first),
                                                       DatedUnitCost(effectiveOn: february, amount: usd(600), documentId: second)]],
                    "\(request.invoiceCosts)")
            #expect(request.unitCosts == ["SKU-7": usd(999)], "the seller's own costs only: an invoice's are dated")
            let listed = try await amounts.list(.unitCost, tenant: tenant)
            let shown = listed.first { $0.sku == "SKU-5" }
            #expect(shown?.amount == usd(600) && shown?.source == "invoice", "the list shows the newest invoice's cost: \(listed)")
            #expect(try await amounts.invoiceCosts(tenant: UUID()).isEmpty, "another tenant sees none")
        }
    }
}
