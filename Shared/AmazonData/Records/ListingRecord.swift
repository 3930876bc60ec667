import Foundation
import OpsideCore

/// A seller's listing (`GET_MERCHANT_LISTINGS_ALL_DATA`). `openDate` is kept as Amazon wrote it.
public struct ListingRecord: AmazonRecord, Hashable {
    public static let table = AmazonTables.listings

    public let connectionID: UUID
    public let marketplaceID: String
    public let sellerSKU: String
    public let itemName: String?
    public let listingID: String?
    /// In the row's `currency` (nil when the amount or the currency is missing).
    public let price: Money?
    public let currency: String?
    public let quantity: Int?
    public let openDate: String?
    public let asin: String?
    public let fulfillmentChannel: String?
    public let status: String?

    public init(_ values: AmazonRecordValues) throws {
        connectionID = try values.uuid("connection_id")
        marketplaceID = try values.text("marketplace_id")
        sellerSKU = try values.text("seller_sku")
        itemName = try values.optionalText("item_name")
        listingID = try values.optionalText("listing_id")
        price = try values.money("price_minor")
        currency = try values.optionalText("currency")
        quantity = try values.optionalInt("quantity")
        openDate = try values.optionalText("open_date")
        asin = try values.optionalText("asin")
        fulfillmentChannel = try values.optionalText("fulfillment_channel")
        status = try values.optionalText("status")
    }
}
