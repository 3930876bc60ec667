import AsyncHTTPClient
import Foundation
import Logging
import OpsideCore
import OpsideJobs

/// Starts runs and runs them: a run is queued (a row and a job on test-runner's queue), and the
/// job runs its suites one after another, storing every case's result and the verdict. A worker
/// lost mid-run leaves the job to be rescued; the run then starts again from its first suite.
public struct SuiteRunner: Sendable {
    public static let runJobKind = "test-runner.run"
    public static let scheduledJobKind = "test-runner.scheduled"

    let store: RunStore
    let jobQueue: JobQueue
    let queue: String
    let settings: TestRunnerSettings
    let httpClient: HTTPClient
    let authority: ServiceTokenAuthority
    let sellers: ProbeSellers
    let clock: any WallClock
    let logger: Logger

    public init(store: RunStore, jobQueue: JobQueue, queue: String, settings: TestRunnerSettings, httpClient: HTTPClient,
                authority: ServiceTokenAuthority, serviceTokenSecret: String, clock: any WallClock, logger: Logger) {
        self.store = store
        self.jobQueue = jobQueue
        self.queue = queue
        self.settings = settings
        self.httpClient = httpClient
        self.authority = authority
        let wall = clock
        self.sellers = ProbeSellers(domain: settings.probeEmailDomain, serviceTokenSecret: serviceTokenSecret, now: { wall.now })
        self.clock = clock
        self.logger = logger
    }

    struct RunArguments: Codable, Sendable {
        var runId: UUID
    }

    public struct RequestProblem: Error, CustomStringConvertible {
        public let description: String
    }

    /// The suites a request names, in its order: every suite for none or `all`.
    static func suites(_ names: [String]?) throws(RequestProblem) -> [String] {
        let names = (names ?? []).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if names.isEmpty || names == ["all"] { return SuiteCatalog.names }
        if let unknown = names.first(where: { !SuiteCatalog.names.contains($0) }) {
            throw RequestProblem(description: "no suite is called '\(unknown)'; the suites are \(SuiteCatalog.names.joined(separator: ", "))")
        }
        var seen = Set<String>()
        return names.filter { seen.insert($0).inserted }
    }

    /// Queues a run of `suites` against the configured targets with `overrides` in their place.
    /// - Returns: the run, and whether this request made it (false: a request with its key did).
    public func queue(suites: [String], overrides: [String: String], trigger: String, requestedBy: String,
                      requestKey: String?) async throws -> (TestRun, created: Bool) {
        var targets = Dictionary(uniqueKeysWithValues: settings.targets.map { ($0.key.name, $0.value) })
        for (name, url) in overrides {
            guard let service = OpsideService(rawValue: name) else {
                throw RequestProblem(description: "'\(name)' is not one of the services (\(OpsideService.allCases.map(\.name).joined(separator: ", ")))")
            }
            do {
                targets[service.name] = try TestRunnerSettings.checkedBaseURL(url, for: service.name)
            } catch {
                throw RequestProblem(description: error.description)
            }
        }
        let queue = self.queue
        let (run, created) = try await store.create(suites: suites, trigger: trigger, requestedBy: requestedBy, targets: targets,
                                                    requestKey: requestKey, at: clock.now) { run in
            // A run is not retried as a job would be: a second attempt is only for a worker lost mid-run.
            try NewJob(queue: queue, kind: Self.runJobKind, arguments: RunArguments(runId: run.runId), priority: 1,
                       maxAttempts: 2, uniqueKey: "test-run-\(run.runId)", leaseSeconds: 3600)
        }
        if created { await jobQueue.wake(queues: [queue]) }
        return (run, created)
    }

    /// Runs a queued run's suites and stores the outcome; a finished run is left as it is.
    func execute(runId: UUID) async throws {
        guard let run = try await store.start(runId: runId, at: clock.now) else {
            logger.info("test run already finished", metadata: ["run": "\(runId)"])
            return
        }
        var targets: [OpsideService: String] = [:]
        for (name, url) in run.targets { if let service = OpsideService(rawValue: name) { targets[service] = url } }
        let probe = Probe(httpClient: httpClient, targets: targets, timeout: settings.requestTimeout, authority: authority, sellers: sellers,
                          lifecycle: settings.lifecycle)
        var results: [CaseResult] = []
        for name in run.suites {
            guard let suite = SuiteCatalog.suite(named: name) else { continue }
            let recorder = CaseRecorder(suite: name)
            await suite.run(probe, recorder: recorder)
            results += recorder.results
        }
        try await store.finish(runId: runId, results: results, error: nil, at: clock.now, keep: settings.keepRuns)
        let failed = results.filter { $0.outcome == .failed }
        logger.log(level: failed.isEmpty ? .info : .warning, "test run finished", metadata: [
            "run": "\(runId)", "suites": "\(run.suites.joined(separator: ","))", "passed": "\(results.count - failed.count)",
            "failed": "\(failed.count)", "firstFailure": "\(failed.first.map { "\($0.name): \($0.message ?? "")" } ?? "")",
        ])
    }

    public func register(in jobs: inout JobRegistry) {
        jobs.register(Self.runJobKind, arguments: RunArguments.self, retryPolicy: RetryPolicy(capSeconds: 60)) { arguments, _ in
            try await execute(runId: arguments.runId)
        }
        jobs.register(Self.scheduledJobKind, retryPolicy: RetryPolicy(capSeconds: 300)) { job, _ in
            // The tick's own key: a retried tick finds the run it made instead of making another.
            _ = try await queue(suites: settings.scheduledSuites, overrides: [:], trigger: "schedule", requestedBy: "schedule",
                                requestKey: "schedule-\(job.id)")
        }
    }

    public var cron: [CronEntry] {
        [CronEntry(name: Self.scheduledJobKind, schedule: settings.schedule) { _ in
            NewJob(queue: queue, kind: Self.scheduledJobKind, maxAttempts: 3, uniqueKey: Self.scheduledJobKind)
        }]
    }
}
