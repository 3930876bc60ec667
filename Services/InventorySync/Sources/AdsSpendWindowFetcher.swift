import AsyncHTTPClient
import Foundation
import Logging
import OpsideAmazonAds
import OpsideAmazonData
import OpsideCore

/// How long inventory-sync waits on the Ads API's reports (`ads.reportPollSeconds`,
/// `ads.reportPollMaxSeconds`, `ads.reportTimeoutSeconds`; defaults 5 s, 120 s, 3 h: Amazon
/// says a report can take up to three hours) and each call (`ads.requestTimeoutSeconds`).
public struct AdsReportPolling: Sendable {
    public var initial: Duration
    public var maximum: Duration
    public var timeout: Duration
    public var requestTimeoutSeconds: Int

    public init(initial: Duration = .seconds(5), maximum: Duration = .seconds(120), timeout: Duration = .seconds(10_800),
                requestTimeoutSeconds: Int = 30) {
        self.initial = initial
        self.maximum = maximum
        self.timeout = timeout
        self.requestTimeoutSeconds = requestTimeoutSeconds
    }
}

/// Fetches one window of Sponsored Products spend from the Amazon Ads API: the window's days in
/// the advertising profile's time zone, kept within the 95 days Amazon keeps and up to the
/// profile's today, asked in reports of at most 31 days, summed per SKU and day.
///
/// The Ads token, profile, client id and host come from integrations' Ads vault, never from
/// SP-API's: the two are different authorizations of different applications.
struct AdsSpendWindowFetcher: WindowFetcher {
    let access: any AdsAccessSource
    let httpClient: HTTPClient
    let polling: AdsReportPolling
    let clock: any Clock<Duration>
    let logger: Logger
    /// Amazon's now: what "today" is in the profile's time zone.
    let now: @Sendable () -> Date

    func fetch(_ window: SyncWindow, context: WindowFetchContext) async throws -> FetchedWindow? {
        guard let start = window.start, let end = window.end else { return nil }
        let tokens = AdsConnectionTokens(source: access, tenantID: context.arguments.tenantID, connectionID: context.arguments.connectionID)
        let grant = try await tokens.grant()
        let profile = grant.profile
        guard let zone = TimeZone(identifier: profile.timezone) else {
            throw AmazonAdsError.unreadable("profile \(profile.profileId)'s time zone '\(profile.timezone)' is not a time zone")
        }
        let today = Self.day(of: now(), in: zone)
        let days = Self.days(from: start, to: end, in: zone, today: today)
        guard !days.isEmpty else { return FetchedWindow(pages: 0) { _ in } }
        let settings = AmazonAdsSettings(clientID: grant.clientId, clientSecret: "", endpoints: [grant.region: grant.endpoint],
                                         reportPollInitial: polling.initial, reportPollMax: polling.maximum, reportTimeout: polling.timeout,
                                         requestTimeoutSeconds: polling.requestTimeoutSeconds)
        let client = AmazonAdsClient(settings: settings, httpClient: httpClient, logger: logger, clock: clock) { try await tokens.token() }
        var spend: [AdsDailySpend] = []
        var reports = 0
        for chunk in days {
            let rows: [AdsSpendRow]
            do {
                rows = try await client.spend(region: grant.region, profile: profile, start: chunk.lowerBound, end: chunk.upperBound, today: today)
            } catch AmazonAdsError.api(401, _, _) {
                // The token expired or was revoked between the vault and Amazon: once more with a fresh one.
                await tokens.reject()
                rows = try await client.spend(region: grant.region, profile: profile, start: chunk.lowerBound, end: chunk.upperBound, today: today)
            }
            spend += try AmazonAdsClient.dailySpend(rows)
            reports += 1
            await context.pageRead(reports)
        }
        let marketplace = profile.accountInfo.marketplaceStringId
        let staged = spend.map { day -> [String?] in
            [marketplace, day.date.description, day.sku, day.asin, String(day.impressions), String(day.clicks), String(day.cost.amountMinor),
             day.cost.currency.code, String(profile.profileId)]
        }
        return FetchedWindow(pages: reports) { session in
            try await session.stage(AmazonTables.adsSpend, rows: staged)
        }
    }

    /// The day `instant` falls on in `zone`.
    static func day(of instant: Date, in zone: TimeZone) -> CivilDate {
        CivilDate(utcDayOf: instant.addingTimeInterval(TimeInterval(zone.secondsFromGMT(for: instant))))
    }

    /// The days of the window `[start, end)` in `zone`, within Amazon's 95 days up to `today`, cut
    /// into reports of at most 31 days. A window's first day may be its predecessor's last (a
    /// window need not start at the zone's midnight): that day is read twice and merged once.
    static func days(from start: Date, to end: Date, in zone: TimeZone, today: CivilDate) -> [ClosedRange<CivilDate>] {
        let first = max(day(of: start, in: zone), today.adding(days: -(AmazonAdsClient.retentionDays - 1)))
        let last = min(day(of: end.addingTimeInterval(-1), in: zone), today)
        guard first <= last else { return [] }
        var chunks: [ClosedRange<CivilDate>] = []
        var cursor = first
        while cursor <= last {
            let chunkEnd = min(last, cursor.adding(days: AmazonAdsClient.maximumRangeDays - 1))
            chunks.append(cursor...chunkEnd)
            cursor = chunkEnd.adding(days: 1)
        }
        return chunks
    }
}

/// One connection's Ads grant for one window: asked of the vault once, asked again (naming the
/// refused token) when Amazon refuses it.
actor AdsConnectionTokens {
    let source: any AdsAccessSource
    let tenantID: UUID
    let connectionID: UUID
    private var current: AdsAccess?
    private var rejected: String?

    init(source: any AdsAccessSource, tenantID: UUID, connectionID: UUID) {
        self.source = source
        self.tenantID = tenantID
        self.connectionID = connectionID
    }

    func grant() async throws -> AdsAccess {
        if let current, current.expiresAt.timeIntervalSinceNow > 60 { return current }
        let fresh = try await source.adsAccess(tenantID: tenantID, connectionID: connectionID, rejectedAccessToken: rejected)
        current = fresh
        rejected = nil
        return fresh
    }

    func token() async throws -> String { try await grant().accessToken }

    func reject() {
        rejected = current?.accessToken
        current = nil
    }
}
