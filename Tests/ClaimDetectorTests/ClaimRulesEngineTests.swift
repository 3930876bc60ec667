import ClaimDetector
import Foundation
import OpsideAmazonData
import OpsideCore
import OpsideTesting
import Testing

/// The rules of docs/claim-detection.md on small hand-made seller files, loaded through
/// inventory-sync's import into a real PostgreSQL and read back as claim-detector's role.
@Suite(.serialized) struct ClaimRulesEngineTests {
    static let usd = try! Currency(code: "USD")
    static func dollars(_ cents: Int64) -> Money { Money(amountMinor: cents, currency: usd) }
    static let september20 = CivilDate(year: 2026, month: 9, day: 20)

    /// FNSKUs of the inventory case, each one loss story (or trap).
    static func loadInventoryCase(_ fixture: ClaimFixture, tenant: UUID, connection: UUID) async throws {
        try await fixture.importReport(SellerFiles.ledger([
            // Lost, unreconciled: owed.
            ("2026-09-01", "X0LOST0001", "SKU-LOST", "Adjustments", "L1", -3, "SELLABLE", "M", "3"),
            // Lost then found: netted.
            ("2026-09-01", "X0FOUND001", "SKU-FOUND", "Adjustments", "L2", -2, "SELLABLE", "5", ""),
            ("2026-09-05", "X0FOUND001", "SKU-FOUND", "Adjustments", "F2", 2, "SELLABLE", "F", ""),
            // Partly found: the rest is owed.
            ("2026-09-01", "X0PART0001", "SKU-PART", "Adjustments", "L3", -5, "SELLABLE", "M", ""),
            ("2026-09-04", "X0PART0001", "SKU-PART", "Adjustments", "F3", 2, "SELLABLE", "F", ""),
            // E then P, disposed as damaged, reimbursed: no claim; the P does not net the M beside it.
            ("2026-09-02", "X0EP000001", "SKU-EP", "Adjustments", "E1", -1, "SELLABLE", "E", "1"),
            ("2026-09-02", "X0EP000001", "SKU-EP", "Adjustments", "E1", 1, "WAREHOUSE_DAMAGED", "P", ""),
            ("2026-09-03", "X0EP000001", "SKU-EP", "Adjustments", "D1", -1, "WAREHOUSE_DAMAGED", "D", ""),
            ("2026-09-04", "X0EP000001", "SKU-EP", "Adjustments", "L4", -1, "SELLABLE", "M", ""),
            // Q then P: a disposition change, no claim.
            ("2026-09-02", "X0QP000001", "SKU-QP", "Adjustments", "Q1", -1, "SELLABLE", "Q", ""),
            ("2026-09-02", "X0QP000001", "SKU-QP", "Adjustments", "Q1", 1, "DEFECTIVE", "P", ""),
            // 3/4 redefinition: 4 is not a loss, 3 is not found units for the M of the other FNSKU.
            ("2026-09-02", "X0RDA00001", "SKU-RDA", "Adjustments", "T1", -2, "SELLABLE", "4", ""),
            ("2026-09-02", "X0RDB00001", "SKU-RDB", "Adjustments", "T1", 2, "SELLABLE", "3", ""),
            ("2026-09-03", "X0RDB00001", "SKU-RDB", "Adjustments", "L5", -2, "SELLABLE", "M", ""),
            // Disposals: one the seller ordered, one nobody ordered, one ordered only after it happened.
            ("2026-09-10", "X0DISP0001", "SKU-DISP", "Adjustments", "D2", -2, "SELLABLE", "D", ""),
            ("2026-09-10", "X0DISP0002", "SKU-DISP2", "Adjustments", "D3", -3, "SELLABLE", "D", ""),
            ("2026-09-10", "X0DISP0003", "SKU-DISP3", "Adjustments", "D4", -1, "SELLABLE", "D", ""),
            // Reimbursed in cash; reimbursed in kind (N and quantity-reimbursed-inventory, once).
            ("2026-09-01", "X0CASH0001", "SKU-CASH", "Adjustments", "L6", -2, "SELLABLE", "M", ""),
            ("2026-09-01", "X0KIND0001", "SKU-KIND", "Adjustments", "L7", -2, "SELLABLE", "M", ""),
            ("2026-09-08", "X0KIND0001", "SKU-KIND", "Adjustments", "N7", 2, "SELLABLE", "N", ""),
            ("2026-09-09", "X0KIND0001", "SKU-KIND", "Adjustments", "L8", -1, "SELLABLE", "M", ""),
            // A reimbursed loss whose reimbursement Amazon reversed: reopened.
            ("2026-09-01", "X0REV00001", "SKU-REV", "Adjustments", "L9", -2, "SELLABLE", "M", ""),
            // Found units explain one reversal; none explain the other.
            ("2026-09-05", "X0REVF0001", "SKU-REVF", "Adjustments", "F9", 1, "SELLABLE", "F", ""),
            // Amazon reconciled more than our rows show.
            ("2026-09-01", "X0UNREC001", "SKU-UNREC", "Adjustments", "L10", -4, "SELLABLE", "M", "1"),
            // Damaged, unreimbursed.
            ("2026-09-03", "X0DMG00001", "SKU-DMG", "Adjustments", "E2", -2, "SELLABLE", "E", "2"),
            ("2026-09-03", "X0DMG00001", "SKU-DMG", "Adjustments", "E2", 2, "WAREHOUSE_DAMAGED", "P", ""),
            // Receipts of inbound shipments.
            ("2026-09-02", "X0INB00001", "SKU-INB", "Receipts", "FBA1", 8, "SELLABLE", "", ""),
            ("2026-09-02", "X0INB00002", "SKU-INB2", "Receipts", "FBA2", 5, "SELLABLE", "", ""),
        ]), tenant: tenant, connection: connection)
        try await fixture.importReport(SellerFiles.reimbursements([
            ("2026-09-06T18:00:00+00:00", "R-EP", "", "Damaged_Warehouse", "SKU-EP", "X0EP000001", "7.00", 1, 0, "", ""),
            ("2026-09-08T18:00:00+00:00", "R-CASH", "", "Lost_Warehouse", "SKU-CASH", "X0CASH0001", "8.00", 2, 0, "", ""),
            ("2026-09-08T18:00:00+00:00", "R-KIND", "", "Lost_Warehouse", "SKU-KIND", "X0KIND0001", "0.00", 0, 2, "", ""),
            ("2026-09-10T18:00:00+00:00", "R-REV", "", "Lost_Warehouse", "SKU-REV", "X0REV00001", "9.00", 2, 0, "", ""),
            ("2026-09-15T18:00:00+00:00", "R-REV-X", "", "Reimbursement_Reversal", "SKU-REV", "X0REV00001", "9.00", -2, 0, "R-REV", "Lost_Warehouse"),
            ("2026-09-01T18:00:00+00:00", "R-CR1", "111-0000091-0000001", "CustomerReturn", "SKU-REVF", "X0REVF0001", "12.00", 1, 0, "", ""),
            ("2026-09-10T18:00:00+00:00", "R-CR1-X", "111-0000091-0000001", "Reimbursement_Reversal", "SKU-REVF", "X0REVF0001", "12.00", -1, 0,
             "R-CR1", "CustomerReturn"),
            ("2026-09-01T18:00:00+00:00", "R-CR2", "111-0000092-0000001", "CustomerServiceIssue", "SKU-REVU", "X0REVU0001", "15.00", 1, 0, "", ""),
            ("2026-09-10T18:00:00+00:00", "R-CR2-X", "111-0000092-0000001", "Reimbursement_Reversal", "SKU-REVU", "X0REVU0001", "15.00", -1, 0,
             "R-CR2", ""),
            ("2026-09-12T18:00:00+00:00", "R-INB", "", "Lost_Inbound", "SKU-INB", "X0INB00001", "6.00", 1, 0, "", ""),
        ]), tenant: tenant, connection: connection)
        try await fixture.importReport(SellerFiles.removalOrders([
            ("2026-09-08T10:00:00+00:00", "DISP-1", "Disposal", "Completed", "2026-09-10T10:00:00+00:00", "SKU-DISP", "X0DISP0001", 2, 0, 2, 0),
            ("2026-09-12T10:00:00+00:00", "DISP-3", "Disposal", "Completed", "2026-09-13T10:00:00+00:00", "SKU-DISP3", "X0DISP0003", 1, 0, 1, 0),
        ]), tenant: tenant, connection: connection)
        try await fixture.insertInboundShipment(tenant: tenant, connection: connection, shipment: "FBA1", status: "CLOSED",
                                                items: [("SKU-INB", "X0INB00001", 10, 7)])
        try await fixture.insertInboundShipment(tenant: tenant, connection: connection, shipment: "FBA2", status: "CLOSED",
                                                items: [("SKU-INB2", "X0INB00002", 5, 5)])
    }

    @Test func inventoryRulesNetFoundUnitsAndReimbursementsAndNoTrapBecomesAClaim() async throws {
        let fixture = try await ClaimFixture.start()
        defer { fixture.stop() }
        let tenant = UUID(), connection = UUID()
        try await Self.loadInventoryCase(fixture, tenant: tenant, connection: connection)
        let claims = try await fixture.detect(tenant: tenant, connection: connection, asOf: Self.september20,
                                              unitCosts: ["SKU-LOST": Self.dollars(1000)])

        func expectClaim(_ type: ClaimType, _ source: String, units: Int, amount: Int64, resolved: Bool = false,
                         sourceLocation: SourceLocation = #_sourceLocation) {
            guard let claim = claims.one(type, source) else {
                Issue.record("no \(type.rawValue) claim for \(source): \(claims.map(\.key))", sourceLocation: sourceLocation)
                return
            }
            #expect(claim.units == units, "\(claim.key): \(claim.explanation.netting)", sourceLocation: sourceLocation)
            #expect(claim.amount == Self.dollars(amount), "\(claim.key)", sourceLocation: sourceLocation)
            #expect((claim.resolution != nil) == resolved, "\(claim.key): \(claim.resolution ?? "owed")", sourceLocation: sourceLocation)
            #expect(claim.sourceIds[type.primarySource] == source && claim.sourceIds[.fnsku] != nil, sourceLocation: sourceLocation)
        }

        expectClaim(.warehouseLost, "L1", units: 3, amount: 3000)
        let lost = try #require(claims.one(.warehouseLost, "L1"))
        #expect(lost.valuation.basis == .manufacturingCost && !lost.valuation.isEstimate)
        #expect(lost.clockStartedOn == CivilDate(year: 2026, month: 9, day: 1))
        #expect(lost.explanation.sourceRows.first?.dataset == "ledger_detail" && lost.explanation.sourceRows.first?.quantity == -3)
        // The words a reader gets: the rule's facts, then what is owed and the window, from the claim's numbers.
        let words = lost.readableSummary(windows: ClaimWindowPolicy(), asOf: Self.september20)
        #expect(words.hasPrefix(lost.explanation.summary) && words.contains("3 units remain owed after netting, at 10.00 USD each"), "\(words)")
        #expect(words.contains("until 2026-10-31 (60 days after)") && words.hasSuffix("The window is open."), "the deadline in words: \(words)")
        #expect(!lost.explanation.summary.contains("2026-10-31"), "the stored words hold nothing the numbers say")

        expectClaim(.warehouseLost, "L2", units: 0, amount: 0, resolved: true)
        expectClaim(.warehouseLost, "L3", units: 3, amount: 0)
        #expect(claims.one(.warehouseLost, "L3")?.valuation.isEstimate == true)
        // E→P, reimbursed: resolved; the P is no found unit for the M beside it (valued at Amazon's $7).
        expectClaim(.warehouseDamaged, "E1", units: 0, amount: 0, resolved: true)
        expectClaim(.warehouseLost, "L4", units: 1, amount: 700)
        #expect(claims.one(.warehouseLost, "L4")?.valuation.basis == .amazonEstimate)
        expectClaim(.warehouseDamaged, "E2", units: 2, amount: 0)
        expectClaim(.warehouseLost, "L5", units: 2, amount: 0)
        expectClaim(.disposedUnrequested, "D2", units: 0, amount: 0, resolved: true)
        #expect(claims.one(.disposedUnrequested, "D2")?.resolution == "the seller requested the disposal")
        expectClaim(.disposedUnrequested, "D3", units: 3, amount: 0)
        expectClaim(.disposedUnrequested, "D4", units: 1, amount: 0)
        expectClaim(.warehouseLost, "L6", units: 0, amount: 0, resolved: true)
        expectClaim(.warehouseLost, "L7", units: 0, amount: 0, resolved: true)
        expectClaim(.warehouseLost, "L8", units: 1, amount: 0)
        expectClaim(.warehouseLost, "L9", units: 2, amount: 1800)
        expectClaim(.warehouseLost, "L10", units: 1, amount: 0)
        expectClaim(.reimbursementReversal, "R-CR1-X", units: 0, amount: 0, resolved: true)
        expectClaim(.reimbursementReversal, "R-CR2-X", units: 1, amount: 1500)
        expectClaim(.inboundShortage, "FBA1", units: 1, amount: 600)
        #expect(claims.one(.inboundShortage, "FBA1")?.clockStartedOn == CivilDate(year: 2026, month: 9, day: 2))

        // Traps and nothing else: no claim for Q/P, 3/4, D of damaged units, a full inbound
        // shipment, or a reversal of a warehouse loss (that one reopened L9 instead).
        #expect(claims.count == 18, "\(claims.map(\.key))")
        #expect(!claims.contains { ["X0QP000001", "X0RDA00001", "X0INB00002"].contains($0.fnsku ?? "") })
        #expect(!claims.contains { $0.sourceIds[.ledgerReferenceId] == "D1" || $0.sourceIds[.reimbursementId] == "R-REV-X" })
        #expect(Set(claims.map(\.key)).count == claims.count, "keys are unique")
    }

    /// Supplier invoices' costs are dated: each loss is valued at the one in force on its day (the
    /// latest invoice on or before it), an invoice dated after the loss is only an estimate, another
    /// currency's is never used, and a cost the seller set goes first.
    @Test func invoiceCostsValueEachLossAtTheCostInForceOnItsDay() async throws {
        let fixture = try await ClaimFixture.start()
        defer { fixture.stop() }
        let tenant = UUID(), connection = UUID()
        try await Self.loadInventoryCase(fixture, tenant: tenant, connection: connection)
        let august = UUID(), september = UUID(), october = UUID(), euro = UUID()
        func cost(_ day: Int, month: Int, _ cents: Int64, _ document: UUID, currency: Currency = Self.usd) -> DatedUnitCost {
            DatedUnitCost(effectiveOn: CivilDate(year: 2026, month: month, day: day), amount: Money(amountMinor: cents, currency: currency), documentId: document)
        }
        let invoices: [String: [DatedUnitCost]] = [
            // Given newest first: the request puts them in date order.
            "SKU-PART": [cost(5, month: 9, 600, september), cost(1, month: 8, 400, august)],
            "SKU-KIND": [cost(1, month: 8, 400, august), cost(5, month: 9, 600, september)],
            "SKU-DISP3": [cost(1, month: 10, 500, october)],
            "SKU-RDB": [cost(1, month: 8, 900, euro, currency: try Currency(code: "EUR"))],
            "SKU-LOST": [cost(1, month: 8, 200, august)],
        ]
        let claims = try await fixture.detect(tenant: tenant, connection: connection, asOf: Self.september20,
                                              unitCosts: ["SKU-LOST": Self.dollars(1000)], invoiceCosts: invoices)
        // L3 (1 September): August's invoice; L8 (9 September): September's.
        let before = try #require(claims.one(.warehouseLost, "L3"))
        #expect(before.amount == Self.dollars(3 * 400) && before.valuation.basis == .manufacturingCost && !before.valuation.isEstimate)
        #expect(before.valuation.source.contains("dated 2026-08-01") == true && before.valuation.source.contains(august.uuidString.lowercased()) == true,
                "\(before.valuation.source)")
        let after = try #require(claims.one(.warehouseLost, "L8"))
        #expect(after.amount == Self.dollars(600) && after.valuation.source.contains("dated 2026-09-05") == true, "\(after.valuation)")
        // D4 (10 September) has only an October invoice: its cost, as an estimate that says why.
        let early = try #require(claims.one(.disposedUnrequested, "D4"))
        #expect(early.amount == Self.dollars(500) && early.valuation.isEstimate, "\(early.valuation)")
        #expect(early.valuation.source.contains("after 2026-09-10") == true, "\(early.valuation.source)")
        // A euro invoice does not value a dollar marketplace's loss; the seller's own cost beats an invoice's.
        #expect(claims.one(.warehouseLost, "L5")?.amount == Self.dollars(0))
        #expect(claims.one(.warehouseLost, "L1")?.amount == Self.dollars(3000))
        #expect(claims.one(.warehouseLost, "L1")?.valuation.source.contains("the seller's manufacturing cost") == true)
    }

    @Test func statusesFollowAsOfAndRunsAreReproducibleAndTenantsNeverMix() async throws {
        let fixture = try await ClaimFixture.start()
        defer { fixture.stop() }
        let tenant = UUID(), connection = UUID()
        try await Self.loadInventoryCase(fixture, tenant: tenant, connection: connection)

        let first = try await fixture.detect(tenant: tenant, connection: connection, asOf: Self.september20)
        let second = try await fixture.detect(tenant: tenant, connection: connection, asOf: Self.september20)
        #expect(first == second, "running twice gives identical output")

        let policy = ClaimWindowPolicy()
        let lost = try #require(first.one(.warehouseLost, "L1"))
        let window = policy.window(for: .warehouseLost, marketplaceId: ClaimFixture.marketplace)
        #expect(window.status(clockStarted: lost.clockStartedOn, asOf: CivilDate(year: 2026, month: 9, day: 10)) == .tooEarly)
        #expect(window.status(clockStarted: lost.clockStartedOn, asOf: Self.september20) == .claimable)
        #expect(window.status(clockStarted: lost.clockStartedOn, asOf: CivilDate(year: 2026, month: 11, day: 1)) == .expired)
        let later = try await fixture.detect(tenant: tenant, connection: connection, asOf: CivilDate(year: 2026, month: 11, day: 1))
        // What a claim says does not depend on the day either: where the day falls in its window is
        // the stored claim's status, so a daily run rewrites nothing that did not change.
        #expect(later == first, "the claims do not depend on asOf")
        #expect(lost.readableSummary(windows: policy, asOf: CivilDate(year: 2026, month: 11, day: 1))
            .hasSuffix("until \(window.deadline(clockStarted: lost.clockStartedOn)) (60 days after). The window is closed: this claim can no longer be filed."))

        // Another tenant asking for this connection sees nothing (row-level security).
        let intruder = try await fixture.detect(tenant: UUID(), connection: connection, asOf: Self.september20)
        #expect(intruder.isEmpty)

        // A reimbursement that arrives resolves its claim; a reversal of it reopens the claim.
        try await fixture.importReport(SellerFiles.reimbursements([
            ("2026-09-18T18:00:00+00:00", "R-LOST", "", "Lost_Warehouse", "SKU-LOST", "X0LOST0001", "10.00", 3, 0, "", ""),
        ]), tenant: tenant, connection: connection)
        let paid = try await fixture.detect(tenant: tenant, connection: connection, asOf: Self.september20)
        #expect(paid.one(.warehouseLost, "L1")?.units == 0 && paid.one(.warehouseLost, "L1")?.resolution != nil)
        try await fixture.importReport(SellerFiles.reimbursements([
            ("2026-09-19T18:00:00+00:00", "R-LOST-X", "", "Reimbursement_Reversal", "SKU-LOST", "X0LOST0001", "10.00", -3, 0, "R-LOST", ""),
        ]), tenant: tenant, connection: connection)
        let reversed = try await fixture.detect(tenant: tenant, connection: connection, asOf: Self.september20)
        #expect(reversed.one(.warehouseLost, "L1")?.units == 3 && reversed.one(.warehouseLost, "L1")?.resolution == nil)
        #expect(reversed.one(.reimbursementReversal, "R-LOST-X") == nil, "a warehouse loss's reversal reopens the loss instead")
    }

    @Test func orderRulesValueAtPriceMinusFeesAndNetReturnsAndReimbursements() async throws {
        let fixture = try await ClaimFixture.start()
        defer { fixture.stop() }
        let tenant = UUID(), connection = UUID()
        // The seller's settlement file. Refunds: not returned; returned; reimbursed; posted 03:00 UTC
        // (the day before in Los Angeles). Each refunded order's sale: $50 for 2 units, $7.50
        // commission, $6.00 fulfillment fee.
        var settlement: [SellerFiles.SettlementItem] = []
        for (order, posted) in [("111-0000001-0000001", "2026-08-01 10:00:00 UTC"), ("111-0000002-0000001", "2026-08-01 10:00:00 UTC"),
                                ("111-0000003-0000001", "2026-08-01 10:00:00 UTC"), ("111-0000004-0000001", "2026-08-02 03:00:00 UTC")] {
            settlement.append(.init(kind: "Order", order: order, sku: "SKU-R", quantity: 2, posted: "2026-07-20 10:00:00 UTC",
                                    principalCents: 5000, commissionCents: 750, fulfillmentFeeCents: 600))
            settlement.append(.init(kind: "Refund", order: order, sku: "SKU-R", quantity: 2, posted: posted, principalCents: -5000,
                                    commissionCents: 150, fulfillmentFeeCents: 0))
        }
        // A fulfillment fee above the $4.00 the estimated-fees report expects, and one at it.
        settlement.append(.init(kind: "Order", order: "111-0000011-0000001", sku: "SKU-F", quantity: 2, posted: "2026-08-05 10:00:00 UTC",
                                principalCents: 4000, commissionCents: 600, fulfillmentFeeCents: 1000))
        settlement.append(.init(kind: "Order", order: "111-0000012-0000001", sku: "SKU-F", quantity: 1, posted: "2026-08-05 10:00:00 UTC",
                                principalCents: 2000, commissionCents: 300, fulfillmentFeeCents: 400))
        try await fixture.importSettlement(settlement, tenant: tenant, connection: connection)
        // The Finances API returns order 1's refund and sale, and the overcharged sale, again: each counts once.
        try await fixture.insertRefundEvent(tenant: tenant, connection: connection, order: "111-0000001-0000001", sku: "SKU-R", quantity: 2,
                                            postedAt: "2026-08-01T10:00:00Z", principalCents: 5000)
        try await fixture.insertShipmentEvent(tenant: tenant, connection: connection, order: "111-0000001-0000001", sku: "SKU-R", quantity: 2,
                                              postedAt: "2026-07-20T10:00:00Z", principalCents: 5000, commissionCents: 750, fulfillmentFeeCents: 600)
        try await fixture.insertShipmentEvent(tenant: tenant, connection: connection, order: "111-0000011-0000001", sku: "SKU-F", quantity: 2,
                                              postedAt: "2026-08-05T10:00:00Z", principalCents: 4000, commissionCents: 600, fulfillmentFeeCents: 1000)
        try await fixture.importReport(SellerFiles.estimatedFees([("SKU-F", "X0FEE00001", "20.00", "7.00", "4.00"),
                                                                  ("SKU-R", "X0REF00001", "25.00", "7.00", "3.00")]),
                                       tenant: tenant, connection: connection)
        try await fixture.importReport(SellerFiles.returns([
            ("2026-08-03T12:00:00+00:00", "111-0000002-0000001", "SKU-R", "X0REF00001", 2, "SELLABLE", "Unit returned to inventory", "LPN2"),
            // Returned to inventory per the report, never in the ledger: not restocked.
            ("2026-08-03T12:00:00+00:00", "111-0000005-0000001", "SKU-R", "X0REF00001", 1, "SELLABLE", "Unit returned to inventory", "LPN5"),
            // Restocked late (ledger CustomerReturns weeks later): no claim.
            ("2026-08-03T12:00:00+00:00", "111-0000006-0000001", "SKU-R", "X0REF00001", 1, "SELLABLE", "Unit returned to inventory", "LPN6"),
            // Damaged by the carrier: owed whatever the ledger shows.
            ("2026-08-03T12:00:00+00:00", "111-0000007-0000001", "SKU-R", "X0REF00001", 1, "CARRIER_DAMAGED", "Unit returned to inventory", "LPN7"),
            // The original of a replacement came back.
            ("2026-08-04T12:00:00+00:00", "111-0000009-0000001", "SKU-R", "X0REF00001", 1, "SELLABLE", "Unit returned to inventory", "LPN9"),
        ]), tenant: tenant, connection: connection)
        try await fixture.importReport(SellerFiles.ledger([
            ("2026-08-03", "X0REF00001", "SKU-R", "CustomerReturns", "111-0000002-0000001", 2, "SELLABLE", "", ""),
            ("2026-08-25", "X0REF00001", "SKU-R", "CustomerReturns", "111-0000006-0000001", 1, "SELLABLE", "", ""),
            ("2026-08-03", "X0REF00001", "SKU-R", "CustomerReturns", "111-0000007-0000001", 1, "CARRIER_DAMAGED", "", ""),
            ("2026-08-04", "X0REF00001", "SKU-R", "CustomerReturns", "111-0000009-0000001", 1, "SELLABLE", "", ""),
        ]), tenant: tenant, connection: connection)
        try await fixture.importReport(SellerFiles.reimbursements([
            ("2026-08-20T18:00:00+00:00", "R-O3", "111-0000003-0000001", "CustomerReturn", "SKU-R", "X0REF00001", "18.25", 2, 0, "", ""),
            // Underpaid: a lost unit paid $6 against the seller's $10 cost.
            ("2026-08-20T18:00:00+00:00", "R-U1", "", "Lost_Warehouse", "SKU-U", "X0UND00001", "6.00", 2, 0, "", ""),
            // Paid within the 1 % tolerance.
            ("2026-08-20T18:00:00+00:00", "R-U2", "", "Lost_Warehouse", "SKU-U", "X0UND00001", "9.95", 1, 0, "", ""),
            // A fee correction for the overcharged order.
            ("2026-08-21T18:00:00+00:00", "R-FEE", "111-0000012-0000001", "FeeCorrection", "SKU-F", "X0FEE00001", "1.00", 1, 0, "", ""),
        ]), tenant: tenant, connection: connection)
        try await fixture.importReport(SellerFiles.replacements([
            ("2026-08-06T12:00:00+00:00", "SKU-R", 1, "111-0000008-0000001", "111-0000010-0000001"),
            ("2026-08-06T12:00:00+00:00", "SKU-R", 1, "111-0000013-0000001", "111-0000009-0000001"),
        ]), tenant: tenant, connection: connection)
        try await fixture.importReport(SellerFiles.removalOrders([
            ("2026-08-01T10:00:00+00:00", "RMV-1", "Return", "Completed", "2026-08-09T10:00:00+00:00", "SKU-RM", "X0RMV00001", 5, 0, 0, 5),
            ("2026-08-01T10:00:00+00:00", "RMV-2", "Return", "Completed", "2026-08-09T10:00:00+00:00", "SKU-RM", "X0RMV00001", 4, 0, 0, 4),
        ]), tenant: tenant, connection: connection)
        try await fixture.importReport(SellerFiles.removalShipments([
            ("2026-08-01T10:00:00+00:00", "RMV-1", "2026-08-05T10:00:00+00:00", "SKU-RM", "X0RMV00001", 3, "1Z001"),
            ("2026-08-01T10:00:00+00:00", "RMV-2", "2026-08-05T10:00:00+00:00", "SKU-RM", "X0RMV00001", 4, "1Z002"),
        ]), tenant: tenant, connection: connection)

        let claims = try await fixture.detect(tenant: tenant, connection: connection, asOf: CivilDate(year: 2026, month: 10, day: 15),
                                              unitCosts: ["SKU-U": Self.dollars(1000), "SKU-RM": Self.dollars(500)])
        // Refund of 2 units at (50.00 − 7.50 − 6.00) / 2 = 18.25 each.
        let refund = try #require(claims.one(.refundWithoutReturn, "111-0000001-0000001"))
        #expect(refund.units == 2 && refund.amount == Self.dollars(3650) && refund.valuation.basis == .priceMinusFees && !refund.valuation.isEstimate)
        #expect(refund.clockStartedOn == CivilDate(year: 2026, month: 8, day: 1) && refund.fnsku == "X0REF00001")
        #expect(claims.one(.refundWithoutReturn, "111-0000002-0000001")?.resolution == "the refunded units were returned")
        #expect(claims.one(.refundWithoutReturn, "111-0000003-0000001")?.resolution == "the refunded units were reimbursed")
        #expect(claims.one(.refundWithoutReturn, "111-0000004-0000001")?.clockStartedOn == CivilDate(year: 2026, month: 8, day: 1),
                "03:00 UTC is the evening before in Los Angeles")

        let notRestocked = try #require(claims.one(.returnNotRestocked, "111-0000005-0000001"))
        #expect(notRestocked.units == 1 && notRestocked.amount == Self.dollars(1800) && notRestocked.valuation.isEstimate,
                "no sale event: the estimated-fees report's 25.00 − 7.00")
        #expect(notRestocked.clockStartedOn == CivilDate(year: 2026, month: 8, day: 3), "no refund: the return day")
        #expect(claims.one(.returnNotRestocked, "111-0000006-0000001")?.units == 0, "restocked late")
        #expect(claims.one(.returnNotRestocked, "111-0000007-0000001")?.units == 1, "damaged by the carrier")
        #expect(claims.one(.returnNotRestocked, "111-0000009-0000001")?.units == 0)
        #expect(claims.one(.returnNotRestocked, "111-0000002-0000001")?.units == 0)

        let replacement = try #require(claims.one(.replacementNotReturned, "111-0000010-0000001"))
        #expect(replacement.units == 1 && replacement.sourceIds[.replacementOrderId] == "111-0000008-0000001")
        #expect(claims.one(.replacementNotReturned, "111-0000009-0000001")?.resolution == "the original order came back")

        let removal = try #require(claims.one(.removalLost, "RMV-1"))
        #expect(removal.units == 2 && removal.amount == Self.dollars(1000) && removal.clockStartedOn == CivilDate(year: 2026, month: 8, day: 5))
        #expect(claims.one(.removalLost, "RMV-2") == nil, "delivered in full")

        let fee = try #require(claims.one(.feeOvercharge, "111-0000011-0000001"))
        #expect(fee.amount == Self.dollars(200) && fee.units == 2, "10.00 charged for 2 units expected at 4.00")
        #expect(claims.one(.feeOvercharge, "111-0000012-0000001") == nil)

        let underpaid = try #require(claims.one(.underpaidReimbursement, "R-U1"))
        #expect(underpaid.amount == Self.dollars(800) && underpaid.units == 2)
        #expect(claims.one(.underpaidReimbursement, "R-U2") == nil, "within the 1 % tolerance")
        #expect(claims.one(.underpaidReimbursement, "R-O3") == nil, "paid the full price minus fees")

        // With the seller's own fee for SKU-F, the second order's 4.00 is 1.00 over 3.00 but corrected.
        let withSellerFee = try await fixture.detect(tenant: tenant, connection: connection, asOf: CivilDate(year: 2026, month: 10, day: 15),
                                                     expectedFees: ["SKU-F": Self.dollars(300)])
        #expect(withSellerFee.one(.feeOvercharge, "111-0000011-0000001")?.amount == Self.dollars(400))
        let corrected = try #require(withSellerFee.one(.feeOvercharge, "111-0000012-0000001"))
        #expect(corrected.amount == Self.dollars(0) && corrected.resolution != nil, "\(corrected.explanation.summary)")
    }

    /// The next pass's read runs ahead while a pass is netted. When the run stops (here the
    /// caller's emit throws on the first claim), that read stops too: no query or transaction of
    /// claim-detector's role is left open waiting for rows nobody will take.
    @Test func aRunThatStopsEndsTheReadRunningAhead() async throws {
        let fixture = try await ClaimFixture.start()
        defer { fixture.stop() }
        let tenant = UUID(), connection = UUID()
        try await Self.loadInventoryCase(fixture, tenant: tenant, connection: connection)
        // More refunds than one batch of the read ahead, so that read waits inside its transaction.
        let refunds = (0..<1_500).map { index in
            SellerFiles.SettlementItem(kind: "Refund", order: "112-\(String(1_000_000 + index))-0000001", sku: "SKU-R", quantity: 1,
                                       posted: "2026-09-01 10:00:00 UTC", principalCents: -2000, commissionCents: 300, fulfillmentFeeCents: 0)
        }
        try await fixture.importSettlement(refunds, tenant: tenant, connection: connection)
        struct Stop: Error {}
        await #expect(throws: Stop.self) {
            _ = try await ClaimRulesEngine(reader: AmazonDataReader(database: fixture.claims)).detect(
                DetectionRequest(tenantId: tenant, connectionId: connection, marketplaceId: ClaimFixture.marketplace, asOf: Self.september20),
                types: Set(ClaimType.allCases)) { _ in throw Stop() }
        }
        let openTransactions = """
            SELECT count(*) FROM pg_stat_activity
            WHERE usename = 'opside_claim_detector' AND datname = current_database() AND state <> 'idle'
            """
        let closed = try await eventually(timeout: .seconds(10)) { try await fixture.database.count(openTransactions) == 0 }
        #expect(closed, "the read running ahead ended its transaction")
    }
}
