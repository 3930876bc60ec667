import Foundation
import OpsideCore

/// One inventory ledger event (`GET_LEDGER_DETAIL_VIEW_DATA`): a unit movement of an FNSKU on a day. `eventAt`, the time of day, only Seller Central's downloads carry.
public struct LedgerEventRecord: AmazonRecord, Hashable {
    public static let table = AmazonTables.ledgerDetail

    public let connectionID: UUID
    public let marketplaceID: String
    public let eventKey: String
    public let occurrence: Int
    public let eventDate: CivilDate
    public let eventAt: Date?
    public let fnsku: String
    public let asin: String?
    public let msku: String?
    public let title: String?
    public let eventType: String
    public let referenceID: String?
    public let quantity: Int
    public let fulfillmentCenter: String?
    public let disposition: String?
    public let reason: String?
    public let country: String?
    public let reconciledQuantity: Int?
    public let unreconciledQuantity: Int?

    public init(_ values: AmazonRecordValues) throws {
        connectionID = try values.uuid("connection_id")
        marketplaceID = try values.text("marketplace_id")
        eventKey = try values.text("event_key")
        occurrence = try values.int("occurrence")
        eventDate = try values.day("event_date")
        eventAt = try values.optionalDate("event_at")
        fnsku = try values.text("fnsku")
        asin = try values.optionalText("asin")
        msku = try values.optionalText("msku")
        title = try values.optionalText("title")
        eventType = try values.text("event_type")
        referenceID = try values.optionalText("reference_id")
        quantity = try values.int("quantity")
        fulfillmentCenter = try values.optionalText("fulfillment_center")
        disposition = try values.optionalText("disposition")
        reason = try values.optionalText("reason")
        country = try values.optionalText("country")
        reconciledQuantity = try values.optionalInt("reconciled_quantity")
        unreconciledQuantity = try values.optionalInt("unreconciled_quantity")
    }
}
