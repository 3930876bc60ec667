import Foundation
import OpsideCore

/// An order (Orders v0), one row per order and marketplace.
public struct OrderRecord: AmazonRecord, Hashable {
    public static let table = AmazonTables.orders

    public let connectionID: UUID
    public let marketplaceID: String
    public let amazonOrderID: String
    public let sellerOrderID: String?
    public let purchaseDate: Date?
    public let lastUpdateDate: Date?
    public let orderStatus: String?
    public let fulfillmentChannel: String?
    public let salesChannel: String?
    public let orderType: String?
    /// In the row's `currency` (nil when the amount or the currency is missing).
    public let orderTotal: Money?
    public let currency: String?
    public let itemsShipped: Int?
    public let itemsUnshipped: Int?
    public let isReplacement: Bool?
    public let replacedOrderID: String?
    public let isBusiness: Bool?
    public let isPrime: Bool?

    public init(_ values: AmazonRecordValues) throws {
        connectionID = try values.uuid("connection_id")
        marketplaceID = try values.text("marketplace_id")
        amazonOrderID = try values.text("amazon_order_id")
        sellerOrderID = try values.optionalText("seller_order_id")
        purchaseDate = try values.optionalDate("purchase_date")
        lastUpdateDate = try values.optionalDate("last_update_date")
        orderStatus = try values.optionalText("order_status")
        fulfillmentChannel = try values.optionalText("fulfillment_channel")
        salesChannel = try values.optionalText("sales_channel")
        orderType = try values.optionalText("order_type")
        orderTotal = try values.money("order_total_minor")
        currency = try values.optionalText("currency")
        itemsShipped = try values.optionalInt("items_shipped")
        itemsUnshipped = try values.optionalInt("items_unshipped")
        isReplacement = try values.bool("is_replacement")
        replacedOrderID = try values.optionalText("replaced_order_id")
        isBusiness = try values.bool("is_business")
        isPrime = try values.bool("is_prime")
    }
}
