import Foundation

/// A customer return received at a fulfillment center (`GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA`).
public struct CustomerReturnRecord: AmazonRecord, Hashable {
    public static let table = AmazonTables.customerReturns

    public let connectionID: UUID
    public let marketplaceID: String
    public let orderID: String
    public let fnsku: String
    public let licensePlateNumber: String
    public let returnDate: Date
    public let sku: String?
    public let asin: String?
    public let productName: String?
    public let quantity: Int?
    public let fulfillmentCenterID: String?
    public let detailedDisposition: String?
    public let reason: String?
    public let status: String?
    public let customerComments: String?

    public init(_ values: AmazonRecordValues) throws {
        connectionID = try values.uuid("connection_id")
        marketplaceID = try values.text("marketplace_id")
        orderID = try values.text("order_id")
        fnsku = try values.text("fnsku")
        licensePlateNumber = try values.text("license_plate_number")
        returnDate = try values.date("return_date")
        sku = try values.optionalText("sku")
        asin = try values.optionalText("asin")
        productName = try values.optionalText("product_name")
        quantity = try values.optionalInt("quantity")
        fulfillmentCenterID = try values.optionalText("fulfillment_center_id")
        detailedDisposition = try values.optionalText("detailed_disposition")
        reason = try values.optionalText("reason")
        status = try values.optionalText("status")
        customerComments = try values.optionalText("customer_comments")
    }
}
