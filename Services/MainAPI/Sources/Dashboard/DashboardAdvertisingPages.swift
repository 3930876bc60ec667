import Foundation
import Hummingbird
import OpsideCore
import OpsideTransport

/// The Advertising page: the connection's Amazon Ads account (connected by pasting an Ads refresh
/// token, by owners and admins), what each SKU's Sponsored Products ads cost day by day beside what
/// the SKU sold (ACoS, ad cost per unit), and how the spend's syncs are doing.
extension DashboardPages {
    /// integrations' `AdsAuthorization`, as far as the page reads it.
    struct AdsAuthorization: Decodable, Sendable {
        let status: String
        let reauthorizationReason: String?
        let profileId: Int64
        let marketplaceId: String
        let countryCode: String
        let currencyCode: String
        let timezone: String
        let accountName: String?
        let connectedAt: Date
    }

    /// inventory-sync's `AdsSpendReport`, as far as the page reads it.
    struct AdsSpend: Decodable, Sendable {
        struct SKU: Decodable, Sendable {
            let sellerSku: String
            let asin: String?
            let title: String?
            let impressions: Int64
            let clicks: Int64
            let adCost: Money
            let unitsOrdered: Int64
            let sales: Money
            let acos: String?
            let adCostPerUnit: Money?
            let dailyCostMinor: [Int64]
        }
        struct Totals: Decodable, Sendable {
            let impressions: Int64
            let clicks: Int64
            let adCost: Money
            let unitsOrdered: Int64
            let sales: Money
            let acos: String?
        }
        let marketplaceId: String?
        let marketplaceIds: [String]
        let from: String
        let to: String
        let days: [String]
        let latestDay: String?
        let totals: Totals?
        let skus: [SKU]
    }

    /// The ranges the page offers, in days.
    static let advertisingRanges = [7, 30, 90]

    func addAdvertisingRoutes(to router: Router<OpsideRequestContext>) {
        router.get("/app/advertising") { request, context in
            try await signedIn(request, context) { try await advertisingPage($0, request) }
        }
    }

    func advertisingPage(_ viewer: Viewer, _ request: Request) async throws -> Response {
        var values = chrome(viewer, page: "advertising", title: "Advertising", request: request)
        guard let connection = try await listingConnection(viewer, request) else {
            values["noConnection"] = true
            return try renderer.page("advertising", values)
        }
        let query = request.uri.queryParameters
        let days = query.get("days").flatMap(Int.init).flatMap { Self.advertisingRanges.contains($0) ? $0 : nil } ?? 30
        let id = connection.id.uuidString.lowercased()
        values["connectionId"] = id
        values["sellerId"] = connection.sellingPartnerId
        values["connectionActive"] = connection.status == "active"
        values["ranges"] = Self.advertisingRanges.map { ["days": $0, "href": "/app/advertising?connection=\(id)&days=\($0)", "current": $0 == days] }
        values["rangeDays"] = days
        let to = CivilDate(utcDayOf: now())
        var target = "/internal/amazon/connections/\(id)/ads-spend?from=\(to.adding(days: 1 - days))&to=\(to)"
        if let marketplace = query.get("marketplace"), !marketplace.isEmpty { target += "&marketplaceId=" + Self.queryValue(marketplace) }
        async let authorizationLoad = sources.get(AdsAuthorization.self, from: .integrations, "/internal/amazon/connections/\(id)/ads",
                                                  tenant: viewer.tenant)
        async let spendLoad = sources.get(AdsSpend.self, from: .inventorySync, target, tenant: viewer.tenant)
        async let runsLoad = sources.get(RunsBody.self, from: .inventorySync, "/internal/amazon/connections/\(id)/syncs?dataset=ads_spend&limit=5",
                                         tenant: viewer.tenant)
        async let schedulesLoad = sources.schedules(connection: connection.id, tenant: viewer.tenant)
        do {
            let ads = try await authorizationLoad
            values["ads"] = [
                "profileId": String(ads.profileId), "marketplaceId": ads.marketplaceId, "countryCode": ads.countryCode,
                "currency": ads.currencyCode, "timezone": ads.timezone, "accountName": ads.accountName ?? "",
                "connectedAt": DashboardWords.instantDay(ads.connectedAt), "active": ads.status == "active",
                "reason": ads.reauthorizationReason ?? "",
            ]
        } catch let error as DashboardSourceError where error.status == 404 {
            values["adsNotConnected"] = true
        } catch {
            values["problem"] = "The Amazon Ads account could not be read just now: \(error)"
        }
        do {
            let spend = try await spendLoad
            values["marketplaces"] = spend.marketplaceIds.count > 1
                ? spend.marketplaceIds.map { ["id": $0, "href": "/app/advertising?connection=\(id)&days=\(days)&marketplace=\($0)",
                                             "current": $0 == spend.marketplaceId] } : []
            values["rangeText"] = "\(DashboardWords.day(spend.from)) – \(DashboardWords.day(spend.to))"
            if let latest = spend.latestDay { values["latestDay"] = DashboardWords.day(latest) }
            if let totals = spend.totals, !spend.skus.isEmpty {
                values["totals"] = ["adCost": totals.adCost.displayText, "sales": totals.sales.displayText, "acos": totals.acos ?? "—",
                                    "clicks": Self.grouped(totals.clicks), "impressions": Self.grouped(totals.impressions),
                                    "units": Self.grouped(totals.unitsOrdered)]
            }
            values["skus"] = spend.skus.map { adsSKUView($0, days: spend.days) }
            values["noSpend"] = spend.skus.isEmpty
        } catch {
            values["problem"] = "Advertising spend could not be read just now: \(error)"
            values["noSpend"] = true
        }
        let runs = (try? await runsLoad)?.runs ?? []
        values["runs"] = runs.map(runRow)
        values["hasRuns"] = !runs.isEmpty
        if let schedule = (try? await schedulesLoad)?.first(where: { $0.dataset == "ads_spend" }) {
            values["schedule"] = ["runsAt": DashboardWords.interval(schedule.intervalSeconds), "enabled": schedule.enabled,
                                  "paused": schedule.pausedAt != nil, "nextRunAt": DashboardWords.relative(schedule.nextRunAt, now: now())]
        }
        return try renderer.page("advertising", values)
    }

    func adsSKUView(_ sku: AdsSpend.SKU, days: [String]) -> [String: Any] {
        let currency = sku.adCost.currency
        let trend = zip(days, sku.dailyCostMinor).map { "\(DashboardWords.day($0)): \(Money(amountMinor: $1, currency: currency).displayText)" }
        return ["sku": sku.sellerSku, "asin": sku.asin ?? "", "title": sku.title ?? "", "hasTitle": sku.title != nil,
                "impressions": Self.grouped(sku.impressions), "clicks": Self.grouped(sku.clicks), "adCost": sku.adCost.displayText,
                "units": Self.grouped(sku.unitsOrdered), "sales": sku.sales.displayText, "acos": sku.acos ?? "—",
                "perUnit": sku.adCostPerUnit?.displayText ?? "—",
                "sparkline": Self.sparkline(sku.dailyCostMinor.map { Optional($0) }), "trendTitle": trend.joined(separator: "; ")]
    }
}
