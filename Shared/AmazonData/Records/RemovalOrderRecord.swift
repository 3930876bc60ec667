import Foundation
import OpsideCore

/// A removal order line (`GET_FBA_FULFILLMENT_REMOVAL_ORDER_DETAIL_DATA`): units asked back or disposed of, and its fee.
public struct RemovalOrderRecord: AmazonRecord, Hashable {
    public static let table = AmazonTables.removalOrders

    public let connectionID: UUID
    public let marketplaceID: String
    public let orderID: String
    public let sku: String
    public let fnsku: String
    public let disposition: String
    public let requestDate: Date?
    public let orderType: String?
    public let orderStatus: String?
    public let lastUpdatedDate: Date?
    public let requestedQuantity: Int?
    public let cancelledQuantity: Int?
    public let disposedQuantity: Int?
    public let shippedQuantity: Int?
    public let inProcessQuantity: Int?
    /// In the row's `currency` (nil when the amount or the currency is missing).
    public let removalFee: Money?
    public let currency: String?

    public init(_ values: AmazonRecordValues) throws {
        connectionID = try values.uuid("connection_id")
        marketplaceID = try values.text("marketplace_id")
        orderID = try values.text("order_id")
        sku = try values.text("sku")
        fnsku = try values.text("fnsku")
        disposition = try values.text("disposition")
        requestDate = try values.optionalDate("request_date")
        orderType = try values.optionalText("order_type")
        orderStatus = try values.optionalText("order_status")
        lastUpdatedDate = try values.optionalDate("last_updated_date")
        requestedQuantity = try values.optionalInt("requested_quantity")
        cancelledQuantity = try values.optionalInt("cancelled_quantity")
        disposedQuantity = try values.optionalInt("disposed_quantity")
        shippedQuantity = try values.optionalInt("shipped_quantity")
        inProcessQuantity = try values.optionalInt("in_process_quantity")
        removalFee = try values.money("removal_fee_minor")
        currency = try values.optionalText("currency")
    }
}
