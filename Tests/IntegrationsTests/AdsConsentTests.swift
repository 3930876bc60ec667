import AsyncHTTPClient
import Foundation
import Integrations
import OpsideAmazonAds
import OpsideTesting
import Testing

/// Connecting a connection's Amazon Ads account through Login with Amazon's consent (issue 16),
/// bound to the browser that started it like SP-API's consent: the consent URL asks the Ads
/// application's scope, Amazon's redirect comes back with a code, and each way it can go wrong is
/// refused with the reason, leaving nothing connected.
@Suite struct AdsConsentTests {
    /// Login with Amazon's redirect arriving (redirects not followed: a browser's is the answer).
    func adsCallback(_ stack: IntegrationsStack, _ query: String, token: String?, cookie: String?, page: Bool = false) async throws -> RawHTTP.Reply {
        var headers = token.map { ["Authorization": "Bearer \($0)"] } ?? [:]
        if let cookie { headers["Cookie"] = cookie }
        if page { headers["Accept"] = "text/html" }
        return try await RawHTTP.request(port: stack.mainAPI.port, target: "/api/v1/amazon/ads/callback?" + query, headers: headers)
    }

    @Test func theAdsConsentConnectsOnceInTheBrowserThatStartedItAndRefusesTheRest() async throws {
        let stack = try await IntegrationsStack.start()
        defer { Task { await stack.stop() } }
        let seller = try await stack.sandbox.createSeller(seed: 7311)
        let (session, _) = try await TestSignUp.signUp(stack.mainAPI, email: "ads-consent@acme.test")
        let connected = try await stack.api(.POST, "/api/v1/amazon/connections/refresh-token", token: session, json: """
            {"refreshToken":"\(seller.refreshToken)","sellingPartnerId":"\(seller.sellingPartnerId)","region":"na"}
            """)
        #expect(connected.status == 201, "\(connected.text)")
        let connection = try (try connected.json()["id"] as? String).unwrap("the connection id")
        let consentPath = "/api/v1/amazon/connections/\(connection)/ads/consent-url"

        func start() async throws -> (url: String, cookie: String, query: String) {
            let link = try await stack.api(.POST, consentPath, token: session, json: "{}")
            #expect(link.status == 200, "\(link.text)")
            let url = try (try link.json()["consentUrl"] as? String).unwrap("consentUrl")
            let cookie = try IntegrationsStack.consentCookie(link)
            #expect(cookie.attributes.contains("Path=/api/v1/amazon/ads/callback") && cookie.attributes.contains("HttpOnly"), "\(cookie.attributes)")
            let redirect = try await stack.sandbox.approveAds(consentURL: url, sellingPartnerID: seller.sellingPartnerId)
            return (url, cookie.pair, try redirect.percentEncodedQuery.unwrap("the callback query"))
        }

        // The link is Login with Amazon's, for the Ads application, its scope and our return URL.
        let first = try await start()
        let items = Dictionary(uniqueKeysWithValues: (URLComponents(string: first.url)?.queryItems ?? []).map { ($0.name, $0.value ?? "") })
        #expect(first.url.hasPrefix(stack.sandbox.baseURL + "/ap/oa?"))
        #expect(items["client_id"] == AmazonAdsSettings.sandboxClientID && items["scope"] == "advertising::campaign_management")
        #expect(items["response_type"] == "code" && items["redirect_uri"] == AmazonAdsSettings.defaultRedirectURI)

        // Another browser (no cookie) is refused and the state stays usable; SP-API's callback does not know it.
        let otherBrowser = try await adsCallback(stack, first.query, token: session, cookie: nil)
        #expect(otherBrowser.status == 403 && String(decoding: otherBrowser.payload, as: UTF8.self).contains("oauth_state_other_browser"), "\(String(decoding: otherBrowser.payload, as: UTF8.self))")
        let state = try (URLComponents(string: "x:?" + first.query)?.queryItems?.first { $0.name == "state" }?.value).unwrap("state")
        let wrongFlow = try await stack.callback("state=\(state)&spapi_oauth_code=ANDMx", token: session, cookie: first.cookie)
        #expect(wrongFlow.status == 400 && wrongFlow.text.contains("oauth_state_unknown"), "\(wrongFlow.text)")
        #expect(try await stack.database.count("SELECT count(*) FROM integrations.amazon_ads_authorizations") == 0)

        // The browser that started it: connected, once.
        let done = try await adsCallback(stack, first.query, token: session, cookie: first.cookie)
        #expect(done.status == 201, "\(String(decoding: done.payload, as: UTF8.self))")
        #expect(String(decoding: done.payload, as: UTF8.self).contains("\"marketplaceId\":\"\(seller.marketplaceIds.first ?? "")\""), "\(String(decoding: done.payload, as: UTF8.self))")
        let replay = try await adsCallback(stack, first.query, token: session, cookie: first.cookie)
        #expect(replay.status == 409 && String(decoding: replay.payload, as: UTF8.self).contains("oauth_state_used"), "\(String(decoding: replay.payload, as: UTF8.self))")

        // A browser is sent to the Advertising page; a declined consent says so there.
        let again = try await start()
        let page = try await adsCallback(stack, again.query, token: session, cookie: again.cookie, page: true)
        #expect(page.status == 303)
        let location = page.header("location") ?? ""
        #expect(location.hasPrefix("/app/advertising?connection=\(connection)&notice="), "\(location)")
        let declined = try await adsCallback(stack, "error=access_denied&state=whatever", token: session, cookie: nil, page: true)
        let refusal = declined.header("location") ?? ""
        #expect(declined.status == 303 && refusal.hasPrefix("/app/advertising?error="), "\(refusal)")
        #expect(try await stack.database.count("SELECT count(*) FROM integrations.amazon_ads_authorizations") == 1)

        // Not for another tenant's connection.
        let (stranger, _) = try await TestSignUp.signUp(stack.mainAPI, email: "ads-stranger@other.test")
        #expect(try await stack.api(.POST, consentPath, token: stranger, json: "{}").status == 404)
    }
}
