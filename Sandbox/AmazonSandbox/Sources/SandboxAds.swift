import CompressNIO
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import OpsideAmazonSPAPI
import OpsideCore

/// A Sponsored Products report asked of the sandbox's Ads API.
struct SandboxAdsReport: Sendable {
    let id: String
    let sellingPartnerID: String
    let start: String
    let end: String
    let columns: [String]
    /// What makes two requests the same report (Amazon answers 425 to the second while the first is made).
    let fingerprint: String
    let createdAt: Date
}

/// The Amazon Ads API's calls for advertising spend, on the sellers' histories (`docs/amazon-ads-api.md`):
/// `GET /v2/profiles`, reporting v3 (`POST /reporting/reports`, `GET /reporting/reports/{reportId}`)
/// for `spAdvertisedProduct` with Amazon's limits (31 days a report, 95 days back, `groupBy`
/// `advertiser` only, `date` required with `DAILY`, a duplicate in flight answered 425), and the
/// gzip JSON download a COMPLETED report links to.
///
/// Calls need the Ads application's client id (`Amazon-Advertising-API-ClientId`), one of its access
/// tokens (SP-API's are refused) and, but for profiles, the seller's profile in
/// `Amazon-Advertising-API-Scope`. Each seller has one profile, in its marketplace. Spend is made up
/// per product and day from the seller's seed, the same on every call (`spend(history:on:)`).
struct SandboxAds: Sendable {
    let state: SandboxState
    static let clientIDHeader = HTTPField.Name("Amazon-Advertising-API-ClientId")!
    static let scopeHeader = HTTPField.Name("Amazon-Advertising-API-Scope")!
    static let allowedColumns: Set<String> = [
        "date", "startDate", "endDate", "campaignName", "campaignId", "adGroupName", "adGroupId", "adId", "portfolioId", "impressions",
        "clicks", "costPerClick", "clickThroughRate", "cost", "spend", "campaignBudgetCurrencyCode", "campaignBudgetAmount",
        "campaignBudgetType", "campaignStatus", "advertisedAsin", "advertisedSku", "purchases7d", "sales7d", "unitsSoldClicks7d",
    ]

    func register(on router: Router<BasicRequestContext>) {
        router.get("/v2/profiles") { request, _ in
            let seller: String
            switch caller(request, needsScope: false) {
            case .failure(let refusal): return refusal.response
            case .success(let found): seller = found
            }
            guard let history = state.history(for: seller) else { return SandboxResponse.json([Any]()) }
            return SandboxResponse.json([profile(history)])
        }
        router.post("/reporting/reports") { request, _ in
            switch caller(request, needsScope: true) {
            case .failure(let refusal): return refusal.response
            case .success(let seller): return try await createReport(request, seller: seller)
            }
        }
        router.get("/reporting/reports/{reportId}") { request, context in
            switch caller(request, needsScope: true) {
            case .failure(let refusal): return refusal.response
            case .success(let seller):
                let id = try context.parameters.require("reportId")
                guard let report = state.withLock({ $0.adsReports[id] }), report.sellingPartnerID == seller else {
                    return Refusal(.notFound, "NOT_FOUND", "Report \(id) was not found").response
                }
                return SandboxResponse.json(json(report, base: base(request)))
            }
        }
        // The pre-signed download: no Ads API headers, like the S3 link Amazon hands out.
        router.get("/ads-report-documents/{reportId}") { _, context in
            let id = try context.parameters.require("reportId")
            guard let report = state.withLock({ $0.adsReports[id] }), status(report) == "COMPLETED",
                  let history = state.history(for: report.sellingPartnerID) else {
                return Response(status: .notFound)
            }
            var buffer = ByteBuffer(data: rows(report, history: history))
            let compressed = try buffer.compress(with: .gzip)
            return Response(status: .ok, headers: [.contentType: "application/x-gzip"], body: .init(byteBuffer: compressed))
        }
    }

    // MARK: Callers

    struct Refusal: Error {
        let status: HTTPResponse.Status
        let code: String
        let detail: String
        init(_ status: HTTPResponse.Status, _ code: String, _ detail: String) {
            self.status = status
            self.code = code
            self.detail = detail
        }
        var response: Response { SandboxResponse.json(["code": code, "detail": detail], status: status) }
    }

    /// The seller an Ads call is made for, or Amazon's refusal.
    func caller(_ request: Request, needsScope: Bool) -> Result<String, Refusal> {
        guard request.headers[Self.clientIDHeader] == state.settings.adsClientID else {
            return .failure(Refusal(.unauthorized, "UNAUTHORIZED", "Amazon-Advertising-API-ClientId is missing or not a registered Ads API client"))
        }
        guard let authorization = request.headers[.authorization], authorization.hasPrefix("Bearer "),
              let token = state.withLock({ $0.adsAccessTokens[String(authorization.dropFirst("Bearer ".count))] }),
              token.expiresAt > state.now, let seller = token.sellingPartnerID else {
            return .failure(Refusal(.unauthorized, "UNAUTHORIZED", "The access token is missing, expired, or not the Ads API application's"))
        }
        guard needsScope else { return .success(seller) }
        guard let scope = request.headers[Self.scopeHeader] else {
            return .failure(Refusal(.unauthorized, "UNAUTHORIZED", "Scope header is missing"))
        }
        guard scope == String(Self.profileID(seller)) else {
            return .failure(Refusal(.unauthorized, "UNAUTHORIZED", "Not authorized to access scope \(scope)"))
        }
        return .success(seller)
    }

    func base(_ request: Request) -> String { "http://\(request.head.authority ?? "\(state.settings.host):\(state.settings.port)")" }

    /// A seller's one profile id: a stable number made from its id (FNV-1a), 15 digits like Amazon's.
    static func profileID(_ seller: String) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in seller.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return Int64(hash % 900_000_000_000_000) + 100_000_000_000_000
    }

    /// The time zone of a seller's profile: its marketplace's, as Amazon gives it.
    func profileTimeZoneName(_ history: SellerHistory) -> String {
        AmazonMarketplace.withID(history.marketplaceID)?.timeZone ?? "America/Los_Angeles"
    }

    func profileTimeZone(_ history: SellerHistory) -> TimeZone? { TimeZone(identifier: profileTimeZoneName(history)) }

    func profile(_ history: SellerHistory) -> [String: Any] {
        ["profileId": Self.profileID(history.sellingPartnerID), "countryCode": history.countryCode, "currencyCode": history.currency,
                "timezone": profileTimeZoneName(history),
                "accountInfo": ["marketplaceStringId": history.marketplaceID, "id": history.sellingPartnerID, "type": "seller",
                                "name": "Sandbox store \(history.sellingPartnerID)", "validPaymentMethod": true] as [String: Any]]
    }

    // MARK: Reports

    func createReport(_ request: Request, seller: String) async throws -> Response {
        let body = try await SandboxResponse.body(request)
        let configuration = body["configuration"] as? [String: Any] ?? [:]
        func refuse(_ detail: String) -> Response { Refusal(.badRequest, "400", detail).response }
        guard configuration["adProduct"] as? String == "SPONSORED_PRODUCTS" else { return refuse("configuration.adProduct must be SPONSORED_PRODUCTS") }
        guard configuration["reportTypeId"] as? String == "spAdvertisedProduct" else {
            return refuse("configuration.reportTypeId: the sandbox makes spAdvertisedProduct reports")
        }
        guard configuration["groupBy"] as? [String] == ["advertiser"] else { return refuse("configuration.groupBy: spAdvertisedProduct groups by advertiser only") }
        guard let columns = configuration["columns"] as? [String], !columns.isEmpty else { return refuse("configuration.columns is required") }
        if let unknown = columns.first(where: { !Self.allowedColumns.contains($0) }) {
            return refuse("configuration.columns: \(unknown) is not a column of spAdvertisedProduct")
        }
        guard configuration["timeUnit"] as? String == "DAILY" || configuration["timeUnit"] as? String == "SUMMARY" else {
            return refuse("configuration.timeUnit must be DAILY or SUMMARY")
        }
        if configuration["timeUnit"] as? String == "DAILY", !columns.contains("date") { return refuse("columns must include date with timeUnit DAILY") }
        guard configuration["format"] as? String == "GZIP_JSON" else { return refuse("configuration.format must be GZIP_JSON") }
        guard let startText = body["startDate"] as? String, let endText = body["endDate"] as? String,
              let start = CivilDate(iso: startText), let end = CivilDate(iso: endText) else {
            return refuse("startDate and endDate are required, as YYYY-MM-DD")
        }
        // The profile's days are its time zone's (Amazon's report dates are), so its "today" is too:
        // judged in UTC, an evening in Los Angeles would already be tomorrow and refuse day 95.
        let zone = state.history(for: seller).flatMap(profileTimeZone) ?? TimeZone(secondsFromGMT: 0)!
        let today = CivilDate(utcDayOf: state.now.addingTimeInterval(TimeInterval(zone.secondsFromGMT(for: state.now))))
        let days = end.daysSince1970 - start.daysSince1970 + 1
        guard days >= 1 else { return refuse("endDate is before startDate") }
        guard days <= 31 else { return refuse("The date range of a spAdvertisedProduct report is at most 31 days, not \(days)") }
        guard today.daysSince1970 - start.daysSince1970 < 95 else {
            return refuse("Report date is too far in the past. Reports are only available for 95 days.")
        }
        let fingerprint = "\(seller)|\(startText)|\(endText)|\(columns.joined(separator: ","))|\(configuration["timeUnit"] ?? "")"
        let now = state.now
        let report = SandboxAdsReport(id: UUID().uuidString.lowercased(), sellingPartnerID: seller, start: startText, end: endText,
                                      columns: columns, fingerprint: fingerprint, createdAt: now)
        let duplicate: String? = state.withLock { inner in
            if let inFlight = inner.adsReports.values.first(where: { $0.fingerprint == fingerprint && status($0, now: now) != "COMPLETED" }) {
                return inFlight.id
            }
            inner.adsReports[report.id] = report
            return nil
        }
        if let duplicate {
            return SandboxResponse.json(["code": "425", "detail": "The Request is a duplicate of : \(duplicate)"], status: .init(code: 425))
        }
        return SandboxResponse.json(json(report, base: base(request)))
    }

    /// PENDING for the first half of the processing time, PROCESSING for the second, then COMPLETED.
    func status(_ report: SandboxAdsReport, now: Date? = nil) -> String {
        let elapsed = (now ?? state.now).timeIntervalSince(report.createdAt)
        let processing = state.settings.reportProcessingSeconds
        return elapsed >= processing ? "COMPLETED" : elapsed >= processing / 2 ? "PROCESSING" : "PENDING"
    }

    func json(_ report: SandboxAdsReport, base: String) -> [String: Any] {
        let status = status(report)
        var json: [String: Any] = [
            "reportId": report.id, "name": "opside", "startDate": report.start, "endDate": report.end, "status": status,
            "configuration": ["adProduct": "SPONSORED_PRODUCTS", "reportTypeId": "spAdvertisedProduct", "groupBy": ["advertiser"],
                              "columns": report.columns, "timeUnit": "DAILY", "format": "GZIP_JSON"] as [String: Any],
            "createdAt": report.createdAt.iso, "updatedAt": state.now.iso,
            "url": NSNull(), "urlExpiresAt": NSNull(), "fileSize": NSNull(), "failureReason": NSNull(), "generatedAt": NSNull(),
        ]
        if status == "COMPLETED" {
            json["url"] = "\(base)/ads-report-documents/\(report.id)"
            json["urlExpiresAt"] = state.now.addingTimeInterval(3600).iso
            json["generatedAt"] = report.createdAt.addingTimeInterval(state.settings.reportProcessingSeconds).iso
        }
        return json
    }

    /// The report's rows: one per advertised product and day with activity, the requested columns only.
    func rows(_ report: SandboxAdsReport, history: SellerHistory) -> Data {
        guard let start = CivilDate(iso: report.start), let end = CivilDate(iso: report.end) else { return Data("[]".utf8) }
        var rows: [[String: Any]] = []
        for day in start.daysSince1970...end.daysSince1970 {
            for (index, product) in history.products.enumerated() {
                let activity = Self.spend(seller: history.sellingPartnerID, product: index, day: day, currency: history.currency)
                guard activity.impressions > 0 else { continue }
                let all: [String: Any] = [
                    "date": CivilDate(daysSince1970: day).description, "advertisedSku": product.sku, "advertisedAsin": product.asin,
                    "campaignId": Self.profileID(history.sellingPartnerID) % 1_000_000_000 + 1, "adGroupId": 2_000 + index / 10,
                    "adId": 300_000 + index, "impressions": activity.impressions, "clicks": activity.clicks,
                    "cost": decimalAmount(activity.costMinor, currency: history.currency),
                    "spend": decimalAmount(activity.costMinor, currency: history.currency),
                    "campaignBudgetCurrencyCode": history.currency,
                ]
                rows.append(all.filter { report.columns.contains($0.key) })
            }
        }
        return (try? JSONSerialization.data(withJSONObject: rows, options: [.sortedKeys])) ?? Data("[]".utf8)
    }

    /// A product's ad activity on a day (days since 1970): impressions, clicks and their cost in
    /// minor units, the same on every call (a hash of the seller, the product and the day).
    static func spend(seller: String, product: Int, day: Int, currency: String) -> (impressions: Int, clicks: Int, costMinor: Int64) {
        var random = SplitMix64(seed: UInt64(bitPattern: profileID(seller)) &* 31 &+ UInt64(product) &* 1_000_003 &+ UInt64(bitPattern: Int64(day)))
        guard random.chance(0.8) else { return (0, 0, 0) }
        let impressions = random.between(20, 900)
        let clicks = min(impressions, random.between(0, max(1, impressions / 40)))
        // A click costs 0.35 to 1.80 in the currency (yen: 40 to 200).
        let digits = sandboxCurrency(currency).minorUnitDigits
        let perClick = digits == 0 ? Int64(random.between(40, 200)) : Int64(random.between(35, 180)) * Int64(pow(10, Double(digits - 2)))
        return (impressions, clicks, Int64(clicks) * perClick)
    }
}
