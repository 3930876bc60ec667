import AmazonSandbox
import AsyncHTTPClient
import Foundation
import Integrations
import Logging
import NIOCore
import NIOHTTP1
import OpsideAmazonSPAPI
import OpsideCore
import OpsideJobs
import OpsidePostgres
import OpsideTesting
import PostgresNIO
import ServiceLifecycle
import Testing

/// Sandbox, integrations and main-api, wired together as in production.
struct IntegrationsStack {
    let database: TestDatabase
    let sandbox: IntegrationsSandbox
    let integrations: RunningService
    let mainAPI: RunningService
    let clocks: ServiceClocks

    /// - Parameter clocks: the clocks integrations and main-api share (one wall clock judges both
    ///   services' tokens).
    /// - Parameter notifications: integrations reads Amazon's notifications from the sandbox's queue.
    static func start(integrationsOverrides: [String: String] = [:], clocks: ServiceClocks = .system,
                      notifications: Bool = false) async throws -> IntegrationsStack {
        let database = try await TestDatabase.create()
        let sandbox = try await IntegrationsSandbox.start()
        let overrides = sandbox.amazonOverrides.merging(notifications ? sandbox.notificationOverrides : [:]) { $1 }
        let integrations = try await RunningService.start(
            .integrations, database: database, overrides: overrides.merging(integrationsOverrides) { $1 }, clocks: clocks)
        let mainAPI = try await RunningService.start(.mainAPI, database: database,
                                                     overrides: ["services.integrations.url": integrations.baseURL], clocks: clocks)
        return IntegrationsStack(database: database, sandbox: sandbox, integrations: integrations, mainAPI: mainAPI, clocks: clocks)
    }

    func stop() async {
        await mainAPI.stop()
        await integrations.stop()
        await sandbox.stop()
    }

    func api(_ method: HTTPMethod, _ path: String, token: String?, json: String? = nil) async throws -> TestHTTP.Reply {
        try await TestHTTP.request(method, mainAPI.baseURL + path, json: json,
                                   headers: token.map { ["authorization": "Bearer \($0)"] } ?? [:])
    }

    /// Starts connecting as the signed-in user and plays the seller's approval.
    /// - Returns: the callback's query string, the state the API handed out and the consent
    ///   cookie (`name=value`) the starting browser was given.
    func consentAndApprove(token: String, sellingPartnerID: String) async throws -> (query: String, state: String, cookie: String) {
        let consent = try await api(.POST, "/api/v1/amazon/connections/consent-url", token: token, json: #"{"region":"na"}"#)
        guard consent.status == 200 else { throw TestFailure(description: "consent-url answered \(consent.status): \(consent.text)") }
        let json = try consent.json()
        let url = try (json["consentUrl"] as? String).unwrap("consentUrl")
        let state = try (json["state"] as? String).unwrap("state")
        let cookie = try Self.consentCookie(consent).pair
        let location = try await sandbox.approve(consentURL: url, sellingPartnerID: sellingPartnerID)
        return (try location.percentEncodedQuery.unwrap("a callback query"), state, cookie)
    }

    /// The consent cookie a consent-url answer sets: its `name=value` and its attributes.
    static func consentCookie(_ reply: TestHTTP.Reply) throws -> (pair: String, value: String, attributes: [String]) {
        let header = try reply.headers.first { $0.0.lowercased() == "set-cookie" && $0.1.hasPrefix("opside_amazon_consent_") }
            .unwrap("a consent Set-Cookie header").1
        let parts = header.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        let pair = try parts.first.unwrap("name=value")
        let value = try pair.split(separator: "=", maxSplits: 1).dropFirst().first.map(String.init).unwrap("a cookie value")
        return (pair, value, Array(parts.dropFirst()))
    }

    /// Amazon's redirect arriving in a browser with `token`'s session (if any) and `cookie` (if any).
    func callback(_ query: String, token: String?, cookie: String? = nil) async throws -> TestHTTP.Reply {
        var headers = token.map { ["authorization": "Bearer \($0)"] } ?? [:]
        if let cookie { headers["cookie"] = cookie }
        return try await TestHTTP.request(.GET, mainAPI.baseURL + "/api/v1/amazon/callback?" + query, headers: headers)
    }

    /// The vault, asked by inventory-sync for `tenant`.
    func accessToken(connection: String, tenant: String?, body: String = "{}") async throws -> TestHTTP.Reply {
        try await Self.accessToken(integrations, connection: connection, tenant: tenant, body: body, now: clocks.now)
    }

    /// - Parameter now: the clock integrations judges tokens by.
    static func accessToken(_ integrations: RunningService, connection: String, tenant: String?, body: String = "{}",
                            now: @escaping @Sendable () -> Date = Date.init) async throws -> TestHTTP.Reply {
        let authority = await ServiceTokenAuthority(secret: TestEnvironment.serviceTokenSecret, service: .inventorySync, now: now)
        let token = try await authority.token(for: .integrations, tenantID: tenant.flatMap(UUID.init(uuidString:)))
        return try await TestHTTP.request(.POST, integrations.baseURL + "/internal/amazon/connections/\(connection)/access-token",
                                          json: body, headers: ["authorization": "Bearer \(token)"])
    }
}

@Suite struct IntegrationsTests {
    /// The sealed token of a connection, read as the superuser (the test's view of the table).
    static func sealedToken(_ database: TestDatabase, connection: String) async throws -> SealedRefreshToken? {
        try await database.withSuperuser { db in
            let rows = try await db.query("""
                SELECT key_id, sealed FROM integrations.amazon_refresh_tokens WHERE connection_id = \(UUID(uuidString: connection))
                """, logger: TestEnvironment.logger)
            for try await (keyID, sealed) in rows.decode((String, ByteBuffer).self) {
                return SealedRefreshToken(keyID: keyID, sealed: Array(sealed.readableBytesView))
            }
            return nil
        }
    }

    /// How many rows of the integrations tables contain `text`, as bytes or in their text form.
    static func rowsContaining(_ text: String, _ database: TestDatabase) async throws -> Int {
        try await database.withSuperuser { db in
            let rows = try await db.query("""
                SELECT (SELECT count(*) FROM integrations.amazon_refresh_tokens t
                        WHERE position(convert_to(\(text), 'UTF8') IN t.sealed) > 0 OR strpos(t::text, \(text)) > 0)
                     + (SELECT count(*) FROM integrations.amazon_connections c WHERE strpos(c::text, \(text)) > 0)
                     + (SELECT count(*) FROM integrations.oauth_states s
                        WHERE position(convert_to(\(text), 'UTF8') IN s.state_hash) > 0 OR strpos(s::text, \(text)) > 0)
                """, logger: TestEnvironment.logger)
            for try await count in rows.decode(Int64.self) { return Int(count) }
            return -1
        }
    }

    @Test func consentFlowConnectsTheSellerAndKeepsOnlyAnEncryptedToken() async throws {
        let stack = try await IntegrationsStack.start()
        defer { Task { await stack.stop() } }
        let seller = try await stack.sandbox.createSeller(seed: 7)
        let (session, tenant) = try await TestSignUp.signUp(stack.mainAPI, email: "consent@acme.test")

        let consent = try await stack.api(.POST, "/api/v1/amazon/connections/consent-url", token: session, json: #"{"region":"na"}"#)
        #expect(consent.status == 200, "consent-url answered \(consent.text)")
        let consentJSON = try consent.json()
        let consentURL = try (consentJSON["consentUrl"] as? String).unwrap("consentUrl")
        let state = try (consentJSON["state"] as? String).unwrap("state")
        let cookie = try IntegrationsStack.consentCookie(consent).pair
        let query = URLComponents(string: consentURL)?.queryItems ?? []
        #expect(consentURL.hasPrefix(stack.sandbox.baseURL + "/apps/authorize/consent?"))
        #expect(query.first { $0.name == "state" }?.value == state)
        #expect(query.first { $0.name == "application_id" }?.value == "amzn1.sellerapps.app.opside-sandbox")
        #expect(query.first { $0.name == "redirect_uri" }?.value == "http://127.0.0.1:8000/api/v1/amazon/callback")
        #expect(query.first { $0.name == "version" }?.value == "beta")
        let expiresAt = try Date((consentJSON["expiresAt"] as? String).unwrap("expiresAt"), strategy: .iso8601)
        #expect(expiresAt.timeIntervalSinceNow > 500 && expiresAt.timeIntervalSinceNow <= 601, "the state lives ten minutes by default")

        let location = try await stack.sandbox.approve(consentURL: consentURL, sellingPartnerID: seller.sellingPartnerId)
        #expect(location.host == "127.0.0.1" && location.port == 8000 && location.path == "/api/v1/amazon/callback")
        #expect(location.queryItems?.first { $0.name == "state" }?.value == state)
        let callbackQuery = try location.percentEncodedQuery.unwrap("callback query")

        let callback = try await stack.callback(callbackQuery, token: session, cookie: cookie)
        #expect(callback.status == 201, "callback answered \(callback.status): \(callback.text)")
        let connection = try callback.json()
        let connectionID = try (connection["id"] as? String).unwrap("connection id")
        #expect(connection["sellingPartnerId"] as? String == seller.sellingPartnerId)
        #expect(connection["region"] as? String == "na")
        #expect(connection["marketplaceIds"] as? [String] == seller.marketplaceIds)
        #expect(connection["status"] as? String == "active")
        #expect(connection["authorizationMethod"] as? String == "consent")
        #expect(!callback.text.contains("Atzr|") && !callback.text.contains("Atza|"), "no token leaves integrations on connect")

        let list = try await stack.api(.GET, "/api/v1/amazon/connections", token: session)
        let listed = try (try list.json()["connections"] as? [[String: Any]]).unwrap("connections")
        #expect(listed.map { $0["id"] as? String } == [connectionID])
        let shown = try await stack.api(.GET, "/api/v1/amazon/connections/\(connectionID)", token: session)
        #expect(shown.status == 200)
        #expect(try shown.json()["sellingPartnerId"] as? String == seller.sellingPartnerId)

        #expect(try await stack.database.count("""
            SELECT count(*) FROM platform.outbox WHERE type = 'amazon.connected' AND tenant_id = '\(tenant)'
              AND payload->>'connectionId' = lower('\(connectionID)') AND payload->>'sellingPartnerId' = '\(seller.sellingPartnerId)'
              AND payload->>'region' = 'na' AND payload->'marketplaceIds' = '["\(seller.marketplaceIds.joined(separator: "\",\""))"]'::jsonb
            """) == 1)

        // The table holds the state's hash and a sealed token, never either in the clear.
        #expect(try await stack.database.count(
            "SELECT count(*) FROM integrations.oauth_states WHERE state_hash = sha256(convert_to('\(state)', 'UTF8')) AND consumed_at IS NOT NULL") == 1)
        #expect(try await Self.rowsContaining(seller.sellingPartnerId, stack.database) == 1, "control: the search sees the tables")
        #expect(try await Self.rowsContaining(state, stack.database) == 0)
        #expect(try await Self.rowsContaining("Atzr|", stack.database) == 0)
        let sealed = try await Self.sealedToken(stack.database, connection: connectionID).unwrap("a sealed token")
        #expect(sealed.keyID == "test")
        let cipher = RefreshTokenCipher(keyRing: try RefreshTokenKeyRing(parsing: TestEnvironment.tokenEncryptionKeys))
        let refreshToken = try cipher.open(sealed, connectionID: try UUID(uuidString: connectionID).unwrap("uuid"),
                                           tenantID: try UUID(uuidString: tenant).unwrap("uuid"))
        #expect(refreshToken.hasPrefix("Atzr|"))
        #expect(try await Self.rowsContaining(refreshToken, stack.database) == 0)
        #expect(try await stack.sandbox.refreshStatus(refreshToken) == 200, "what was sealed is the seller's working refresh token")
        #expect(throws: RefreshTokenCipherError.self, "the sealed token does not open for another connection") {
            try cipher.open(sealed, connectionID: UUID(), tenantID: try UUID(uuidString: tenant).unwrap("uuid"))
        }

        // The same redirect again is a replay.
        let replay = try await stack.callback(callbackQuery, token: session, cookie: cookie)
        #expect(replay.status == 409)
        #expect(try replay.envelope().error.code == "oauth_state_used")

        // Connecting the same seller again updates the connection instead of adding one.
        let again = try await stack.consentAndApprove(token: session, sellingPartnerID: seller.sellingPartnerId)
        let reconnect = try await stack.callback(again.query, token: session, cookie: again.cookie)
        #expect(reconnect.status == 200, "reconnect answered \(reconnect.text)")
        #expect(try reconnect.json()["id"] as? String == connectionID)
        #expect(try await stack.database.count("SELECT count(*) FROM integrations.amazon_connections") == 1)

        // Disconnecting deletes the token and announces it, once.
        let disconnected = try await stack.api(.DELETE, "/api/v1/amazon/connections/\(connectionID)", token: session)
        #expect(disconnected.status == 200)
        #expect(try disconnected.json()["status"] as? String == "disconnected")
        #expect(try await Self.sealedToken(stack.database, connection: connectionID) == nil)
        let secondDelete = try await stack.api(.DELETE, "/api/v1/amazon/connections/\(connectionID)", token: session)
        #expect(secondDelete.status == 200)
        #expect(try await stack.database.count("""
            SELECT count(*) FROM platform.outbox WHERE type = 'amazon.disconnected' AND payload->>'connectionId' = lower('\(connectionID)')
            """) == 1)
        let afterList = try await stack.api(.GET, "/api/v1/amazon/connections", token: session)
        #expect((try afterList.json()["connections"] as? [Any])?.count == 0)
        let vault = try await stack.accessToken(connection: connectionID, tenant: tenant)
        #expect(vault.status == 409)
        #expect(try vault.envelope().error.code == "connection_disconnected")
        await stack.stop()
    }

    @Test func badStatesAndExpiredCodesAreRefusedClearly() async throws {
        let stack = try await IntegrationsStack.start()
        defer { Task { await stack.stop() } }
        let seller = try await stack.sandbox.createSeller(seed: 11)
        let (sessionA, tenantA) = try await TestSignUp.signUp(stack.mainAPI, email: "a@state.test")
        let (sessionB, _) = try await TestSignUp.signUp(stack.mainAPI, email: "b@state.test")

        #expect(try await stack.api(.POST, "/api/v1/amazon/connections/consent-url", token: nil, json: #"{"region":"na"}"#).status == 401)
        let badRegion = try await stack.api(.POST, "/api/v1/amazon/connections/consent-url", token: sessionA, json: #"{"region":"mars"}"#)
        #expect(badRegion.status == 422)
        let mismatch = try await stack.api(.POST, "/api/v1/amazon/connections/consent-url", token: sessionA,
                                           json: #"{"region":"eu","marketplaceId":"ATVPDKIKX0DER"}"#)
        #expect(mismatch.status == 422, "a US marketplace is not in the EU region")

        let unknown = try await stack.callback("state=never-issued&spapi_oauth_code=ANDMxyz&selling_partner_id=\(seller.sellingPartnerId)",
                                               token: sessionA)
        #expect(unknown.status == 400)
        #expect(try unknown.envelope().error.code == "oauth_state_unknown")
        #expect(try await stack.callback("spapi_oauth_code=ANDMxyz&selling_partner_id=X", token: nil).status == 422)

        // Tenant B's browser cannot complete tenant A's flow, and trying does not burn A's state.
        let flow = try await stack.consentAndApprove(token: sessionA, sellingPartnerID: seller.sellingPartnerId)
        let otherTenant = try await stack.callback(flow.query, token: sessionB, cookie: flow.cookie)
        #expect(otherTenant.status == 403)
        #expect(try otherTenant.envelope().error.code == "oauth_state_other_tenant")
        #expect(try await stack.database.count("SELECT count(*) FROM integrations.amazon_connections") == 0)
        // The starting browser without a session completes it: the state says whose it is, the
        // cookie that this is the browser that asked.
        let completed = try await stack.callback(flow.query, token: nil, cookie: flow.cookie)
        #expect(completed.status == 201, "callback answered \(completed.text)")
        #expect(try completed.json()["tenantId"] as? String == tenantA)
        let replayed = try await stack.callback(flow.query, token: sessionA, cookie: flow.cookie)
        #expect(replayed.status == 409)
        #expect(try replayed.envelope().error.code == "oauth_state_used")

        // A code older than five minutes is refused by Amazon, and the API says to start again.
        let late = try await stack.consentAndApprove(token: sessionA, sellingPartnerID: seller.sellingPartnerId)
        try await stack.sandbox.advanceClock(seconds: 301)
        let expiredCode = try await stack.callback(late.query, token: sessionA, cookie: late.cookie)
        #expect(expiredCode.status == 400, "callback answered \(expiredCode.text)")
        #expect(try expiredCode.envelope().error.code == "authorization_code_rejected")
        #expect(try await stack.database.count("SELECT count(*) FROM platform.outbox WHERE type = 'amazon.connected'") == 1)

        // Only the gateway may drive connecting: another service's token is refused.
        let authority = await ServiceTokenAuthority(secret: TestEnvironment.serviceTokenSecret, service: .inventorySync)
        let token = try await authority.token(for: .integrations, tenantID: UUID(uuidString: tenantA))
        let direct = try await TestHTTP.request(.POST, stack.integrations.baseURL + "/internal/amazon/connections/consent-url",
                                                json: #"{"userId":"\#(UUID())","region":"na"}"#, headers: ["authorization": "Bearer \(token)"])
        #expect(direct.status == 403)
        await stack.stop()
    }

    /// Issue 9, finding 5: a consent link started in one account and approved in another
    /// person's browser must not connect that person's seller to the starting account.
    @Test func aConsentFlowCompletedInAnotherBrowserIsRefusedAndStoresNothing() async throws {
        let stack = try await IntegrationsStack.start()
        defer { Task { await stack.stop() } }
        let victim = try await stack.sandbox.createSeller(seed: 13)
        let (attackerSession, _) = try await TestSignUp.signUp(stack.mainAPI, email: "attacker@state.test")

        let consent = try await stack.api(.POST, "/api/v1/amazon/connections/consent-url", token: attackerSession, json: #"{"region":"na"}"#)
        #expect(consent.status == 200, "consent-url answered \(consent.text)")
        let cookie = try IntegrationsStack.consentCookie(consent)
        let state = try (try consent.json()["state"] as? String).unwrap("state")
        #expect(cookie.value.count >= 43, "the binding is 32 random bytes")
        #expect(cookie.attributes.contains("HttpOnly"))
        #expect(cookie.attributes.contains("SameSite=Lax"), "Amazon's redirect back is a cross-site top-level GET")
        #expect(cookie.attributes.contains("Path=/api/v1/amazon/callback"))
        #expect(!cookie.attributes.contains("Secure"), "plain HTTP here; Secure is for TLS")
        let maxAge = try cookie.attributes.first { $0.hasPrefix("Max-Age=") }.flatMap { Int($0.dropFirst(8)) }.unwrap("Max-Age")
        #expect((550...601).contains(maxAge), "lives as long as the state (\(maxAge))")
        // Only the binding's hash is kept, with the state.
        #expect(try await stack.database.count("""
            SELECT count(*) FROM integrations.oauth_states WHERE state_hash = sha256(convert_to('\(state)', 'UTF8'))
              AND browser_binding_hash = sha256(convert_to('\(cookie.value)', 'UTF8'))
            """) == 1)
        #expect(try await IntegrationsTests.rowsContaining(cookie.value, stack.database) == 0)
        let overTLS = try await TestHTTP.request(.POST, stack.mainAPI.baseURL + "/api/v1/amazon/connections/consent-url", json: #"{"region":"na"}"#,
                                                 headers: ["authorization": "Bearer \(attackerSession)", "x-forwarded-proto": "https"])
        #expect(try IntegrationsStack.consentCookie(overTLS).attributes.contains("Secure"), "behind a TLS proxy the cookie is Secure")

        // The attacker sends the link; the victim approves it in their own browser.
        let consentURL = try (try consent.json()["consentUrl"] as? String).unwrap("consentUrl")
        let location = try await stack.sandbox.approve(consentURL: consentURL, sellingPartnerID: victim.sellingPartnerId)
        let query = try location.percentEncodedQuery.unwrap("callback query")
        let cookieName = String(cookie.pair.prefix { $0 != "=" })
        let browsers: [(cookie: String?, what: String)] = [(nil, "no cookie"), (cookieName + "=" + String(repeating: "A", count: 43), "a forged cookie")]
        for (browserCookie, what) in browsers {
            let refused = try await stack.callback(query, token: nil, cookie: browserCookie)
            #expect(refused.status == 403, "\(what): \(refused.text)")
            #expect(try refused.envelope().error.code == "oauth_state_other_browser", "\(what)")
            #expect(try refused.envelope().error.message.contains("another browser"))
        }
        #expect(try await stack.database.count("SELECT count(*) FROM integrations.amazon_connections") == 0)
        #expect(try await stack.database.count("SELECT count(*) FROM integrations.amazon_refresh_tokens") == 0)
        #expect(try await stack.database.count("SELECT count(*) FROM platform.outbox WHERE type = 'amazon.connected'") == 0)
        #expect(try await stack.database.count("SELECT count(*) FROM integrations.oauth_states WHERE consumed_at IS NOT NULL") == 0,
                "refusing does not spend the state")

        // Control: the browser that started it, with its cookie, completes it and the cookie is cleared.
        let completed = try await stack.callback(query, token: nil, cookie: cookie.pair)
        #expect(completed.status == 201, "callback answered \(completed.text)")
        let cleared = completed.headers.first { $0.0.lowercased() == "set-cookie" && $0.1.hasPrefix(cookieName + "=") }?.1
        #expect(cleared?.contains("Max-Age=0") == true, "the used binding is cleared: \(cleared ?? "no Set-Cookie")")
        await stack.stop()
    }

    /// Issue 9, finding 5: the seller is the one Amazon's APIs report for the new refresh token,
    /// not the `selling_partner_id` the redirect's query string carries.
    @Test func aTamperedSellingPartnerIdIsIgnoredInFavourOfTheOneAmazonReports() async throws {
        let stack = try await IntegrationsStack.start()
        defer { Task { await stack.stop() } }
        let approving = try await stack.sandbox.createSeller(seed: 14)
        let other = try await stack.sandbox.createSeller(seed: 15)
        #expect(approving.sellingPartnerId != other.sellingPartnerId)
        let (session, _) = try await TestSignUp.signUp(stack.mainAPI, email: "tamper@state.test")
        let flow = try await stack.consentAndApprove(token: session, sellingPartnerID: approving.sellingPartnerId)
        #expect(flow.query.contains("selling_partner_id=\(approving.sellingPartnerId)"))
        let tampered = flow.query.replacingOccurrences(of: "selling_partner_id=\(approving.sellingPartnerId)",
                                                       with: "selling_partner_id=\(other.sellingPartnerId)")
        #expect(tampered != flow.query)

        let callback = try await stack.callback(tampered, token: session, cookie: flow.cookie)
        #expect(callback.status == 201, "callback answered \(callback.text)")
        #expect(try callback.json()["sellingPartnerId"] as? String == approving.sellingPartnerId)
        #expect(try callback.json()["marketplaceIds"] as? [String] == approving.marketplaceIds)
        #expect(try await stack.database.count("""
            SELECT count(*) FROM integrations.amazon_connections WHERE selling_partner_id = '\(other.sellingPartnerId)'
            """) == 0)
        #expect(try await stack.database.count("""
            SELECT count(*) FROM platform.outbox WHERE type = 'amazon.connected' AND payload->>'sellingPartnerId' = '\(approving.sellingPartnerId)'
            """) == 1)

        // Without the query parameter at all, Amazon's answer is still enough.
        let again = try await stack.consentAndApprove(token: session, sellingPartnerID: approving.sellingPartnerId)
        let withoutClaim = again.query.split(separator: "&").filter { !$0.hasPrefix("selling_partner_id=") }.joined(separator: "&")
        let reconnect = try await stack.callback(withoutClaim, token: session, cookie: again.cookie)
        #expect(reconnect.status == 200, "reconnect answered \(reconnect.text)")
        #expect(try reconnect.json()["sellingPartnerId"] as? String == approving.sellingPartnerId)
        await stack.stop()
    }

    /// The same rule for a pasted self-authorized token: it is recorded for the seller Amazon
    /// says it belongs to, and a token labelled with another seller's id is refused.
    @Test func aPastedRefreshTokenMustBelongToTheNamedSeller() async throws {
        let stack = try await IntegrationsStack.start()
        defer { Task { await stack.stop() } }
        let owner = try await stack.sandbox.createSeller(seed: 16)
        let other = try await stack.sandbox.createSeller(seed: 17)
        let (session, _) = try await TestSignUp.signUp(stack.mainAPI, email: "paste@state.test")
        let mislabelled = try await stack.api(.POST, "/api/v1/amazon/connections/refresh-token", token: session, json: """
            {"refreshToken":"\(owner.refreshToken)","sellingPartnerId":"\(other.sellingPartnerId)","region":"na"}
            """)
        #expect(mislabelled.status == 422, "answered \(mislabelled.text)")
        #expect(try mislabelled.envelope().error.code == "validation_failed")
        #expect(try mislabelled.envelope().error.message.contains("belongs to selling partner \(owner.sellingPartnerId)"))
        #expect(try await stack.database.count("SELECT count(*) FROM integrations.amazon_connections") == 0)

        let connected = try await stack.api(.POST, "/api/v1/amazon/connections/refresh-token", token: session, json: """
            {"refreshToken":"\(owner.refreshToken)","sellingPartnerId":"\(owner.sellingPartnerId)","region":"na"}
            """)
        #expect(connected.status == 201, "answered \(connected.text)")
        #expect(try connected.json()["sellingPartnerId"] as? String == owner.sellingPartnerId)
        #expect(try connected.json()["marketplaceIds"] as? [String] == owner.marketplaceIds)
        await stack.stop()
    }

    @Test func anExpiredStateIsRefusedWithoutSpendingTheCode() async throws {
        let clock = ManualWallClock(Date())
        let stack = try await IntegrationsStack.start(integrationsOverrides: ["amazon.oauthStateLifetimeSeconds": "30"],
                                                      clocks: ServiceClocks(wall: clock))
        defer { Task { await stack.stop() } }
        let seller = try await stack.sandbox.createSeller(seed: 12)
        let (session, _) = try await TestSignUp.signUp(stack.mainAPI, email: "slow@state.test")
        let flow = try await stack.consentAndApprove(token: session, sellingPartnerID: seller.sellingPartnerId)
        // The state lives 30 seconds: at 29 it would still work, at 30 it has expired.
        clock.advance(by: 30)
        let expired = try await stack.callback(flow.query, token: session, cookie: flow.cookie)
        #expect(expired.status == 400)
        #expect(try expired.envelope().error.code == "oauth_state_expired")
        #expect(try await stack.database.count("SELECT count(*) FROM integrations.amazon_connections") == 0)
        // integrations never exchanged the code: it still works at Amazon.
        let code = try (URLComponents(string: "?" + flow.query)?.queryItems?.first { $0.name == "spapi_oauth_code" }?.value).unwrap("code")
        let exchange = try await stack.sandbox.lwa(["grant_type": "authorization_code", "code": code,
                                                    "redirect_uri": "http://127.0.0.1:8000/api/v1/amazon/callback"])
        #expect(exchange.status == 200, "the sandbox answered \(exchange.text)")
        await stack.stop()
    }

    @Test func tokenVaultHandsAccessTokensOnlyToTheConnectionsTenant() async throws {
        let stack = try await IntegrationsStack.start()
        defer { Task { await stack.stop() } }
        let seller = try await stack.sandbox.createSeller(seed: 21)
        let (session, tenant) = try await TestSignUp.signUp(stack.mainAPI, email: "vault@acme.test")
        let connect = try await stack.api(.POST, "/api/v1/amazon/connections/refresh-token", token: session, json: """
            {"refreshToken":"\(seller.refreshToken)","sellingPartnerId":"\(seller.sellingPartnerId)","region":"na"}
            """)
        #expect(connect.status == 201, "refresh-token connect answered \(connect.text)")
        let connectionID = try (try connect.json()["id"] as? String).unwrap("id")
        #expect(try connect.json()["authorizationMethod"] as? String == "self_authorized")
        let bogus = try await stack.api(.POST, "/api/v1/amazon/connections/refresh-token", token: session, json: """
            {"refreshToken":"Atzr|not-a-real-token","sellingPartnerId":"\(seller.sellingPartnerId)","region":"na"}
            """)
        #expect(bogus.status == 422)
        #expect(try bogus.envelope().error.code == "refresh_token_rejected")

        let granted = try await stack.accessToken(connection: connectionID, tenant: tenant)
        #expect(granted.status == 200, "vault answered \(granted.text)")
        let grant = try granted.json()
        let accessToken = try (grant["accessToken"] as? String).unwrap("accessToken")
        #expect(accessToken.hasPrefix("Atza|"))
        #expect(grant["sellingPartnerId"] as? String == seller.sellingPartnerId)
        #expect(grant["region"] as? String == "na")
        #expect(grant["endpoint"] as? String == stack.sandbox.baseURL)
        #expect(grant["marketplaceIds"] as? [String] == seller.marketplaceIds)
        let expiresAt = try Date((grant["expiresAt"] as? String).unwrap("expiresAt"), strategy: .iso8601)
        #expect(expiresAt.timeIntervalSinceNow > 3000 && expiresAt.timeIntervalSinceNow < 3600)
        #expect(!granted.text.contains(seller.refreshToken) && !granted.text.contains("Atzr|"))
        let call = try await TestHTTP.request(.GET, stack.sandbox.baseURL + "/sellers/v1/marketplaceParticipations",
                                              headers: ["x-amz-access-token": accessToken])
        #expect(call.status == 200, "the handed-out token works at SP-API")

        // Cached: asking again gives the same token; reporting it rejected gives a fresh one.
        let cached = try await stack.accessToken(connection: connectionID, tenant: tenant)
        #expect(try cached.json()["accessToken"] as? String == accessToken)
        let fresh = try await stack.accessToken(connection: connectionID, tenant: tenant, body: #"{"rejectedAccessToken":"\#(accessToken)"}"#)
        #expect(fresh.status == 200)
        #expect(try fresh.json()["accessToken"] as? String != accessToken)

        let (_, otherTenant) = try await TestSignUp.signUp(stack.mainAPI, email: "other@acme.test")
        let foreign = try await stack.accessToken(connection: connectionID, tenant: otherTenant)
        #expect(foreign.status == 404)
        #expect(try foreign.envelope().error.code == "not_found")
        #expect(try await stack.accessToken(connection: UUID().uuidString, tenant: tenant).status == 404)
        #expect(try await stack.accessToken(connection: connectionID, tenant: nil).status == 400)
        let unsigned = try await TestHTTP.request(.POST, stack.integrations.baseURL + "/internal/amazon/connections/\(connectionID)/access-token")
        #expect(unsigned.status == 401)
        let otherList = try await stack.api(.GET, "/api/v1/amazon/connections/\(connectionID)",
                                            token: try await TestSignUp.signUp(stack.mainAPI, email: "third@acme.test").token)
        #expect(otherList.status == 404, "another tenant cannot see the connection through the API either")
        await stack.stop()
    }

    @Test func aRevokedRefreshTokenMarksTheConnectionForReauthorization() async throws {
        // The sweep is a cron tick every second of a clock that moves only when told: each
        // `sweep()` is exactly one more sweep, run to its end.
        let clock = ManualWallClock(Date())
        let stack = try await IntegrationsStack.start(integrationsOverrides: ["amazon.accountHealthSchedule": "@every 1s"],
                                                      clocks: ServiceClocks(wall: clock))
        defer { Task { await stack.stop() } }
        // The leader's first look goes a minute back: 60 ticks at start, then one a second.
        var seconds = 0
        func sweep() async throws {
            seconds += 1
            clock.advance(by: 1)
            let expectedTicks = 60 + seconds
            #expect(try await eventually(timeout: .seconds(60)) {
                let ticks = try await stack.database.count("""
                    SELECT count(*) FROM platform.cron_ticks WHERE name = '\(IntegrationsService.accountHealthSweepKind)'
                    """)
                let live = try await stack.database.count("""
                    SELECT count(*) FROM platform.jobs WHERE queue = 'integrations' AND state IN ('available', 'scheduled', 'running', 'retryable')
                    """)
                return ticks == expectedTicks && live == 0
            }, "the tick's sweep and its checks ran")
        }
        let seller = try await stack.sandbox.createSeller(seed: 31)
        let bystander = try await stack.sandbox.createSeller(seed: 32)
        let (session, tenant) = try await TestSignUp.signUp(stack.mainAPI, email: "health@acme.test")
        var ids: [String] = []
        for connected in [seller, bystander] {
            let reply = try await stack.api(.POST, "/api/v1/amazon/connections/refresh-token", token: session, json: """
                {"refreshToken":"\(connected.refreshToken)","sellingPartnerId":"\(connected.sellingPartnerId)","region":"na"}
                """)
            #expect(reply.status == 201, "connect answered \(reply.text)")
            ids.append(try (try reply.json()["id"] as? String).unwrap("id"))
        }
        let (revokedID, healthyID) = (ids[0], ids[1])
        // The sweep checks healthy connections and leaves them active.
        try await sweep()
        #expect(try await eventually {
            try await stack.database.count("SELECT count(*) FROM integrations.amazon_connections WHERE last_health_check_at IS NOT NULL") == 2
        })
        #expect(try await stack.accessToken(connection: revokedID, tenant: tenant).status == 200)

        let fault = try await TestHTTP.request(.PUT, stack.sandbox.baseURL + "/_sandbox/faults",
                                               json: #"{"revokeRefreshTokens":true,"sellingPartnerId":"\#(seller.sellingPartnerId)"}"#)
        #expect(fault.status == 200)
        try await sweep()
        #expect(try await eventually {
            try await stack.database.count("""
                SELECT count(*) FROM integrations.amazon_connections WHERE id = '\(revokedID)' AND status = 'needs_reauthorization'
                  AND reauthorization_reason LIKE 'invalid_grant%' AND reauthorization_required_at IS NOT NULL
                """) == 1
        })
        let vault = try await stack.accessToken(connection: revokedID, tenant: tenant)
        #expect(vault.status == 409)
        #expect(try vault.envelope().error.code == "needs_reauthorization")
        #expect(try await stack.accessToken(connection: healthyID, tenant: tenant).status == 200, "the other seller is unaffected")
        let shown = try await stack.api(.GET, "/api/v1/amazon/connections/\(revokedID)", token: session)
        #expect(try shown.json()["status"] as? String == "needs_reauthorization")

        // Announced once, however many sweeps run.
        for _ in 0..<3 { try await sweep() }
        #expect(try await stack.database.count("""
            SELECT count(*) FROM platform.outbox WHERE type = 'amazon.reauthorization_required' AND tenant_id = '\(tenant)'
              AND payload->>'connectionId' = lower('\(revokedID)') AND payload->>'reason' LIKE 'invalid_grant%'
            """) == 1)
        #expect(try await stack.database.count("SELECT count(*) FROM platform.outbox WHERE type = 'amazon.reauthorization_required'") == 1)

        // Connecting again with a token Amazon accepts clears it.
        _ = try await TestHTTP.request(.DELETE, stack.sandbox.baseURL + "/_sandbox/faults")
        let reconnect = try await stack.api(.POST, "/api/v1/amazon/connections/refresh-token", token: session, json: """
            {"refreshToken":"\(seller.refreshToken)","sellingPartnerId":"\(seller.sellingPartnerId)","region":"na"}
            """)
        #expect(reconnect.status == 200, "reconnect answered \(reconnect.text)")
        #expect(try reconnect.json()["status"] as? String == "active")
        #expect(try reconnect.json()["id"] as? String == revokedID)
        #expect(try await stack.accessToken(connection: revokedID, tenant: tenant).status == 200)
        await stack.stop()
    }

    @Test func rotatingTheKeyKeepsOldTokensReadableAndReSealsThem() async throws {
        let database = try await TestDatabase.create()
        let sandbox = try await IntegrationsSandbox.start()
        defer { Task { await sandbox.stop() } }
        func key() -> String { Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString() }
        let (old, new) = ("k1:" + key(), "k2:" + key())
        func boot(_ keys: String) async throws -> RunningService {
            try await RunningService.start(.integrations, database: database, overrides: sandbox.amazonOverrides
                .merging(["security.tokenEncryptionKeys": keys]) { $1 })
        }
        let seller = try await sandbox.createSeller(seed: 41)
        let tenant = UUID()
        let gateway = await ServiceTokenAuthority(secret: TestEnvironment.serviceTokenSecret, service: .mainAPI)

        var integrations = try await boot(old)
        let connect = try await TestHTTP.request(.POST, integrations.baseURL + "/internal/amazon/connections/refresh-token", json: """
            {"userId":"\(UUID())","refreshToken":"\(seller.refreshToken)","sellingPartnerId":"\(seller.sellingPartnerId)","region":"na"}
            """, headers: ["authorization": "Bearer \(try await gateway.token(for: .integrations, tenantID: tenant))"])
        #expect(connect.status == 201, "connect answered \(connect.text)")
        let connectionID = try (try connect.json()["id"] as? String).unwrap("id")
        #expect(try await Self.sealedToken(database, connection: connectionID)?.keyID == "k1")
        await integrations.stop()

        // New key first, old one still listed: the old token opens and is re-sealed under k2.
        integrations = try await boot("\(new),\(old)")
        let rotated = try await IntegrationsStack.accessToken(integrations, connection: connectionID, tenant: tenant.uuidString)
        #expect(rotated.status == 200, "vault answered \(rotated.text)")
        #expect(try await eventually { try await Self.sealedToken(database, connection: connectionID)?.keyID == "k2" })
        let resealed = try await Self.sealedToken(database, connection: connectionID).unwrap("sealed token")
        let onlyNew = RefreshTokenCipher(keyRing: try RefreshTokenKeyRing(parsing: new))
        #expect(try onlyNew.open(resealed, connectionID: try UUID(uuidString: connectionID).unwrap("uuid"), tenantID: tenant) == seller.refreshToken)
        await integrations.stop()

        // The old key can now be dropped.
        integrations = try await boot(new)
        #expect(try await IntegrationsStack.accessToken(integrations, connection: connectionID, tenant: tenant.uuidString).status == 200)
        await integrations.stop()

        // Without the sealing key the token cannot be read, and the vault says so.
        integrations = try await boot("k3:" + key())
        let unreadable = try await IntegrationsStack.accessToken(integrations, connection: connectionID, tenant: tenant.uuidString)
        #expect(unreadable.status == 500)
        #expect(try unreadable.envelope().error.code == "token_unreadable")
        await integrations.stop()
        await sandbox.stop()
    }

    /// The repository against the real schema, connected as integrations' role: row-level
    /// security hides everything without a tenant, and the two opt-in policies reveal only what
    /// they are for.
    @Test func repositoryKeepsTenantsApartAndStatesSingleUse() async throws {
        let database = try await TestDatabase.create()
        let integrations = try await RunningService.start(.integrations, database: database)
        await integrations.stop()
        let db = Database(settings: database.settings(for: .integrations), logger: TestEnvironment.logger)
        let repository = AmazonConnectionsPostgresRepository(
            database: db, outbox: EventOutbox(producer: .integrations, redis: nil, logger: TestEnvironment.logger), logger: TestEnvironment.logger)
        let cipher = RefreshTokenCipher(keyRing: try RefreshTokenKeyRing(parsing: TestEnvironment.tokenEncryptionKeys))
        let (tenantA, tenantB, user) = (UUID(), UUID(), UUID())
        let hash = Array(repeating: UInt8(7), count: 32)
        let binding = Array(repeating: UInt8(9), count: 32)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await db.client.run() }
            let expiresAt = try await repository.createOAuthState(
                hash: hash, grant: OAuthStateGrant(tenantID: tenantA, userID: user, region: .europe, marketplaceID: "A1PA6795UKMFR9"),
                browserBindingHash: binding, lifetime: .seconds(60))
            #expect(expiresAt.timeIntervalSinceNow > 30 && expiresAt.timeIntervalSinceNow <= 61)
            await #expect(throws: AmazonConnectionError.self) {
                try await repository.consumeOAuthState(hash: Array(repeating: 8, count: 32), presenter: .init(tenantID: nil, userID: nil),
                                                       browserBindingHash: binding, ads: false)
            }
            for presented in [nil, Array(repeating: UInt8(10), count: 32)] {
                do {
                    _ = try await repository.consumeOAuthState(hash: hash, presenter: .init(tenantID: nil, userID: nil), browserBindingHash: presented, ads: false)
                    Issue.record("a state was accepted from another browser")
                } catch AmazonConnectionError.stateOtherBrowser {}
            }
            // The Amazon Ads consent's callback does not know SP-API's states (nor SP-API's the Ads ones).
            do {
                _ = try await repository.consumeOAuthState(hash: hash, presenter: .init(tenantID: nil, userID: nil), browserBindingHash: binding, ads: true)
                Issue.record("an SP-API state was accepted by the Ads callback")
            } catch AmazonConnectionError.stateUnknown {}
            let grant = try await repository.consumeOAuthState(hash: hash, presenter: .init(tenantID: nil, userID: nil), browserBindingHash: binding, ads: false)
            #expect(grant == OAuthStateGrant(tenantID: tenantA, userID: user, region: .europe, marketplaceID: "A1PA6795UKMFR9"))
            do {
                _ = try await repository.consumeOAuthState(hash: hash, presenter: .init(tenantID: tenantA, userID: user), browserBindingHash: binding, ads: false)
                Issue.record("a consumed state was accepted again")
            } catch AmazonConnectionError.stateAlreadyUsed {}

            let authorization = NewAmazonAuthorization(tenantID: tenantA, userID: user, sellingPartnerID: "A1SELLER", region: .europe,
                                                       marketplaceIDs: ["A1PA6795UKMFR9", "A13V1IB3VIYZZH"], method: .consent)
            let seal: @Sendable (UUID) throws -> SealedRefreshToken = { try cipher.seal("Atzr|secret", connectionID: $0, tenantID: tenantA) }
            let (first, created) = try await repository.saveAuthorization(authorization, seal: seal)
            #expect(created)
            #expect(first.marketplaceIds == ["A1PA6795UKMFR9", "A13V1IB3VIYZZH"])
            let (second, createdAgain) = try await repository.saveAuthorization(authorization, seal: seal)
            #expect(!createdAgain && second.id == first.id, "the same seller and region updates the connection")

            func count(_ sql: String, tenant: UUID?, setting: (String, String)? = nil) async throws -> Int {
                try await db.withTransaction(tenant: tenant) { connection in
                    if let (name, value) = setting {
                        try await connection.query("SELECT set_config(\(name), \(value), true)", logger: TestEnvironment.logger)
                    }
                    let rows = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: TestEnvironment.logger)
                    for try await value in rows.decode(Int64.self) { return Int(value) }
                    return -1
                }
            }
            for table in ["amazon_connections", "amazon_refresh_tokens", "oauth_states"] {
                #expect(try await count("SELECT count(*) FROM integrations.\(table)", tenant: nil) == 0, "\(table) without a tenant")
                #expect(try await count("SELECT count(*) FROM integrations.\(table)", tenant: tenantB) == 0, "\(table) for another tenant")
                #expect(try await count("SELECT count(*) FROM integrations.\(table)", tenant: tenantA) == 1, "\(table) for its tenant")
            }
            #expect(try await count("SELECT count(*) FROM integrations.oauth_states", tenant: nil,
                                    setting: ("opside.oauth_state_hash", String(repeating: "07", count: 32))) == 1)
            #expect(try await count("SELECT count(*) FROM integrations.oauth_states", tenant: nil,
                                    setting: ("opside.oauth_state_hash", String(repeating: "08", count: 32))) == 0)
            #expect(try await count("SELECT count(*) FROM integrations.amazon_refresh_tokens", tenant: nil,
                                    setting: ("opside.account_health_sweep", "on")) == 0, "the sweep sees connections, not tokens")
            #expect(try await count("WITH u AS (UPDATE integrations.amazon_connections SET status = 'disconnected' RETURNING 1) SELECT count(*) FROM u",
                                    tenant: nil, setting: ("opside.account_health_sweep", "on")) == 0, "the sweep cannot write")
            #expect(try await repository.connectionsDueForHealthCheck() == [HealthCheckTarget(connectionId: first.id, tenantId: tenantA)])

            #expect(try await repository.markNeedsReauthorization(connectionID: first.id, tenantID: tenantB, reason: "x") == false)
            #expect(try await repository.markNeedsReauthorization(connectionID: first.id, tenantID: tenantA, reason: "invalid_grant: revoked"))
            #expect(try await repository.markNeedsReauthorization(connectionID: first.id, tenantID: tenantA, reason: "again") == false)
            #expect(try await repository.connectionsDueForHealthCheck().isEmpty)
            #expect(try await repository.connection(id: first.id, tenantID: tenantB) == nil)
            let (reconnected, _) = try await repository.saveAuthorization(authorization, seal: seal)
            #expect(reconnected.status == .active && reconnected.reauthorizationReason == nil, "reconnecting clears the mark")
            group.cancelAll()
        }
        #expect(try await database.count("SELECT count(*) FROM platform.outbox WHERE type = 'amazon.reauthorization_required'") == 1)
        #expect(try await database.count("SELECT count(*) FROM platform.outbox WHERE type = 'amazon.connected'") == 3)
        #expect(try await database.count("""
            SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'integrations' AND c.relkind = 'r' AND c.relrowsecurity AND c.relforcerowsecurity
            """) == 10, """
            connections, tokens, OAuth states, the listings' bulk updates with their items, inbound workflows with their events, \
            the notification subscriptions and deliveries, and the Ads authorizations
            """)
    }

    @Test func keyRingConfigurationIsValidated() throws {
        #expect(throws: RefreshTokenKeyRingError.self) { try RefreshTokenKeyRing(parsing: "") }
        #expect(throws: RefreshTokenKeyRingError.self) { try RefreshTokenKeyRing(parsing: "k1:" + Data(count: 16).base64EncodedString()) }
        #expect(throws: RefreshTokenKeyRingError.self) { try RefreshTokenKeyRing(parsing: "nokeyid") }
        let key = Data(count: 32).base64EncodedString()
        #expect(throws: RefreshTokenKeyRingError.self) { try RefreshTokenKeyRing(parsing: "k1:\(key),k1:\(key)") }
        let ring = try RefreshTokenKeyRing(parsing: "k2:\(key), k1:\(key)")
        #expect(ring.currentKeyID == "k2")
        #expect(ring.keyIDs == ["k1", "k2"])
    }
}
