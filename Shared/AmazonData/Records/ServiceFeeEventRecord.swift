import Foundation
import OpsideCore

/// A service fee event (Finances v0 `ServiceFeeEventList`). The model carries no date: `windowStart` is the start of the finance window it came in.
public struct ServiceFeeEventRecord: AmazonRecord, Hashable {
    public static let table = AmazonTables.serviceFeeEvents

    public let connectionID: UUID
    public let marketplaceID: String
    public let eventKey: String
    public let occurrence: Int
    public let windowStart: Date?
    public let amazonOrderID: String?
    public let feeReason: String?
    public let sellerSKU: String?
    public let fnsku: String?
    public let asin: String?
    public let feeDescription: String?
    public let storeName: String?
    /// In the row's `currency` (nil when the amount or the currency is missing).
    public let total: Money?
    public let currency: String?
    public let fees: String?

    public init(_ values: AmazonRecordValues) throws {
        connectionID = try values.uuid("connection_id")
        marketplaceID = try values.text("marketplace_id")
        eventKey = try values.text("event_key")
        occurrence = try values.int("occurrence")
        windowStart = try values.optionalDate("window_start")
        amazonOrderID = try values.optionalText("amazon_order_id")
        feeReason = try values.optionalText("fee_reason")
        sellerSKU = try values.optionalText("seller_sku")
        fnsku = try values.optionalText("fnsku")
        asin = try values.optionalText("asin")
        feeDescription = try values.optionalText("fee_description")
        storeName = try values.optionalText("store_name")
        total = try values.money("total_minor")
        currency = try values.optionalText("currency")
        fees = try values.json("fees")
    }
}
