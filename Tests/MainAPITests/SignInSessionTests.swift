import Foundation
import OpsideCore
import OpsideTesting
import Testing

/// Staying signed in: the refresh cookie rotates, a copy used after its successor revokes the
/// sign-in, CSRF is required where the cookie alone would do, signing out ends one sign-in or all
/// of them (their bearer tokens too), and sign-ins end after their lifetimes by the injected clock.
@Suite struct SignInSessionTests {
    /// A browser's view of one sign-in: its cookies, and the bearer token the page holds.
    struct Browser {
        var refresh: String
        var csrf: String
        var bearer: String
        var sessionId: String

        /// The cookies a reply set, as a browser keeps them.
        init(_ reply: TestHTTP.Reply) throws {
            let cookies = reply.headers.filter { $0.0.lowercased() == "set-cookie" }.map(\.1)
            func value(_ name: String) throws -> String {
                let cookie = try cookies.first { $0.hasPrefix(name + "=") }.unwrap("\(name) cookie in \(cookies)")
                return String(cookie.dropFirst(name.count + 1).prefix { $0 != ";" })
            }
            refresh = try value("opside_refresh")
            csrf = try value("opside_csrf")
            let body = try reply.json()
            bearer = try (body["token"] as? String).unwrap("token")
            sessionId = try (body["sessionId"] as? String).unwrap("sessionId")
            #expect(body["csrfToken"] as? String == csrf, "the page can read the CSRF token from the body too")
        }

        func refreshHeaders(csrf: String?) -> [String: String] {
            var headers = ["cookie": "opside_refresh=\(refresh)"]
            if let csrf { headers["x-csrf-token"] = csrf }
            return headers
        }
    }

    static func login(_ mainAPI: RunningService, email: String, agent: String = "test browser") async throws -> Browser {
        let reply = try await TestHTTP.request(.POST, mainAPI.baseURL + "/api/v1/auth/login",
                                               json: #"{"email":"\#(email)","password":"Correct-Horse-42"}"#, headers: ["user-agent": agent])
        #expect(reply.status == 200, "\(reply.text)")
        return try Browser(reply)
    }

    static func me(_ mainAPI: RunningService, _ bearer: String) async throws -> Int {
        try await TestHTTP.request(.GET, mainAPI.baseURL + "/api/v1/me", headers: ["authorization": "Bearer \(bearer)"]).status
    }

    @Test func theRefreshCookieIsHttpOnlyStrictAndScopedToTheAuthRoutes() async throws {
        let database = try await TestDatabase.create()
        let mainAPI = try await RunningService.start(.mainAPI, database: database)
        defer { Task { await mainAPI.stop() } }
        let signUp = try await TestHTTP.request(.POST, mainAPI.baseURL + "/api/v1/auth/signup", json: TestSignUp.signUpBody(email: "c@shop.test"))
        #expect(signUp.status == 201)
        let cookies = signUp.headers.filter { $0.0.lowercased() == "set-cookie" }.map(\.1)
        let refresh = try cookies.first { $0.hasPrefix("opside_refresh=") }.unwrap("refresh cookie")
        #expect(refresh.contains("HttpOnly") && refresh.contains("SameSite=Strict") && refresh.contains("Path=/api/v1/auth"), "\(refresh)")
        #expect(!refresh.contains("Secure"), "plain HTTP here: Secure only over TLS")
        let csrf = try cookies.first { $0.hasPrefix("opside_csrf=") }.unwrap("csrf cookie")
        #expect(!csrf.contains("HttpOnly") && csrf.contains("SameSite=Strict"), "the page's script reads it: \(csrf)")
        #expect(signUp.header("cache-control") == "no-store")

        // Behind a TLS-ending proxy the cookies are Secure.
        let overTLS = try await TestHTTP.request(.POST, mainAPI.baseURL + "/api/v1/auth/login",
                                                 json: #"{"email":"c@shop.test","password":"Correct-Horse-42"}"#, headers: ["x-forwarded-proto": "https"])
        #expect(overTLS.headers.filter { $0.0.lowercased() == "set-cookie" }.allSatisfy { $0.1.contains("Secure") })
        await mainAPI.stop()
    }

    @Test func refreshRotatesAndAStolenTokenUsedTwiceRevokesTheSignIn() async throws {
        let clock = ManualWallClock(Date())
        let database = try await TestDatabase.create()
        let mainAPI = try await RunningService.start(.mainAPI, database: database, clocks: ServiceClocks(wall: clock))
        defer { Task { await mainAPI.stop() } }
        _ = try await TestSignUp.signUp(mainAPI, email: "owner@shop.test")
        let browser = try await Self.login(mainAPI, email: "owner@shop.test")
        let refreshURL = mainAPI.baseURL + "/api/v1/auth/refresh"

        // The legitimate refresh: a new bearer token and a new refresh token, the same sign-in and CSRF token.
        clock.advance(by: 60)
        let first = try await TestHTTP.request(.POST, refreshURL, headers: browser.refreshHeaders(csrf: browser.csrf))
        #expect(first.status == 200, "\(first.text)")
        let rotated = try Browser(first)
        #expect(rotated.refresh != browser.refresh && rotated.sessionId == browser.sessionId && rotated.csrf == browser.csrf)
        #expect(try await Self.me(mainAPI, rotated.bearer) == 200)

        // Within the grace (another tab refreshing with the same cookie) the old token still works once more.
        let tab = try await TestHTTP.request(.POST, refreshURL, headers: browser.refreshHeaders(csrf: browser.csrf))
        #expect(tab.status == 200, "two tabs refreshing at once both stay signed in: \(tab.text)")

        // Past the grace, the old token again is a copy in someone else's hands: the sign-in ends.
        clock.advance(by: 11)
        let stolen = try await TestHTTP.request(.POST, refreshURL, headers: browser.refreshHeaders(csrf: browser.csrf))
        #expect(stolen.status == 401)
        #expect(try stolen.envelope().error.message.contains("ended to protect the account"))
        #expect(stolen.headers.contains { $0.0.lowercased() == "set-cookie" && $0.1.hasPrefix("opside_refresh=;") }, "the cookie is cleared")
        let successor = try await TestHTTP.request(.POST, refreshURL, headers: rotated.refreshHeaders(csrf: rotated.csrf))
        #expect(successor.status == 401, "every token of the sign-in is dead, the thief's and the owner's")
        #expect(try await Self.me(mainAPI, rotated.bearer) == 401, "and so are its bearer tokens, before they expire")
        let reason = try await database.strings("SELECT revoked_reason FROM app.session_families WHERE family_id = '\(browser.sessionId)'")
        #expect(reason == ["refresh token reused"])

        // Signing in again starts a new, unaffected sign-in.
        let again = try await Self.login(mainAPI, email: "owner@shop.test")
        #expect(try await Self.me(mainAPI, again.bearer) == 200)
        await mainAPI.stop()
    }

    @Test func refreshWithoutTheCSRFTokenIsRefusedAndChangesNothing() async throws {
        let database = try await TestDatabase.create()
        let mainAPI = try await RunningService.start(.mainAPI, database: database, overrides: ["security.refreshReuseGraceSeconds": "0"])
        defer { Task { await mainAPI.stop() } }
        _ = try await TestSignUp.signUp(mainAPI, email: "owner@shop.test")
        let browser = try await Self.login(mainAPI, email: "owner@shop.test")
        let other = try await Self.login(mainAPI, email: "owner@shop.test", agent: "phone")
        let refreshURL = mainAPI.baseURL + "/api/v1/auth/refresh"

        // A cross-site form riding on the cookie has no CSRF token; another sign-in's token is no better.
        for csrf in [nil, "", "forged", other.csrf] {
            let refused = try await TestHTTP.request(.POST, refreshURL, headers: browser.refreshHeaders(csrf: csrf))
            #expect(refused.status == 403, "\(csrf ?? "none"): \(refused.text)")
        }
        let logoutForged = try await TestHTTP.request(.POST, mainAPI.baseURL + "/api/v1/auth/logout", headers: browser.refreshHeaders(csrf: nil))
        #expect(logoutForged.status == 403, "a forged sign-out is refused too")
        // None of them spent the token (with no grace, a spent token used again would revoke the sign-in).
        let real = try await TestHTTP.request(.POST, refreshURL, headers: browser.refreshHeaders(csrf: browser.csrf))
        #expect(real.status == 200, "\(real.text)")
        #expect(try await TestHTTP.request(.POST, refreshURL).status == 401, "no cookie, nothing to refresh")
        await mainAPI.stop()
    }

    @Test func signOutEndsThisSignInOrEveryOneAndSessionsCanBeListedAndEnded() async throws {
        let database = try await TestDatabase.create()
        let mainAPI = try await RunningService.start(.mainAPI, database: database)
        defer { Task { await mainAPI.stop() } }
        _ = try await TestSignUp.signUp(mainAPI, email: "owner@shop.test")
        _ = try await TestSignUp.signUp(mainAPI, email: "someone@else.test")
        let laptop = try await Self.login(mainAPI, email: "owner@shop.test", agent: "laptop")
        let phone = try await Self.login(mainAPI, email: "owner@shop.test", agent: "phone")
        let tablet = try await Self.login(mainAPI, email: "owner@shop.test", agent: "tablet")
        let stranger = try await Self.login(mainAPI, email: "someone@else.test")

        // The list: the sign-up's sign-in and three logins, this one marked current; never another person's.
        let listed = try await TestHTTP.request(.GET, mainAPI.baseURL + "/api/v1/auth/sessions", headers: ["authorization": "Bearer \(laptop.bearer)"])
        #expect(listed.status == 200)
        let sessions = try (try listed.json()["sessions"] as? [[String: Any]]).unwrap("sessions")
        #expect(sessions.count == 4 && !sessions.contains { $0["id"] as? String == stranger.sessionId })
        #expect(sessions.filter { $0["current"] as? Bool == true }.map { $0["id"] as? String } == [laptop.sessionId])
        #expect(sessions.contains { $0["userAgent"] as? String == "phone" })

        // Ending the phone from the laptop; ending someone else's is "not found".
        let endPhone = try await TestHTTP.request(.DELETE, mainAPI.baseURL + "/api/v1/auth/sessions/\(phone.sessionId)",
                                                  headers: ["authorization": "Bearer \(laptop.bearer)"])
        #expect(endPhone.status == 204)
        #expect(try await Self.me(mainAPI, phone.bearer) == 401)
        #expect(try await Self.me(mainAPI, laptop.bearer) == 200)
        let endStranger = try await TestHTTP.request(.DELETE, mainAPI.baseURL + "/api/v1/auth/sessions/\(stranger.sessionId)",
                                                     headers: ["authorization": "Bearer \(laptop.bearer)"])
        #expect(endStranger.status == 404)
        #expect(try await Self.me(mainAPI, stranger.bearer) == 200)

        // Signing out here, with the cookie and its CSRF token (a page whose bearer token expired).
        let out = try await TestHTTP.request(.POST, mainAPI.baseURL + "/api/v1/auth/logout", headers: tablet.refreshHeaders(csrf: tablet.csrf))
        #expect(out.status == 204)
        #expect(try await Self.me(mainAPI, tablet.bearer) == 401)
        #expect(try await Self.me(mainAPI, laptop.bearer) == 200)
        let tabletRefresh = try await TestHTTP.request(.POST, mainAPI.baseURL + "/api/v1/auth/refresh", headers: tablet.refreshHeaders(csrf: tablet.csrf))
        #expect(tabletRefresh.status == 401)

        // Everywhere: every sign-in of the person ends, bearer tokens included; the stranger's stays.
        let everywhere = try await TestHTTP.request(.POST, mainAPI.baseURL + "/api/v1/auth/logout-all",
                                                    headers: ["authorization": "Bearer \(laptop.bearer)"])
        #expect(everywhere.status == 200, "\(everywhere.text)")
        #expect(try everywhere.json()["ended"] as? Int == 2, "\(everywhere.text)")
        #expect(try await Self.me(mainAPI, laptop.bearer) == 401)
        #expect(try await TestHTTP.request(.POST, mainAPI.baseURL + "/api/v1/auth/refresh", headers: laptop.refreshHeaders(csrf: laptop.csrf)).status == 401)
        #expect(try await Self.me(mainAPI, stranger.bearer) == 200)
        await mainAPI.stop()
    }

    @Test func aSignInEndsWhenUnusedTooLongOrPastItsLifetime() async throws {
        let clock = ManualWallClock(Date())
        let database = try await TestDatabase.create()
        let mainAPI = try await RunningService.start(.mainAPI, database: database, overrides: [
            "security.signInIdleSeconds": "3600", "security.signInLifetimeSeconds": "7200",
        ], clocks: ServiceClocks(wall: clock))
        defer { Task { await mainAPI.stop() } }
        _ = try await TestSignUp.signUp(mainAPI, email: "owner@shop.test")
        let refreshURL = mainAPI.baseURL + "/api/v1/auth/refresh"

        // Used every 50 minutes it stays alive, until its two-hour lifetime.
        var browser = try await Self.login(mainAPI, email: "owner@shop.test")
        for _ in 0..<2 {
            clock.advance(by: 3000)
            let kept = try await TestHTTP.request(.POST, refreshURL, headers: browser.refreshHeaders(csrf: browser.csrf))
            #expect(kept.status == 200, "\(kept.text)")
            browser = try Browser(kept)
        }
        clock.advance(by: 1300)
        #expect(try await TestHTTP.request(.POST, refreshURL, headers: browser.refreshHeaders(csrf: browser.csrf)).status == 401)

        // Left alone for an hour, a sign-in ends too.
        let idle = try await Self.login(mainAPI, email: "owner@shop.test")
        clock.advance(by: 3601)
        #expect(try await TestHTTP.request(.POST, refreshURL, headers: idle.refreshHeaders(csrf: idle.csrf)).status == 401)
        await mainAPI.stop()
    }
}
