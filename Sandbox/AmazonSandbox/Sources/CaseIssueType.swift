/// What a Seller Central case is about: the claim types of docs/claim-detection.md, and how Amazon
/// pays each one when it approves it.
enum CaseIssueType: String, CaseIterable, Sendable {
    case warehouseLost = "warehouse_lost"
    case warehouseDamaged = "warehouse_damaged"
    case disposedUnrequested = "disposed_unrequested"
    case inboundShortage = "inbound_shortage"
    case refundWithoutReturn = "refund_without_return"
    case returnNotRestocked = "return_not_restocked"
    case replacementNotReturned = "replacement_not_returned"
    case removalLost = "removal_lost"
    case feeOvercharge = "fee_overcharge"
    case underpaidReimbursement = "underpaid_reimbursement"
    case reimbursementReversal = "reimbursement_reversal"

    /// Types whose claim is money rather than units (an overcharged fee, the rest of an underpaid
    /// reimbursement, a reversal taken back): a case may claim 0 units, and the payment carries no
    /// units, its amount alone.
    var isMoneyOnly: Bool {
        switch self {
        case .feeOvercharge, .underpaidReimbursement, .reimbursementReversal: true
        default: false
        }
    }

    /// The reimbursements report's `reason` for a payment of this type, spelled as
    /// `SellerHistoryGenerator` spells the reasons it pays (fba-reimbursement.md §3: the
    /// underscore form of the download). `Removal_Order_Lost` and `GeneralAdjustment`, which the
    /// generator never pays, follow §3's list.
    var reimbursementReason: String {
        switch self {
        case .warehouseLost: "Lost_Warehouse"
        case .warehouseDamaged, .disposedUnrequested: "Damaged_Warehouse"
        case .inboundShortage: "Lost_Inbound"
        case .refundWithoutReturn, .returnNotRestocked, .replacementNotReturned: "CustomerReturn"
        case .removalLost: "Removal_Order_Lost"
        case .feeOvercharge: "FeeCorrection"
        case .underpaidReimbursement, .reimbursementReversal: "GeneralAdjustment"
        }
    }

    /// The Finances adjustment event's `AdjustmentType` for the same payment: the generator's pair
    /// for each reason it pays (Damaged_Warehouse → WAREHOUSE_DAMAGE, CustomerReturn →
    /// FREE_REPLACEMENT_REFUND_ITEMS…), and for the others the settlement strings of
    /// fba-reimbursement.md §1 (REMOVAL_ORDER_LOST; RE_EVALUATION for a reimbursement valued
    /// again, COMPENSATED_CLAWBACK for a reversal given back).
    var adjustmentType: String {
        switch self {
        case .warehouseLost: "WAREHOUSE_LOST"
        case .warehouseDamaged, .disposedUnrequested: "WAREHOUSE_DAMAGE"
        case .inboundShortage: "MISSING_FROM_INBOUND"
        case .refundWithoutReturn, .returnNotRestocked, .replacementNotReturned: "FREE_REPLACEMENT_REFUND_ITEMS"
        case .removalLost: "REMOVAL_ORDER_LOST"
        case .feeOvercharge: "INCORRECT_FEES_ITEMS"
        case .underpaidReimbursement: "RE_EVALUATION"
        case .reimbursementReversal: "COMPENSATED_CLAWBACK"
        }
    }
}
