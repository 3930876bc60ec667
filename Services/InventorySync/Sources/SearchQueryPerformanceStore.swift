import Foundation
import Hummingbird
import Logging
import OpsideAmazonSPAPI
import OpsideCore
import OpsidePostgres
import OpsideTransport
import PostgresNIO

/// What a seller reads of their Search Query Performance: per ASIN, the queries that matter most
/// in the latest period, each with its trend over the periods before.
public struct SearchQueryTrends: Codable, Sendable, ResponseEncodable {
    public struct Query: Codable, Sendable {
        public let searchQuery: String
        /// Amazon's rank of the query for the ASIN in the latest period: 1 matters most.
        public let searchQueryScore: Int
        public let searchQueryVolume: Int64
        /// The volume's change from the period before, as a signed percentage ("+12%"); nil when
        /// the query was not in the report then.
        public let volumeChange: String?
        /// The ASIN's shares of the query's impressions, clicks and purchases (0…1, as Amazon gives them).
        public let asinImpressionShare: Decimal?
        public let asinClickShare: Decimal?
        public let asinPurchaseShare: Decimal?
        public let asinPurchases: Int64?
        /// The query's volume in each of `periods`, oldest first; nil for a period it was not reported in.
        public let volumes: [Int64?]
    }
    public struct ASIN: Codable, Sendable {
        public let asin: String
        /// The listing's title, when listings are synced.
        public let title: String?
        public let queries: [Query]
    }
    /// `WEEK` or `MONTH`.
    public let period: String
    public let marketplaceId: String?
    /// The marketplaces the connection has Search Query Performance for.
    public let marketplaceIds: [String]
    /// The first days of the periods shown, oldest first; the last is the latest loaded.
    public let periods: [String]
    /// The last day of the latest period.
    public let latestEndDate: String?
    public let asins: [ASIN]
}

/// Reads `amazon.search_query_performance` for the API, under the tenant's row-level security.
struct SearchQueryPerformanceStore: Sendable {
    let database: Database
    let logger: Logger

    /// One query's row in one period: ASIN, query, first day, score, volume, the three shares (as
    /// numeric text) and the ASIN's purchases.
    typealias Row = (String, String, String, Int32?, Int64?, String?, String?, String?, Int64?)

    /// - Parameters:
    ///   - periods: how many periods the trends cover (the latest and those before it).
    ///   - top: how many queries per ASIN, by the latest period's score.
    func trends(tenantID: UUID, connectionID: UUID, period: SearchQueryPerformance.Period, marketplace: String?, asin: String?,
                periods count: Int, top: Int) async throws -> SearchQueryTrends {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenantID) { db in
            var marketplaces: [String] = []
            for try await id in try await db.query("""
                SELECT DISTINCT marketplace_id FROM amazon.search_query_performance
                WHERE connection_id = \(connectionID) AND period = \(period.rawValue) ORDER BY 1
                """, logger: logger).decode(String.self) {
                marketplaces.append(id)
            }
            guard let chosen = marketplace ?? marketplaces.first else {
                return SearchQueryTrends(period: period.rawValue, marketplaceId: nil, marketplaceIds: [], periods: [], latestEndDate: nil, asins: [])
            }
            var starts: [String] = []
            var latestEnd: String?
            for try await (start, end) in try await db.query("""
                SELECT start_date::text, max(end_date)::text FROM amazon.search_query_performance
                WHERE connection_id = \(connectionID) AND marketplace_id = \(chosen) AND period = \(period.rawValue)
                GROUP BY start_date ORDER BY start_date DESC LIMIT \(Int64(count))
                """, logger: logger).decode((String, String?).self) {
                if starts.isEmpty { latestEnd = end }
                starts.append(start)
            }
            starts.reverse()
            guard let latest = starts.last else {
                return SearchQueryTrends(period: period.rawValue, marketplaceId: chosen, marketplaceIds: marketplaces, periods: [],
                                         latestEndDate: nil, asins: [])
            }
            var rows: [Row] = []
            // The top queries of each ASIN in the latest period, and those queries' rows in every period shown.
            for try await row in try await db.query("""
                WITH top AS (
                    SELECT asin, search_query FROM amazon.search_query_performance
                    WHERE connection_id = \(connectionID) AND marketplace_id = \(chosen) AND period = \(period.rawValue)
                      AND start_date = \(latest)::date AND search_query_score <= \(Int32(top))
                      AND (\(asin)::text IS NULL OR asin = \(asin))
                )
                SELECT p.asin, p.search_query, p.start_date::text, p.search_query_score, p.search_query_volume,
                       p.asin_impression_share::text, p.asin_click_share::text, p.asin_purchase_share::text, p.asin_purchases
                FROM amazon.search_query_performance p JOIN top USING (asin, search_query)
                WHERE p.connection_id = \(connectionID) AND p.marketplace_id = \(chosen) AND p.period = \(period.rawValue)
                  AND p.start_date = ANY(\(starts)::date[])
                ORDER BY p.asin, p.search_query, p.start_date
                """, logger: logger).decode(Row.self) {
                rows.append(row)
            }
            var titles: [String: String] = [:]
            let asinsShown = Array(Set(rows.map(\.0)))
            for try await (asin, title) in try await db.query("""
                SELECT DISTINCT ON (asin) asin, item_name FROM amazon.listings
                WHERE connection_id = \(connectionID) AND marketplace_id = \(chosen) AND asin = ANY(\(asinsShown)) AND item_name IS NOT NULL
                ORDER BY asin, seller_sku
                """, logger: logger).decode((String, String).self) {
                titles[asin] = title
            }
            return SearchQueryTrends(period: period.rawValue, marketplaceId: chosen, marketplaceIds: marketplaces, periods: starts,
                                     latestEndDate: latestEnd, asins: Self.group(rows, periods: starts, titles: titles))
        }
    }

    /// Rows (ordered by ASIN, query, period) into ASINs, most searched first, each with its
    /// queries by the latest period's score.
    static func group(_ rows: [Row], periods: [String],
                      titles: [String: String]) -> [SearchQueryTrends.ASIN] {
        let position = Dictionary(uniqueKeysWithValues: periods.enumerated().map { ($1, $0) })
        var byASIN: [String: [SearchQueryTrends.Query]] = [:]
        var index = rows.startIndex
        while index < rows.endIndex {
            let (asin, query) = (rows[index].0, rows[index].1)
            var volumes = [Int64?](repeating: nil, count: periods.count)
            var latest: Row?
            while index < rows.endIndex, rows[index].0 == asin, rows[index].1 == query {
                let row = rows[index]
                if let slot = position[row.2] { volumes[slot] = row.4 }
                if row.2 == periods.last { latest = row }
                index += 1
            }
            guard let latest else { continue }
            let now = volumes.last ?? nil, before = volumes.count > 1 ? volumes[volumes.count - 2] : nil
            func decimal(_ text: String?) -> Decimal? { text.flatMap { Decimal(string: $0, locale: Locale(identifier: "en_US_POSIX")) } }
            byASIN[asin, default: []].append(SearchQueryTrends.Query(
                searchQuery: query, searchQueryScore: Int(latest.3 ?? 0), searchQueryVolume: latest.4 ?? 0,
                volumeChange: change(from: before, to: now), asinImpressionShare: decimal(latest.5), asinClickShare: decimal(latest.6),
                asinPurchaseShare: decimal(latest.7), asinPurchases: latest.8, volumes: volumes))
        }
        return byASIN.map { asin, queries in
            SearchQueryTrends.ASIN(asin: asin, title: titles[asin],
                                   queries: queries.sorted { ($0.searchQueryScore, $0.searchQuery) < ($1.searchQueryScore, $1.searchQuery) })
        }.sorted { lhs, rhs in
            let left = lhs.queries.reduce(0) { $0 + $1.searchQueryVolume }, right = rhs.queries.reduce(0) { $0 + $1.searchQueryVolume }
            return left != right ? left > right : lhs.asin < rhs.asin
        }
    }

    /// "+12%", "-3%", "0%"; nil without both volumes or from nothing.
    static func change(from before: Int64?, to now: Int64?) -> String? {
        guard let before, let now, before > 0 else { return nil }
        let percent = Int(((Double(now) - Double(before)) / Double(before) * 100).rounded())
        return percent > 0 ? "+\(percent)%" : "\(percent)%"
    }
}
