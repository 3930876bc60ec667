import Foundation
import OpsideAmazonData
import OpsideAmazonSPAPI
import OpsideCore

/// What every rule of one run shares: the request, the marketplace's currency and time zone, and
/// how a claim is valued, worded and assembled (docs/claim-detection.md, "Common to every rule").
struct DetectionContext: Sendable {
    let request: DetectionRequest
    let currency: Currency
    let scope: ClaimEvidenceScope

    init(request: DetectionRequest) throws {
        let marketplace = try AmazonMarketplace.require(request.marketplaceId)
        self.request = request
        self.currency = marketplace.currency
        var perMajor: Int64 = 1
        for _ in 0..<marketplace.currency.minorUnitDigits { perMajor *= 10 }
        self.scope = ClaimEvidenceScope(tenantId: request.tenantId, connectionId: request.connectionId, marketplaceId: request.marketplaceId,
                                        timeZone: marketplace.timeZone, minorUnitsPerMajor: perMajor)
    }

    func money(_ minor: Int64) -> Money { Money(amountMinor: minor, currency: currency) }

    func day(_ daysSince1970: Int) -> CivilDate { CivilDate(daysSince1970: daysSince1970) }

    // MARK: Valuation

    /// A manufacturing cost and where it came from, in the words a claim shows.
    struct CostInForce {
        var amount: Money
        /// True for an invoice dated after the day it values: the nearest proof there is, not proof.
        var isEstimate: Bool
        var source: String
    }

    /// The manufacturing cost of `sku` on `day`, in this marketplace's currency: the seller's own
    /// (set or imported), else the one the latest supplier invoice dated on or before `day`
    /// proves, else the earliest invoice's (an estimate: it is dated after the day).
    func manufacturingCost(sku: String?, on day: CivilDate) -> CostInForce? {
        guard let sku else { return nil }
        if let cost = request.unitCosts[sku], cost.currency == currency {
            return CostInForce(amount: cost, isEstimate: false, source: "the seller's manufacturing cost for SKU \(sku)")
        }
        let invoices = (request.invoiceCosts[sku] ?? []).filter { $0.amount.currency == currency }
        if let inForce = invoices.last(where: { $0.effectiveOn <= day }) {
            return CostInForce(amount: inForce.amount, isEstimate: false,
                               source: "the manufacturing cost of SKU \(sku) on the supplier invoice dated \(inForce.effectiveOn), "
                                   + "the latest on or before \(day) (document \(inForce.documentId.uuidString.lowercased()))")
        }
        if let earliest = invoices.first {
            return CostInForce(amount: earliest.amount, isEstimate: true,
                               source: "the manufacturing cost of SKU \(sku) on the earliest supplier invoice, dated \(earliest.effectiveOn), "
                                   + "after \(day) (document \(earliest.documentId.uuidString.lowercased())); an invoice from before then would prove it")
        }
        return nil
    }

    /// A pre-order loss's unit value on `day` (the loss's): the manufacturing cost in force then,
    /// else Amazon's latest warehouse or inbound reimbursement per unit for the FNSKU (an
    /// estimate), else zero.
    func preOrderValuation(fnsku: String, sku: String?, estimate: (perUnitMinor: Int64, reimbursementId: String)?, on day: CivilDate) -> ClaimValuation {
        if let cost = manufacturingCost(sku: sku, on: day) {
            return ClaimValuation(basis: .manufacturingCost, unitValue: cost.amount, isEstimate: cost.isEstimate, source: cost.source)
        }
        if let estimate {
            return ClaimValuation(basis: .amazonEstimate, unitValue: money(estimate.perUnitMinor), isEstimate: true,
                                  source: "Amazon's own value: \(money(estimate.perUnitMinor)) per unit on its latest warehouse or inbound "
                                      + "reimbursement for FNSKU \(fnsku) (\(estimate.reimbursementId)); no manufacturing cost is set for the SKU")
        }
        return ClaimValuation(basis: .amazonEstimate, unitValue: money(0), isEstimate: true,
                              source: "no manufacturing cost is set for SKU \(sku ?? "?") and Amazon never reimbursed FNSKU \(fnsku); listed at zero until a cost is set")
    }

    /// A post-order loss's unit value: the order's sale price minus its commission and FBA fee per
    /// unit, else the estimated-fees report's price minus estimated fees (an estimate), else zero.
    func postOrderValuation(orderId: String?, sku: String?, sale: SaleEvidence) -> ClaimValuation {
        if let principal = sale.principalMinor, let units = sale.units, units > 0, principal > 0 {
            let fees = sale.feesMinor ?? 0
            let perUnit = max(0, (principal + fees) / Int64(units))
            return ClaimValuation(basis: .priceMinusFees, unitValue: money(perUnit), isEstimate: false,
                                  source: "order \(orderId ?? "?")'s shipment events for SKU \(sku ?? "?"): principal \(money(principal)) "
                                      + "minus commission and FBA fee \(money(-fees)) over \(units) unit(s)")
        }
        if let price = sale.estimatedPriceMinor {
            let perUnit = max(0, price - (sale.estimatedFeeTotalMinor ?? 0))
            return ClaimValuation(basis: .priceMinusFees, unitValue: money(perUnit), isEstimate: true,
                                  source: "the estimated-fees report for SKU \(sku ?? "?"): your price \(money(price)) minus estimated fees "
                                      + "\(money(sale.estimatedFeeTotalMinor ?? 0))")
        }
        return ClaimValuation(basis: .priceMinusFees, unitValue: money(0), isEstimate: true,
                              source: "no shipment event for the order and no estimated fees for SKU \(sku ?? "?"); listed at zero")
    }

    // MARK: Assembly

    /// A unit claim: `units × unitValue`. `what` says what happened, in the rule's words; the
    /// sentences that only restate the claim's numbers (units owed at what value, the window's
    /// days, where today falls) are not stored but written when the claim is read (`ClaimWords`),
    /// from the same numbers: they cannot disagree with them, and a large seller's run does not
    /// build and store them for every claim.
    func unitClaim(_ type: ClaimType, fnsku: String?, sku: String?, units: Int, valuation: ClaimValuation, clock: CivilDate,
                   sourceIds: [ClaimSourceKind: String], rows: [ClaimSourceRow], netting: [ClaimNettingStep], resolution: String?,
                   what: String) -> DetectedClaim {
        let unitValue = valuation.unitValue?.amountMinor ?? 0
        return assemble(type, fnsku: fnsku, sku: sku, units: units, amount: money(unitValue * Int64(units)), valuation: valuation, clock: clock,
                        sourceIds: sourceIds, rows: rows, netting: netting, resolution: resolution, summary: what)
    }

    /// Any claim. `summary` is what the rule has to say; nothing in it may depend on `asOf`
    /// (a claim's content must not change with the day alone, or every daily run would rewrite,
    /// and count as updated, every claim).
    func assemble(_ type: ClaimType, fnsku: String?, sku: String?, units: Int, amount: Money, valuation: ClaimValuation, clock: CivilDate,
                  sourceIds: [ClaimSourceKind: String], rows: [ClaimSourceRow], netting: [ClaimNettingStep], resolution: String?,
                  summary: String) -> DetectedClaim {
        var ids = sourceIds
        if let fnsku, !fnsku.isEmpty { ids[.fnsku] = fnsku }
        return DetectedClaim(type: type, connectionId: request.connectionId, marketplaceId: request.marketplaceId,
                             fnsku: (fnsku?.isEmpty ?? true) ? nil : fnsku, sku: sku, asin: nil, units: units, amount: amount,
                             valuation: valuation, clockStartedOn: clock, sourceIds: ids,
                             explanation: ClaimExplanation(sourceRows: rows, netting: netting, summary: summary),
                             resolution: resolution)
    }
}

/// Units handed out from an ordered list of deductions (found units, reimbursements...), each
/// consumed in turn: the netting pool that losses draw on, oldest loss first.
struct DeductionPool {
    private(set) var sources: [(label: String, units: Int)]

    init(_ sources: [(label: String, units: Int)]) {
        self.sources = sources.filter { $0.units > 0 }
    }

    /// Removes `units` from the end of the pool (the last sources first): a reversal taking back
    /// reimbursed units adds them back to the losses.
    mutating func takeBack(_ units: Int) {
        var left = units
        var index = sources.count - 1
        while left > 0, index >= 0 {
            let taken = min(left, sources[index].units)
            sources[index].units -= taken
            left -= taken
            index -= 1
        }
        sources.removeAll { $0.units == 0 }
    }

    /// Applies the pool to a loss of `units`, returning the netting steps (negative units).
    mutating func apply(to units: Int) -> [ClaimNettingStep] {
        var left = units
        var steps: [ClaimNettingStep] = []
        var index = 0
        while left > 0, index < sources.count {
            let taken = min(left, sources[index].units)
            if taken > 0 {
                steps.append(ClaimNettingStep(label: sources[index].label, units: -taken))
                sources[index].units -= taken
                left -= taken
            }
            index += 1
        }
        sources.removeAll { $0.units == 0 }
        return steps
    }
}
