import Foundation
@testable import MainAPI
import NIOHTTP1
import OpsideTesting
import Testing

/// The dashboard signed in by cookie: pages need a live access cookie (else they send the browser
/// to sign in, and back), the API takes the cookie only with the CSRF token for what it changes,
/// and a person changes their own password and address.
@Suite struct DashboardSessionTests {
    /// A browser's sign-in: its cookies and CSRF token.
    struct Browser {
        let access: String
        let refresh: String
        let csrf: String
        var cookies: String { "opside_access=\(access); opside_refresh=\(refresh); opside_csrf=\(csrf)" }
    }

    func signUp(_ mainAPI: RunningService, _ email: String) async throws -> Browser {
        let reply = try await TestHTTP.request(.POST, mainAPI.baseURL + "/api/v1/auth/signup", json: TestSignUp.signUpBody(email: email))
        #expect(reply.status == 201, "\(reply.text)")
        return try browser(reply)
    }

    func browser(_ reply: TestHTTP.Reply) throws -> Browser {
        var cookies: [String: String] = [:]
        for (name, value) in reply.headers where name.lowercased() == "set-cookie" {
            let pair = value.split(separator: ";")[0].split(separator: "=", maxSplits: 1)
            if pair.count == 2 { cookies[String(pair[0])] = String(pair[1]) }
        }
        let access = try cookies["opside_access"].unwrap("the access cookie")
        let setCookie = reply.headers.filter { $0.0.lowercased() == "set-cookie" }.map(\.1)
        let accessCookie = try setCookie.first { $0.hasPrefix("opside_access=") }.unwrap("opside_access")
        let attributes = Set(accessCookie.split(separator: ";").dropFirst().map { $0.trimmingCharacters(in: .whitespaces) })
        #expect(attributes.isSuperset(of: ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=900"]), "\(accessCookie)")
        return Browser(access: access, refresh: try cookies["opside_refresh"].unwrap("refresh"), csrf: try cookies["opside_csrf"].unwrap("csrf"))
    }

    /// A browser's request: its cookies (and CSRF token), redirects not followed.
    func request(_ mainAPI: RunningService, _ method: HTTPMethod, _ path: String, cookies: String, csrf: String? = nil,
                 json: String? = nil) async throws -> RawHTTP.Reply {
        var headers = ["Cookie": cookies]
        if let csrf { headers["X-CSRF-Token"] = csrf }
        if json != nil { headers["Content-Type"] = "application/json" }
        return try await RawHTTP.request(port: mainAPI.port, method: method.rawValue, target: path, headers: headers,
                                         body: Data((json ?? "").utf8))
    }

    @Test func pagesNeedALiveCookieAndTheAPITakesItOnlyWithTheCSRFTokenForChanges() async throws {
        let database = try await TestDatabase.create()
        let mainAPI = try await RunningService.start(.mainAPI, database: database)
        defer { Task { await mainAPI.stop() } }
        let browser = try await signUp(mainAPI, "pages@dash.test")

        // Signed out: every page sends the browser to sign in, and back to where it was going.
        let away = try await request(mainAPI, .GET, "/app/claims?status=claimable", cookies: "")
        #expect(away.status == 303 && away.header("location") == "/sign-in?next=/app/claims?status%3Dclaimable", "\(away.head)")
        let forged = try await request(mainAPI, .GET, "/app", cookies: "opside_access=not.a.token")
        #expect(forged.status == 303)
        let root = try await request(mainAPI, .GET, "/", cookies: "")
        #expect(root.status == 303 && root.header("location") == "/app")
        // Signed in: the pages render, with the policy that allows no inline script.
        for path in ["/app/notifications", "/app/team", "/app/settings"] {
            let page = try await request(mainAPI, .GET, path, cookies: browser.cookies)
            #expect(page.status == 200, "\(path): \(page.status)")
            #expect(page.header("content-security-policy")?.contains("script-src 'self'") == true)
            #expect(page.header("cache-control") == "no-store" && page.header("x-frame-options") == "DENY")
            #expect(page.text.contains("pages@dash.test") || path != "/app/settings")
        }
        let signIn = try await request(mainAPI, .GET, "/sign-in?next=https://evil.example/", cookies: "")
        #expect(signIn.status == 200 && signIn.text.contains("data-next=\"/app\""), "an outside next is dropped")
        #expect(DashboardPages.safeNext("//evil.example") == "/app" && DashboardPages.safeNext("/app/team") == "/app/team")

        // The API by cookie: reading is fine; a change without the CSRF token is refused, with it done.
        #expect(try await request(mainAPI, .GET, "/api/v1/me", cookies: browser.cookies).status == 200)
        let body = #"{"emailKinds":[],"delivery":"digest"}"#
        let noToken = try await request(mainAPI, .PUT, "/api/v1/notifications/preferences", cookies: browser.cookies, json: body)
        #expect(noToken.status == 403, "\(noToken.text)")
        let wrongToken = try await request(mainAPI, .PUT, "/api/v1/notifications/preferences", cookies: browser.cookies, csrf: "forged", json: body)
        #expect(wrongToken.status == 403)
        let withToken = try await request(mainAPI, .PUT, "/api/v1/notifications/preferences", cookies: browser.cookies, csrf: browser.csrf, json: body)
        #expect(withToken.status == 200, "\(withToken.text)")
        // Another person's CSRF token does not fit this sign-in.
        let other = try await signUp(mainAPI, "other@dash.test")
        let crossed = try await request(mainAPI, .PUT, "/api/v1/notifications/preferences", cookies: browser.cookies, csrf: other.csrf, json: body)
        #expect(crossed.status == 403)

        // The WebSocket feed: upgraded for this site's pages only; anything else is told why not.
        let handshake = ["Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
                         "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Cookie": browser.cookies]
        let upgraded = try await RawHTTP.head(port: mainAPI.port, target: "/api/v1/realtime/ws",
                                              headers: handshake.merging(["Origin": mainAPI.baseURL]) { $1 })
        #expect(upgraded.status == 101, "\(upgraded.head)")
        let elsewhere = try await RawHTTP.head(port: mainAPI.port, target: "/api/v1/realtime/ws",
                                               headers: handshake.merging(["Origin": "https://evil.example"]) { $1 })
        #expect((400..<500).contains(elsewhere.status), "another site's page gets no feed: \(elsewhere.head)")
        let anonymous = try await RawHTTP.head(port: mainAPI.port, target: "/api/v1/realtime/ws",
                                               headers: handshake.merging(["Cookie": ""]) { $1 })
        #expect((400..<500).contains(anonymous.status), "no sign-in, no feed: \(anonymous.head)")
        #expect(try await request(mainAPI, .GET, "/api/v1/realtime/ws", cookies: browser.cookies).status == 426)

        // Signed out: the cookies are cleared and the access token no longer opens a page.
        let out = try await request(mainAPI, .POST, "/api/v1/auth/logout", cookies: browser.cookies, csrf: browser.csrf)
        #expect(out.status == 204)
        #expect(out.head.lowercased().contains("set-cookie: opside_access=;"), "\(out.head)")
        #expect(try await request(mainAPI, .GET, "/app", cookies: browser.cookies).status == 303)
    }

    @Test func aPersonChangesTheirPasswordAndAddressWithTheirCurrentPassword() async throws {
        let sink = try await MailSink.start()
        defer { sink.stop() }
        let database = try await TestDatabase.create()
        let mainAPI = try await RunningService.start(.mainAPI, database: database, overrides: sink.overrides)
        defer { Task { await mainAPI.stop() } }
        let here = try await signUp(mainAPI, "mover@dash.test")
        let elsewhere = try await TestSignUp.logIn(mainAPI, email: "mover@dash.test")
        _ = try await signUp(mainAPI, "taken@dash.test")
        func post(_ path: String, _ json: String) async throws -> RawHTTP.Reply {
            try await request(mainAPI, .POST, path, cookies: here.cookies, csrf: here.csrf, json: json)
        }
        let wrong = try await post("/api/v1/account/password", #"{"currentPassword":"guess","newPassword":"Another-Horse-99"}"#)
        #expect(wrong.status == 403 && wrong.text.contains("wrong_password"), "\(wrong.text)")
        let weak = try await post("/api/v1/account/password", #"{"currentPassword":"Correct-Horse-42","newPassword":"short"}"#)
        #expect(weak.status == 422)
        let changed = try await post("/api/v1/account/password", #"{"currentPassword":"Correct-Horse-42","newPassword":"Another-Horse-99"}"#)
        #expect(changed.status == 204, "\(changed.text)")
        // The other sign-in ended; this one goes on; the old password no longer works.
        let other = try await TestHTTP.request(.GET, mainAPI.baseURL + "/api/v1/me", headers: ["authorization": "Bearer \(elsewhere)"])
        #expect(other.status == 401)
        #expect(try await request(mainAPI, .GET, "/api/v1/me", cookies: here.cookies).status == 200)
        let oldLogin = try await TestHTTP.request(.POST, mainAPI.baseURL + "/api/v1/auth/login",
                                                  json: #"{"email":"mover@dash.test","password":"Correct-Horse-42"}"#)
        #expect(oldLogin.status == 401)
        let notice = try await sink.waitForMessages(1)
        #expect(notice[0].envelopeTo == "mover@dash.test" && notice[0].subject == "Your Opside password was changed")

        let taken = try await post("/api/v1/account/email", #"{"password":"Another-Horse-99","email":"TAKEN@dash.test"}"#)
        #expect(taken.status == 409, "\(taken.text)")
        let moved = try await post("/api/v1/account/email", #"{"password":"Another-Horse-99","email":"moved@dash.test"}"#)
        #expect(moved.status == 200, "\(moved.text)")
        let mail = try await sink.waitForMessages(3)
        #expect(Set(mail.dropFirst().map(\.envelopeTo)) == ["mover@dash.test", "moved@dash.test"])
        let newLogin = try await TestHTTP.request(.POST, mainAPI.baseURL + "/api/v1/auth/login",
                                                  json: #"{"email":"moved@dash.test","password":"Another-Horse-99"}"#)
        #expect(newLogin.status == 200)
    }
}
