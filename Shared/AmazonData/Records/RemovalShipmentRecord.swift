import Foundation

/// A shipment of a removal order (`GET_FBA_FULFILLMENT_REMOVAL_SHIPMENT_DETAIL_DATA`).
public struct RemovalShipmentRecord: AmazonRecord, Hashable {
    public static let table = AmazonTables.removalShipments

    public let connectionID: UUID
    public let marketplaceID: String
    public let orderID: String
    public let trackingNumber: String
    public let sku: String
    public let fnsku: String
    public let requestDate: Date?
    public let shipmentDate: Date?
    public let disposition: String?
    public let shippedQuantity: Int?
    public let carrier: String?
    public let removalOrderType: String?

    public init(_ values: AmazonRecordValues) throws {
        connectionID = try values.uuid("connection_id")
        marketplaceID = try values.text("marketplace_id")
        orderID = try values.text("order_id")
        trackingNumber = try values.text("tracking_number")
        sku = try values.text("sku")
        fnsku = try values.text("fnsku")
        requestDate = try values.optionalDate("request_date")
        shipmentDate = try values.optionalDate("shipment_date")
        disposition = try values.optionalText("disposition")
        shippedQuantity = try values.optionalInt("shipped_quantity")
        carrier = try values.optionalText("carrier")
        removalOrderType = try values.optionalText("removal_order_type")
    }
}
