import Foundation

/// A removal shipment financial event (Finances v0 `RemovalShipmentEventList`); `items` as JSON.
public struct RemovalShipmentEventRecord: AmazonRecord, Hashable {
    public static let table = AmazonTables.removalShipmentEvents

    public let connectionID: UUID
    public let marketplaceID: String
    public let eventKey: String
    public let occurrence: Int
    public let postedAt: Date?
    public let orderID: String?
    public let merchantOrderID: String?
    public let transactionType: String?
    public let storeName: String?
    public let items: String?

    public init(_ values: AmazonRecordValues) throws {
        connectionID = try values.uuid("connection_id")
        marketplaceID = try values.text("marketplace_id")
        eventKey = try values.text("event_key")
        occurrence = try values.int("occurrence")
        postedAt = try values.optionalDate("posted_at")
        orderID = try values.optionalText("order_id")
        merchantOrderID = try values.optionalText("merchant_order_id")
        transactionType = try values.optionalText("transaction_type")
        storeName = try values.optionalText("store_name")
        items = try values.json("items")
    }
}
