import Foundation
import OpsideCore

/// One claim as a detection run finds it: what the rules hand to the claim store.
///
/// A rule emits a claim for every loss it examined, netted ones included: `units == 0` with a
/// `resolution` says the loss was made good (found, reimbursed), so a claim stored earlier under
/// the same key is marked resolved with that reason instead of silently vanishing.
public struct DetectedClaim: Sendable, Hashable {
    public var type: ClaimType
    public var connectionId: UUID
    public var marketplaceId: String
    public var fnsku: String?
    public var sku: String?
    public var asin: String?
    /// Units still owed after netting (0 when netted away).
    public var units: Int
    /// What is owed: `units × unitValue` for unit claims, the difference for fee and underpayment
    /// claims, the clawed-back amount for reversals. Integer minor units in the marketplace's currency.
    public var amount: Money
    public var valuation: ClaimValuation
    /// The marketplace-local day the claim's clock started (the loss, refund, shipment, charge...).
    public var clockStartedOn: CivilDate
    /// Ids of the rows behind the claim, by kind; always holds the type's `primarySource`.
    public var sourceIds: [ClaimSourceKind: String]
    public var explanation: ClaimExplanation
    /// Why nothing is owed, when `units == 0` (or `amount` is zero for money-only claims).
    public var resolution: String?

    public init(type: ClaimType, connectionId: UUID, marketplaceId: String, fnsku: String?, sku: String?, asin: String?, units: Int,
                amount: Money, valuation: ClaimValuation, clockStartedOn: CivilDate, sourceIds: [ClaimSourceKind: String],
                explanation: ClaimExplanation, resolution: String? = nil) {
        self.type = type
        self.connectionId = connectionId
        self.marketplaceId = marketplaceId
        self.fnsku = fnsku
        self.sku = sku
        self.asin = asin
        self.units = units
        self.amount = amount
        self.valuation = valuation
        self.clockStartedOn = clockStartedOn
        self.sourceIds = sourceIds
        self.explanation = explanation
        self.resolution = resolution
    }

    /// The claim's identity within its connection: type, the type's primary source id, and the
    /// FNSKU (or SKU). Stable across runs, so re-detection updates the stored claim.
    public var key: String {
        let primary = sourceIds[type.primarySource] ?? ""
        return [type.rawValue, primary, fnsku ?? sku ?? ""].joined(separator: "|")
    }

    public var isOwed: Bool { resolution == nil && amount.amountMinor > 0 }
}

/// How a claim's amount was valued, and where its unit value came from.
public struct ClaimValuation: Sendable, Hashable, Codable {
    public enum Basis: String, Sendable, Codable, CaseIterable {
        /// The seller's manufacturing cost for the SKU (set or imported; mcde later).
        case manufacturingCost = "manufacturing_cost"
        /// Amazon's own valuation (its reimbursements' amount per unit for the FNSKU): an estimate.
        case amazonEstimate = "amazon_estimate"
        /// Sales price minus Amazon's fees, for units lost after a customer ordered them.
        case priceMinusFees = "price_minus_fees"
        /// Fee charged minus fee owed.
        case feeDifference = "fee_difference"
        /// Value owed per unit minus value paid per unit.
        case paidDifference = "paid_difference"
        /// The amount Amazon clawed back.
        case reversedAmount = "reversed_amount"
    }

    public var basis: Basis
    /// Per unit, when the claim counts units.
    public var unitValue: Money?
    public var isEstimate: Bool
    /// Where the unit value came from, in words ("seller's cost for SKU-1, set 2026-11-02").
    public var source: String

    public init(basis: Basis, unitValue: Money?, isEstimate: Bool, source: String) {
        self.basis = basis
        self.unitValue = unitValue
        self.isEstimate = isEstimate
        self.source = source
    }
}

/// Why a claim is owed, in data and in words: the rows behind it, the netting arithmetic, the
/// valuation and the window.
public struct ClaimExplanation: Sendable, Hashable, Codable {
    public var sourceRows: [ClaimSourceRow]
    /// The netting, one step per line: `loss units`, then each deduction, ending at `units owed`.
    public var netting: [ClaimNettingStep]
    /// A paragraph a seller (or Amazon's case reviewer) can read.
    public var summary: String

    public init(sourceRows: [ClaimSourceRow], netting: [ClaimNettingStep], summary: String) {
        self.sourceRows = sourceRows
        self.netting = netting
        self.summary = summary
    }
}

/// A row of a report or an event that a claim rests on.
public struct ClaimSourceRow: Sendable, Hashable, Codable {
    /// The dataset (`ledger_detail`, `reimbursements`, `financial_refund_events`, ...).
    public var dataset: String
    /// The row's id in that dataset (ledger reference id, reimbursement id, order id, event key).
    public var rowId: String
    public var date: CivilDate?
    public var quantity: Int?
    public var amount: Money?
    /// What the row says ("M, misplaced, FC PHX7, −2 units").
    public var description: String

    public init(dataset: String, rowId: String, date: CivilDate?, quantity: Int?, amount: Money?, description: String) {
        self.dataset = dataset
        self.rowId = rowId
        self.date = date
        self.quantity = quantity
        self.amount = amount
        self.description = description
    }
}

/// One line of a claim's netting: `label` and the signed units it adds (`units`) or the running total.
public struct ClaimNettingStep: Sendable, Hashable, Codable {
    public var label: String
    public var units: Int

    public init(label: String, units: Int) {
        self.label = label
        self.units = units
    }
}
