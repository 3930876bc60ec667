import Foundation
import OpsideCore

/// A refund financial event (Finances v0 `RefundEventList`), one row per adjusted item.
public struct RefundEventRecord: AmazonRecord, Hashable {
    public static let table = AmazonTables.refundEvents

    public let connectionID: UUID
    public let marketplaceID: String
    public let eventKey: String
    public let occurrence: Int
    public let amazonOrderID: String?
    public let sellerOrderID: String?
    public let marketplaceName: String?
    public let postedAt: Date?
    public let sellerSKU: String?
    public let orderAdjustmentItemID: String?
    public let quantity: Int?
    /// In the row's `currency` (nil when the amount or the currency is missing).
    public let principal: Money?
    /// In the row's `currency` (nil when the amount or the currency is missing).
    public let chargesTotal: Money?
    /// In the row's `currency` (nil when the amount or the currency is missing).
    public let feesTotal: Money?
    public let currency: String?
    /// The charges and fees one by one, as JSON text.
    public let charges: String?
    public let fees: String?
    /// Which source brought the row (the Finances API, a settlement or transaction report file).
    /// The same event from two sources is two rows: see `AmazonTables.FinancialEventSource`.
    public let source: AmazonTables.FinancialEventSource

    public init(_ values: AmazonRecordValues) throws {
        connectionID = try values.uuid("connection_id")
        marketplaceID = try values.text("marketplace_id")
        eventKey = try values.text("event_key")
        occurrence = try values.int("occurrence")
        amazonOrderID = try values.optionalText("amazon_order_id")
        sellerOrderID = try values.optionalText("seller_order_id")
        marketplaceName = try values.optionalText("marketplace_name")
        postedAt = try values.optionalDate("posted_at")
        sellerSKU = try values.optionalText("seller_sku")
        orderAdjustmentItemID = try values.optionalText("order_adjustment_item_id")
        quantity = try values.optionalInt("quantity")
        principal = try values.money("principal_minor")
        chargesTotal = try values.money("charges_minor")
        feesTotal = try values.money("fees_minor")
        currency = try values.optionalText("currency")
        charges = try values.json("charges")
        fees = try values.json("fees")
        source = try values.optionalText("source").flatMap(AmazonTables.FinancialEventSource.init(rawValue:)) ?? .financesAPI
    }
}
