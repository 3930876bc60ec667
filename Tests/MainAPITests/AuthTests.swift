import Foundation
import OpsideCore
import OpsideJobs
import OpsideRedis
import OpsideTesting
import Testing

/// Sign-up, login, sessions, rate limits and the realtime feed on main-api.
@Suite struct AuthTests {
    @Test func signUpRefusesWeakOrMalformedInputWithAClearMessage() async throws {
        let database = try await TestDatabase.create()
        let mainAPI = try await RunningService.start(.mainAPI, database: database)
        defer { Task { await mainAPI.stop() } }
        let url = mainAPI.baseURL + "/api/v1/auth/signup"

        let weak = try await TestHTTP.request(.POST, url, json: TestSignUp.signUpBody(email: "a@shop.test", password: "short1A!"))
        #expect(weak.status == 422)
        #expect(try weak.envelope().error.details["password"]?.contains("12 characters") == true)

        let plain = try await TestHTTP.request(.POST, url, json: TestSignUp.signUpBody(email: "a@shop.test", password: "alllowercaseletters"))
        #expect(try plain.envelope().error.details["password"]?.contains("three of") == true)

        let badEmail = try await TestHTTP.request(.POST, url, json: TestSignUp.signUpBody(email: "not-an-email"))
        #expect(badEmail.status == 422)
        #expect(try badEmail.envelope().error.details["email"] != nil)

        let noCompany = try await TestHTTP.request(.POST, url, json: TestSignUp.signUpBody(email: "b@shop.test", company: "  "))
        #expect(try noCompany.envelope().error.details["companyName"] != nil)

        _ = try await TestSignUp.signUp(mainAPI, email: "taken@shop.test")
        let duplicate = try await TestHTTP.request(.POST, url, json: TestSignUp.signUpBody(email: "TAKEN@shop.test"))
        #expect(duplicate.status == 409, "emails are compared case-insensitively")
        #expect(try await database.count("SELECT count(*) FROM app.users") == 1)
        await mainAPI.stop()
    }

    @Test func loginGivesASessionThatAnswersWhoAmI() async throws {
        let database = try await TestDatabase.create()
        let mainAPI = try await RunningService.start(.mainAPI, database: database)
        defer { Task { await mainAPI.stop() } }
        let (_, tenant) = try await TestSignUp.signUp(mainAPI, email: "owner@shop.test")

        let wrong = try await TestHTTP.request(.POST, mainAPI.baseURL + "/api/v1/auth/login",
                                               json: #"{"email":"owner@shop.test","password":"Wrong-password-99"}"#)
        #expect(wrong.status == 401)
        let unknown = try await TestHTTP.request(.POST, mainAPI.baseURL + "/api/v1/auth/login",
                                                 json: #"{"email":"nobody@shop.test","password":"Correct-Horse-42"}"#)
        #expect(unknown.status == 401)
        #expect(try unknown.envelope().error.message == (try wrong.envelope().error.message), "no hint whether the email exists")

        let login = try await TestHTTP.request(.POST, mainAPI.baseURL + "/api/v1/auth/login",
                                               json: #"{"email":"Owner@Shop.test","password":"Correct-Horse-42"}"#)
        #expect(login.status == 200)
        let token = try (try login.json()["token"] as? String).unwrap("token")

        let me = try await TestHTTP.request(.GET, mainAPI.baseURL + "/api/v1/me", headers: ["authorization": "Bearer \(token)"])
        #expect(me.status == 200)
        let body = try me.json()
        let tenantBody = try (body["tenant"] as? [String: Any]).unwrap("tenant")
        #expect(tenantBody["tenantId"] as? String == tenant.lowercased(), "the suite writes ids in lowercase")
        #expect(tenantBody["role"] as? String == "owner")
        #expect(((body["user"] as? [String: Any])?["email"] as? String) == "owner@shop.test")

        #expect(try await TestHTTP.request(.GET, mainAPI.baseURL + "/api/v1/me").status == 401)
        let forged = try await TestHTTP.request(.GET, mainAPI.baseURL + "/api/v1/me", headers: ["authorization": "Bearer \(token)x"])
        #expect(forged.status == 401)
        let expiredAuthority = await SessionTokenAuthority(secret: TestEnvironment.sessionTokenSecret, lifetime: 1,
                                                           now: { Date().addingTimeInterval(-120) })
        let expired = try await expiredAuthority.issue(userID: UUID(), tenantID: UUID(), role: "owner")
        #expect(try await TestHTTP.request(.GET, mainAPI.baseURL + "/api/v1/me", headers: ["authorization": "Bearer \(expired.token)"]).status == 401)
        await mainAPI.stop()
    }

    @Test func publicAuthRoutesAreRateLimitedPerClient() async throws {
        let database = try await TestDatabase.create()
        // A scope of its own, so other tests' calls from this address do not count against it.
        let mainAPI = try await RunningService.start(.mainAPI, database: database, overrides: [
            "rateLimit.authPerMinute": "3", "rateLimit.scope": "auth-\(UUID().uuidString)"])
        defer { Task { await mainAPI.stop() } }
        // A fresh Redis window: the counter key is per minute, so clear this client's keys first.
        let redis = RedisClient(settings: RedisSettings(host: TestEnvironment.redisHost, port: try TestEnvironment.redisPort()))
        var statuses: [Int] = []
        for attempt in 0..<5 {
            let reply = try await TestHTTP.request(.POST, mainAPI.baseURL + "/api/v1/auth/login",
                                                   json: #"{"email":"nobody\#(attempt)@shop.test","password":"Whatever-pass-1"}"#)
            statuses.append(reply.status)
            if reply.status == 429 {
                #expect(reply.header("retry-after") != nil)
                #expect(try reply.envelope().error.code == "rate_limited")
            }
        }
        #expect(statuses.filter { $0 == 429 }.count >= 2, "statuses \(statuses)")
        #expect(statuses.prefix(1).allSatisfy { $0 == 401 }, "the first call is served")
        // Other routes are not limited by the auth budget.
        #expect(try await TestHTTP.request(.GET, mainAPI.baseURL + "/health/live").status == 200)
        try await redis.shutdown()
        await mainAPI.stop()
    }

    @Test func onlyOwnersAndAdminsChangeSyncSchedules() async throws {
        let database = try await TestDatabase.create()
        let mainAPI = try await RunningService.start(.mainAPI, database: database)
        defer { Task { await mainAPI.stop() } }
        let sessions = await SessionTokenAuthority(secret: TestEnvironment.sessionTokenSecret)
        let path = mainAPI.baseURL + "/api/v1/amazon/connections/\(UUID().uuidString)/schedules/orders"
        for (role, allowed) in [("member", false), ("admin", true), ("owner", true)] {
            let token = try await sessions.issue(userID: UUID(), tenantID: UUID(), role: role).token
            let reply = try await TestHTTP.request(.PUT, path, json: #"{"intervalSeconds":3600}"#,
                                                   headers: ["authorization": "Bearer \(token)"])
            if allowed {
                // Past the role check, the call goes on to inventory-sync (not running here).
                #expect(reply.status != 403, "\(role): \(reply.status)")
            } else {
                #expect(reply.status == 403, "\(role)")
                #expect(try reply.envelope().error.code == "forbidden")
            }
        }
    }

    @Test func realtimeFeedDeliversOnlyTheTenantsOwnEvents() async throws {
        let database = try await TestDatabase.create()
        let mainAPI = try await RunningService.start(.mainAPI, database: database)
        defer { Task { await mainAPI.stop() } }
        let (token, tenant) = try await TestSignUp.signUp(mainAPI, email: "feed@shop.test")
        let other = UUID()
        let redis = RedisClient(settings: RedisSettings(host: TestEnvironment.redisHost, port: try TestEnvironment.redisPort()))

        let received = TrackedTask { () -> String in
            return try await TestSSE.read(mainAPI.baseURL + "/api/v1/realtime", token: token, until: "sync.completed")
        }
        let otherEvent = EventEnvelope(id: UUID(), type: "secret.other_tenant", tenantId: other, producer: "test", occurredAt: Date(), payload: "{}")
        let ownEvent = EventEnvelope(id: UUID(), type: "sync.completed", tenantId: UUID(uuidString: tenant), producer: "test", occurredAt: Date(), payload: "{}")
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        // Publish until the feed has connected and relayed ours; pub/sub keeps nothing for late readers.
        let ownChannel = EventRelay.realtimeChannel(tenantID: try UUID(uuidString: tenant).unwrap("tenant"))
        let otherText = String(decoding: try encoder.encode(otherEvent), as: UTF8.self)
        let ownText = String(decoding: try encoder.encode(ownEvent), as: UTF8.self)
        #expect(try await eventually(timeout: .seconds(10), every: .milliseconds(200)) {
            _ = try await redis.publish(EventRelay.realtimeChannel(tenantID: other), otherText)
            _ = try await redis.publish(ownChannel, ownText)
            return received.isFinished
        })
        let stream = try await received.value
        #expect(stream.contains("event: sync.completed"))
        #expect(!stream.contains("secret.other_tenant"), "another tenant's event never reaches this feed")
        #expect(try await TestHTTP.request(.GET, mainAPI.baseURL + "/api/v1/realtime").status == 401)
        try await redis.shutdown()
        await mainAPI.stop()
    }
}
