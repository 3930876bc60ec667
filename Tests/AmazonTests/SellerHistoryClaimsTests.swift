@testable import AmazonSandbox
import Foundation
import NIOCore
import OpsideAmazonSPAPI
import OpsideTesting
import Testing

/// The generator plants every claim type and trap of docs/claim-detection.md, keeps the ledger
/// conserving, and its ground truth moves with the sandbox clock.
@Suite("Seller history claims and ground truth")
struct SellerHistoryClaimsTests {
    static let claimTypes: Set<String> = [
        "warehouse_lost", "warehouse_damaged", "disposed_unrequested", "inbound_shortage", "refund_without_return", "return_not_restocked",
        "replacement_not_returned", "removal_lost", "fee_overcharge", "underpaid_reimbursement", "reimbursement_reversal",
    ]
    static let trapKinds: Set<String> = [
        "lost_then_found", "partly_found", "damaged_then_disposition_change", "disposition_change_q_p", "product_redefinition",
        "requested_disposal", "reimbursed_in_cash", "reimbursed_in_kind", "reversal_explained_by_found", "return_restocked_late",
        "replacement_original_returned", "removal_delivered_in_full",
    ]
    static let anchor = Date(timeIntervalSince1970: 1_780_000_000 - 1_780_000_000.truncatingRemainder(dividingBy: 86_400))

    static func history(seed: UInt64, skus: Int = 60, months: Int = 12, marketplace: String? = nil) -> SellerHistory {
        SellerHistoryGenerator.generate(SellerHistoryRequest(seed: seed, skus: skus, months: months, marketplace: marketplace), anchor: anchor)
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func everyClaimTypeAndTrapIsPlanted(seed: UInt64) {
        let history = Self.history(seed: seed)
        let truth = history.groundTruth(at: Self.anchor)
        #expect(Set(truth.claims.map(\.type)) == Self.claimTypes)
        #expect(Set(truth.traps.map(\.kind)) == Self.trapKinds)
        for type in Self.claimTypes {
            #expect(truth.claims.filter { $0.type == type }.count >= 2, "\(type)")
        }
        // Every claim is valued, dated and keyed as the contract says.
        for claim in truth.claims {
            #expect(claim.units > 0 && claim.amountMinor > 0, "\(claim)")
            #expect(claim.sourceIds.values.contains(claim.sourceId), "\(claim)")
            #expect(claim.clockStartedOn.count == 10 && claim.clockStartedOn <= truth.today)
        }
        let costs = truth.unitCosts
        #expect(costs.count == 60)
        for claim in truth.claims where ["warehouse_lost", "warehouse_damaged", "disposed_unrequested", "inbound_shortage", "removal_lost"].contains(claim.type) {
            #expect(claim.amountMinor == Int64(claim.units) * costs[claim.sku, default: 0], "\(claim)")
        }
        // Deterministic by seed.
        let again = Self.history(seed: seed).groundTruth(at: Self.anchor)
        #expect(again.claims == truth.claims && again.traps == truth.traps)
    }

    /// A large seller has real volume (how fast it is generated is `opside-amazon-bench generate`).
    @Test func aLargeSellerHasRealVolume() {
        let history = Self.history(seed: 9, skus: 200, months: 12)
        #expect(history.orders.count > 1000)
    }

    /// Balances per product and disposition never go negative at any instant, over the whole
    /// simulated horizon, for every marketplace's days.
    @Test(arguments: [UInt64(1), 2, 3])
    func ledgerConserves(seed: UInt64) {
        let history = Self.history(seed: seed)
        var balance: [String: Int] = [:]
        var index = 0
        while index < history.ledger.count {
            let instant = history.ledger[index].date
            var touched: [String] = []
            while index < history.ledger.count, history.ledger[index].date == instant {
                let event = history.ledger[index]
                let key = "\(event.product)|\(event.disposition)"
                balance[key, default: 0] += event.quantity
                touched.append(key)
                index += 1
            }
            for key in touched { #expect(balance[key, default: 0] >= 0, "\(key) at \(instant)") }
        }
        // Units found or reimbursed move to reconciled, a reversal moves them back: reconciled
        // quantities stay within the loss.
        for event in history.ledger where ["M", "5", "E"].contains(event.reason) {
            let reconciled = event.reconciliations.reduce(0) { $0 + $1.quantity }
            #expect(reconciled >= 0 && reconciled <= -event.quantity)
        }
    }

    /// At any clock time, no complete trap shows as a claim of the type it looks like (a partly
    /// found loss shows only its rest).
    @Test(arguments: [UInt64(1), 2, 3])
    func trapsNeverAppearInTheGroundTruth(seed: UInt64) {
        let history = Self.history(seed: seed)
        for offset in [-200, -60, 0, 45, 119] {
            let truth = history.groundTruth(at: Self.anchor.addingTimeInterval(Double(offset) * 86_400))
            let claims = Dictionary(truth.claims.map { ("\($0.type)|\($0.sourceId)", $0) }, uniquingKeysWith: { first, _ in first })
            for trap in truth.traps {
                let claim = claims["\(trap.claimType)|\(trap.sourceId)"]
                if let owed = trap.owedUnits {
                    #expect(claim?.units == owed, "\(trap)")
                } else {
                    #expect(claim == nil, "\(trap) at \(offset)")
                }
                if trap.kind == "reversal_explained_by_found", let reversal = trap.sourceIds["reimbursementId"] {
                    #expect(!truth.claims.contains { $0.sourceId == reversal })
                }
            }
        }
    }

    /// A claim that stays owed is too early, then claimable, then expired as days pass, by its
    /// type's window counted in marketplace-local days.
    @Test func statusesFollowTheWindows() throws {
        let history = Self.history(seed: 2)
        for type in Self.claimTypes {
            let claim = try #require(history.planted.first { $0.type == type && $0.changes.isEmpty && $0.occurredAt > Self.anchor.addingTimeInterval(-200 * 86_400) })
            let window = SandboxClaimWindows.window(type, marketplaceID: history.marketplaceID)
            let clockDay = history.localDayNumber(claim.clockStart)
            func status(onLocalDay day: Int) -> String? {
                // Noon of that local day.
                let instant = Date(timeIntervalSince1970: Double(day) * 86_400 + 43_200 - Double(history.timeZone.secondsFromGMT()))
                let now = max(instant, claim.occurredAt)
                return history.groundTruth(at: now).claims.first { $0.type == type && $0.sourceId == claim.sourceID }?.status
            }
            if window.opensAfterDays > 0 { #expect(status(onLocalDay: clockDay + window.opensAfterDays - 1) == "too_early", "\(type)") }
            #expect(status(onLocalDay: clockDay + window.opensAfterDays) == "claimable", "\(type)")
            #expect(status(onLocalDay: clockDay + window.closesAfterDays) == "claimable", "\(type)")
            #expect(status(onLocalDay: clockDay + window.closesAfterDays + 1) == "expired", "\(type)")
        }
    }

    /// Resolutions and reopenings are dated: a lost-then-found claim is owed (too early) until
    /// its units are found; a reopened loss is owed again from its reversal on.
    @Test func laterEventsChangeTheGroundTruth() throws {
        let history = Self.history(seed: 1)
        let found = try #require(history.traps.first { $0.kind == "lost_then_found" })
        let claim = try #require(history.planted.first { $0.type == "warehouse_lost" && $0.sourceID == found.sourceID })
        #expect(history.groundTruth(at: claim.occurredAt).claims.contains { $0.sourceId == found.sourceID && $0.status == "too_early" })
        #expect(!history.groundTruth(at: found.completedAt).claims.contains { $0.sourceId == found.sourceID })
        let reopened = try #require(history.planted.first { claim in
            claim.changes.count == 2 && claim.changes[0].units == 0 && claim.changes[1].units == claim.units && claim.type == "warehouse_lost"
        })
        #expect(reopened.owed(at: reopened.changes[0].date) == 0)
        #expect(reopened.owed(at: reopened.changes[1].date) == reopened.units)
    }

    /// The settlement and transaction files carry every Finances amount once.
    @Test func paymentReportsAreWellFormed() throws {
        let history = Self.history(seed: 3, skus: 30, months: 6)
        let from = history.start, end = Self.anchor
        let entries = SandboxPaymentReports.entries(history, from: from, end: end)
        let expected = entries.reduce(Int64(0)) { $0 + $1.total }
        let (settlement, settlementRows) = try #require(SandboxPaymentReports.render(type: SandboxPaymentReports.settlementReportType, history: history,
                                                                                      from: from, end: end))
        let lines = settlement.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
        #expect(lines[0].map(String.init) == SandboxPaymentReports.settlementHeader)
        #expect(lines.count == settlementRows + 1)
        for line in lines { #expect(line.count == SandboxPaymentReports.settlementHeader.count) }
        func minor(_ text: Substring) -> Int64 { Int64((Decimal(string: String(text))! * 100 as NSDecimalNumber).int64Value) }
        #expect(minor(lines[1][4]) == expected)
        #expect(lines.dropFirst(2).reduce(Int64(0)) { $0 + minor($1[14]) } == expected)
        #expect(lines.dropFirst(2).contains { $0[13] == "FBAPerUnitFulfillmentFee" } && lines.dropFirst(2).contains { $0[12] == "FBA Inventory Reimbursement" })

        let (transactions, transactionRows) = try #require(SandboxPaymentReports.render(type: SandboxPaymentReports.transactionReportType,
                                                                                          history: history, from: from, end: end))
        let csv = transactions.split(separator: "\n").map { line in line.dropFirst().dropLast().components(separatedBy: "\",\"") }
        let headerIndex = try #require(csv.firstIndex { $0.first == "date/time" })
        #expect(csv[headerIndex] == SandboxPaymentReports.transactionHeader)
        let rows = csv.dropFirst(headerIndex + 1)
        #expect(rows.count == transactionRows)
        for row in rows {
            #expect(row.count == SandboxPaymentReports.transactionHeader.count)
            let parts = row[13...27].reduce(Int64(0)) { $0 + minor(Substring($1)) }
            #expect(parts == minor(Substring(row[28])), "\(row)")
        }
        #expect(rows.reduce(Int64(0)) { $0 + minor(Substring($1[28])) } == expected)
        #expect(Set(rows.map { $0[2] }).isSuperset(of: ["Order", "Refund", "Adjustment"]))
    }

    /// End to end: the ground truth endpoint, the clock, and the payment reports through the
    /// Reports API against the Finances API's money.
    @Test func groundTruthEndpointAndPaymentReportsMatchTheFinancesAPI() async throws {
        try await SandboxHarness.with() { harness in
            let seller = try await harness.createSeller(seed: 7, skus: 25, months: 4)
            let decoder = JSONDecoder()
            let truth = try decoder.decode(GroundTruth.self, from: Data(try await harness.admin("GET", "/_sandbox/sellers/\(seller.sellingPartnerId)/ground-truth", nil, expect: 200)))
            #expect(!truth.claims.isEmpty && !truth.traps.isEmpty && truth.unitCosts.count == 25)
            #expect(Set(truth.claims.map(\.status)).isSubset(of: ["too_early", "claimable", "expired"]))

            let api = harness.client().0.api(for: harness.connection(for: seller))
            let now = Date()
            func minor(_ text: some StringProtocol) -> Int64 { Int64(truncating: (Decimal(string: String(text))! * 100) as NSDecimalNumber) }
            /// Every amount the Finances API holds for events posted in `after..<before`.
            func moneyPosted(after: Date, before: Date) async throws -> Int64 {
                var total: Int64 = 0
                func add(_ amount: FinancesCurrency?) { total += Int64(truncating: ((amount?.CurrencyAmount ?? 0) * 100) as NSDecimalNumber) }
                for try await page in api.allFinancialEvents(postedAfter: after.formatted(.iso8601), postedBefore: before.formatted(.iso8601)) {
                    let events = page.FinancialEvents
                    for event in (events?.ShipmentEventList ?? []) + (events?.RefundEventList ?? []) {
                        for item in (event.ShipmentItemList ?? []) + (event.ShipmentItemAdjustmentList ?? []) {
                            for charge in (item.ItemChargeList ?? []) + (item.ItemChargeAdjustmentList ?? []) { add(charge.ChargeAmount) }
                            for fee in (item.ItemFeeList ?? []) + (item.ItemFeeAdjustmentList ?? []) { add(fee.FeeAmount) }
                        }
                    }
                    for event in events?.AdjustmentEventList ?? [] { add(event.AdjustmentAmount) }
                    for event in events?.ServiceFeeEventList ?? [] { for fee in event.FeeList ?? [] { add(fee.FeeAmount) } }
                    for event in events?.SAFETReimbursementEventList ?? [] { add(event.ReimbursedAmount) }
                    for event in events?.RemovalShipmentEventList ?? [] {
                        for item in event.RemovalShipmentItemList ?? [] { add(item.Revenue); add(item.FeeAmount) }
                    }
                }
                return total
            }
            let cursor = now.addingTimeInterval(-170 * 86_400)
            let postedBefore = now.addingTimeInterval(-300)
            let financeTotal = try await moneyPosted(after: cursor, before: postedBefore)

            // The Date Range transaction report, requested through the Reports API.
            let spec = CreateReportSpecification(reportType: SandboxPaymentReports.transactionReportType, marketplaceIDs: seller.marketplaceIds,
                                                 dataStartTime: cursor.formatted(.iso8601), dataEndTime: postedBefore.formatted(.iso8601))
            guard case .done(_, let documentID) = try await api.createReportAndWait(spec) else { throw HarnessError("the transaction report was cancelled") }
            var text = ""
            for try await chunk in api.reportDocumentBytes(reportDocumentID: documentID) { text += String(buffer: chunk) }
            let rows = text.split(separator: "\n").map { $0.dropFirst().dropLast().components(separatedBy: "\",\"") }.filter { $0.count > 20 }.dropFirst()
            #expect(rows.reduce(Int64(0)) { $0 + minor($1[28]) } == financeTotal)

            // The settlement as Seller Central gives it for the same range.
            let download = String(decoding: try await harness.admin("GET", "/_sandbox/sellers/\(seller.sellingPartnerId)/seller-central-reports/"
                + "\(SandboxPaymentReports.settlementReportType)?start=\(cursor.formatted(.iso8601))&end=\(postedBefore.formatted(.iso8601))", nil, expect: 200),
                                  as: UTF8.self)
            #expect(minor(download.split(separator: "\n")[1].split(separator: "\t", omittingEmptySubsequences: false)[4]) == financeTotal)

            // Amazon makes settlements itself: none on request, each period's listed for 90 days.
            let refused = await #expect(throws: SPAPIError.self) {
                try await api.createReport(CreateReportSpecification(reportType: SandboxPaymentReports.settlementReportType, marketplaceIDs: seller.marketplaceIds))
            }
            guard case .api(_, 400, let errors, _)? = refused else { throw HarnessError("createReport of a settlement: \(String(describing: refused))") }
            #expect(errors.map(\.code) == ["InvalidInput"]
                    && errors.first?.message == "Request for report type \(SandboxPaymentReports.settlementReportType) is not allowed at this time")
            var settlements: [Report] = []
            for try await page in api.allReports(reportTypes: [SandboxPaymentReports.settlementReportType]) { settlements += page.reports }
            #expect((6...7).contains(settlements.count), "90 days of 14-day settlements: \(settlements.map(\.dataStartTime))")
            var ids: Set<String> = [], done = 0
            for report in settlements {
                let start = try #require(report.dataStartTime.flatMap { try? Date($0, strategy: .iso8601) })
                let end = try #require(report.dataEndTime.flatMap { try? Date($0, strategy: .iso8601) })
                let created = try Date(report.createdTime, strategy: .iso8601)
                #expect(abs(end.timeIntervalSince(start) - (14 * 86_400 - 1)) < 1 && abs(created.timeIntervalSince(end) - 1) < 1
                        && now.timeIntervalSince(created) <= 90 * 86_400, "\(report)")
                guard report.processingStatus == "DONE", let document = report.reportDocumentId else { continue }
                var text = ""
                for try await chunk in api.reportDocumentBytes(reportDocumentID: document) { text += String(buffer: chunk) }
                let summary = text.split(separator: "\n")[1].split(separator: "\t", omittingEmptySubsequences: false)
                ids.insert(String(summary[0]))
                done += 1
                // The period's money is exactly the Finances API's for the period.
                #expect(minor(summary[4]) == (try await moneyPosted(after: start, before: end.addingTimeInterval(1))), "\(report.reportId)")
            }
            #expect(done >= 5 && ids.count == done, "one settlement id per period: \(ids.count) of \(done)")
            // Listing again finds the same reports, not new ones.
            var again: [Report] = []
            for try await page in api.allReports(reportTypes: [SandboxPaymentReports.settlementReportType]) { again += page.reports }
            #expect(again.map(\.reportId) == settlements.map(\.reportId))

            // Advancing the clock reveals later events and ages the statuses.
            _ = try await harness.admin("POST", "/_sandbox/clock", ["advanceDays": 90], expect: 200)
            let later = try decoder.decode(GroundTruth.self, from: Data(try await harness.admin("GET", "/_sandbox/sellers/\(seller.sellingPartnerId)/ground-truth", nil, expect: 200)))
            #expect(later.today > truth.today)
            for claim in truth.claims where claim.status == "expired" {
                if let again = later.claims.first(where: { $0.type == claim.type && $0.sourceId == claim.sourceId }) { #expect(again.status == "expired") }
            }
            #expect(later.claims.count != truth.claims.count || later.traps.count != truth.traps.count)
            let aged = truth.claims.filter { $0.status == "too_early" }.compactMap { claim in
                later.claims.first { $0.type == claim.type && $0.sourceId == claim.sourceId }?.status
            }
            #expect(aged.contains("claimable") && aged.contains("expired"))
        }
    }
}
