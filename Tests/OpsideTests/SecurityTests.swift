import Foundation
import JWTKit
@testable import OpsideCore
import OpsideRedis
import OpsideTesting
@testable import OpsideTransport
import Testing

/// The holes issue 9 found, each tried the way an attacker tried it.
@Suite struct SecurityTests {
    /// Every spelling of a path that the router might resolve, for `path` (which starts with `/`).
    static func spellings(of path: String) -> [String] {
        let rest = String(path.dropFirst())
        let segments = rest.split(separator: "/")
        var variants = [
            "/" + path,                                  // //internal/...
            "/./" + rest,                                // /./internal/...
            path + "/",                                  // trailing slash
            "/x/../" + rest,                             // a dot-dot detour
            path.replacingOccurrences(of: "/", with: "//"),
            "/" + segments.joined(separator: "%2F"),     // escaped separators
            "/" + segments.joined(separator: "/./"),
            path.uppercased(),
        ]
        if segments.count > 1 { variants.append("/" + segments[0] + "//" + segments.dropFirst().joined(separator: "/")) }
        return variants
    }

    /// The operations of a service's OpenAPI document whose path starts with `prefix`, with
    /// every `{parameter}` filled in.
    static func operations(of baseURL: String, prefix: String) async throws -> [(method: String, path: String)] {
        let document = try await TestHTTP.request(.GET, baseURL + "/openapi.json").json()
        let paths = try (document["paths"] as? [String: [String: Any]]).unwrap("paths")
        var operations: [(String, String)] = []
        for (path, item) in paths where path.hasPrefix(prefix) {
            let filled = path.replacingOccurrences(of: "\\{[^}]+\\}", with: "00000000-0000-4000-8000-000000000001",
                                                   options: .regularExpression)
                .replacingOccurrences(of: "/jobs/00000000-0000-4000-8000-000000000001", with: "/jobs/1")
            for method in item.keys where ["get", "post", "put", "delete", "patch"].contains(method) {
                operations.append((method.uppercased(), filled))
            }
        }
        return operations.sorted { $0.1 + $0.0 < $1.1 + $1.0 }
    }

    @Test func theFastPathAgreesWithTheFullCanonicalisation() throws {
        let targets = ["/", "/health/live", "/api/v1/me?x=1", "/internal/jobs/1/cancel", "//internal/jobs", "/a/./b", "/a/../b",
                       "/a/", "/a?b=/c/", "/.well-known/x", "/a%2Fb", "/a?x=%00", "/?x", "/a//b?c", "a/b", "/a/b/"]
        for target in targets where RequestHygieneMiddleware.isPlainlyCanonical(target) {
            let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0]
            #expect(try RequestHygieneMiddleware.canonicalPath(path) == String(path), "\(target)")
        }
        #expect(RequestHygieneMiddleware.isPlainlyCanonical("/health/live"))
        for target in ["//internal/jobs", "/a/./b", "/a/", "/a%2Fb", "/a?x=%00", "a/b"] {
            #expect(!RequestHygieneMiddleware.isPlainlyCanonical(target), "\(target) takes the full path")
        }
    }

    @Test func internalRoutesRefuseEveryPathSpellingWithoutAServiceToken() async throws {
        let database = try await TestDatabase.create()
        for service in OpsideService.allCases {
            let running = try await RunningService.start(service, database: database)
            let operations = try await Self.operations(of: running.baseURL, prefix: "/internal/")
            #expect(!operations.isEmpty, "\(service.name) documents its internal routes")
            for (method, path) in operations {
                for target in [path] + Self.spellings(of: path) {
                    let reply = try await RawHTTP.request(port: running.port, method: method, target: target,
                                                          headers: ["Content-Type": "application/json"])
                    #expect([400, 401, 404, 405].contains(reply.status),
                            "\(service.name) \(method) \(target) answered \(reply.status) without a service token")
                    #expect(reply.header("content-type")?.hasPrefix("application/json") == true,
                            "\(service.name) \(method) \(target): the refusal is the JSON envelope")
                }
            }
            await running.stop()
        }
    }

    @Test func internalHandlersKnowTheirCallersTenant() async throws {
        let database = try await TestDatabase.create()
        let payments = try await RunningService.start(.payments, database: database)
        defer { Task { await payments.stop() } }
        let tenantA = UUID()
        let tenantB = UUID()
        let queue = OpsideService.payments.name
        let jobB = try await database.withSuperuser { connection in
            let rows = try await connection.query("""
                INSERT INTO platform.jobs (queue, kind, args, tenant_id, fairness_key, state, scheduled_at)
                VALUES (\(queue), 'security.probe', '{}'::jsonb, \(tenantB), \(tenantB.uuidString.lowercased()), 'scheduled',
                        now() + interval '1 day')
                RETURNING id
                """, logger: TestEnvironment.logger)
            for try await id in rows.decode(Int64.self) { return id }
            throw UnwrapError(what: "a job id")
        }
        let authority = await ServiceTokenAuthority(secret: TestEnvironment.serviceTokenSecret, service: .mainAPI)
        let tokenA = try await authority.token(for: .payments, tenantID: tenantA)
        let listed = try await RawHTTP.request(port: payments.port, target: "//internal/jobs?limit=1000",
                                               headers: ["Authorization": "Bearer \(tokenA)"])
        #expect(listed.status == 200)
        #expect(!listed.text.lowercased().contains(tenantB.uuidString.lowercased()), "tenant A's caller sees none of tenant B's jobs")
        let cancel = try await RawHTTP.request(port: payments.port, method: "POST", target: "//internal/jobs/\(jobB)/cancel",
                                               headers: ["Authorization": "Bearer \(tokenA)"])
        #expect(cancel.status == 409, "tenant A's caller cannot cancel tenant B's job")
        let state = try await database.withSuperuser { connection in
            let rows = try await connection.query("SELECT state::text FROM platform.jobs WHERE id = \(jobB)", logger: TestEnvironment.logger)
            for try await state in rows.decode(String.self) { return state }
            return ""
        }
        #expect(state == "scheduled")
        // A system caller (no tenant) sees every tenant's jobs, as the operator's view must.
        let system = try await authority.token(for: .payments, tenantID: nil)
        let all = try await RawHTTP.request(port: payments.port, target: "/internal/jobs?limit=1000", headers: ["Authorization": "Bearer \(system)"])
        #expect(all.text.lowercased().contains(tenantB.uuidString.lowercased()))
        let outOfRange = try await RawHTTP.request(port: payments.port, target: "/internal/jobs?limit=99999999999999999999",
                                                   headers: ["Authorization": "Bearer \(system)"])
        #expect(outOfRange.status == 422)
    }

    @Test func signInLimitHoldsForEveryPathSpellingAndEveryAddressOfOneAccount() async throws {
        let database = try await TestDatabase.create()
        let scope = "auth-\(UUID().uuidString)"
        let mainAPI = try await RunningService.start(.mainAPI, database: database, overrides: [
            "rateLimit.authPerMinute": "4", "rateLimit.loginPerAccount": "1000", "rateLimit.scope": scope])
        let body = Data(#"{"email":"victim@shop.test","password":"Guess-number-1"}"#.utf8)
        var statuses: [Int] = []
        for target in ["/api/v1/auth/login"] + Self.spellings(of: "/api/v1/auth/login") {
            let reply = try await RawHTTP.request(port: mainAPI.port, method: "POST", target: target,
                                                  headers: ["Content-Type": "application/json"], body: body)
            statuses.append(reply.status)
        }
        // Whatever the spelling, at most the limit's worth of guesses reach the password check.
        #expect(statuses.filter { $0 == 401 }.count <= 4, "\(statuses)")
        #expect(!statuses.dropFirst(4).contains(401), "no guess is checked past the limit, whatever the spelling: \(statuses)")
        #expect(statuses.filter { $0 == 429 }.count >= 3, "\(statuses)")
        await mainAPI.stop()

        // Per account: rotating the client address (through a proxy header this deployment
        // trusts) does not buy more guesses at one account.
        let proxied = try await RunningService.start(.mainAPI, database: database, overrides: [
            "rateLimit.authPerMinute": "1000", "rateLimit.loginPerAccount": "3", "rateLimit.scope": scope + "-proxied",
            "rateLimit.clientAddressHeader": "Fly-Client-IP"])
        var perAccount: [Int] = []
        for index in 0..<6 {
            let reply = try await RawHTTP.request(port: proxied.port, method: "POST", target: "/api/v1/auth/login",
                                                  headers: ["Content-Type": "application/json", "Fly-Client-IP": "203.0.113.\(index)"],
                                                  body: body)
            perAccount.append(reply.status)
        }
        #expect(perAccount == [401, 401, 401, 429, 429, 429], "\(perAccount)")
        // Another account is not locked by the first one's guesses.
        let other = try await RawHTTP.request(port: proxied.port, method: "POST", target: "/api/v1/auth/login",
                                              headers: ["Content-Type": "application/json"],
                                              body: Data(#"{"email":"someone@shop.test","password":"Guess-number-1"}"#.utf8))
        #expect(other.status == 401)
        await proxied.stop()

        // The header is read only when configured: here it is the client's own words.
        let direct = try await RunningService.start(.mainAPI, database: database, overrides: [
            "rateLimit.authPerMinute": "2", "rateLimit.scope": scope + "-direct"])
        var rotating: [Int] = []
        for index in 0..<4 {
            let reply = try await RawHTTP.request(port: direct.port, method: "POST", target: "/api/v1/auth/login",
                                                  headers: ["Content-Type": "application/json", "Fly-Client-IP": "198.51.100.\(index)"],
                                                  body: Data(#"{"email":"x\#(index)@shop.test","password":"Guess-number-1"}"#.utf8))
            rotating.append(reply.status)
        }
        #expect(rotating == [401, 401, 429, 429], "\(rotating)")
        await direct.stop()
    }

    @Test(arguments: [true, false])
    func slidingWindowCannotBeDoubledAcrossItsBoundary(redisReachable: Bool) async throws {
        let clock = ManualWallClock(Date(timeIntervalSince1970: 1_800_000_000))
        let port = redisReachable ? try TestEnvironment.redisPort() : try TestEnvironment.freePort()
        let redis = RedisClient(settings: RedisSettings(host: TestEnvironment.redisHost, port: port, timeoutMilliseconds: 500))
        let limiter = SlidingWindowLimiter(redis: redis, limit: 5, window: 60, prefix: "opside:test:\(UUID().uuidString)",
                                           now: { clock.now })
        clock.advance(by: 59)
        for _ in 0..<5 { #expect(await limiter.hit("client").allowed) }
        #expect(await limiter.hit("client").allowed == false)
        // A fixed minute bucket would start afresh here, two seconds later.
        clock.advance(by: 2)
        let refused = await limiter.hit("client")
        #expect(refused.allowed == false, "the budget spent at 0:59 still counts at 1:01")
        #expect(refused.retryAfterSeconds == 58)
        #expect(await limiter.check("other").allowed, "another key has its own budget")
        clock.advance(by: 58)
        #expect(await limiter.hit("client").allowed, "a minute after the burst the window has room again")
        try await redis.shutdown()
    }

    @Test func controlCharactersGetA4xxAndNeverReachBcrypt() async throws {
        let database = try await TestDatabase.create()
        let mainAPI = try await RunningService.start(.mainAPI, database: database)
        defer { Task { await mainAPI.stop() } }
        let fields = [
            #"{"email":"a\u0000b@shop.test","password":"Zyxwvuts123!x","companyName":"Shop"}"#,
            #"{"email":"nul@shop.test","password":"x\u0000Zyxwvuts123!","companyName":"Shop"}"#,
            #"{"email":"nul2@shop.test","password":"Zyxwvuts123!x","companyName":"Sh\u0000op"}"#,
            #"{"email":"nul3@shop.test","password":"Zyxwvuts123!x","companyName":"Shop","displayName":"A\u0000"}"#,
            #"{"email":"nul4@shop.test","password":"Zyxwvuts123!x","companyName":"Shop","displayName":"A\u0085B"}"#,
            "{\"email\":\"raw@shop.test\",\"password\":\"Zyxwvuts123!x\",\"companyName\":\"Sh\u{01}op\"}",
        ]
        for body in fields {
            let reply = try await TestHTTP.request(.POST, mainAPI.baseURL + "/api/v1/auth/signup", json: body)
            #expect((400..<500).contains(reply.status), "\(body) → \(reply.status)")
        }
        // The NUL password was refused, so "x" signs no one in.
        let login = try await TestHTTP.request(.POST, mainAPI.baseURL + "/api/v1/auth/login",
                                               json: #"{"email":"nul@shop.test","password":"x"}"#)
        #expect(login.status == 401)
        let nulLogin = try await TestHTTP.request(.POST, mainAPI.baseURL + "/api/v1/auth/login",
                                                  json: #"{"email":"nul@shop.test","password":"x\u0000Zyxwvuts123!"}"#)
        #expect((400..<500).contains(nulLogin.status))
        // Escaped controls in the query and the path, and a binary body.
        for target in ["/api/v1/me?x=%00", "/api/v1/%00me", "/api/v1/me?x=%0a", "/health/live?%zz"] {
            let reply = try await RawHTTP.request(port: mainAPI.port, target: target)
            #expect(reply.status == 400, "\(target) → \(reply.status)")
        }
        let binary = try await TestHTTP.request(.POST, mainAPI.baseURL + "/api/v1/auth/login", body: Data([0, 0xFF, 0xFE, 1, 2]),
                                                headers: ["content-type": "application/json"])
        #expect(binary.status == 400)
        #expect(try binary.envelope().error.code == "malformed_json")
    }

    @Test func lenientJSONIsRefused() async throws {
        #expect(StrictJSON.problem(in: Array(#"{"a":[1,2],"b":{"c":null,"d":"é\n"},"e":-1.5e+3}"#.utf8)) == nil)
        for text in [#"{"a":NaN}"#, #"{"a":Infinity}"#, #"{"a":1,}"#, #"[1,2,]"#, "{\"a\":\"x\u{01}y\"}", #"{"a":"\u0000"}"#,
                     #"{"a":01}"#, #"{'a':1}"#, #"{"a":1} x"#, "", String(repeating: "[", count: 100) + String(repeating: "]", count: 100)] {
            #expect(StrictJSON.problem(in: Array(text.utf8)) != nil, "\(text.prefix(40)) is refused")
        }
        let database = try await TestDatabase.create()
        let mainAPI = try await RunningService.start(.mainAPI, database: database)
        defer { Task { await mainAPI.stop() } }
        let trailing = try await TestHTTP.request(.POST, mainAPI.baseURL + "/api/v1/auth/login",
                                                  json: #"{"email":"a@shop.test","password":"Zyxwvuts123!x",}"#)
        #expect(trailing.status == 400)
        #expect(try trailing.envelope().error.code == "malformed_json")
    }

    @Test func serviceTokensArePinnedToTheSuitesHeaderAndClock() async throws {
        let database = try await TestDatabase.create()
        let payments = try await RunningService.start(.payments, database: database)
        defer { Task { await payments.stop() } }
        func status(_ token: String) async throws -> Int {
            try await RawHTTP.request(port: payments.port, target: "/internal/jobs", headers: ["Authorization": "Bearer \(token)"]).status
        }
        let good = await ServiceTokenAuthority(secret: TestEnvironment.serviceTokenSecret, service: .mainAPI)
        #expect(try await status(try await good.token(for: .payments, tenantID: nil)) == 200)
        let future = await ServiceTokenAuthority(secret: TestEnvironment.serviceTokenSecret, service: .mainAPI,
                                                 now: { Date().addingTimeInterval(3600) })
        #expect(try await status(try await future.token(for: .payments, tenantID: nil)) == 401, "issued an hour ahead")

        // Same secret and claims, other headers: another key id, no key id, another algorithm.
        let now = Date()
        let claims = ServiceTokenClaims(iss: IssuerClaim(value: "main-api"), aud: AudienceClaim(value: ["payments"]),
                                        exp: ExpirationClaim(value: now.addingTimeInterval(50)), iat: IssuedAtClaim(value: now), tenant: nil)
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: TestEnvironment.serviceTokenSecret), digestAlgorithm: .sha256)
        await keys.add(hmac: HMACKey(from: TestEnvironment.serviceTokenSecret), digestAlgorithm: .sha384, kid: "opside-service-1-384")
        #expect(try await status(try await keys.sign(claims)) == 401, "no kid")
        var otherKid = JWTHeader()
        otherKid.kid = "someone-elses"
        #expect(try await status(try await keys.sign(claims, header: otherKid)) == 401, "unknown kid")
        #expect(try await status(try await keys.sign(claims, kid: "opside-service-1-384")) == 401, "HS384")
        // A tenant that is not a UUID must not read as a system caller.
        let garbled = ServiceTokenClaims(iss: claims.iss, aud: claims.aud, exp: claims.exp, iat: claims.iat, tenant: "everyone")
        let pinned = JWTKeyCollection()
        await pinned.add(hmac: HMACKey(from: TestEnvironment.serviceTokenSecret), digestAlgorithm: .sha256, kid: "opside-service-1")
        #expect(try await status(try await pinned.sign(garbled, kid: "opside-service-1")) == 401)
        #expect(try await status(try await pinned.sign(claims, kid: "opside-service-1")) == 200, "the suite's own header passes")
    }

    @Test func headersAndURLsOverTheLimitGetTheEnvelope() async throws {
        let database = try await TestDatabase.create()
        let mainAPI = try await RunningService.start(.mainAPI, database: database)
        defer { Task { await mainAPI.stop() } }
        let longURL = try await RawHTTP.request(port: mainAPI.port, target: "/health/live?q=" + String(repeating: "a", count: 100_000))
        let bigHeader = try await RawHTTP.request(port: mainAPI.port, target: "/health/live",
                                                  headers: ["X-Big": String(repeating: "b", count: 1_000_000)])
        for reply in [longURL, bigHeader] {
            #expect([400, 414, 431].contains(reply.status), "\(reply.status)")
            let envelope = try JSONDecoder().decode(TestHTTP.ErrorEnvelopeShape.self, from: reply.body)
            #expect(!envelope.error.message.isEmpty)
        }
        #expect(try await TestHTTP.request(.GET, mainAPI.baseURL + "/health/live").status == 200, "the server is still up")
    }

    @Test func sessionsStayOutOfURLsAndCachesAndTheDashboardCannotBeFramed() async throws {
        let database = try await TestDatabase.create()
        let mainAPI = try await RunningService.start(.mainAPI, database: database)
        defer { Task { await mainAPI.stop() } }
        let (token, _) = try await TestSignUp.signUp(mainAPI, email: "headers@shop.test")
        let inQuery = try await TestHTTP.request(.GET, mainAPI.baseURL + "/api/v1/me?access_token=\(token)")
        #expect(inQuery.status == 400, "a token in the URL is refused outside the event stream")
        let me = try await TestHTTP.request(.GET, mainAPI.baseURL + "/api/v1/me", headers: ["authorization": "Bearer \(token)"])
        #expect(me.status == 200)
        #expect(me.header("cache-control") == "no-store")
        #expect(me.header("x-content-type-options") == "nosniff")
        let login = try await TestHTTP.request(.POST, mainAPI.baseURL + "/api/v1/auth/login",
                                               json: #"{"email":"headers@shop.test","password":"wrong-Password-1"}"#)
        #expect(login.header("cache-control") == "no-store")
        // The dashboard's pages run script from /assets only; the pages e-mail links lead to, their
        // own inline script by hash only.
        for (path, script) in [("/sign-in", "script-src 'self'"), ("/reset-password", "script-src 'sha256-")] {
            let page = try await TestHTTP.request(.GET, mainAPI.baseURL + path)
            let policy = try #require(page.header("content-security-policy"))
            #expect(policy.contains("frame-ancestors 'none'"))
            #expect(policy.contains(script), "\(path): \(policy)")
            #expect(!policy.contains("unsafe-inline"))
            #expect(page.header("x-frame-options") == "DENY")
        }
    }

    @Test func metricsCountTheStatusSentAndAreNotPublic() async throws {
        let database = try await TestDatabase.create()
        let metricsPort = try TestEnvironment.freePort()
        let token = "metrics-\(UUID().uuidString)"
        let mainAPI = try await RunningService.start(.mainAPI, database: database, overrides: [
            "metrics.token": token, "metrics.port": String(metricsPort)])
        defer { Task { await mainAPI.stop() } }
        let route = "/api/v1/me"
        for _ in 0..<3 { #expect(try await TestHTTP.request(.GET, mainAPI.baseURL + route).status == 401) }
        let scraped = try await TestHTTP.request(.GET, mainAPI.baseURL + "/metrics", headers: ["authorization": "Bearer \(token)"])
        #expect(scraped.status == 200)
        let lines = scraped.text.split(separator: "\n").filter { $0.hasPrefix("hb_requests") && $0.contains("\"\(route)\"") }
        #expect(lines.contains { $0.contains("http_response_status_code=\"401\"") }, "\(lines)")
        #expect(!lines.contains { $0.contains("http_response_status_code=\"500\"") }, "thrown 401s are not counted as 500: \(lines)")
        let wrong = try await TestHTTP.request(.GET, mainAPI.baseURL + "/metrics", headers: ["authorization": "Bearer nope"])
        #expect(wrong.status == 401)
        let listener = try await TestHTTP.request(.GET, "http://127.0.0.1:\(metricsPort)/metrics")
        #expect(listener.status == 200 && listener.text.contains("# TYPE"))
        #expect(try await TestHTTP.request(.GET, "http://127.0.0.1:\(metricsPort)/api/v1/me").status == 404,
                "the metrics listener serves metrics alone")
    }

    @Test func silentConnectionsAreClosed() async throws {
        let database = try await TestDatabase.create()
        let mainAPI = try await RunningService.start(.mainAPI, database: database, overrides: ["http.idleTimeoutSeconds": "1"])
        defer { Task { await mainAPI.stop() } }
        let silent = try (0..<20).map { _ in try RawHTTP.connect(port: mainAPI.port) }
        defer { for socket in silent { close(socket) } }
        for socket in silent {
            #expect(try await RawHTTP.closedByServer(socket, within: .seconds(15)), "a connection that says nothing is closed")
        }
    }

    @Test func closedEventStreamsAreNoticedAtTheNextHeartbeat() async throws {
        let database = try await TestDatabase.create()
        let mainAPI = try await RunningService.start(.mainAPI, database: database, overrides: ["realtime.heartbeatMilliseconds": "100"])
        defer { Task { await mainAPI.stop() } }
        let (token, _) = try await TestSignUp.signUp(mainAPI, email: "streams@shop.test")
        // The test's own HTTP client keeps a connection or two alive; those are not streams.
        let baseline = TCPTable.connections(toLocalPort: mainAPI.port, state: "01")
        var sockets: [Int32] = []
        for _ in 0..<10 {
            let socket = try RawHTTP.connect(port: mainAPI.port)
            RawHTTP.write(socket, Data("GET /api/v1/realtime HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\n\r\n".utf8))
            sockets.append(socket)
        }
        #expect(try await eventually(timeout: .seconds(20)) { TCPTable.connections(toLocalPort: mainAPI.port, state: "01") >= baseline + 10 })
        for socket in sockets { close(socket) }
        // The server side of each closed stream would sit in CLOSE-WAIT (08) until the next write.
        let drained = try await eventually(timeout: .seconds(20)) {
            TCPTable.connections(toLocalPort: mainAPI.port, state: "08") == 0
                && TCPTable.connections(toLocalPort: mainAPI.port, state: "01") <= baseline
        }
        let states = ["01", "06", "07", "08", "09", "0A", "0B"].map { "\($0)=\(TCPTable.connections(toLocalPort: mainAPI.port, state: $0))" }
        #expect(drained, "closed streams are let go within a heartbeat: \(states)")
    }
}

/// Reads the kernel's table of this machine's TCP sockets.
enum TCPTable {
    /// Sockets whose local port is `port` in `state` (hex, as /proc/net/tcp spells it: 01
    /// established, 08 close-wait).
    static func connections(toLocalPort port: Int, state: String) -> Int {
        // Read to the end by hand: a /proc file reports size 0, and a reader that trusts the
        // size stops after the first page.
        let descriptor = open("/proc/net/tcp", O_RDONLY)
        guard descriptor >= 0 else { return -1 }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = read(descriptor, &chunk, chunk.count)
            guard count > 0 else { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        let table = String(decoding: bytes, as: UTF8.self)
        let localPort = String(format: "%04X", port)
        return table.split(separator: "\n").dropFirst().filter { line in
            let columns = line.split(separator: " ")
            return columns.count > 3 && columns[1].hasSuffix(":" + localPort) && columns[3] == state
        }.count
    }
}
