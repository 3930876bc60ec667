import Foundation
import OpsideCore

/// An adjustment financial event (Finances v0 `AdjustmentEventList`): among them the reimbursements Amazon pays for lost and damaged units.
public struct AdjustmentEventRecord: AmazonRecord, Hashable {
    public static let table = AmazonTables.adjustmentEvents

    public let connectionID: UUID
    public let marketplaceID: String
    public let eventKey: String
    public let occurrence: Int
    public let adjustmentType: String?
    public let postedAt: Date?
    public let storeName: String?
    public let sellerSKU: String?
    public let fnsku: String?
    public let asin: String?
    public let productDescription: String?
    public let transactionNumber: String?
    public let quantity: Int?
    /// In the row's `currency` (nil when the amount or the currency is missing).
    public let perUnit: Money?
    /// In the row's `currency` (nil when the amount or the currency is missing).
    public let total: Money?
    public let currency: String?
    /// Which source brought the row (the Finances API, a settlement or transaction report file).
    /// The same event from two sources is two rows: see `AmazonTables.FinancialEventSource`.
    public let source: AmazonTables.FinancialEventSource

    public init(_ values: AmazonRecordValues) throws {
        connectionID = try values.uuid("connection_id")
        marketplaceID = try values.text("marketplace_id")
        eventKey = try values.text("event_key")
        occurrence = try values.int("occurrence")
        adjustmentType = try values.optionalText("adjustment_type")
        postedAt = try values.optionalDate("posted_at")
        storeName = try values.optionalText("store_name")
        sellerSKU = try values.optionalText("seller_sku")
        fnsku = try values.optionalText("fnsku")
        asin = try values.optionalText("asin")
        productDescription = try values.optionalText("product_description")
        transactionNumber = try values.optionalText("transaction_number")
        quantity = try values.optionalInt("quantity")
        perUnit = try values.money("per_unit_minor")
        total = try values.money("total_minor")
        currency = try values.optionalText("currency")
        source = try values.optionalText("source").flatMap(AmazonTables.FinancialEventSource.init(rawValue:)) ?? .financesAPI
    }
}
