/// The kinds of money Amazon can owe a seller, under the names the API, the CLI and the data use
/// (issue 11; `fba-reimbursement.md` §4 and §9 give the evidence, the netting and the windows).
public enum ClaimType: String, CaseIterable, Codable, Sendable, Comparable {
    /// Ledger adjustments M and 5 (inventory misplaced) still unreconciled.
    case warehouseLost = "warehouse_lost"
    /// Ledger adjustments E, 6, 7, H, K, U (damaged at Amazon's FC); the paired P only moves the
    /// units to another disposition and is not a gain.
    case warehouseDamaged = "warehouse_damaged"
    /// Ledger D units beyond the disposals the seller ordered.
    case disposedUnrequested = "disposed_unrequested"
    /// Shipped minus received on a closed inbound shipment.
    case inboundShortage = "inbound_shortage"
    /// Refunded units neither returned nor reimbursed by order.
    case refundWithoutReturn = "refund_without_return"
    /// A return Amazon logged as received (or damaged by Amazon or the carrier) that never reached
    /// sellable inventory.
    case returnNotRestocked = "return_not_restocked"
    /// A replacement shipped and the original never came back.
    case replacementNotReturned = "replacement_not_returned"
    /// Removal units shipped or marked lost that the seller never received, short deliveries included.
    case removalLost = "removal_lost"
    /// A fulfillment fee charged above the fee the product's dimensions give; one claim per charge.
    case feeOvercharge = "fee_overcharge"
    /// A reimbursement paid per unit below what the loss was worth.
    case underpaidReimbursement = "underpaid_reimbursement"
    /// A clawback with no found units behind it.
    case reimbursementReversal = "reimbursement_reversal"

    public static func < (lhs: ClaimType, rhs: ClaimType) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Which source id names a claim of this type: with the FNSKU (or the SKU for order-level
    /// claims) it is the claim's identity, so re-detection updates the claim instead of adding one,
    /// and it is the id the sandbox's ground truth lists.
    public var primarySource: ClaimSourceKind {
        switch self {
        case .warehouseLost, .warehouseDamaged, .disposedUnrequested: .ledgerReferenceId
        case .inboundShortage: .shipmentId
        case .refundWithoutReturn, .returnNotRestocked, .feeOvercharge: .orderId
        case .replacementNotReturned: .originalOrderId
        case .removalLost: .removalOrderId
        case .underpaidReimbursement, .reimbursementReversal: .reimbursementId
        }
    }

    /// Whether Amazon pays this type only with proof of ownership, cost or measurement
    /// (`fba-reimbursement.md` §5). refund-engine, which writes the cases, says it of each case
    /// (the documents its `CaseDraft` lists) and tells it with every change; the approval model
    /// reads it here only for a claim that has no case yet.
    public var needsDocuments: Bool {
        switch self {
        case .inboundShortage, .removalLost, .feeOvercharge, .underpaidReimbursement: true
        default: false
        }
    }

    /// Whether the claim counts units valued one by one (`units × unitValue`); the others are an
    /// amount of money (a fee difference, an underpayment, a clawback), worded by their rule.
    public var isValuedPerUnit: Bool {
        switch self {
        case .feeOvercharge, .underpaidReimbursement, .reimbursementReversal: false
        default: true
        }
    }

    /// Whether the loss happened before a customer ordered the unit: such units are valued at
    /// manufacturing cost since March 2025 (§4), the others at sales price minus fees.
    public var isPreOrderLoss: Bool {
        switch self {
        case .warehouseLost, .warehouseDamaged, .disposedUnrequested, .inboundShortage, .removalLost: true
        case .refundWithoutReturn, .returnNotRestocked, .replacementNotReturned, .feeOvercharge, .underpaidReimbursement,
             .reimbursementReversal: false
        }
    }
}

/// The ids a claim is traced to, under the keys of its `sourceIds`.
public enum ClaimSourceKind: String, CaseIterable, Codable, Sendable {
    /// The ledger row's `Reference ID` (Amazon's transaction item id for adjustments).
    case ledgerReferenceId
    case orderId
    case originalOrderId
    case replacementOrderId
    case shipmentId
    case reimbursementId
    case originalReimbursementId
    case removalOrderId
    case fnsku
    case licensePlateNumber
}
