import Foundation
import OpsideCore

/// One item of an order (Orders v0 `getOrderItems`).
public struct OrderItemRecord: AmazonRecord, Hashable {
    public static let table = AmazonTables.orderItems

    public let connectionID: UUID
    public let marketplaceID: String
    public let amazonOrderID: String
    public let orderItemID: String
    public let asin: String?
    public let sellerSKU: String?
    public let title: String?
    public let quantityOrdered: Int?
    public let quantityShipped: Int?
    /// In the row's `currency` (nil when the amount or the currency is missing).
    public let itemPrice: Money?
    /// In the row's `currency` (nil when the amount or the currency is missing).
    public let itemTax: Money?
    /// In the row's `currency` (nil when the amount or the currency is missing).
    public let promotionDiscount: Money?
    public let currency: String?
    public let conditionID: String?

    public init(_ values: AmazonRecordValues) throws {
        connectionID = try values.uuid("connection_id")
        marketplaceID = try values.text("marketplace_id")
        amazonOrderID = try values.text("amazon_order_id")
        orderItemID = try values.text("order_item_id")
        asin = try values.optionalText("asin")
        sellerSKU = try values.optionalText("seller_sku")
        title = try values.optionalText("title")
        quantityOrdered = try values.optionalInt("quantity_ordered")
        quantityShipped = try values.optionalInt("quantity_shipped")
        itemPrice = try values.money("item_price_minor")
        itemTax = try values.money("item_tax_minor")
        promotionDiscount = try values.money("promotion_discount_minor")
        currency = try values.optionalText("currency")
        conditionID = try values.optionalText("condition_id")
    }
}
