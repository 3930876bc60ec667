import Foundation

/// An FNSKU's ledger balances for a period, disposition and location (`GET_LEDGER_SUMMARY_VIEW_DATA`).
public struct LedgerSummaryRecord: AmazonRecord, Hashable {
    public static let table = AmazonTables.ledgerSummary

    public let connectionID: UUID
    public let marketplaceID: String
    public let period: String
    public let fnsku: String
    public let disposition: String
    public let location: String
    public let asin: String?
    public let msku: String?
    public let startingBalance: Int?
    public let inTransitBetweenWarehouses: Int?
    public let receipts: Int?
    public let customerShipments: Int?
    public let customerReturns: Int?
    public let vendorReturns: Int?
    public let warehouseTransferInOut: Int?
    public let found: Int?
    public let lost: Int?
    public let damaged: Int?
    public let disposed: Int?
    public let otherEvents: Int?
    public let endingBalance: Int?
    public let unknownEvents: Int?

    public init(_ values: AmazonRecordValues) throws {
        connectionID = try values.uuid("connection_id")
        marketplaceID = try values.text("marketplace_id")
        period = try values.text("period")
        fnsku = try values.text("fnsku")
        disposition = try values.text("disposition")
        location = try values.text("location")
        asin = try values.optionalText("asin")
        msku = try values.optionalText("msku")
        startingBalance = try values.optionalInt("starting_balance")
        inTransitBetweenWarehouses = try values.optionalInt("in_transit_between_warehouses")
        receipts = try values.optionalInt("receipts")
        customerShipments = try values.optionalInt("customer_shipments")
        customerReturns = try values.optionalInt("customer_returns")
        vendorReturns = try values.optionalInt("vendor_returns")
        warehouseTransferInOut = try values.optionalInt("warehouse_transfer_in_out")
        found = try values.optionalInt("found")
        lost = try values.optionalInt("lost")
        damaged = try values.optionalInt("damaged")
        disposed = try values.optionalInt("disposed")
        otherEvents = try values.optionalInt("other_events")
        endingBalance = try values.optionalInt("ending_balance")
        unknownEvents = try values.optionalInt("unknown_events")
    }
}
