import Foundation

/// An inbound shipment to Amazon's fulfillment centers (Fulfillment Inbound v0 `getShipments`).
public struct InboundShipmentRecord: AmazonRecord, Hashable {
    public static let table = AmazonTables.inboundShipments

    public let connectionID: UUID
    public let marketplaceID: String
    public let shipmentID: String
    public let shipmentName: String?
    public let destinationFulfillmentCenterID: String?
    public let shipmentStatus: String?
    public let labelPrepType: String?
    public let boxContentsSource: String?
    public let confirmedNeedByDate: String?

    public init(_ values: AmazonRecordValues) throws {
        connectionID = try values.uuid("connection_id")
        marketplaceID = try values.text("marketplace_id")
        shipmentID = try values.text("shipment_id")
        shipmentName = try values.optionalText("shipment_name")
        destinationFulfillmentCenterID = try values.optionalText("destination_fulfillment_center_id")
        shipmentStatus = try values.optionalText("shipment_status")
        labelPrepType = try values.optionalText("label_prep_type")
        boxContentsSource = try values.optionalText("box_contents_source")
        confirmedNeedByDate = try values.optionalText("confirmed_need_by_date")
    }
}
