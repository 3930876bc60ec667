import Foundation

/// A SKU of an inbound shipment: units shipped against units Amazon received.
public struct InboundShipmentItemRecord: AmazonRecord, Hashable {
    public static let table = AmazonTables.inboundShipmentItems

    public let connectionID: UUID
    public let marketplaceID: String
    public let shipmentID: String
    public let sellerSKU: String
    public let fnsku: String?
    public let quantityShipped: Int?
    public let quantityReceived: Int?
    public let quantityInCase: Int?
    public let releaseDate: String?

    public init(_ values: AmazonRecordValues) throws {
        connectionID = try values.uuid("connection_id")
        marketplaceID = try values.text("marketplace_id")
        shipmentID = try values.text("shipment_id")
        sellerSKU = try values.text("seller_sku")
        fnsku = try values.optionalText("fnsku")
        quantityShipped = try values.optionalInt("quantity_shipped")
        quantityReceived = try values.optionalInt("quantity_received")
        quantityInCase = try values.optionalInt("quantity_in_case")
        releaseDate = try values.optionalText("release_date")
    }
}
