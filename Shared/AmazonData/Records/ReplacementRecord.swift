import Foundation

/// A replacement order shipped for an original order (`GET_FBA_FULFILLMENT_CUSTOMER_SHIPMENT_REPLACEMENT_DATA`).
public struct ReplacementRecord: AmazonRecord, Hashable {
    public static let table = AmazonTables.replacements

    public let connectionID: UUID
    public let marketplaceID: String
    public let replacementOrderID: String
    public let originalOrderID: String
    public let sku: String
    public let shipmentDate: Date?
    public let asin: String?
    public let fulfillmentCenterID: String?
    public let originalFulfillmentCenterID: String?
    public let quantity: Int?
    public let replacementReasonCode: String?

    public init(_ values: AmazonRecordValues) throws {
        connectionID = try values.uuid("connection_id")
        marketplaceID = try values.text("marketplace_id")
        replacementOrderID = try values.text("replacement_order_id")
        originalOrderID = try values.text("original_order_id")
        sku = try values.text("sku")
        shipmentDate = try values.optionalDate("shipment_date")
        asin = try values.optionalText("asin")
        fulfillmentCenterID = try values.optionalText("fulfillment_center_id")
        originalFulfillmentCenterID = try values.optionalText("original_fulfillment_center_id")
        quantity = try values.optionalInt("quantity")
        replacementReasonCode = try values.optionalText("replacement_reason_code")
    }
}
