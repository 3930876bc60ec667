import Foundation
import OpsideClaimsAccess
import OpsideCore

/// The text an agent would paste into Seller Central for a claim, the ids Amazon asks for, and
/// the documents the type needs (`fba-reimbursement.md` §4 and §5).
public struct CaseDraft: Sendable, Equatable {
    public var subject: String
    public var body: String
    /// The claim's ids that Amazon's forms ask for, by kind (FNSKU, ledger reference, order,
    /// shipment, removal order, reimbursement).
    public var references: [String: String]
    /// The documents to attach, in words: none for the types Amazon pays on its own records.
    public var attachments: [String]

    /// Whether the claim must wait for evidence before it can be filed: the types Amazon will not
    /// pay without proof of ownership, cost or measurement (§5) are those with documents to attach.
    public var needsDocuments: Bool { !attachments.isEmpty }

    /// Whether a case has the evidence its type needs: its documents, or none needed. Told to
    /// claim-detector with each change, for its approval model.
    public static func evidencePresent(_ item: ReimbursementCase) -> Bool {
        item.documentsReady || item.attachments.isEmpty
    }

    public init(claim: ListedClaim) {
        let item = [claim.sku.map { "SKU \($0)" }, claim.fnsku.map { "FNSKU \($0)" }, claim.asin.map { "ASIN \($0)" }]
            .compactMap { $0 }.joined(separator: ", ")
        var references = claim.sourceIds
        if let fnsku = claim.fnsku { references["fnsku"] = fnsku }
        if let sku = claim.sku { references["sku"] = sku }
        self.references = references
        let units = "\(claim.units) unit\(claim.units == 1 ? "" : "s")"
        let amount = claim.amount.description
        let ids = references.sorted { $0.key < $1.key }.map { "\(Self.label($0.key)): \($0.value)" }.joined(separator: "\n")
        let what: String
        switch claim.type {
        case "warehouse_lost":
            subject = "Reimbursement request: \(units) lost in the fulfillment center (\(item))"
            what = "The inventory ledger shows \(units) of \(item) misplaced in the fulfillment center and still unreconciled: "
                + "they were neither found nor reimbursed."
            attachments = []
        case "warehouse_damaged":
            subject = "Reimbursement request: \(units) damaged in the fulfillment center (\(item))"
            what = "The inventory ledger shows \(units) of \(item) damaged at the fulfillment center and still unreconciled."
            attachments = []
        case "disposed_unrequested":
            subject = "Reimbursement request: \(units) disposed of without my request (\(item))"
            what = "The inventory ledger shows \(units) of \(item) disposed of. I did not request this disposal: no removal order of mine covers these units."
            attachments = []
        case "inbound_shortage":
            subject = "Inbound shipment reconciliation: \(units) not received (\(item))"
            what = "My closed inbound shipment lists more units of \(item) shipped than received: \(units) are missing."
            attachments = ["Supplier invoice for the units (proof of ownership)", "Proof of delivery or signed bill of lading",
                           "Carrier tracking for the shipment"]
        case "refund_without_return":
            subject = "Reimbursement request: customer refunded, item not returned (\(item))"
            what = "The customer was refunded for \(units) of \(item), but the item was neither returned to my inventory nor reimbursed."
            attachments = []
        case "return_not_restocked":
            subject = "Reimbursement request: customer return not restocked (\(item))"
            what = "A customer return of \(units) of \(item) was received by Amazon but never reached my sellable inventory."
            attachments = []
        case "replacement_not_returned":
            subject = "Reimbursement request: replacement sent, original not returned (\(item))"
            what = "A replacement of \(units) of \(item) was shipped, and the original unit was never returned."
            attachments = []
        case "removal_lost":
            subject = "Removal order investigation: \(units) not delivered (\(item))"
            what = "My removal order shipped fewer units of \(item) than requested, or the shipment was short: \(units) never reached me."
            attachments = ["Supplier invoice for the units (proof of ownership)", "Proof of delivery of the removal shipment",
                           "Photos of the units and packaging received"]
        case "fee_overcharge":
            subject = "FBA fee research request: fulfillment fee above the correct size tier (\(item))"
            what = "The fulfillment fee charged for \(item) is above the fee its true dimensions and weight give."
            attachments = ["Photos of the product on a scale and with a tape measure", "The transaction list of the charges"]
        case "underpaid_reimbursement":
            subject = "Reimbursement re-evaluation: paid below value (\(item))"
            what = "A reimbursement for \(item) was paid per unit below what the units were worth."
            attachments = ["Supplier invoice or manufacturing cost documentation for the units"]
        case "reimbursement_reversal":
            subject = "Reimbursement reversal dispute (\(item))"
            what = "A reimbursement for \(item) was reversed, but no units were found to justify the reversal."
            attachments = []
        default:
            subject = "Reimbursement request (\(item))"
            what = "Amazon owes me for \(item)."
            attachments = []
        }
        body = """
            Hello,

            \(what) I am requesting a reimbursement of \(amount) for \(units).

            \(ids)

            The loss dates from \(claim.clockStartedAt); this request is within the claim window, which ends on \(claim.deadline).\
            \(attachments.isEmpty ? "" : "\n\nAttached: " + attachments.joined(separator: "; ") + ".")

            Thank you.
            """
    }

    /// How Seller Central's forms name each id.
    static func label(_ kind: String) -> String {
        switch kind {
        case "ledgerReferenceId": "Reference ID (transaction item ID)"
        case "orderId": "Order ID"
        case "originalOrderId": "Original order ID"
        case "replacementOrderId": "Replacement order ID"
        case "shipmentId": "Shipment ID"
        case "reimbursementId": "Reimbursement ID"
        case "originalReimbursementId": "Original reimbursement ID"
        case "removalOrderId": "Removal order ID"
        case "fnsku": "FNSKU"
        case "sku": "SKU"
        case "licensePlateNumber": "License plate number (LPN)"
        default: kind
        }
    }
}
