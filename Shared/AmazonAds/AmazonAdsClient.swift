import AsyncHTTPClient
import CompressNIO
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import OpsideAmazonSPAPI
import OpsideCore

/// An advertising profile: one advertiser in one marketplace (`GET /v2/profiles`).
public struct AdsProfile: Codable, Sendable, Equatable {
    public struct AccountInfo: Codable, Sendable, Equatable {
        public let marketplaceStringId: String
        /// The merchant id for a seller.
        public let id: String
        /// `seller`, `vendor` or `agency`.
        public let type: String
        public let name: String?

        public init(marketplaceStringId: String, id: String, type: String, name: String?) {
            self.marketplaceStringId = marketplaceStringId
            self.id = id
            self.type = type
            self.name = name
        }
    }

    public let profileId: Int64
    public let countryCode: String
    public let currencyCode: String
    /// The IANA time zone report dates are in.
    public let timezone: String
    public let accountInfo: AccountInfo

    public init(profileId: Int64, countryCode: String, currencyCode: String, timezone: String, accountInfo: AccountInfo) {
        self.profileId = profileId
        self.countryCode = countryCode
        self.currencyCode = currencyCode
        self.timezone = timezone
        self.accountInfo = accountInfo
    }
}

/// One row of a Sponsored Products advertised-product report, as the client keeps it.
public struct AdsSpendRow: Sendable, Equatable {
    /// The day of the ad activity, in the profile's time zone.
    public let date: CivilDate
    public let sku: String
    public let asin: String?
    public let campaignId: Int64?
    public let adGroupId: Int64?
    public let adId: Int64?
    public let impressions: Int
    public let clicks: Int
    /// What the clicks cost, in the profile's currency.
    public let cost: Money
}

/// One SKU's advertising on one day: every ad of the SKU summed.
public struct AdsDailySpend: Sendable, Equatable {
    public let date: CivilDate
    public let sku: String
    public let asin: String?
    public let impressions: Int
    public let clicks: Int
    public let cost: Money
}

/// A report's state (`GET /reporting/reports/{reportId}`).
public struct AdsReport: Codable, Sendable, Equatable {
    public let reportId: String
    /// `PENDING`, `PROCESSING`, `COMPLETED` or `FAILED`.
    public let status: String
    public let url: String?
    public let failureReason: String?
}

/// What the Ads API answered other than success, or why a call was not made.
public enum AmazonAdsError: Error, Equatable, CustomStringConvertible, Sendable {
    /// An HTTP error with Amazon's `code` and `detail` (or `details`).
    case api(status: Int, code: String, detail: String)
    /// 429: Amazon asks to wait this many seconds (nil: it did not say).
    case throttled(retryAfterSeconds: Int?)
    /// The range breaks the report type's limits (31 days at most, 95 days back); nothing was sent.
    case invalidRange(String)
    case reportFailed(reportId: String, reason: String)
    case timedOut(reportId: String, lastStatus: String)
    case unreadable(String)

    public var description: String {
        switch self {
        case .api(let status, let code, let detail): "Ads API \(status) \(code): \(detail)"
        case .throttled(let seconds): "Ads API throttled the call\(seconds.map { "; retry after \($0) s" } ?? "")"
        case .invalidRange(let reason): "report range refused before sending: \(reason)"
        case .reportFailed(let id, let reason): "report \(id) failed at Amazon: \(reason)"
        case .timedOut(let id, let status): "report \(id) still \(status) when the wait ran out"
        case .unreadable(let reason): "Ads API answer unreadable: \(reason)"
        }
    }
}

/// The Amazon Ads API calls for advertising spend: profiles, and Sponsored Products spend per
/// SKU and day through reporting v3 (`docs/amazon-ads-api.md` holds the facts and their sources).
///
/// The Ads API is a separate Amazon API with its own Login with Amazon application (scope
/// `advertising::campaign_management`): `accessToken` hands out that application's tokens for
/// the seller, never SP-API's.
public struct AmazonAdsClient: Sendable {
    /// `spAdvertisedProduct` keeps 95 days and takes at most 31 per report.
    public static let retentionDays = 95
    public static let maximumRangeDays = 31
    /// The columns asked for: one row per ad and day, summed per SKU by `dailySpend`.
    public static let spendColumns = ["date", "advertisedSku", "advertisedAsin", "campaignId", "adGroupId", "adId", "impressions", "clicks",
                                      "cost"]

    let settings: AmazonAdsSettings
    let httpClient: HTTPClient
    let accessToken: @Sendable () async throws -> String
    let clock: any Clock<Duration>
    let logger: Logger

    public init(settings: AmazonAdsSettings, httpClient: HTTPClient, logger: Logger, clock: any Clock<Duration> = ContinuousClock(),
                accessToken: @escaping @Sendable () async throws -> String) {
        self.settings = settings
        self.httpClient = httpClient
        self.logger = logger
        self.clock = clock
        self.accessToken = accessToken
    }

    /// The advertiser's profiles in `region` (each region's host lists only its own).
    public func profiles(region: AmazonRegion) async throws -> [AdsProfile] {
        let (_, body) = try await send(.GET, region: region, path: "/v2/profiles", profile: nil)
        return try decode([AdsProfile].self, body)
    }

    /// Asks for a Sponsored Products spend report of `start`...`end` (days of the profile's time
    /// zone). A request Amazon says duplicates one in flight (425) answers that report's id.
    /// - Parameter today: the profile's today, to keep within the 95 days Amazon keeps.
    public func requestSpendReport(region: AmazonRegion, profile: AdsProfile, start: CivilDate, end: CivilDate,
                                   today: CivilDate) async throws -> String {
        try Self.checkRange(start: start, end: end, today: today)
        let request: [String: Any] = [
            "name": "opside spend \(start)..\(end)", "startDate": "\(start)", "endDate": "\(end)",
            "configuration": ["adProduct": "SPONSORED_PRODUCTS", "reportTypeId": "spAdvertisedProduct", "groupBy": ["advertiser"],
                              "columns": Self.spendColumns, "timeUnit": "DAILY", "format": "GZIP_JSON"] as [String: Any],
        ]
        let payload = try JSONSerialization.data(withJSONObject: request, options: [.sortedKeys])
        do {
            let (_, body) = try await send(.POST, region: region, path: "/reporting/reports", profile: profile.profileId, body: payload,
                                           contentType: "application/vnd.createasyncreportrequest.v3+json")
            return try decode(AdsReport.self, body).reportId
        } catch AmazonAdsError.api(425, _, let detail) {
            // "The Request is a duplicate of : <reportId>": the same report is already being made.
            guard let id = detail.split(separator: ":").last?.trimmingCharacters(in: .whitespaces), !id.isEmpty else {
                throw AmazonAdsError.unreadable("a 425 without the duplicated report's id: \(detail)")
            }
            logger.debug("spend report already requested", metadata: ["report": "\(id)"])
            return id
        }
    }

    public func report(region: AmazonRegion, profile: AdsProfile, reportID: String) async throws -> AdsReport {
        let (_, body) = try await send(.GET, region: region, path: "/reporting/reports/\(reportID)", profile: profile.profileId)
        return try decode(AdsReport.self, body)
    }

    /// Polls until the report is COMPLETED, with growing pauses on the injected clock.
    /// - Returns: its download URL.
    public func waitForReport(region: AmazonRegion, profile: AdsProfile, reportID: String) async throws -> String {
        var pause = settings.reportPollInitial
        var waited = Duration.zero
        while true {
            let report = try await self.report(region: region, profile: profile, reportID: reportID)
            switch report.status {
            case "COMPLETED":
                guard let url = report.url else { throw AmazonAdsError.unreadable("report \(reportID) COMPLETED without a url") }
                return url
            case "FAILED":
                throw AmazonAdsError.reportFailed(reportId: reportID, reason: report.failureReason ?? "no reason given")
            default:
                guard waited < settings.reportTimeout else { throw AmazonAdsError.timedOut(reportId: reportID, lastStatus: report.status) }
                try await clock.sleep(for: pause)
                waited += pause
                pause = min(pause * 2, settings.reportPollMax)
            }
        }
    }

    /// Downloads a completed report (gzip JSON, an array of rows; no Ads API headers, as a
    /// pre-signed link takes none) and reads its rows in the profile's currency.
    public func downloadSpendRows(url: String, profile: AdsProfile) async throws -> [AdsSpendRow] {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        let response = try await httpClient.execute(request, timeout: .seconds(Int64(settings.requestTimeoutSeconds)))
        var body = try await response.body.collect(upTo: 512 << 20)
        guard response.status == .ok else {
            throw AmazonAdsError.api(status: Int(response.status.code), code: "download", detail: String(buffer: body).prefix(300).description)
        }
        let json: ByteBuffer
        do { json = try body.decompress(with: .gzip) } catch { throw AmazonAdsError.unreadable("the report is not gzip: \(error)") }
        return try Self.spendRows(Data(json.readableBytesView), currency: profile.currencyCode)
    }

    /// The whole lifecycle: request, wait, download, read.
    public func spend(region: AmazonRegion, profile: AdsProfile, start: CivilDate, end: CivilDate, today: CivilDate) async throws -> [AdsSpendRow] {
        let id = try await requestSpendReport(region: region, profile: profile, start: start, end: end, today: today)
        let url = try await waitForReport(region: region, profile: profile, reportID: id)
        return try await downloadSpendRows(url: url, profile: profile)
    }

    /// Rows summed per day and SKU (a SKU advertised in several ads has a row per ad and day).
    public static func dailySpend(_ rows: [AdsSpendRow]) throws -> [AdsDailySpend] {
        var totals: [String: AdsDailySpend] = [:]
        for row in rows {
            let key = "\(row.date)|\(row.sku)"
            if let current = totals[key] {
                totals[key] = AdsDailySpend(date: row.date, sku: row.sku, asin: current.asin ?? row.asin,
                                            impressions: current.impressions + row.impressions, clicks: current.clicks + row.clicks,
                                            cost: try current.cost + row.cost)
            } else {
                totals[key] = AdsDailySpend(date: row.date, sku: row.sku, asin: row.asin, impressions: row.impressions, clicks: row.clicks,
                                            cost: row.cost)
            }
        }
        return totals.values.sorted { ($0.date, $0.sku) < ($1.date, $1.sku) }
    }

    // MARK: Checks and reading

    static func checkRange(start: CivilDate, end: CivilDate, today: CivilDate) throws {
        guard start <= end else { throw AmazonAdsError.invalidRange("\(start) is after \(end)") }
        let days = end.daysSince1970 - start.daysSince1970 + 1
        guard days <= maximumRangeDays else {
            throw AmazonAdsError.invalidRange("\(days) days; a spend report covers at most \(maximumRangeDays)")
        }
        guard today.daysSince1970 - start.daysSince1970 < retentionDays else {
            throw AmazonAdsError.invalidRange("\(start) is more than \(retentionDays) days ago, beyond what Amazon keeps")
        }
        guard end <= today else { throw AmazonAdsError.invalidRange("\(end) is after today (\(today))") }
    }

    /// Reads the rows; `cost` is a JSON number, read as a decimal (never a `Double`) in `currency`.
    static func spendRows(_ data: Data, currency: String) throws -> [AdsSpendRow] {
        struct Row: Decodable {
            let date: String
            let advertisedSku: String?
            let advertisedAsin: String?
            let campaignId: Int64?
            let adGroupId: Int64?
            let adId: Int64?
            let impressions: Int?
            let clicks: Int?
            let cost: Decimal?
        }
        let rows: [Row]
        do { rows = try JSONDecoder().decode([Row].self, from: data) } catch {
            throw AmazonAdsError.unreadable("the report's rows: \(error)")
        }
        return try rows.compactMap { row in
            // Vendors' rows have no SKU; a seller's spend is kept by SKU.
            guard let sku = row.advertisedSku, !sku.isEmpty else { return nil }
            guard let date = CivilDate(iso: row.date) else { throw AmazonAdsError.unreadable("date \(row.date) is not YYYY-MM-DD") }
            let cost: Money
            do { cost = try Money(parsing: "\(row.cost ?? 0)", currencyCode: currency, rounding: .halfEven) } catch {
                throw AmazonAdsError.unreadable("cost \(String(describing: row.cost)) of \(sku) on \(row.date): \(error)")
            }
            return AdsSpendRow(date: date, sku: sku, asin: row.advertisedAsin, campaignId: row.campaignId, adGroupId: row.adGroupId, adId: row.adId,
                               impressions: row.impressions ?? 0, clicks: row.clicks ?? 0, cost: cost)
        }
    }

    // MARK: The wire

    func send(_ method: HTTPMethod, region: AmazonRegion, path: String, profile: Int64?, body: Data? = nil,
              contentType: String = "application/json") async throws -> (HTTPClientResponse, ByteBuffer) {
        var request = HTTPClientRequest(url: settings.endpoint(for: region) + path)
        request.method = method
        request.headers.add(name: "Amazon-Advertising-API-ClientId", value: settings.clientID)
        request.headers.add(name: "Authorization", value: "Bearer \(try await accessToken())")
        if let profile { request.headers.add(name: "Amazon-Advertising-API-Scope", value: String(profile)) }
        request.headers.add(name: "Accept", value: "application/json")
        if let body {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await httpClient.execute(request, timeout: .seconds(Int64(settings.requestTimeoutSeconds)))
        let answer = try await response.body.collect(upTo: 16 << 20)
        let status = Int(response.status.code)
        if status == 429 {
            throw AmazonAdsError.throttled(retryAfterSeconds: response.headers.first(name: "Retry-After").flatMap { Int($0) })
        }
        guard (200..<300).contains(status) else {
            struct Failure: Decodable {
                let code: String?
                let detail: String?
                let details: String?
            }
            let failure = try? JSONDecoder().decode(Failure.self, from: Data(answer.readableBytesView))
            throw AmazonAdsError.api(status: status, code: failure?.code ?? String(status),
                                     detail: failure?.detail ?? failure?.details ?? String(buffer: answer).prefix(300).description)
        }
        return (response, answer)
    }

    func decode<T: Decodable>(_ type: T.Type, _ body: ByteBuffer) throws -> T {
        do { return try JSONDecoder().decode(type, from: Data(body.readableBytesView)) } catch {
            throw AmazonAdsError.unreadable("\(T.self): \(error)")
        }
    }
}
