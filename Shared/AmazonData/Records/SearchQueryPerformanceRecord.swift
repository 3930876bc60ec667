import Foundation
import OpsideCore

/// A row of `amazon.search_query_performance`: one search query's funnel for one ASIN in one
/// week or month (Brand Analytics' Search Query Performance report).
public struct SearchQueryPerformanceRecord: AmazonRecord, Hashable {
    public static let table = AmazonTables.searchQueryPerformance

    public let connectionID: UUID
    public let marketplaceID: String
    /// `WEEK` or `MONTH`.
    public let period: String
    public let startDate: CivilDate
    public let endDate: CivilDate?
    public let asin: String
    public let searchQuery: String
    /// The query's rank for the ASIN: 1 matters most.
    public let searchQueryScore: Int?
    public let searchQueryVolume: Int64?
    public let totalImpressions: Int64?
    public let asinImpressions: Int64?
    public let asinImpressionShare: Decimal?
    public let totalClicks: Int64?
    public let asinClicks: Int64?
    public let asinClickShare: Decimal?
    public let totalCartAdds: Int64?
    public let asinCartAdds: Int64?
    public let totalPurchases: Int64?
    public let asinPurchases: Int64?
    public let asinPurchaseShare: Decimal?
    /// The ASIN's median purchase price, in the row's `currency`.
    public let asinMedianPurchasePrice: Money?

    public init(_ values: AmazonRecordValues) throws {
        connectionID = try values.uuid("connection_id")
        marketplaceID = try values.text("marketplace_id")
        period = try values.text("period")
        startDate = try values.day("start_date")
        endDate = try values.optionalDay("end_date")
        asin = try values.text("asin")
        searchQuery = try values.text("search_query")
        searchQueryScore = try values.optionalInt("search_query_score")
        searchQueryVolume = try values.optionalCount("search_query_volume")
        totalImpressions = try values.optionalCount("total_impressions")
        asinImpressions = try values.optionalCount("asin_impressions")
        asinImpressionShare = try values.decimal("asin_impression_share")
        totalClicks = try values.optionalCount("total_clicks")
        asinClicks = try values.optionalCount("asin_clicks")
        asinClickShare = try values.decimal("asin_click_share")
        totalCartAdds = try values.optionalCount("total_cart_adds")
        asinCartAdds = try values.optionalCount("asin_cart_adds")
        totalPurchases = try values.optionalCount("total_purchases")
        asinPurchases = try values.optionalCount("asin_purchases")
        asinPurchaseShare = try values.decimal("asin_purchase_share")
        asinMedianPurchasePrice = try values.money("asin_median_purchase_price_minor")
    }
}
