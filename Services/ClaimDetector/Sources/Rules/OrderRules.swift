import Foundation
import OpsideAmazonData
import OpsideCore

/// The rules keyed by order: refund without return, return not restocked, replacement not
/// returned, and fulfillment-fee overcharge. Each turns one aggregated evidence row into one claim.
struct OrderRules {
    let context: DetectionContext

    /// Nets `units` against each deduction in turn: the netting steps (the loss, each deduction
    /// used, the units owed), the units each deduction took, and the units left owed.
    static func net(_ units: Int, _ label: String, _ deductions: [(label: String, units: Int)]) -> ([ClaimNettingStep], [Int], Int) {
        var steps = [ClaimNettingStep(label: label, units: units)]
        var left = units
        var taken: [Int] = []
        for deduction in deductions {
            let used = min(left, max(0, deduction.units))
            if used > 0 { steps.append(ClaimNettingStep(label: deduction.label, units: -used)) }
            taken.append(used)
            left -= used
        }
        steps.append(ClaimNettingStep(label: "units owed", units: left))
        return (steps, taken, left)
    }

    /// Refunded units minus units returned (any status) minus units reimbursed for the order and SKU.
    func refund(_ row: RefundEvidenceRow) -> DetectedClaim {
        let (netting, taken, left) = Self.net(row.refundedUnits, "units refunded (\(row.refundSource), \(row.refundEvents) refund event(s))",
                                              [("units in the returns report", row.returnedUnits), ("units reimbursed for the order", row.reimbursedUnits)])
        let returned = taken[0], reimbursed = taken[1]
        let clock = context.day(row.refundDay ?? 0)
        var rows = [ClaimSourceRow(dataset: "financial_refund_events", rowId: row.orderId, date: clock, quantity: row.refundedUnits,
                                   amount: row.refundPrincipalMinor.map(context.money),
                                   description: "refund of \(row.refundedUnits) unit(s) of SKU \(row.sku), first posted \(clock)")]
        if let ids = row.returnIds {
            rows.append(ClaimSourceRow(dataset: "customer_returns", rowId: ids, date: nil, quantity: row.returnedUnits, amount: nil,
                                       description: "returns of the order (license plates \(ids))"))
        }
        if let ids = row.reimbursementIds {
            rows.append(ClaimSourceRow(dataset: "reimbursements", rowId: ids, date: nil, quantity: row.reimbursedUnits, amount: nil,
                                       description: "reimbursements carrying the order id"))
        }
        let resolution: String? = left > 0 ? nil : (returned > 0 && reimbursed == 0 ? "the refunded units were returned"
            : returned == 0 ? "the refunded units were reimbursed" : "the refunded units were returned or reimbursed")
        let what = "Amazon refunded \(row.refundedUnits) unit(s) of SKU \(row.sku) on order \(row.orderId) on \(clock), and \(left) of them were never "
            + "returned to a fulfillment center nor reimbursed."
        return context.unitClaim(.refundWithoutReturn, fnsku: row.fnsku, sku: row.sku, units: left,
                                 valuation: context.postOrderValuation(orderId: row.orderId, sku: row.sku, sale: row.sale), clock: clock,
                                 sourceIds: [.orderId: row.orderId], rows: rows, netting: netting, resolution: resolution, what: what)
    }

    /// Returns Amazon logged as back in inventory with no CustomerReturns ledger row (or damaged by
    /// the carrier or Amazon), minus reimbursements for the order.
    func returned(_ row: ReturnEvidenceRow) -> DetectedClaim {
        let notRestocked = max(0, row.restockUnits - max(0, row.ledgerUnits))
        let restockedLate = row.restockUnits - notRestocked
        var netting: [ClaimNettingStep] = []
        if row.restockUnits > 0 {
            netting.append(ClaimNettingStep(label: "units returned to inventory per the returns report", units: row.restockUnits))
            if restockedLate > 0 {
                netting.append(ClaimNettingStep(label: "restocked: CustomerReturns ledger rows for the order and FNSKU", units: -restockedLate))
            }
        }
        if row.damagedUnits > 0 {
            netting.append(ClaimNettingStep(label: "units returned damaged by the carrier or Amazon", units: row.damagedUnits))
        }
        var left = notRestocked + row.damagedUnits
        let reimbursed = min(left, max(0, row.reimbursedUnits))
        if reimbursed > 0 { netting.append(ClaimNettingStep(label: "units reimbursed for the order", units: -reimbursed)); left -= reimbursed }
        netting.append(ClaimNettingStep(label: "units owed", units: left))
        let clock = context.day(row.refundDay ?? row.returnDay)
        var rows = [ClaimSourceRow(dataset: "customer_returns", rowId: row.returnIds, date: context.day(row.returnDay),
                                   quantity: row.restockUnits + row.damagedUnits, amount: nil,
                                   description: "returns of order \(row.orderId), FNSKU \(row.fnsku): \(row.returnIds)")]
        if let ledgerDay = row.ledgerFirstDay {
            rows.append(ClaimSourceRow(dataset: "ledger_detail", rowId: row.orderId, date: context.day(ledgerDay), quantity: row.ledgerUnits,
                                       amount: nil, description: "CustomerReturns rows for the order and FNSKU"))
        }
        if let ids = row.reimbursementIds {
            rows.append(ClaimSourceRow(dataset: "reimbursements", rowId: ids, date: nil, quantity: row.reimbursedUnits, amount: nil,
                                       description: "reimbursements carrying the order id"))
        }
        let resolution: String? = left > 0 ? nil
            : (reimbursed > 0 ? "the returned units were reimbursed"
                : "the return was restocked (CustomerReturns ledger row on \(row.ledgerFirstDay.map { context.day($0).description } ?? "?"))")
        let what = "Order \(row.orderId)'s return of FNSKU \(row.fnsku) (first logged \(context.day(row.returnDay))) "
            + (row.damagedUnits > 0 ? "came back damaged by the carrier or Amazon" : "was logged as returned to inventory")
            + (notRestocked > 0 ? " but never reached sellable inventory in the ledger." : ".")
        return context.unitClaim(.returnNotRestocked, fnsku: row.fnsku, sku: row.sku, units: left,
                                 valuation: context.postOrderValuation(orderId: row.orderId, sku: row.sku, sale: row.sale), clock: clock,
                                 sourceIds: [.orderId: row.orderId], rows: rows, netting: netting, resolution: resolution, what: what)
    }

    /// Replacement units minus returns of the original order minus reimbursements on either order.
    func replacement(_ row: ReplacementEvidenceRow) -> DetectedClaim {
        let (netting, taken, left) = Self.net(row.units, "units sent as replacements (\(row.replacementOrderIds))",
                                              [("units of the original order returned", row.returnedUnits),
                                               ("units reimbursed on either order", row.reimbursedUnits)])
        let returned = taken[0]
        let clock = context.day(row.shipmentDay ?? 0)
        var rows = [ClaimSourceRow(dataset: "replacements", rowId: row.replacementOrderIds, date: clock, quantity: row.units, amount: nil,
                                   description: "replacement(s) for order \(row.originalOrderId), SKU \(row.sku)")]
        if let ids = row.returnIds {
            rows.append(ClaimSourceRow(dataset: "customer_returns", rowId: ids, date: nil, quantity: row.returnedUnits, amount: nil,
                                       description: "returns of the original order"))
        }
        if let ids = row.reimbursementIds {
            rows.append(ClaimSourceRow(dataset: "reimbursements", rowId: ids, date: nil, quantity: row.reimbursedUnits, amount: nil,
                                       description: "reimbursements carrying either order id"))
        }
        let resolution: String? = left > 0 ? nil : (returned > 0 ? "the original order came back" : "the replacement was reimbursed")
        let what = "Amazon shipped \(row.units) replacement unit(s) of SKU \(row.sku) on \(clock) for order \(row.originalOrderId), "
            + "and \(left) original unit(s) never came back nor were reimbursed."
        var ids: [ClaimSourceKind: String] = [.originalOrderId: row.originalOrderId, .replacementOrderId: row.replacementOrderIds]
        ids[.orderId] = row.originalOrderId
        return context.unitClaim(.replacementNotReturned, fnsku: row.fnsku, sku: row.sku, units: left,
                                 valuation: context.postOrderValuation(orderId: row.originalOrderId, sku: row.sku, sale: row.sale), clock: clock,
                                 sourceIds: ids, rows: rows, netting: netting, resolution: resolution, what: what)
    }

    /// FBA fee charged per unit above the expected fee, minus fee corrections for the order.
    func feeOvercharge(_ row: FeeChargeEvidenceRow) -> DetectedClaim {
        let overchargedMinor = row.chargedMinor - row.expectedPerUnitMinor * Int64(row.units)
        let owedMinor = max(0, overchargedMinor - max(0, row.correctedMinor))
        let clock = context.day(row.day ?? 0)
        let expected = context.money(row.expectedPerUnitMinor)
        let valuation = ClaimValuation(basis: .feeDifference, unitValue: nil, isEstimate: !row.sellerSetFee,
                                       source: row.sellerSetFee ? "the seller's fulfillment fee for SKU \(row.sku), \(expected) per unit"
                                           : "the estimated-fees report's expected fulfillment fee for SKU \(row.sku), \(expected) per unit")
        var rows = [ClaimSourceRow(dataset: "financial_shipment_events", rowId: row.eventKeys, date: clock, quantity: row.units,
                                   amount: context.money(row.chargedMinor),
                                   description: "FBAPerUnitFulfillmentFee \(context.money(row.chargedMinor)) for \(row.units) unit(s) of order \(row.orderId)")]
        if let ids = row.correctionIds {
            rows.append(ClaimSourceRow(dataset: "reimbursements", rowId: ids, date: nil, quantity: nil, amount: context.money(row.correctedMinor),
                                       description: "fee corrections for the order"))
        }
        let netting = [ClaimNettingStep(label: "units charged", units: row.units)]
        let resolution: String? = owedMinor > 0 ? nil : "Amazon corrected the fee (\(context.money(row.correctedMinor)))"
        let summary = "On \(clock) Amazon charged \(context.money(row.chargedMinor)) in FBA fulfillment fees for \(row.units) unit(s) of SKU \(row.sku) "
            + "on order \(row.orderId), \(context.money(overchargedMinor)) above the \(expected) per unit the product's dimensions give"
            + (row.correctedMinor > 0 ? "; Amazon has corrected \(context.money(row.correctedMinor)) of it" : "")
            + (owedMinor > 0 ? ". \(context.money(owedMinor)) is owed." : ". Nothing is owed.")
        return context.assemble(.feeOvercharge, fnsku: row.fnsku, sku: row.sku, units: row.units, amount: context.money(owedMinor),
                                valuation: valuation, clock: clock, sourceIds: [.orderId: row.orderId], rows: rows, netting: netting,
                                resolution: resolution, summary: summary)
    }
}
