import Foundation
import Hummingbird
import OpsideCore
import OpsideTransport

/// The Search queries page: Brand Analytics' Search Query Performance per ASIN, the queries that
/// matter most in the latest week or month with their trend over the periods before, how the
/// weekly and monthly syncs are doing, and (for owners and admins) a backfill of older periods.
extension DashboardPages {
    struct SearchQueryTrends: Decodable, Sendable {
        struct Query: Decodable, Sendable {
            let searchQuery: String
            let searchQueryScore: Int
            let searchQueryVolume: Int64
            let volumeChange: String?
            let asinImpressionShare: Decimal?
            let asinClickShare: Decimal?
            let asinPurchaseShare: Decimal?
            let asinPurchases: Int64?
            let volumes: [Int64?]
        }
        struct ASIN: Decodable, Sendable {
            let asin: String
            let title: String?
            let queries: [Query]
        }
        let period: String
        let marketplaceId: String?
        let marketplaceIds: [String]
        let periods: [String]
        let latestEndDate: String?
        let asins: [ASIN]
    }

    static let searchQueryDatasets = ["WEEK": "search_query_performance_weekly", "MONTH": "search_query_performance_monthly"]

    func addSearchQueryRoutes(to router: Router<OpsideRequestContext>) {
        router.get("/app/search-queries") { request, context in
            try await signedIn(request, context) { try await searchQueriesPage($0, request) }
        }
    }

    func searchQueriesPage(_ viewer: Viewer, _ request: Request) async throws -> Response {
        var values = chrome(viewer, page: "searchQueries", title: "Search queries", request: request)
        guard let connection = try await listingConnection(viewer, request) else {
            values["noConnection"] = true
            return try renderer.page("search-queries", values)
        }
        let query = request.uri.queryParameters
        let period = query.get("period")?.uppercased() == "MONTH" ? "MONTH" : "WEEK"
        let id = connection.id.uuidString.lowercased()
        values["connectionId"] = id
        values["sellerId"] = connection.sellingPartnerId
        values["period"] = period
        values["weekly"] = period == "WEEK"
        values["periodWord"] = period == "WEEK" ? "week" : "month"
        values["weeklyHref"] = "/app/search-queries?connection=\(id)&period=WEEK"
        values["monthlyHref"] = "/app/search-queries?connection=\(id)&period=MONTH"
        var target = "/internal/amazon/connections/\(id)/search-query-performance?period=\(period)&periods=8&top=10"
        if let marketplace = query.get("marketplace"), !marketplace.isEmpty { target += "&marketplaceId=" + Self.queryValue(marketplace) }
        let dataset = Self.searchQueryDatasets[period] ?? ""
        async let trendsLoad = sources.get(SearchQueryTrends.self, from: .inventorySync, target, tenant: viewer.tenant)
        async let runsLoad = sources.get(RunsBody.self, from: .inventorySync, "/internal/amazon/connections/\(id)/syncs?dataset=\(dataset)&limit=5",
                                         tenant: viewer.tenant)
        async let schedulesLoad = sources.schedules(connection: connection.id, tenant: viewer.tenant)
        do {
            let trends = try await trendsLoad
            values["marketplace"] = trends.marketplaceId ?? connection.marketplaceIds.first ?? ""
            values["marketplaces"] = trends.marketplaceIds.count > 1
                ? trends.marketplaceIds.map { ["id": $0, "href": "/app/search-queries?connection=\(id)&period=\(period)&marketplace=\($0)",
                                               "current": $0 == trends.marketplaceId] } : []
            values["asins"] = trends.asins.map { asinView($0, periods: trends.periods) }
            values["noData"] = trends.asins.isEmpty
            if let first = trends.periods.first, let latest = trends.periods.last {
                values["latestPeriod"] = "\(DashboardWords.day(latest)) – \(DashboardWords.day(trends.latestEndDate ?? latest))"
                let unit = period == "WEEK" ? "week" : "month"
                values["trendSpan"] = trends.periods.count == 1 ? "one \(unit) so far"
                    : "\(DashboardWords.day(first)) to \(DashboardWords.day(latest)), \(trends.periods.count) \(unit)s"
            }
        } catch {
            values["problem"] = "Search query data could not be read just now: \(error)"
            values["noData"] = true
        }
        let runs = (try? await runsLoad)?.runs ?? []
        values["runs"] = runs.map(runRow)
        values["hasRuns"] = !runs.isEmpty
        if let schedule = (try? await schedulesLoad)?.first(where: { $0.dataset == dataset }) {
            values["schedule"] = ["runsAt": schedule.runsAt ?? DashboardWords.interval(schedule.intervalSeconds),
                                  "enabled": schedule.enabled, "paused": schedule.pausedAt != nil,
                                  "nextRunAt": DashboardWords.relative(schedule.nextRunAt, now: now()),
                                  "nextRunAtInstant": DashboardWords.instant(schedule.nextRunAt)]
        }
        values["connectionActive"] = connection.status == "active"
        return try renderer.page("search-queries", values)
    }

    struct RunsBody: Decodable { let runs: [DashboardSources.SyncRun] }

    func asinView(_ asin: SearchQueryTrends.ASIN, periods: [String]) -> [String: Any] {
        ["asin": asin.asin, "title": asin.title ?? "", "hasTitle": asin.title != nil,
         "queries": asin.queries.map { query -> [String: Any] in
             let change = query.volumeChange ?? "new"
             return ["query": query.searchQuery, "rank": query.searchQueryScore, "volume": Self.grouped(query.searchQueryVolume),
                     "change": change, "trendClass": change.hasPrefix("+") ? "up" : change.hasPrefix("-") ? "down" : "flat",
                     "sparkline": Self.sparkline(query.volumes), "trendTitle": Self.trendTitle(query.volumes, periods: periods),
                     "impressionShare": Self.percent(query.asinImpressionShare), "clickShare": Self.percent(query.asinClickShare),
                     "purchaseShare": Self.percent(query.asinPurchaseShare),
                     "purchases": query.asinPurchases.map { Self.grouped($0) } ?? "—"]
         }]
    }

    /// `1,234,567`.
    static func grouped(_ value: Int64) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out += "," }
            out.append(character)
        }
        return (value < 0 ? "-" : "") + out
    }

    /// A share (0…1) as a percentage with one decimal: `7.7%`.
    static func percent(_ share: Decimal?) -> String {
        guard let share else { return "—" }
        let tenths = NSDecimalNumber(decimal: share * 1000).doubleValue.rounded()
        return String(format: "%.1f%%", tenths / 10)
    }

    /// The points of an SVG polyline 120 × 24 drawing the volumes (gaps skipped), oldest left.
    static func sparkline(_ volumes: [Int64?]) -> String {
        let known = volumes.compactMap { $0 }
        guard let high = known.max(), let low = known.min(), volumes.count > 1 else { return "" }
        let span = max(1, high - low)
        let step = 120.0 / Double(volumes.count - 1)
        return volumes.enumerated().compactMap { index, volume -> String? in
            guard let volume else { return nil }
            let y = 22 - Double(volume - low) / Double(span) * 20
            return String(format: "%.1f,%.1f", Double(index) * step, y)
        }.joined(separator: " ")
    }

    /// The trend said in words for the sparkline's title (and screen readers).
    static func trendTitle(_ volumes: [Int64?], periods: [String]) -> String {
        zip(periods, volumes).map { "\(DashboardWords.day($0)): \($1.map { grouped($0) } ?? "not reported")" }.joined(separator: "; ")
    }
}
