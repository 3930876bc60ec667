import Foundation
import OpsideCore

/// A row of `amazon.ads_spend`: what one SKU's Sponsored Products ads cost on one day (a day of
/// the advertising profile's time zone), from the Amazon Ads API's reports.
public struct AdsSpendRecord: AmazonRecord, Hashable {
    public static let table = AmazonTables.adsSpend

    public let connectionID: UUID
    public let marketplaceID: String
    public let date: CivilDate
    public let sellerSKU: String
    public let asin: String?
    public let impressions: Int64
    public let clicks: Int64
    /// What the clicks cost, in the profile's currency.
    public let cost: Money?

    public init(_ values: AmazonRecordValues) throws {
        connectionID = try values.uuid("connection_id")
        marketplaceID = try values.text("marketplace_id")
        date = try values.day("date")
        sellerSKU = try values.text("seller_sku")
        asin = try values.optionalText("asin")
        impressions = try values.optionalCount("impressions") ?? 0
        clicks = try values.optionalCount("clicks") ?? 0
        cost = try values.money("cost_minor")
    }
}
