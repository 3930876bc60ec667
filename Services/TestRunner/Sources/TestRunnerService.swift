import AsyncHTTPClient
import Configuration
import Foundation
import Hummingbird
import OpsideCore
import OpsideJobs
import OpsidePostgres
import OpsideTransport

/// test-runner's composition root. It runs scenario suites (health, contract, security, tenant
/// isolation, the claim lifecycle) against any deployment's base URLs, on demand
/// (`POST /internal/test-runs`) and on a schedule (`testRunner.schedule`), and keeps every run's
/// results in `testruns` for the API (JSON, JUnit XML), main-api's System tests page and
/// `deploy/health-check --deep`.
public enum TestRunnerService {
    public static let service = OpsideService.testRunner
    public static let queue = "test-runner"

    public static func migrators() throws -> [Migrator] {
        try ServiceResources(bundle: .module, service: service).migrators()
    }

    public static func openAPIDocument() throws -> Data {
        try ServiceResources(bundle: .module, service: service).openAPIDocument()
    }

    /// - Parameter clocks: what the schedule ticks by and a run's times are read from.
    public static func buildApplication(reader: ConfigReader, clocks: ServiceClocks = .system) async throws -> some ApplicationProtocol {
        let platform = try await OpsidePlatform(service: service, reader: reader, queues: [queue], clocks: clocks)
        let settings = try TestRunnerSettings(reader: reader)
        let document = try openAPIDocument()
        let schemaMigrators = try migrators()
        // The suites' own client: an answer is judged as it is (a 303 is a 303), never followed,
        // and a probe waits on no pool the service's own calls need. Made once nothing can throw
        // (an HTTP client dropped without its shutdown stops the process).
        let probeClient = HTTPClient(eventLoopGroupProvider: .singleton,
                                     configuration: .init(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5))))
        let store = RunStore(database: platform.database, logger: platform.logger)
        let runner = SuiteRunner(store: store, jobQueue: platform.jobQueue, queue: queue, settings: settings, httpClient: probeClient,
                                 authority: platform.tokenAuthority, serviceTokenSecret: platform.settings.serviceTokenSecret,
                                 clock: platform.clocks.wall, logger: platform.logger)
        var jobs = JobRegistry()
        runner.register(in: &jobs)
        let router = platform.makeRouter(openAPIDocument: document)
        TestRunsController(runner: runner, store: store, settings: settings, monotonic: platform.clocks.monotonic).addRoutes(to: router)
        return platform.makeApplication(router: router, migrators: schemaMigrators, jobs: jobs, cron: runner.cron,
                                        extraServices: [HTTPClientService(client: probeClient)])
    }
}
