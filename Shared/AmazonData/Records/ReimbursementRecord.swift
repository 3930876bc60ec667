import Foundation
import OpsideCore

/// A reimbursement Amazon granted (`GET_FBA_REIMBURSEMENTS_DATA`), in cash, in units, or both.
public struct ReimbursementRecord: AmazonRecord, Hashable {
    public static let table = AmazonTables.reimbursements

    public let connectionID: UUID
    public let marketplaceID: String
    public let reimbursementID: String
    public let sku: String
    public let fnsku: String
    public let amazonOrderID: String
    public let approvalDate: Date?
    public let caseID: String?
    public let reason: String?
    public let asin: String?
    public let condition: String?
    public let currency: String?
    /// In the row's `currency` (nil when the amount or the currency is missing).
    public let amountPerUnit: Money?
    /// In the row's `currency` (nil when the amount or the currency is missing).
    public let amountTotal: Money?
    public let quantityCash: Int?
    public let quantityInventory: Int?
    public let quantityTotal: Int?
    public let originalReimbursementID: String?
    public let originalReimbursementType: String?

    public init(_ values: AmazonRecordValues) throws {
        connectionID = try values.uuid("connection_id")
        marketplaceID = try values.text("marketplace_id")
        reimbursementID = try values.text("reimbursement_id")
        sku = try values.text("sku")
        fnsku = try values.text("fnsku")
        amazonOrderID = try values.text("amazon_order_id")
        approvalDate = try values.optionalDate("approval_date")
        caseID = try values.optionalText("case_id")
        reason = try values.optionalText("reason")
        asin = try values.optionalText("asin")
        condition = try values.optionalText("condition")
        currency = try values.optionalText("currency")
        amountPerUnit = try values.money("amount_per_unit_minor")
        amountTotal = try values.money("amount_total_minor")
        quantityCash = try values.optionalInt("quantity_cash")
        quantityInventory = try values.optionalInt("quantity_inventory")
        quantityTotal = try values.optionalInt("quantity_total")
        originalReimbursementID = try values.optionalText("original_reimbursement_id")
        originalReimbursementType = try values.optionalText("original_reimbursement_type")
    }
}
