import AsyncHTTPClient
import Foundation
@testable import InventorySync
import InventorySyncTesting
import NIOHTTP1
import OpsideAmazonAds
import OpsideAmazonData
import OpsideAmazonSPAPI
import OpsideCore
import OpsideEvents
import OpsidePostgres
import OpsideTesting
import OpsideTransport
import Testing

/// Advertising spend end to end (issue 16): a seller's Amazon Ads account connected through
/// main-api to integrations' Ads vault, `amazon.ads_connected` reaching inventory-sync, whose
/// sync reads Sponsored Products spend per SKU and day from the sandbox's Ads API, once, and shows
/// it beside the SKU's sales.
@Suite(.serialized) struct AdsSpendTests {
    /// The spend Amazon reports for `start...end`, read straight from the sandbox's Ads API with the
    /// Ads client (tested on its own against the open-source client): "date|sku" → minor units.
    static func groundTruth(_ sandbox: InventorySyncSandbox, adsRefreshToken: String, start: CivilDate,
                            end: CivilDate) async throws -> [String: Int64] {
        var lwaSettings = sandbox.spapi
        lwaSettings.clientID = sandbox.settings.adsClientID
        lwaSettings.clientSecret = sandbox.settings.adsClientSecret
        let lwa = LoginWithAmazonClient(httpClient: HTTPClient.shared, settings: lwaSettings, logger: InventorySyncSandbox.logger)
        let settings = AmazonAdsSettings(endpoints: [.northAmerica: sandbox.baseURL], reportPollInitial: .milliseconds(50),
                                         reportPollMax: .milliseconds(200), reportTimeout: .seconds(30))
        let client = AmazonAdsClient(settings: settings, httpClient: HTTPClient.shared, logger: InventorySyncSandbox.logger) {
            try await lwa.refresh(adsRefreshToken).accessToken
        }
        let profile = try #require(try await client.profiles(region: .northAmerica).first)
        var truth: [String: Int64] = [:]
        var cursor = start
        while cursor <= end {
            let last = min(end, cursor.adding(days: 30))
            let rows = try await client.spend(region: .northAmerica, profile: profile, start: cursor, end: last, today: end)
            for day in try AmazonAdsClient.dailySpend(rows) { truth["\(day.date)|\(day.sku)"] = day.cost.amountMinor }
            cursor = last.adding(days: 1)
        }
        return truth
    }

    static func synced(_ database: TestDatabase, connection: String) async throws -> [String: Int64] {
        var synced: [String: Int64] = [:]
        for row in try await database.strings("""
            SELECT date::text || '|' || seller_sku || '=' || cost_minor FROM amazon.ads_spend WHERE connection_id = '\(connection)'
            """) {
            let parts = row.split(separator: "=")
            synced[String(parts[0])] = Int64(parts[1])
        }
        return synced
    }

    @Test func connectingAmazonAdsSyncsEachSKUsDailySpendOnceAndShowsItBesideTheSales() async throws {
        let database = try await TestDatabase.create()
        let sandbox = try await InventorySyncSandbox.start()
        let path = try await ProductionPath.start(database: database, sandbox: sandbox, inventoryOverrides: [
            "ads.reportPollSeconds": "0.05", "ads.reportPollMaxSeconds": "0.2", "ads.reportTimeoutSeconds": "60"])
        let mainAPI = path.mainAPI
        defer { Task { await path.stop(); await sandbox.stop() } }

        let seller = try await sandbox.createSeller(seed: 5207, skus: 4, months: 2)
        let adsToken = try seller.adsRefreshToken.unwrap("the sandbox seller's Ads refresh token")
        let (session, _) = try await TestSignUp.signUp(mainAPI, email: "ads@acme.test")
        let auth = ["authorization": "Bearer \(session)"]
        let connect = try await TestHTTP.request(.POST, mainAPI.baseURL + "/api/v1/amazon/connections/refresh-token", json: """
            {"refreshToken":"\(seller.refreshToken)","sellingPartnerId":"\(seller.sellingPartnerId)","region":"na"}
            """, headers: auth)
        #expect(connect.status == 201, "connect answered \(connect.status) \(connect.text)")
        let connection = try (try connect.json()["id"] as? String).unwrap("the connection id")
        let ads = mainAPI.baseURL + "/api/v1/amazon/connections/\(connection)/ads"

        // Not connected yet: said so, in the Ads vault's own words.
        let none = try await TestHTTP.request(.GET, ads, headers: auth)
        #expect(none.status == 404 && none.text.contains("ads_not_connected"), "\(none.status) \(none.text)")
        // SP-API's refresh token is not the Ads application's: Amazon refuses it, nothing is kept.
        let wrongToken = try await TestHTTP.request(.POST, ads, json: #"{"refreshToken":"\#(seller.refreshToken)"}"#, headers: auth)
        #expect(wrongToken.status == 422 && wrongToken.text.contains("ads_refresh_token_rejected"), "\(wrongToken.status) \(wrongToken.text)")
        let otherMarketplace = try await TestHTTP.request(.POST, ads, json: #"{"refreshToken":"\#(adsToken)","marketplaceId":"A1PA6795UKMFR9"}"#,
                                                          headers: auth)
        #expect(otherMarketplace.status == 422 && otherMarketplace.text.contains("marketplaceId"), "\(otherMarketplace.text)")
        #expect(try await database.count("SELECT count(*) FROM integrations.amazon_ads_authorizations") == 0)

        let connected = try await TestHTTP.request(.POST, ads, json: #"{"refreshToken":"  \#(adsToken)\n"}"#, headers: auth)
        #expect(connected.status == 201, "\(connected.status) \(connected.text)")
        let authorization = try connected.json()
        #expect(authorization["marketplaceId"] as? String == seller.marketplaceIds.first)
        #expect(authorization["currencyCode"] as? String == "USD" && authorization["status"] as? String == "active")
        #expect(!connected.text.contains(adsToken), "the token never leaves the vault")
        #expect(try await database.count("SELECT count(*) FROM integrations.amazon_ads_authorizations WHERE position('Atzr' in encode(sealed, 'escape')) > 0") == 0)
        let again = try await TestHTTP.request(.POST, ads, json: #"{"refreshToken":"\#(adsToken)"}"#, headers: auth)
        #expect(again.status == 200, "connecting again replaces: \(again.status) \(again.text)")

        // inventory-sync syncs the 95 days Amazon keeps, per SKU and day, exactly as Amazon reports them.
        let succeeded = try await eventually(timeout: .seconds(120), every: .milliseconds(300)) {
            try await database.count("SELECT count(*) FROM amazon.sync_runs WHERE dataset = 'ads_spend' AND state = 'succeeded'") >= 1
        }
        let states = try await database.strings("SELECT dataset || '=' || state || ' ' || coalesce(error_message, '') FROM amazon.sync_runs WHERE dataset = 'ads_spend'")
        #expect(succeeded, "\(states)")
        let zone = try #require(TimeZone(identifier: "America/Los_Angeles"))
        let today = CivilDate(utcDayOf: Date().addingTimeInterval(TimeInterval(zone.secondsFromGMT(for: Date()))))
        let first = today.adding(days: -(AmazonAdsClient.retentionDays - 1))
        let truth = try await Self.groundTruth(sandbox, adsRefreshToken: adsToken, start: first, end: today)
        let synced = try await Self.synced(database, connection: connection)
        #expect(!truth.isEmpty)
        #expect(synced == truth, "synced \(synced.count) SKU-days, Amazon reports \(truth.count)")
        #expect(try await database.count("SELECT count(*) FROM amazon.sync_schedules WHERE dataset = 'ads_spend' AND interval_seconds = 86400") == 1)
        // The shared read model gives claim-detector the same spend, under the tenant's row-level security.
        let tenant = try await database.strings("SELECT tenant_id::text FROM amazon.ads_spend LIMIT 1")[0]
        let pool = Database(settings: database.settings(for: .claimDetector), logger: TestEnvironment.logger)
        let read: [String: Int64] = try await withThrowingTaskGroup(of: [String: Int64]?.self) { group in
            group.addTask { await pool.client.run(); return nil }
            defer { group.cancelAll() }
            var read: [String: Int64] = [:]
            for try await record in AmazonDataReader(database: pool, pageSize: 50).adsSpend(tenant: try UUID(uuidString: tenant).unwrap("tenant")) {
                read["\(record.date)|\(record.sellerSKU)"] = record.cost?.amountMinor
            }
            return read
        }
        #expect(read == truth)

        // Synced again (the last three days are read again daily): nothing is counted twice.
        let rerun = try await TestHTTP.request(.POST, mainAPI.baseURL + "/api/v1/amazon/connections/\(connection)/syncs",
                                               json: #"{"dataset":"ads_spend"}"#, headers: auth)
        #expect(rerun.status == 202, "\(rerun.text)")
        #expect(try await eventually(timeout: .seconds(60), every: .milliseconds(200)) {
            try await database.count("SELECT count(*) FROM amazon.sync_runs WHERE dataset = 'ads_spend' AND state = 'succeeded'") >= 2
        })
        #expect(try await Self.synced(database, connection: connection) == truth)

        // The spend beside the sales: the API's totals are the synced rows' sums.
        let from = today.adding(days: -29)
        let report = try await TestHTTP.request(.GET, mainAPI.baseURL + "/api/v1/amazon/connections/\(connection)/ads-spend?from=\(from)&to=\(today)",
                                                headers: auth)
        #expect(report.status == 200, "\(report.text)")
        let body = try report.json()
        let totals = try (body["totals"] as? [String: Any]).unwrap("totals")
        let adCost = try ((totals["adCost"] as? [String: Any])?["amountMinor"] as? Int).unwrap("the total ad cost")
        let expected = truth.filter { key, _ in (CivilDate(iso: key.prefix(10)).map { $0 >= from && $0 <= today }) ?? false }.values.reduce(0, +)
        #expect(Int64(adCost) == expected)
        let skus = try (body["skus"] as? [[String: Any]]).unwrap("skus")
        #expect((body["days"] as? [Any])?.count == 30)
        #expect(skus.allSatisfy { ($0["dailyCostMinor"] as? [Int])?.count == 30 })
        let costs = skus.compactMap { ($0["adCost"] as? [String: Any])?["amountMinor"] as? Int }
        #expect(costs == costs.sorted(by: >), "most spent first")
        let badRange = try await TestHTTP.request(.GET, mainAPI.baseURL + "/api/v1/amazon/connections/\(connection)/ads-spend?from=\(today)&to=\(from)",
                                                  headers: auth)
        #expect(badRange.status == 422)

        // Another tenant sees none of it.
        let (stranger, _) = try await TestSignUp.signUp(mainAPI, email: "ads-stranger@other.test")
        let theirs = ["authorization": "Bearer \(stranger)"]
        #expect(try await TestHTTP.request(.GET, ads, headers: theirs).status == 404)
        #expect(try await TestHTTP.request(.GET, mainAPI.baseURL + "/api/v1/amazon/connections/\(connection)/ads-spend", headers: theirs).status == 404)
        #expect(try await TestHTTP.request(.DELETE, ads, headers: theirs).status == 404)

        // A late `amazon.ads_disconnected` (events can arrive out of order) leaves a connected account's
        // schedule alone: inventory-sync asks the Ads vault what holds now.
        let connectionID = try UUID(uuidString: connection).unwrap("the connection id")
        try await InventorySyncDisconnectTests.announce(AmazonAdsDisconnected(connectionId: connectionID),
                                                        tenant: try UUID(uuidString: tenant).unwrap("tenant"), by: .integrations, database)
        #expect(try await eventually(timeout: .seconds(30)) {
            try await database.count("SELECT count(*) FROM platform.jobs WHERE kind = 'inventory-sync.ads-disconnected' AND state = 'completed'") == 1
        })
        #expect(try await database.count("SELECT count(*) FROM amazon.sync_schedules WHERE dataset = 'ads_spend'") == 1)

        // Disconnected: no more Ads tokens, the schedule goes, the spend stays; a sync of it says why it cannot run.
        let disconnected = try await TestHTTP.request(.DELETE, ads, headers: auth)
        #expect(disconnected.status == 200, "\(disconnected.text)")
        #expect(try await eventually(timeout: .seconds(30)) {
            try await database.count("SELECT count(*) FROM amazon.sync_schedules WHERE dataset = 'ads_spend'") == 0
        })
        #expect(try await TestHTTP.request(.GET, ads, headers: auth).status == 404)
        #expect(try await Self.synced(database, connection: connection) == truth)
        let all = try await TestHTTP.request(.POST, mainAPI.baseURL + "/api/v1/amazon/connections/\(connection)/syncs",
                                             json: #"{"dataset":"all"}"#, headers: auth)
        #expect(all.status == 202 && !all.text.contains("ads_spend"), "\"all\" leaves out spend without Ads: \(all.text)")
        let refused = try await TestHTTP.request(.POST, mainAPI.baseURL + "/api/v1/amazon/connections/\(connection)/syncs",
                                                 json: #"{"dataset":"ads_spend"}"#, headers: auth)
        let runID = try (((try refused.json()["runs"] as? [[String: Any]])?.first)?["runId"] as? String).unwrap("a run id")
        #expect(try await eventually(timeout: .seconds(60), every: .milliseconds(200)) {
            let run = try await TestHTTP.request(.GET, mainAPI.baseURL + "/api/v1/amazon/syncs/\(runID)", headers: auth)
            return (try? run.json()["state"] as? String) == "failed" && run.text.contains("Amazon Ads account is not connected")
        })
    }

    /// A window's days in the profile's time zone: within the 95 days Amazon keeps, never past
    /// its today, cut into reports of 31 days at most, no day left out between two windows.
    @Test func aWindowsDaysStayWithinAmazonsLimitsInTheProfilesTimeZone() throws {
        let zone = try #require(TimeZone(identifier: "America/Los_Angeles"))
        let today = CivilDate(year: 2026, month: 12, day: 6)
        // 02:00 UTC on the 7th is still the 6th in Los Angeles.
        let now = try #require(ISO8601DateFormatter().date(from: "2026-12-07T02:00:00Z"))
        let backfill = now.addingTimeInterval(-95 * 86_400)
        var windows: [ClosedRange<CivilDate>] = []
        var cursor = backfill
        while cursor < now {
            let end = min(now, cursor.addingTimeInterval(31 * 86_400))
            windows += AdsSpendWindowFetcher.days(from: cursor, to: end, in: zone, today: today)
            cursor = end
        }
        #expect(windows.allSatisfy { $0.upperBound.daysSince1970 - $0.lowerBound.daysSince1970 < 31 })
        #expect(windows.first?.lowerBound == today.adding(days: -94))
        #expect(windows.last?.upperBound == today)
        for (before, after) in zip(windows, windows.dropFirst()) {
            #expect(after.lowerBound.daysSince1970 <= before.upperBound.daysSince1970 + 1, "no day is skipped between \(before) and \(after)")
        }
        // A window wholly before what Amazon keeps asks nothing.
        #expect(AdsSpendWindowFetcher.days(from: backfill.addingTimeInterval(-40 * 86_400), to: backfill.addingTimeInterval(-9 * 86_400),
                                           in: zone, today: today).isEmpty)
    }
}
