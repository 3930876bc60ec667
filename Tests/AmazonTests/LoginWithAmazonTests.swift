import AmazonSandbox
import AsyncHTTPClient
import Foundation
import OpsideAmazonSPAPI
import OpsideTesting
import Testing

@Suite("Login with Amazon against the sandbox")
struct LoginWithAmazonTests {
    @Test func refreshTokenGrantAuthorizesCallsAndRevocationGivesInvalidGrant() async throws {
        try await SandboxHarness.with() { harness in
            let seller = try await harness.createSeller(seed: 101)
            let (client, _) = harness.client()
            let api = client.api(for: harness.connection(for: seller))
            let participations = try await api.getMarketplaceParticipations()
            #expect(participations.first?.marketplace.id == "ATVPDKIKX0DER")

            try await harness.admin("POST", "/_sandbox/sellers/\(seller.sellingPartnerId)/revoke", nil, expect: 200)
            let (freshClient, _) = harness.client()
            do {
                _ = try await freshClient.api(for: harness.connection(for: seller)).getMarketplaceParticipations()
                Issue.record("a revoked refresh token must not authorize a call")
            } catch let SPAPIError.authorization(error) {
                #expect(error.code == "invalid_grant")
                #expect(error.needsReauthorization)
            }
        }
    }

    @Test func wrongClientSecretIsInvalidClient() async throws {
        try await SandboxHarness.with() { harness in
            var settings = harness.settings
            settings.clientSecret = "not-the-secret"
            let lwa = LoginWithAmazonClient(httpClient: harness.httpClient, settings: settings, logger: SandboxHarness.logger)
            await #expect(throws: LWAError(code: "invalid_client", message: "Client authentication failed", status: 401)) {
                try await lwa.clientCredentials(scopes: [notificationsGrantlessScope])
            }
            let granted = try await LoginWithAmazonClient(httpClient: harness.httpClient, settings: harness.settings, logger: SandboxHarness.logger)
                .clientCredentials(scopes: [notificationsGrantlessScope])
            #expect(granted.accessToken.hasPrefix("Atza|"))
            #expect(granted.refreshToken == nil)
        }
    }

    /// Consent page → approve → redirect with the code; the code works once, within five minutes.
    @Test func authorizationCodeIsSingleUseAndExpiresAfterFiveMinutes() async throws {
        let redirect = "https://app.opside.test/amazon/callback"
        try await SandboxHarness.with(SandboxSettings(port: 0, reportProcessingSeconds: 0.6, redirectURIs: [redirect])) { harness in
            let seller = try await harness.createSeller(seed: 102)
            let lwa = LoginWithAmazonClient(httpClient: harness.httpClient, settings: harness.settings, logger: SandboxHarness.logger)

            func consentCode() async throws -> String {
                let page = try await harness.admin("GET", "/apps/authorize/consent?application_id=amzn1.sellerapps.app.opside-sandbox&state=xyz&version=beta&redirect_uri=\(redirect)", nil, expect: 200)
                #expect(String(decoding: page, as: UTF8.self).contains(seller.sellingPartnerId))
                var request = HTTPClientRequest(url: harness.baseURL + "/apps/authorize/consent")
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
                request.body = .bytes(.init(string: "application_id=amzn1.sellerapps.app.opside-sandbox&state=xyz&redirect_uri=\(redirect)&selling_partner_id=\(seller.sellingPartnerId)"))
                // The browser would follow the redirect; the test reads it instead.
                let noRedirects = HTTPClient(eventLoopGroupProvider: .singleton,
                                             configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))
                let response: HTTPClientResponse
                do {
                    response = try await noRedirects.execute(request, timeout: .seconds(10))
                    try await noRedirects.shutdown()
                } catch {
                    try? await noRedirects.shutdown()
                    throw error
                }
                #expect(response.status.code == 302)
                let location = try #require(response.headers.first(name: "Location"))
                let items = try #require(URLComponents(string: location)?.queryItems)
                #expect(items.first { $0.name == "state" }?.value == "xyz")
                #expect(items.first { $0.name == "selling_partner_id" }?.value == seller.sellingPartnerId)
                return try #require(items.first { $0.name == "spapi_oauth_code" }?.value)
            }

            let code = try await consentCode()
            let token = try await lwa.exchangeAuthorizationCode(code, redirectURI: redirect)
            #expect(token.refreshToken?.hasPrefix("Atzr|") == true)
            let usedAgain = await #expect(throws: LWAError.self) { try await lwa.exchangeAuthorizationCode(code, redirectURI: redirect) }
            #expect(usedAgain?.code == "invalid_grant")

            let late = try await consentCode()
            try await harness.admin("POST", "/_sandbox/clock", ["advanceSeconds": 301], expect: 200)
            let expired = await #expect(throws: LWAError.self) { try await lwa.exchangeAuthorizationCode(late, redirectURI: redirect) }
            #expect(expired?.code == "invalid_grant")

            // The refresh token from the first exchange authorizes SP-API calls.
            let (client, _) = harness.client()
            let connection = SPAPIConnection.seller(seller.sellingPartnerId, region: .northAmerica, refreshToken: try #require(token.refreshToken))
            #expect(try await client.api(for: connection).getMarketplaceParticipations().count == 1)
        }
    }

    /// The consent page sends the seller back only to a registered redirect URI (the first one when
    /// none is named), on the page and again on the posted form; anything else is MD5101.
    @Test func consentRedirectsOnlyToRegisteredRedirectURIs() async throws {
        #expect(SandboxSettings().redirectURIs.contains("http://127.0.0.1:8000/api/v1/amazon/callback"))
        let registered = ["https://app.opside.test/amazon/callback", "https://staging.opside.test/amazon/callback"]
        try await SandboxHarness.with(SandboxSettings(port: 0, reportProcessingSeconds: 0.6, redirectURIs: registered)) { harness in
            let seller = try await harness.createSeller(seed: 105)
            let consent = "/apps/authorize/consent?application_id=amzn1.sellerapps.app.opside-sandbox&state=s1&version=beta"
            let refused = try await harness.admin("GET", consent + "&redirect_uri=https://evil.example/steal", nil, expect: 400)
            #expect(String(decoding: refused, as: UTF8.self).contains("MD5101"))
            let page = String(decoding: try await harness.admin("GET", consent, nil, expect: 200), as: UTF8.self)
            #expect(page.contains("value=\"\(registered[0])\""))
            let second = String(decoding: try await harness.admin("GET", consent + "&redirect_uri=\(registered[1])", nil, expect: 200), as: UTF8.self)
            #expect(second.contains("value=\"\(registered[1])\""))

            let noRedirects = HTTPClient(eventLoopGroupProvider: .singleton, configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))
            func approve(_ redirect: String) async throws -> HTTPClientResponse {
                var request = HTTPClientRequest(url: harness.baseURL + "/apps/authorize/consent")
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
                request.body = .bytes(.init(string: "application_id=amzn1.sellerapps.app.opside-sandbox&state=s1&redirect_uri=\(redirect)&selling_partner_id=\(seller.sellingPartnerId)"))
                return try await noRedirects.execute(request, timeout: .seconds(10))
            }
            do {
                // A tampered form is refused too; an empty one goes to the first registered URI.
                #expect(try await approve("https://evil.example/steal").status.code == 400)
                let response = try await approve("")
                #expect(response.status.code == 302)
                #expect(response.headers.first(name: "Location")?.hasPrefix(registered[0] + "?") == true)
                try await noRedirects.shutdown()
            } catch {
                try? await noRedirects.shutdown()
                throw error
            }
        }
    }

    @Test func manyConcurrentCallersShareOneRefresh() async throws {
        try await SandboxHarness.with() { harness in
            let seller = try await harness.createSeller(seed: 103)
            let (_, cache) = harness.client()
            let connection = harness.connection(for: seller)
            let tokens = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<64 { group.addTask { try await cache.accessToken(for: connection) } }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(tokens.count == 1)
            #expect(try await harness.tokenRefreshes(seller.sellingPartnerId) == 1)
            #expect(await cache.refreshCount == 1)
            // Cached: more callers, still one refresh.
            _ = try await cache.accessToken(for: connection)
            #expect(try await harness.tokenRefreshes(seller.sellingPartnerId) == 1)
        }
    }

    @Test func expiredAccessTokenIsRefreshedOnceAndTheCallSucceeds() async throws {
        try await SandboxHarness.with() { harness in
            let seller = try await harness.createSeller(seed: 104)
            let (client, _) = harness.client()
            let api = client.api(for: harness.connection(for: seller))
            _ = try await api.getInventorySummaries(marketplaceID: "ATVPDKIKX0DER")
            try await harness.installFaults(["sellingPartnerId": seller.sellingPartnerId, "expireAccessTokens": ["count": 1]])
            let page = try await api.getInventorySummaries(marketplaceID: "ATVPDKIKX0DER")
            #expect(page.payload?.inventorySummaries.isEmpty == false)
            #expect(try await harness.tokenRefreshes(seller.sellingPartnerId) == 2)

            // An access token that stays rejected is retried once only, then surfaces as a typed error.
            try await harness.installFaults(["sellingPartnerId": seller.sellingPartnerId, "expireAccessTokens": ["rate": 1.0]])
            let error = await #expect(throws: SPAPIError.self) { try await api.getInventorySummaries(marketplaceID: "ATVPDKIKX0DER") }
            #expect(error?.code == "Unauthorized")
            #expect(error?.requestID != nil)
        }
    }
}
