import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import OpsideCore
import OpsideTesting
import Testing
@testable import TestRunner

/// test-runner against the whole suite, booted in-process with the Amazon and Stripe sandboxes:
/// every suite passes (the claim lifecycle on a fresh sandbox seller, to Amazon's answer), the
/// report is JSON and JUnit with history, a repeated request is the same run, bad requests are
/// refused clearly, operators (and only they) reach it through main-api; then a stopped service
/// fails the run, and the report names it.
/// A hung run fails this suite by itself instead of holding the pass to its limit.
@Suite(.serialized, .timeLimit(.minutes(10))) struct TestRunnerTests {
    static let operatorEmail = "ops-\(UUID().uuidString.prefix(8).lowercased())@opside.test"

    @Test func theSuitesPassAgainstTheSuiteAndAStoppedServiceIsNamedInTheReport() async throws {
        try await SuiteCluster.withSandboxes { sandbox, stripe, mailSink in
            try await runSuites(sandbox: sandbox, stripeURL: stripe.baseURL, mailSink: mailSink)
        }
    }

    func runSuites(sandbox: IntegrationsSandbox, stripeURL: String, mailSink: MailSink) async throws {
        // Amazon's case desk answers at once, so the lifecycle reaches a decision within the test.
        let desk = try await TestHTTP.request(.PUT, sandbox.baseURL + "/_sandbox/case-desk", json: #"{"decisionDelaySeconds":0}"#)
        #expect(desk.status == 200, "\(desk.text)")
        let database = try await TestDatabase.create()
        let cluster = try await SuiteCluster.start(database: database, sandbox: sandbox, stripeURL: stripeURL, mailSink: mailSink, overrides: [
            .testRunner: ["testRunner.schedule": "0 0 1 1 *", "testRunner.amazonSandboxURL": sandbox.baseURL,
                          "testRunner.lifecycleStepTimeoutSeconds": "150",
                          // The same seller's history every run: one with claims that become ready cases.
                          "testRunner.lifecycleSellerSeed": "2026"],
            .mainAPI: ["operators.emails": Self.operatorEmail, "rateLimit.authPerMinute": "1000"],
        ])
        do {
            try await check(cluster)
            await cluster.stop()
        } catch {
            await cluster.stop()
            throw error
        }
    }

    func check(_ cluster: SuiteCluster) async throws {
        let testRunner = cluster[.testRunner]
        // A token of its own per call: one lives a minute, and a run takes longer.
        let authority = await ServiceTokenAuthority(secret: TestEnvironment.serviceTokenSecret, service: .mainAPI)
        @Sendable func auth() async throws -> [String: String] {
            ["authorization": "Bearer \(try await authority.token(for: .testRunner, tenantID: nil))"]
        }
        func post(_ path: String, _ json: String, timeout: Duration = .seconds(30)) async throws -> TestHTTP.Reply {
            try await TestHTTP.request(.POST, testRunner.baseURL + path, json: json, headers: try await auth(), timeout: timeout)
        }
        @Sendable func get(_ path: String) async throws -> TestHTTP.Reply {
            try await TestHTTP.request(.GET, testRunner.baseURL + path, headers: try await auth())
        }

        /// The run once it has finished (its status is the event waited for).
        func finished(_ queued: TestHTTP.Reply) async throws -> [String: Any] {
            let id = try ((try queued.json()["run"] as? [String: Any])?["runId"] as? String).unwrap("a run: \(queued.text.prefix(300))")
            @Sendable func status() async throws -> String? {
                (try await get("/internal/test-runs/\(id)").json()["run"] as? [String: Any])?["status"] as? String
            }
            // Bounded well inside the isolated pass's 25 minutes: a run that does not finish is this
            // test's failure, with the run's state, not the pass's timeout.
            if try await eventually(timeout: .seconds(600), every: .seconds(1), { ["passed", "failed", "error"].contains(try await status() ?? "") }) {
                return try (try await get("/internal/test-runs/\(id)").json()["run"] as? [String: Any]).unwrap("run")
            }
            let state = try await get("/internal/test-runs/\(id)").text
            throw TestFailure(description: "run \(id) did not finish in 10 minutes: \(state.prefix(2000))")
        }

        // Every suite.
        let key = "every-suite-\(UUID())"
        let queued = try await post("/internal/test-runs", #"{"requestKey":"\#(key)"}"#)
        #expect(queued.status == 202, "\(queued.text.prefix(500))")
        let run = try await finished(queued)
        let results = run["results"] as? [[String: Any]] ?? []
        let failed = results.filter { $0["outcome"] as? String != "passed" }
            .map { "\($0["suite"] ?? "")/\($0["name"] ?? ""): \($0["outcome"] ?? "") \($0["message"] ?? "")" }
        #expect(run["status"] as? String == "passed" && failed.isEmpty, "\(failed.count) cases did not pass:\n\(failed.prefix(30).joined(separator: "\n"))")
        let suites = Set(results.compactMap { $0["suite"] as? String })
        #expect(suites == Set(SuiteCatalog.names), "every suite ran: \(suites.sorted())")
        #expect(results.count > 150, "\(results.count) cases (every documented GET of ten services, and more)")
        #expect(results.contains { $0["name"] as? String == "Amazon's answer reaches the case" && $0["outcome"] as? String == "passed" })
        let runID = try (run["runId"] as? String).unwrap("runId")

        // The same request again is the same run; the history has it once.
        let again = try await post("/internal/test-runs", #"{"requestKey":"\#(key)"}"#)
        let againID = (try again.json()["run"] as? [String: Any])?["runId"] as? String
        #expect(again.status == 200 && againID == runID, "\(again.text.prefix(300))")
        let history = try (try await get("/internal/test-runs").json()["runs"] as? [[String: Any]]).unwrap("runs")
        #expect(history.filter { $0["runId"] as? String == runID }.count == 1 && history.count == 1, "\(history.count) runs")

        // JUnit: a testcase per result, no failure.
        let junit = try await get("/internal/test-runs/\(runID)/junit")
        #expect(junit.status == 200 && junit.header("content-type")?.hasPrefix("application/xml") == true)
        let report = try XMLDocument(data: junit.body)
        #expect(try report.nodes(forXPath: "//testcase").count == results.count)
        #expect(try report.nodes(forXPath: "//failure").isEmpty)
        #expect(try report.nodes(forXPath: "/testsuites/testsuite").count == SuiteCatalog.names.count)

        // Bad requests: refused with the envelope, nothing queued.
        for (path, body, status) in [
            ("/internal/test-runs", #"{"suites":["nope"]}"#, 422), ("/internal/test-runs", #"{"targets":{"main-api":"ftp://x"}}"#, 422),
            ("/internal/test-runs", #"{"targets":{"mars":"http://x"}}"#, 422), ("/internal/test-runs", #"{"suites":"#, 400),
            ("/internal/test-suites/nope/runs", "{}", 404),
        ] {
            let refused = try await post(path, body)
            #expect(refused.status == status && refused.text.contains("\"error\""), "\(path) \(body): \(refused.status) \(refused.text)")
        }
        #expect(try await get("/internal/test-runs/not-a-uuid").status == 422)
        #expect(try await get("/internal/test-runs/\(UUID())").status == 404)
        #expect(try await TestHTTP.request(.GET, testRunner.baseURL + "/internal/test-runs").status == 401, "a service token is needed")
        let runsAfter = try await get("/internal/test-runs").json()["runs"] as? [Any]
        #expect(runsAfter?.count == 1, "nothing was queued by the refused requests")

        // Operators see it through main-api; a seller does not.
        let mainAPI = cluster[.mainAPI]
        let (operatorToken, _) = try await TestSignUp.signUp(mainAPI, email: Self.operatorEmail)
        let listed = try await TestHTTP.request(.GET, mainAPI.baseURL + "/api/v1/system/test-runs", headers: ["authorization": "Bearer \(operatorToken)"])
        #expect(listed.status == 200 && listed.text.contains(runID), "\(listed.text.prefix(300))")
        let (sellerToken, _) = try await TestSignUp.signUp(mainAPI, email: "seller-\(UUID().uuidString.prefix(8))@shop.test")
        let refused = try await TestHTTP.request(.GET, mainAPI.baseURL + "/api/v1/system/test-runs", headers: ["authorization": "Bearer \(sellerToken)"])
        #expect(refused.status == 403, "\(refused.text)")
        let page = try await TestHTTP.request(.GET, mainAPI.baseURL + "/app/system", headers: ["cookie": "opside_access=\(sellerToken)"])
        #expect(page.status == 404, "a seller has no System tests page")

        // mcde stops: the run fails, and every failure is mcde's, said in words.
        await cluster[.mcde].stop()
        let brokenRun = try await finished(try await post("/internal/test-runs", #"{"suites":["health","contract"]}"#))
        #expect(brokenRun["status"] as? String == "failed", "\(brokenRun)")
        let brokenResults = brokenRun["results"] as? [[String: Any]] ?? []
        let failures = brokenResults.filter { $0["outcome"] as? String == "failed" }
        // mcde's own cases, and main-api's routes that forward to it (503, naming mcde).
        #expect(!failures.isEmpty && failures.allSatisfy { $0["service"] as? String == "mcde" || ($0["message"] as? String)?.contains("mcde") == true },
                "only cases about mcde fail: \(failures.map { "\($0["service"] ?? "")/\($0["name"] ?? ""): \($0["message"] ?? "")" })")
        #expect(failures.contains { $0["name"] as? String == "GET /api/v1/costs/skus" && ($0["message"] as? String)?.contains("503") == true })
        let health = try failures.first { $0["name"] as? String == "mcde is ready" }.unwrap("mcde's health case")
        #expect((health["message"] as? String)?.contains("could not be reached") == true, "\(health)")
        #expect(brokenResults.filter { $0["suite"] as? String == "health" && $0["outcome"] as? String == "passed" }.count == 9)
    }

    /// The scheduled run starts at its tick on the injected clock, once per tick, with the
    /// scheduled suites; here every target refuses connections, and the run says so.
    @Test func theScheduleRunsItsSuitesAtItsTick() async throws {
        let database = try await TestDatabase.create()
        let tick = CivilDate(year: 2026, month: 11, day: 30).utcMidnight.addingTimeInterval(17 * 60)
        let clock = ManualWallClock(tick.addingTimeInterval(-30))
        // Bound and never listening: every target refuses the connection.
        let nobody = try TestEnvironment.reservePort()
        defer { nobody.release() }
        let targets = OpsideService.allCases.map { "\($0.name)=http://127.0.0.1:\(nobody.port)" }.joined(separator: ",")
        let testRunner = try await RunningService.start(.testRunner, database: database, overrides: [
            "testRunner.targets": targets, "testRunner.scheduledSuites": "health", "jobs.pollIntervalMilliseconds": "200",
        ], clocks: ServiceClocks(wall: clock))
        defer { Task { await testRunner.stop() } }
        let authority = await ServiceTokenAuthority(secret: TestEnvironment.serviceTokenSecret, service: .mainAPI, now: { clock.now })
        @Sendable func runs() async throws -> [[String: Any]] {
            let token = try await authority.token(for: .testRunner, tenantID: nil)
            let reply = try await TestHTTP.request(.GET, testRunner.baseURL + "/internal/test-runs", headers: ["authorization": "Bearer \(token)"])
            return try (reply.json()["runs"] as? [[String: Any]]).unwrap("runs: \(reply.text)")
        }
        #expect(try await runs().isEmpty, "nothing before the tick")

        clock.advance(by: 60)
        #expect(try await eventually(timeout: .seconds(30)) { try await runs().first?["status"] as? String == "failed" })
        let run = try #require(try await runs().first)
        #expect(run["trigger"] as? String == "schedule" && run["suites"] as? [String] == ["health"] && run["requestedBy"] as? String == "schedule")
        #expect(run["failed"] as? Int == 10, "\(run)")

        // The next hour's tick is the next run.
        clock.advance(by: 3600)
        #expect(try await eventually(timeout: .seconds(30)) {
            let all = try await runs()
            return all.count == 2 && all.allSatisfy { $0["status"] as? String == "failed" && $0["trigger"] as? String == "schedule" }
        })
    }

    @Test func settingsRefuseWhatCannotWork() throws {
        #expect(throws: (any Error).self) { try TestRunnerSettings.parseTargets("main-api") }
        #expect(throws: (any Error).self) { try TestRunnerSettings.parseTargets("pluto=http://x") }
        #expect(throws: (any Error).self) { try TestRunnerSettings.parseTargets("mcde=file:///etc/passwd") }
        let parsed = try TestRunnerSettings.parseTargets(" main-api=https://opside-main-api.fly.dev/ , mcde=http://10.0.0.4:8004")
        #expect(parsed[.mainAPI] == "https://opside-main-api.fly.dev" && parsed[.mcde] == "http://10.0.0.4:8004")
    }

    @Test func junitEscapesWhatXMLCannotCarry() throws {
        let run = TestRun(runId: UUID(), suites: ["health"], trigger: "on_demand", requestedBy: "test", targets: [:], status: .failed,
                          passed: 0, failed: 1, skipped: 0, error: nil, requestedAt: Date(), startedAt: Date(), finishedAt: Date(),
                          results: [CaseResult(suite: "health", name: "mcde <is> \"ready\" & well", service: "mcde", outcome: .failed,
                                               durationMilliseconds: 12, message: "answered 503: \u{1}{'postgres': 'down'}")])
        let xml = JUnitReport.xml(run)
        let document = try XMLDocument(xmlString: xml)
        let failure = try #require(try document.nodes(forXPath: "//failure").first as? XMLElement)
        #expect(failure.stringValue == "answered 503: {'postgres': 'down'}")
        #expect(try document.nodes(forXPath: "//testcase/@name").first?.stringValue == "mcde <is> \"ready\" & well")
    }
}
