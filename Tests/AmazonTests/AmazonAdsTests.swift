@testable import AmazonSandbox
import Foundation
@testable import OpsideAmazonAds
import OpsideAmazonSPAPI
import OpsideCore
import OpsideTesting
import Testing

/// Sponsored Products spend per SKU and day through the Ads API's reporting v3, against the
/// sandbox's Ads API: its own Login with Amazon application, profiles, Amazon's report limits, the
/// duplicate answered 425, the gzip JSON rows; the sums match what the sandbox made up.
@Suite struct AmazonAdsTests {
    struct Seller {
        let id: String
        let adsRefreshToken: String
        let spapiRefreshToken: String
    }

    static func seller(_ harness: SandboxHarness, seed: Int) async throws -> Seller {
        let body = try await harness.admin("POST", "/_sandbox/sellers", ["seed": seed, "skus": 6, "months": 2], expect: 201)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
        return Seller(id: try #require(json["sellingPartnerId"] as? String), adsRefreshToken: try #require(json["adsRefreshToken"] as? String),
                      spapiRefreshToken: try #require(json["refreshToken"] as? String))
    }

    /// The Ads application's client, or (with `refreshToken` of SP-API's) a client holding the wrong token.
    static func client(_ harness: SandboxHarness, refreshToken: String, spapiToken: Bool = false) -> AmazonAdsClient {
        var lwaSettings = harness.settings
        if !spapiToken {
            lwaSettings.clientID = AmazonAdsSettings.sandboxClientID
            lwaSettings.clientSecret = AmazonAdsSettings.sandboxClientSecret
        }
        let lwa = LoginWithAmazonClient(httpClient: harness.httpClient, settings: lwaSettings, logger: SandboxHarness.logger)
        let settings = AmazonAdsSettings(endpoints: [.northAmerica: harness.baseURL, .europe: harness.baseURL, .farEast: harness.baseURL],
                                         reportPollInitial: .milliseconds(50), reportPollMax: .milliseconds(200), reportTimeout: .seconds(30))
        return AmazonAdsClient(settings: settings, httpClient: harness.httpClient, logger: SandboxHarness.logger) {
            try await lwa.refresh(refreshToken).accessToken
        }
    }

    /// What the sandbox made up for the seller, product by product and day by day: cents by `date|SKU`.
    static func expectedSpend(_ harness: SandboxHarness, seller: String, from start: CivilDate, to end: CivilDate) throws -> [String: Int64] {
        let history = try #require(harness.state.history(for: seller))
        var expected: [String: Int64] = [:]
        for day in start.daysSince1970...end.daysSince1970 {
            for (index, product) in history.products.enumerated() {
                let activity = SandboxAds.spend(seller: seller, product: index, day: day, currency: "USD")
                if activity.impressions > 0 { expected["\(CivilDate(daysSince1970: day))|\(product.sku)"] = activity.costMinor }
            }
        }
        return expected
    }

    @Test func spendPerSKUAndDayIsReadThroughReportingV3() async throws {
        try await SandboxHarness.with { harness in
            let seller = try await Self.seller(harness, seed: 9_101)
            let ads = Self.client(harness, refreshToken: seller.adsRefreshToken)
            let profiles = try await ads.profiles(region: .northAmerica)
            let profile = try #require(profiles.first)
            #expect(profiles.count == 1 && profile.accountInfo.id == seller.id && profile.accountInfo.type == "seller")
            #expect(profile.currencyCode == "USD" && profile.accountInfo.marketplaceStringId == "ATVPDKIKX0DER")

            let today = CivilDate(utcDayOf: harness.state.now)
            let start = today.adding(days: -7), end = today.adding(days: -1)
            // The same request while the first is made (Amazon's clock stands still meanwhile, so it
            // cannot finish in between): Amazon answers 425 naming it, and it is reused.
            _ = try await harness.admin("POST", "/_sandbox/clock", ["freeze": true], expect: 200)
            let first = try await ads.requestSpendReport(region: .northAmerica, profile: profile, start: start, end: end, today: today)
            let again = try await ads.requestSpendReport(region: .northAmerica, profile: profile, start: start, end: end, today: today)
            _ = try await harness.admin("POST", "/_sandbox/clock", ["freeze": false], expect: 200)
            #expect(again == first)
            let url = try await ads.waitForReport(region: .northAmerica, profile: profile, reportID: first)
            let rows = try await ads.downloadSpendRows(url: url, profile: profile)
            let daily = try AmazonAdsClient.dailySpend(rows)

            let read = Dictionary(uniqueKeysWithValues: daily.map { ("\($0.date)|\($0.sku)", $0.cost.amountMinor) })
            #expect(read == (try Self.expectedSpend(harness, seller: seller.id, from: start, to: end)))
            #expect(daily.allSatisfy { $0.cost.currency.code == "USD" })
            #expect(read.values.reduce(0, +) > 0, "the seller spent something on ads that week")
            #expect(rows.allSatisfy { $0.asin != nil && $0.adId != nil && $0.date >= start && $0.date <= end })
        }
    }

    @Test func amazonsLimitsAndTheWrongTokensAreRefused() async throws {
        try await SandboxHarness.with { harness in
            let seller = try await Self.seller(harness, seed: 9_102)
            let ads = Self.client(harness, refreshToken: seller.adsRefreshToken)
            let profile = try #require(try await ads.profiles(region: .northAmerica).first)
            let today = CivilDate(utcDayOf: harness.state.now)
            // Caught before any call: more than 31 days, older than 95 days, the future.
            for (start, end) in [(today.adding(days: -40), today.adding(days: -1)), (today.adding(days: -100), today.adding(days: -90)),
                                 (today, today.adding(days: 1))] {
                await #expect(throws: AmazonAdsError.self) {
                    try await ads.requestSpendReport(region: .northAmerica, profile: profile, start: start, end: end, today: today)
                }
            }
            // The sandbox refuses them too, as Amazon does, when a client does not check.
            let body = Data(#"{"startDate":"\#(today.adding(days: -40))","endDate":"\#(today.adding(days: -1))","configuration":{"adProduct":"SPONSORED_PRODUCTS","reportTypeId":"spAdvertisedProduct","groupBy":["advertiser"],"columns":["date","cost"],"timeUnit":"DAILY","format":"GZIP_JSON"}}"#.utf8)
            let tooLong = await #expect(throws: AmazonAdsError.self) {
                try await ads.send(.POST, region: .northAmerica, path: "/reporting/reports", profile: profile.profileId, body: body)
            }
            #expect(tooLong == .api(status: 400, code: "400", detail: "The date range of a spAdvertisedProduct report is at most 31 days, not 40"))
            // Days are the profile's (Los Angeles here): in its evening, when UTC is already on the
            // next day, its 95th day back is still there and the 96th is not.
            let secondsIntoUTCDay = harness.state.now.timeIntervalSince1970.truncatingRemainder(dividingBy: 86_400)
            _ = harness.state.advance(seconds: (5 * 3_600 - secondsIntoUTCDay + 86_400).truncatingRemainder(dividingBy: 86_400))
            let zone = try #require(TimeZone(identifier: profile.timezone))
            let evening = harness.state.now
            let todayThere = CivilDate(utcDayOf: evening.addingTimeInterval(TimeInterval(zone.secondsFromGMT(for: evening))))
            #expect(todayThere < CivilDate(utcDayOf: evening), "UTC is a day ahead of \(profile.timezone) at \(evening)")
            let oldest = todayThere.adding(days: -(AmazonAdsClient.retentionDays - 1))
            let kept = try await ads.requestSpendReport(region: .northAmerica, profile: profile, start: oldest, end: oldest.adding(days: 2), today: todayThere)
            #expect(!kept.isEmpty, "the 95th day back is kept")
            let gone = Data(#"{"startDate":"\#(oldest.adding(days: -1))","endDate":"\#(oldest)","configuration":{"adProduct":"SPONSORED_PRODUCTS","reportTypeId":"spAdvertisedProduct","groupBy":["advertiser"],"columns":["date","cost"],"timeUnit":"DAILY","format":"GZIP_JSON"}}"#.utf8)
            let tooOld = await #expect(throws: AmazonAdsError.self) {
                try await ads.send(.POST, region: .northAmerica, path: "/reporting/reports", profile: profile.profileId, body: gone)
            }
            #expect(tooOld == .api(status: 400, code: "400", detail: "Report date is too far in the past. Reports are only available for 95 days."))
            let noScope = await #expect(throws: AmazonAdsError.self) {
                try await ads.send(.GET, region: .northAmerica, path: "/reporting/reports/x", profile: nil)
            }
            #expect(noScope == .api(status: 401, code: "UNAUTHORIZED", detail: "Scope header is missing"))
            let otherProfile = await #expect(throws: AmazonAdsError.self) {
                try await ads.send(.GET, region: .northAmerica, path: "/reporting/reports/x", profile: profile.profileId + 1)
            }
            #expect(otherProfile == .api(status: 401, code: "UNAUTHORIZED", detail: "Not authorized to access scope \(profile.profileId + 1)"))
            // SP-API's token is not the Ads application's.
            let spapi = Self.client(harness, refreshToken: seller.spapiRefreshToken, spapiToken: true)
            let wrongToken = await #expect(throws: AmazonAdsError.self) { try await spapi.profiles(region: .northAmerica) }
            #expect(wrongToken.map { if case .api(401, _, _) = $0 { true } else { false } } == true, "\(String(describing: wrongToken))")
            // And the Ads refresh token means nothing to SP-API's application.
            let crossed = Self.client(harness, refreshToken: seller.adsRefreshToken, spapiToken: true)
            await #expect(throws: LWAError.self) { try await crossed.profiles(region: .northAmerica) }
        }
    }

    /// python-amazon-ad-api, an open-source Ads API client, reads the same spend from the sandbox
    /// with its own calls (Tests/Clients/python_ad_api_spend.py), and gets Amazon's 425 for a duplicate.
    @Test func anOpenSourceAdsClientReadsTheSameSpend() async throws {
        // Amazon's clock stands still until the script moves it, so its second request meets the
        // first still in the making however slow the machine.
        try await SandboxHarness.with(SandboxSettings(port: 0, reportProcessingSeconds: 10)) { harness in
            let seller = try await Self.seller(harness, seed: 9_103)
            var lwaSettings = harness.settings
            lwaSettings.clientID = AmazonAdsSettings.sandboxClientID
            lwaSettings.clientSecret = AmazonAdsSettings.sandboxClientSecret
            let token = try await LoginWithAmazonClient(httpClient: harness.httpClient, settings: lwaSettings, logger: SandboxHarness.logger)
                .refresh(seller.adsRefreshToken).accessToken
            let today = CivilDate(utcDayOf: harness.state.now)
            let start = today.adding(days: -5), end = today.adding(days: -1)
            _ = try await harness.admin("POST", "/_sandbox/clock", ["freeze": true], expect: 200)
            let result = try JSONDecoder().decode(JSONValue.self, from: try await ClientScripts.run("python_ad_api_spend.py", settings: [
                "endpoint": harness.baseURL, "clientId": AmazonAdsSettings.sandboxClientID, "clientSecret": AmazonAdsSettings.sandboxClientSecret,
                "refreshToken": seller.adsRefreshToken, "accessToken": token, "startDate": "\(start)", "endDate": "\(end)",
                "processingSeconds": 10,
            ]))
            #expect(result["status"] == .string("COMPLETED") && result["firstStatus"] == .string("PENDING"))
            #expect(result["duplicate"]?["code"] == .number(425), "\(String(describing: result["duplicate"]))")
            let expected = try Self.expectedSpend(harness, seller: seller.id, from: start, to: end)
            #expect(result["spendCents"] == .object(expected.mapValues { .number(Double($0)) }))
        }
    }
}
