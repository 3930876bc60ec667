import Foundation
import Hummingbird
import OpsideCore
import OpsideTransport

/// The System tests pages, for the people who run the deployment (`operators.emails`):
/// test-runner's suites, the history of its runs (scheduled and asked for), and each run's cases
/// with why one failed, and its JUnit report. Running the suites goes through
/// `/api/v1/system/test-runs`. Anyone else gets the not-found page: the pages are not a seller's.
extension DashboardPages {
    func addSystemTestRoutes(to router: Router<OpsideRequestContext>) {
        router.get("/app/system") { request, context in
            try await signedIn(request, context) { viewer in
                guard operators.includes(viewer.user.email) else { return try missing(viewer, page: "system", title: "System tests", what: "page") }
                return try await systemTests(viewer, request)
            }
        }
        router.get("/app/system/runs/:id") { request, context in
            try await signedIn(request, context) { viewer in
                guard operators.includes(viewer.user.email) else { return try missing(viewer, page: "system", title: "System tests", what: "page") }
                return try await systemTestRun(viewer, id: try Self.uuid(context, "id"), request)
            }
        }
    }

    func systemTests(_ viewer: Viewer, _ request: Request) async throws -> Response {
        var values = chrome(viewer, page: "system", title: "System tests", request: request)
        async let suitesLoad = sources.testSuites()
        async let runsLoad = sources.testRuns(limit: 50)
        // A fresh key per page: a double click makes one run.
        values["requestKey"] = "dashboard-" + UUID().uuidString.lowercased()
        do {
            let (catalog, runs) = try await (suitesLoad, runsLoad)
            values["scheduleText"] = Self.cronText(catalog.schedule)
            values["suites"] = catalog.suites.map { suite -> [String: Any] in
                var row: [String: Any] = ["name": suite.name, "summary": suite.summary, "scheduled": suite.scheduled]
                if let last = runs.first(where: { $0.suites.contains(suite.name) }) {
                    row["last"] = ["id": last.runId.uuidString.lowercased(), "status": last.status, "statusLabel": Self.runStatus(last.status),
                                   "when": DashboardWords.relative(last.requestedAt, now: now())]
                }
                return row
            }
            values["runs"] = runs.map { run in
                ["id": run.runId.uuidString.lowercased(), "when": DashboardWords.instant(run.requestedAt), "suites": run.suites.joined(separator: ", "),
                 "status": run.status, "statusLabel": Self.runStatus(run.status), "passed": run.passed, "failed": run.failed, "skipped": run.skipped,
                 "took": Self.took(run), "requestedBy": run.trigger == "schedule" ? "the schedule" : run.requestedBy] as [String: Any]
            }
            values["noRuns"] = runs.isEmpty
        } catch {
            values["problem"] = "test-runner did not answer: \(error)"
            values["noRuns"] = true
            values["scheduleText"] = "on its schedule"
        }
        return try renderer.page("system", values)
    }

    func systemTestRun(_ viewer: Viewer, id: UUID, _ request: Request) async throws -> Response {
        var values = chrome(viewer, page: "system", title: "Test run", request: request)
        let run: DashboardSources.TestRun
        do {
            run = try await sources.testRun(id)
        } catch let problem as DashboardSourceError where problem.status == 404 {
            return try missing(viewer, page: "system", title: "System tests", what: "test run")
        }
        let finished = ["passed", "failed", "error"].contains(run.status)
        values["id"] = run.runId.uuidString.lowercased()
        values["status"] = run.status
        values["statusLabel"] = Self.runStatus(run.status)
        values["running"] = !finished
        values["finished"] = finished
        values["suites"] = run.suites.joined(separator: ", ")
        values["requested"] = DashboardWords.instant(run.requestedAt)
        values["requestedBy"] = run.trigger == "schedule" ? "the schedule" : run.requestedBy
        values["took"] = Self.took(run)
        values["passed"] = run.passed
        values["failed"] = run.failed
        values["skipped"] = run.skipped
        if let error = run.error { values["error"] = error }
        values["targets"] = run.targets.sorted { $0.key < $1.key }.map { ["service": $0.key, "url": $0.value] }
        let results = run.results ?? []
        values["groups"] = run.suites.compactMap { suite -> [String: Any]? in
            // Failures first: they are what the page is read for.
            let cases = results.filter { $0.suite == suite }.sorted { Self.rank($0.outcome) < Self.rank($1.outcome) }
            guard !cases.isEmpty else { return nil }
            return ["suite": suite, "cases": cases.map { result in
                ["name": result.name, "service": result.service ?? "—", "outcome": result.outcome, "outcomeLabel": Self.runStatus(result.outcome),
                 "took": String(format: "%.1f s", Double(result.durationMilliseconds) / 1000), "message": result.message ?? ""]
            }]
        }
        return try renderer.page("system-run", values)
    }

    static func rank(_ outcome: String) -> Int { ["failed": 0, "skipped": 1, "passed": 2][outcome] ?? 3 }

    static func runStatus(_ status: String) -> String {
        switch status {
        case "queued": "Queued"
        case "running": "Running"
        case "passed": "Passed"
        case "failed": "Failed"
        case "error": "Could not finish"
        case "skipped": "Skipped"
        default: status
        }
    }

    static func took(_ run: DashboardSources.TestRun) -> String {
        guard let started = run.startedAt else { return "—" }
        guard let finished = run.finishedAt else { return "running" }
        let seconds = Int(finished.timeIntervalSince(started).rounded())
        return seconds < 60 ? "\(seconds) s" : "\(seconds / 60) min \(seconds % 60) s"
    }

    /// The schedule's cron line in words where it is a common one.
    static func cronText(_ cron: String) -> String {
        let fields = cron.split(separator: " ")
        if fields.count == 5, fields[1...].allSatisfy({ $0 == "*" }), let minute = Int(fields[0]) {
            return "every hour at minute \(minute)"
        }
        return "on the schedule \(cron) (UTC)"
    }
}

/// test-runner's answers, as the System tests pages read them.
extension DashboardSources {
    struct TestSuite: Decodable, Sendable {
        let name: String
        let summary: String
        let scheduled: Bool
    }

    struct TestSuiteCatalog: Decodable, Sendable {
        let suites: [TestSuite]
        let schedule: String
    }

    struct TestCase: Decodable, Sendable {
        let suite: String
        let name: String
        let service: String?
        let outcome: String
        let durationMilliseconds: Int
        let message: String?
    }

    struct TestRun: Decodable, Sendable {
        let runId: UUID
        let suites: [String]
        let trigger: String
        let requestedBy: String
        let targets: [String: String]
        let status: String
        let passed: Int
        let failed: Int
        let skipped: Int
        let error: String?
        let requestedAt: Date
        let startedAt: Date?
        let finishedAt: Date?
        let results: [TestCase]?
    }

    func testSuites() async throws -> TestSuiteCatalog {
        try await get(TestSuiteCatalog.self, from: .testRunner, "/internal/test-suites", tenant: nil)
    }

    func testRuns(limit: Int) async throws -> [TestRun] {
        struct Body: Decodable { let runs: [TestRun] }
        return try await get(Body.self, from: .testRunner, "/internal/test-runs?limit=\(limit)", tenant: nil).runs
    }

    func testRun(_ id: UUID) async throws -> TestRun {
        struct Body: Decodable { let run: TestRun }
        return try await get(Body.self, from: .testRunner, "/internal/test-runs/\(id.uuidString.lowercased())", tenant: nil).run
    }
}
