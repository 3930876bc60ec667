import Foundation

/// A SKU's FBA inventory quantities (FBA Inventory v1 `getInventorySummaries`).
public struct InventorySummaryRecord: AmazonRecord, Hashable {
    public static let table = AmazonTables.inventorySummaries

    public let connectionID: UUID
    public let marketplaceID: String
    public let sellerSKU: String
    public let fnsku: String
    public let asin: String?
    public let condition: String?
    public let productName: String?
    public let totalQuantity: Int?
    public let fulfillableQuantity: Int?
    public let inboundWorkingQuantity: Int?
    public let inboundShippedQuantity: Int?
    public let inboundReceivingQuantity: Int?
    public let reservedQuantity: Int?
    public let researchingQuantity: Int?
    public let unfulfillableQuantity: Int?
    public let lastUpdatedTime: Date?

    public init(_ values: AmazonRecordValues) throws {
        connectionID = try values.uuid("connection_id")
        marketplaceID = try values.text("marketplace_id")
        sellerSKU = try values.text("seller_sku")
        fnsku = try values.text("fnsku")
        asin = try values.optionalText("asin")
        condition = try values.optionalText("condition")
        productName = try values.optionalText("product_name")
        totalQuantity = try values.optionalInt("total_quantity")
        fulfillableQuantity = try values.optionalInt("fulfillable_quantity")
        inboundWorkingQuantity = try values.optionalInt("inbound_working_quantity")
        inboundShippedQuantity = try values.optionalInt("inbound_shipped_quantity")
        inboundReceivingQuantity = try values.optionalInt("inbound_receiving_quantity")
        reservedQuantity = try values.optionalInt("reserved_quantity")
        researchingQuantity = try values.optionalInt("researching_quantity")
        unfulfillableQuantity = try values.optionalInt("unfulfillable_quantity")
        lastUpdatedTime = try values.optionalDate("last_updated_time")
    }
}
