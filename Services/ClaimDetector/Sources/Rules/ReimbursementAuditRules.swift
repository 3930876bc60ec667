import Foundation
import OpsideAmazonData
import OpsideCore

/// Underpaid reimbursements: cash paid per unit below the expected value by more than the
/// tolerance. Pre-order reasons are held against the seller's manufacturing cost only (Amazon's
/// own estimate never proves Amazon underpaid), post-order reasons against price minus fees.
struct UnderpaymentRule {
    let context: DetectionContext

    static func isPreOrder(_ reason: String) -> Bool {
        reason.hasSuffix("_warehouse") || reason.hasSuffix("_inbound") || reason.contains("removal")
    }

    static func isPostOrder(_ reason: String) -> Bool {
        reason == "customerreturn" || reason == "customerserviceissue"
    }

    /// The claim for one cash reimbursement, or nil when its reason has no expected value to hold
    /// it against, or it paid at least the expected value less the tolerance.
    func audit(_ row: CashReimbursementRow) -> DetectedClaim? {
        let reason = (row.reason ?? "").lowercased()
        let expected: ClaimValuation
        if Self.isPreOrder(reason) {
            // An estimate never proves an underpayment: only a cost the seller set or an invoice from before.
            guard let cost = context.manufacturingCost(sku: row.sku, on: context.day(row.day ?? 0)), !cost.isEstimate else { return nil }
            expected = ClaimValuation(basis: .paidDifference, unitValue: cost.amount, isEstimate: cost.isEstimate, source: cost.source)
        } else if Self.isPostOrder(reason) {
            let value = context.postOrderValuation(orderId: row.orderId, sku: row.sku, sale: row.sale)
            expected = ClaimValuation(basis: .paidDifference, unitValue: value.unitValue, isEstimate: value.isEstimate, source: value.source)
        } else {
            return nil
        }
        guard let expectedMinor = expected.unitValue?.amountMinor, expectedMinor > 0, let paidMinor = row.perUnitMinor else { return nil }
        let shortMinor = expectedMinor - paidMinor
        // Integers only: short / expected > tolerance ⇔ short × 10 000 > expected × tolerance (basis points).
        guard shortMinor * 10_000 > expectedMinor * Int64(context.request.underpaymentToleranceBasisPoints) else { return nil }
        let owedMinor = shortMinor * Int64(row.cashUnits)
        let clock = context.day(row.day ?? 0)
        let resolution = row.reversalId.map { "reimbursement \(row.reimbursementId) was reversed (\($0))" }
        var ids: [ClaimSourceKind: String] = [.reimbursementId: row.reimbursementId]
        if let order = row.orderId { ids[.orderId] = order }
        let rows = [ClaimSourceRow(dataset: "reimbursements", rowId: row.reimbursementId, date: clock, quantity: row.cashUnits,
                                   amount: row.totalMinor.map(context.money),
                                   description: "\(row.reason ?? "") reimbursement: \(row.cashUnits) unit(s) in cash at \(context.money(paidMinor)) each")]
        let summary = "On \(clock) Amazon reimbursed \(row.cashUnits) unit(s) of SKU \(row.sku) (\(row.reason ?? "")) at \(context.money(paidMinor)) "
            + "per unit, \(context.money(shortMinor)) below the \(context.money(expectedMinor)) each is worth (\(expected.source))"
            + (expected.isEstimate ? ", an estimate" : "")
            + (resolution == nil ? ": \(context.money(owedMinor)) is owed." : ". Nothing is owed: the reimbursement was reversed.")
        return context.assemble(.underpaidReimbursement, fnsku: row.fnsku, sku: row.sku, units: resolution == nil ? row.cashUnits : 0,
                                amount: context.money(resolution == nil ? owedMinor : 0), valuation: expected, clock: clock, sourceIds: ids,
                                rows: rows, netting: [ClaimNettingStep(label: "cash units underpaid", units: row.cashUnits)],
                                resolution: resolution, summary: summary)
    }
}

/// Removal orders of type Return, completed: units that vanished (`requested − cancelled −
/// disposed − shipped`) plus short deliveries (`shipped − units on the removal shipment report`),
/// minus reimbursements naming a removal (for the order id first, then the FNSKU's pool).
struct RemovalRule {
    let context: DetectionContext
    /// Removal reimbursements by order id, and those without an order id by FNSKU: both small.
    var byOrder: [String: [RemovalReimbursementRow]] = [:]
    var byFNSKU: [String: [RemovalReimbursementRow]] = [:]
    /// Units of the FNSKU pool already given to earlier removals.
    private var usedFromFNSKU: [String: Int] = [:]

    init(context: DetectionContext, reimbursements: [RemovalReimbursementRow]) {
        self.context = context
        for row in reimbursements {
            if let order = row.orderId { byOrder[order, default: []].append(row) } else { byFNSKU[row.fnsku, default: []].append(row) }
        }
    }

    /// The claim for one removal order's FNSKU, or nil when it was delivered in full (no loss).
    mutating func claim(_ row: RemovalEvidenceRow) -> DetectedClaim? {
        let vanished = max(0, row.requested - row.cancelled - row.disposed - row.shipped)
        let short = max(0, row.shipped - row.shipmentReportUnits)
        if vanished + short == 0 { return nil }
        var netting: [ClaimNettingStep] = []
        if vanished > 0 {
            netting.append(ClaimNettingStep(label: "requested \(row.requested) − cancelled \(row.cancelled) − disposed \(row.disposed) − shipped \(row.shipped)",
                                            units: vanished))
        }
        if short > 0 {
            netting.append(ClaimNettingStep(label: "shipped \(row.shipped) − \(row.shipmentReportUnits) on the removal shipment report", units: short))
        }
        var left = vanished + short
        var rows = [ClaimSourceRow(dataset: "removal_orders", rowId: row.orderId, date: row.day.map(context.day), quantity: row.requested, amount: nil,
                                   description: "Return removal order, completed: \(row.requested) requested, \(row.cancelled) cancelled, "
                                       + "\(row.disposed) disposed, \(row.shipped) shipped"),
                    ClaimSourceRow(dataset: "removal_shipments", rowId: row.trackingNumbers ?? row.orderId, date: row.day.map(context.day),
                                   quantity: row.shipmentReportUnits, amount: nil, description: "units on the removal shipment report")]
        let forOrder = (byOrder[row.orderId] ?? []).filter { $0.fnsku == row.fnsku || $0.fnsku.isEmpty }
        let orderUnits = max(0, forOrder.reduce(0) { $0 + $1.units })
        let fromOrder = min(left, orderUnits)
        if fromOrder > 0 { netting.append(ClaimNettingStep(label: "reimbursed for the removal order", units: -fromOrder)); left -= fromOrder }
        let pool = max(0, (byFNSKU[row.fnsku] ?? []).reduce(0) { $0 + $1.units } - usedFromFNSKU[row.fnsku, default: 0])
        let fromPool = min(left, pool)
        if fromPool > 0 {
            netting.append(ClaimNettingStep(label: "removal reimbursements for the FNSKU", units: -fromPool))
            usedFromFNSKU[row.fnsku, default: 0] += fromPool
            left -= fromPool
        }
        for reimbursement in forOrder + (byFNSKU[row.fnsku] ?? []) where fromOrder + fromPool > 0 {
            rows.append(ClaimSourceRow(dataset: "reimbursements", rowId: reimbursement.reimbursementId, date: reimbursement.day.map(context.day),
                                       quantity: reimbursement.units, amount: nil, description: "\(reimbursement.reason ?? "") reimbursement"))
        }
        netting.append(ClaimNettingStep(label: "units owed", units: left))
        let clock = context.day(row.day ?? 0)
        let valuation = context.preOrderValuation(fnsku: row.fnsku, sku: row.sku,
                                                  estimate: row.estimatePerUnitMinor.map { (perUnitMinor: $0, reimbursementId: row.estimateReimbursementId ?? "?") },
                                                  on: clock)
        let resolution: String? = left > 0 ? nil : "the lost removal units were reimbursed"
        let what = "Removal order \(row.orderId) (return to the seller, completed, last shipped \(clock)) lost \(vanished + short) unit(s) of FNSKU \(row.fnsku)"
            + (short > 0 ? ", \(short) of them short on delivery." : ".")
        return context.unitClaim(.removalLost, fnsku: row.fnsku, sku: row.sku, units: left, valuation: valuation, clock: clock,
                                 sourceIds: [.removalOrderId: row.orderId], rows: rows, netting: netting, resolution: resolution, what: what)
    }
}
