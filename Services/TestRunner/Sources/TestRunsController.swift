import Foundation
import Hummingbird
import OpsideCore
import OpsideTransport

/// test-runner's API, for operators (through main-api's System tests page, or a script with a
/// service token such as `deploy/health-check --deep`): the suites, runs of one or all of them,
/// a run's status and results (JSON, or JUnit XML), and the history.
public struct TestRunsController: Sendable {
    let runner: SuiteRunner
    let store: RunStore
    let settings: TestRunnerSettings
    let monotonic: any Clock<Duration>

    public init(runner: SuiteRunner, store: RunStore, settings: TestRunnerSettings, monotonic: any Clock<Duration>) {
        self.runner = runner
        self.store = store
        self.settings = settings
        self.monotonic = monotonic
    }

    public func addRoutes(to router: Router<OpsideRequestContext>) {
        router.get("/internal/test-suites") { _, _ in suites() }
        router.post("/internal/test-suites/{suite}/runs") { request, context in
            let name = context.parameters.get("suite") ?? ""
            guard SuiteCatalog.names.contains(name) else { throw APIError.noSuch("suite '\(name)'") }
            return try await start(request, context, suites: [name])
        }
        router.post("/internal/test-runs") { request, context in try await start(request, context, suites: nil) }
        router.get("/internal/test-runs") { request, _ in
            let limit = try QueryParameters.integer(request, "limit", in: 1...500, default: 50)
            let suite: String? = request.uri.queryParameters.get("suite").map { String($0) }
            if let suite, !SuiteCatalog.names.contains(suite) { throw APIError.validation("no suite is called '\(suite)'", details: ["suite": "unknown"]) }
            return RunsResponse(runs: try await store.history(limit: limit, suite: suite))
        }
        router.get("/internal/test-runs/{runId}") { _, context in RunResponse(run: try await run(context)) }
        router.get("/internal/test-runs/{runId}/junit") { _, context in
            let run = try await run(context)
            guard run.isFinished else { throw APIError.conflict("the run is still \(run.status.rawValue); its report comes when it finishes") }
            var headers = HTTPFields()
            headers[.contentType] = "application/xml; charset=utf-8"
            headers[.contentDisposition] = "attachment; filename=\"opside-test-run-\(run.runId.uuidString.lowercased()).xml\""
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: JUnitReport.xml(run))))
        }
    }

    func suites() -> SuitesResponse {
        SuitesResponse(suites: SuiteCatalog.suites.map { suite in
            SuitesResponse.Suite(name: suite.name, summary: suite.summary, scheduled: settings.scheduledSuites.contains(suite.name))
        }, schedule: settings.schedule.description,
           targets: Dictionary(uniqueKeysWithValues: settings.targets.map { ($0.key.name, $0.value) }))
    }

    func run(_ context: OpsideRequestContext) async throws -> TestRun {
        guard let text = context.parameters.get("runId"), let id = UUID(uuidString: text) else {
            throw APIError.validation("the run id must be a UUID", details: ["runId": "not a UUID"])
        }
        guard let run = try await store.run(id) else { throw APIError.noSuch("test run \(text.lowercased())") }
        return run
    }

    /// Queues a run (202), or finds the one a request with the same key made (200); with
    /// `waitSeconds`, answers when the run finishes or that time has passed, whichever is first.
    func start(_ request: Request, _ context: OpsideRequestContext, suites fixed: [String]?) async throws -> EditedResponse<RunResponse> {
        let waitSeconds = try QueryParameters.integer(request, "waitSeconds", in: 0...3600, default: 0)
        let body = try await request.decode(as: TestRunRequest.self, context: context)
        var suites = fixed ?? []
        if fixed == nil {
            do throws(SuiteRunner.RequestProblem) {
                suites = try SuiteRunner.suites(body.suites)
            } catch {
                throw APIError.validation(error.description, details: ["suites": "unknown suite"])
            }
        }
        if let key = body.requestKey, key.isEmpty || key.count > 200 {
            throw APIError.validation("requestKey must be 1 to 200 characters", details: ["requestKey": "length"])
        }
        let caller = context.serviceCaller?.issuer ?? "unknown"
        let requestedBy = body.requestedBy.map { "\(caller) (\($0.prefix(200)))" } ?? caller
        var (run, created): (TestRun, Bool)
        do {
            (run, created) = try await runner.queue(suites: suites, overrides: body.targets ?? [:], trigger: "on_demand", requestedBy: requestedBy,
                                                    requestKey: body.requestKey)
        } catch let problem as SuiteRunner.RequestProblem {
            throw APIError.validation(problem.description, details: ["targets": "invalid"])
        }
        if waitSeconds > 0 {
            // Half-second looks, on the injected clock, up to the time asked for.
            var looks = waitSeconds * 2
            while !run.isFinished, looks > 0 {
                looks -= 1
                try await monotonic.sleep(for: .milliseconds(500))
                run = try await store.run(run.runId) ?? run
            }
        }
        if run.isFinished, run.results == nil { run = try await store.run(run.runId) ?? run }
        return EditedResponse(status: created && !run.isFinished ? .accepted : .ok, response: RunResponse(run: run))
    }
}

struct SuitesResponse: ResponseEncodable {
    struct Suite: Codable {
        var name: String
        var summary: String
        /// Whether the scheduled run includes it.
        var scheduled: Bool
    }

    var suites: [Suite]
    var schedule: String
    var targets: [String: String]
}

struct RunsResponse: ResponseEncodable {
    var runs: [TestRun]
}

struct RunResponse: ResponseEncodable {
    var run: TestRun
}
