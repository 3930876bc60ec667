import Foundation
import PostgresNIO

// The rows claim-detector's evidence reads yield: already filtered, joined and aggregated in
// PostgreSQL. Days are marketplace-local, as days since 1970; amounts are minor units in the
// marketplace currency (the reads are scoped to one marketplace).

/// One row of an FNSKU's inventory evidence, in FNSKU then day order: a ledger adjustment, a
/// reimbursement, a disposal the seller ordered, or a closed inbound shipment's item.
public struct InventoryEvidenceRow: Sendable, Hashable {
    public enum Kind: String, Sendable {
        case ledger
        case reimbursement
        case disposalOrder = "disposal_order"
        case inboundItem = "inbound"
    }

    public var kind: Kind
    public var fnsku: String
    public var sku: String?
    /// Ledger day, reimbursement approval day, disposal request day, inbound delivery day (its first
    /// ledger Receipt; nil when none).
    public var day: Int?
    /// Ledger reference id, reimbursement id, removal order id or shipment id.
    public var rowId: String
    /// Ledger reason code; reimbursement reason; removal order status; shipment status.
    public var reason: String?
    /// Ledger disposition; reimbursement condition; removal disposition.
    public var disposition: String?
    /// Ledger quantity (signed); reimbursement quantity-reimbursed-total; disposed quantity; units shipped.
    public var quantity: Int
    public var unreconciled: Int?
    public var cash: Int?
    public var inventory: Int?
    public var perUnitMinor: Int64?
    public var totalMinor: Int64?
    public var originalReimbursementId: String?
    /// The original's type (`original-reimbursement-type`, else the original row's reason).
    public var originalReason: String?
    public var originalDay: Int?
    /// Fulfillment center (ledger) or case id (reimbursement).
    public var place: String?
    public var orderId: String?
    /// Inbound: units the Inbound API says Amazon received, and units the ledger's Receipts for
    /// the shipment and FNSKU add up to.
    public var receivedReported: Int?
    public var receivedLedger: Int?

    init(_ row: PostgresRandomAccessRow) throws {
        kind = Kind(rawValue: try row.text("kind")) ?? .ledger
        fnsku = try row.text("fnsku")
        sku = try row.optionalText("sku")
        day = try row.optionalInt("day")
        rowId = try row.text("row_id")
        reason = try row.optionalText("reason")
        disposition = try row.optionalText("disposition")
        quantity = try row.optionalInt("quantity") ?? 0
        unreconciled = try row.optionalInt("unreconciled")
        cash = try row.optionalInt("cash")
        inventory = try row.optionalInt("inventory")
        perUnitMinor = try row.optionalInt64("per_unit")
        totalMinor = try row.optionalInt64("total")
        originalReimbursementId = try row.optionalText("original_id")
        originalReason = try row.optionalText("original_reason")
        originalDay = try row.optionalInt("original_day")
        place = try row.optionalText("place")
        orderId = try row.optionalText("order_id")
        receivedReported = try row.optionalInt("received_reported")
        receivedLedger = try row.optionalInt("received_ledger")
    }
}

/// The sale behind an order and SKU (its shipment events) and the estimated-fees report's price
/// and fees for the SKU: what post-order losses are valued at.
public struct SaleEvidence: Sendable, Hashable {
    public var principalMinor: Int64?
    /// Commission and FBA fulfillment fee, as charged (negative).
    public var feesMinor: Int64?
    public var units: Int?
    public var estimatedPriceMinor: Int64?
    public var estimatedFeeTotalMinor: Int64?

    init(_ row: PostgresRandomAccessRow) throws {
        principalMinor = try row.optionalInt64("sale_principal")
        feesMinor = try row.optionalInt64("sale_fees")
        units = try row.optionalInt("sale_units")
        estimatedPriceMinor = try row.optionalInt64("your_price_minor")
        estimatedFeeTotalMinor = try row.optionalInt64("estimated_fee_total_minor")
    }
}

/// Units refunded for an order and SKU (each refund once: the largest count among sources), with
/// what was returned and reimbursed for them.
public struct RefundEvidenceRow: Sendable, Hashable {
    public var orderId: String
    public var sku: String
    public var fnsku: String?
    public var refundedUnits: Int
    public var refundDay: Int?
    public var refundSource: String
    public var refundEvents: Int
    public var refundPrincipalMinor: Int64?
    public var returnedUnits: Int
    /// License plate numbers of the returns.
    public var returnIds: String?
    public var reimbursedUnits: Int
    /// `id:reason:units` of each reimbursement carrying the order id.
    public var reimbursementIds: String?
    public var sale: SaleEvidence

    init(_ row: PostgresRandomAccessRow) throws {
        orderId = try row.text("order_id")
        sku = try row.text("sku")
        fnsku = try row.optionalText("fnsku")
        refundedUnits = try row.int("units")
        refundDay = try row.optionalInt("day")
        refundSource = try row.text("source")
        refundEvents = try row.int("events")
        refundPrincipalMinor = try row.optionalInt64("principal")
        returnedUnits = try row.int("returned")
        returnIds = try row.optionalText("return_ids")
        reimbursedUnits = try row.int("reimbursed")
        reimbursementIds = try row.optionalText("reimbursement_ids")
        sale = try SaleEvidence(row)
    }
}

/// Returns of an order and FNSKU that Amazon logged as back in inventory, or as damaged by the
/// carrier or by Amazon, with the ledger's CustomerReturns rows for them.
public struct ReturnEvidenceRow: Sendable, Hashable {
    public var orderId: String
    public var fnsku: String
    public var sku: String?
    /// Units with status "Unit returned to inventory" (disposition not Amazon's or the carrier's damage).
    public var restockUnits: Int
    /// Units with disposition CARRIER_DAMAGED or DAMAGED.
    public var damagedUnits: Int
    public var returnDay: Int
    /// `license-plate-number disposition` of each return row.
    public var returnIds: String
    /// Units of the ledger's CustomerReturns rows for the order and FNSKU, other than damaged ones.
    public var ledgerUnits: Int
    public var ledgerFirstDay: Int?
    public var refundDay: Int?
    public var reimbursedUnits: Int
    public var reimbursementIds: String?
    public var sale: SaleEvidence

    init(_ row: PostgresRandomAccessRow) throws {
        orderId = try row.text("order_id")
        fnsku = try row.text("fnsku")
        sku = try row.optionalText("sku")
        restockUnits = try row.int("restock_units")
        damagedUnits = try row.int("damaged_units")
        returnDay = try row.int("return_day")
        returnIds = try row.text("return_ids")
        ledgerUnits = try row.int("ledger_units")
        ledgerFirstDay = try row.optionalInt("ledger_day")
        refundDay = try row.optionalInt("refund_day")
        reimbursedUnits = try row.int("reimbursed")
        reimbursementIds = try row.optionalText("reimbursement_ids")
        sale = try SaleEvidence(row)
    }
}

/// Replacements sent for an original order and SKU, with returns of the original and
/// reimbursements carrying either order id.
public struct ReplacementEvidenceRow: Sendable, Hashable {
    public var originalOrderId: String
    public var sku: String
    public var fnsku: String?
    public var replacementOrderIds: String
    public var units: Int
    public var shipmentDay: Int?
    public var returnedUnits: Int
    public var returnIds: String?
    public var reimbursedUnits: Int
    public var reimbursementIds: String?
    public var sale: SaleEvidence

    init(_ row: PostgresRandomAccessRow) throws {
        originalOrderId = try row.text("original_order_id")
        sku = try row.text("sku")
        fnsku = try row.optionalText("fnsku")
        replacementOrderIds = try row.text("replacement_ids")
        units = try row.int("units")
        shipmentDay = try row.optionalInt("day")
        returnedUnits = try row.int("returned")
        returnIds = try row.optionalText("return_ids")
        reimbursedUnits = try row.int("reimbursed")
        reimbursementIds = try row.optionalText("reimbursement_ids")
        sale = try SaleEvidence(row)
    }
}

/// A completed Return-type removal order's FNSKU: requested, cancelled, disposed and shipped
/// units, and what the removal shipment report shows delivered.
public struct RemovalEvidenceRow: Sendable, Hashable {
    public var orderId: String
    public var fnsku: String
    public var sku: String?
    public var requested: Int
    public var cancelled: Int
    public var disposed: Int
    public var shipped: Int
    public var shipmentReportUnits: Int
    public var trackingNumbers: String?
    /// The order's last shipment day, else its last-updated day.
    public var day: Int?
    public var estimatePerUnitMinor: Int64?
    public var estimateReimbursementId: String?

    init(_ row: PostgresRandomAccessRow) throws {
        orderId = try row.text("order_id")
        fnsku = try row.text("fnsku")
        sku = try row.optionalText("sku")
        requested = try row.int("requested")
        cancelled = try row.int("cancelled")
        disposed = try row.int("disposed")
        shipped = try row.int("shipped")
        shipmentReportUnits = try row.int("delivered")
        trackingNumbers = try row.optionalText("tracking")
        day = try row.optionalInt("day")
        estimatePerUnitMinor = try row.optionalInt64("estimate")
        estimateReimbursementId = try row.optionalText("estimate_id")
    }
}

/// A reimbursement whose reason names a removal (reversals of one included, with negative units).
public struct RemovalReimbursementRow: Sendable, Hashable {
    public var reimbursementId: String
    public var fnsku: String
    public var orderId: String?
    public var reason: String?
    public var units: Int
    public var day: Int?

    init(_ row: PostgresRandomAccessRow) throws {
        reimbursementId = try row.text("reimbursement_id")
        fnsku = try row.text("fnsku")
        orderId = try row.optionalText("order_id")
        reason = try row.optionalText("reason")
        units = try row.int("units")
        day = try row.optionalInt("day")
    }
}

/// A reimbursement paid (at least partly) in cash, with what the unit was worth after a sale and
/// whether a reversal took it back.
public struct CashReimbursementRow: Sendable, Hashable {
    public var reimbursementId: String
    public var fnsku: String
    public var sku: String
    public var orderId: String?
    public var reason: String?
    public var day: Int?
    public var cashUnits: Int
    public var perUnitMinor: Int64?
    public var totalMinor: Int64?
    public var reversalId: String?
    public var sale: SaleEvidence

    init(_ row: PostgresRandomAccessRow) throws {
        reimbursementId = try row.text("reimbursement_id")
        fnsku = try row.text("fnsku")
        sku = try row.text("sku")
        orderId = try row.optionalText("order_id")
        reason = try row.optionalText("reason")
        day = try row.optionalInt("day")
        cashUnits = try row.int("cash")
        perUnitMinor = try row.optionalInt64("per_unit")
        totalMinor = try row.optionalInt64("total")
        reversalId = try row.optionalText("reversal_id")
        sale = try SaleEvidence(row)
    }
}

/// FBA fulfillment fees charged for an order and SKU above the expected fee.
public struct FeeChargeEvidenceRow: Sendable, Hashable {
    public var orderId: String
    public var sku: String
    public var fnsku: String?
    public var day: Int?
    public var units: Int
    /// FBAPerUnitFulfillmentFee charged, as a positive amount, over the overcharged events.
    public var chargedMinor: Int64
    public var expectedPerUnitMinor: Int64
    public var sellerSetFee: Bool
    public var eventKeys: String
    public var correctedMinor: Int64
    public var correctionIds: String?

    init(_ row: PostgresRandomAccessRow) throws {
        orderId = try row.text("order_id")
        sku = try row.text("sku")
        fnsku = try row.optionalText("fnsku")
        day = try row.optionalInt("day")
        units = try row.int("units")
        chargedMinor = try row.optionalInt64("charged") ?? 0
        expectedPerUnitMinor = try row.optionalInt64("expected") ?? 0
        sellerSetFee = try row["seller_set"].decode(Bool?.self) ?? false
        eventKeys = try row.text("event_keys")
        correctedMinor = try row.optionalInt64("corrected") ?? 0
        correctionIds = try row.optionalText("correction_ids")
    }
}
