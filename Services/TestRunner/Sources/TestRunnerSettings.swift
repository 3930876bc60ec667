import Configuration
import Foundation
import OpsideCore
import OpsideJobs
import OpsideTransport

/// What test-runner tests and when.
///
/// Keys (environment spelling in brackets):
/// - `testRunner.targets` [`TEST_RUNNER_TARGETS`]: the deployment under test, as
///   `service=baseURL` pairs separated by commas (`main-api=https://opside-main-api.fly.dev,…`);
///   a service not named is where `services.<name>.url` says (the addresses the services use to
///   reach one another). A run may name other base URLs of its own.
/// - `testRunner.schedule` [`TEST_RUNNER_SCHEDULE`]: when the scheduled run starts, a cron
///   expression on the injected clock (UTC); default hourly at minute 17.
/// - `testRunner.scheduledSuites` [`TEST_RUNNER_SCHEDULED_SUITES`]: the suites of the scheduled
///   run, comma-separated; default every suite but the claim lifecycle (which signs a new seller
///   up each time).
/// - `testRunner.requestTimeoutSeconds` [`TEST_RUNNER_REQUEST_TIMEOUT_SECONDS`]: how long one
///   request of a suite may take before the case fails; default 15.
/// - `testRunner.keepRuns` [`TEST_RUNNER_KEEP_RUNS`]: how many runs the history keeps (the
///   oldest go first); default 500.
/// - `testRunner.probeEmailDomain` [`TEST_RUNNER_PROBE_EMAIL_DOMAIN`]: the domain of the probe
///   sellers' e-mail addresses (`probe-a@…`, `probe-b@…`); default `test-runner.opside.test`.
///   Their passwords are derived from `security.serviceTokenSecret`, so every replica signs in
///   as the same probes and nothing else can.
/// - `testRunner.amazonSandboxURL` [`TEST_RUNNER_AMAZON_SANDBOX_URL`]: the Amazon sandbox the
///   claim lifecycle makes its fresh seller in; none (production) skips that suite.
/// - `testRunner.lifecycleStepTimeoutSeconds` [`TEST_RUNNER_LIFECYCLE_STEP_TIMEOUT_SECONDS`]: how
///   long each waiting step of the claim lifecycle may take; default 600.
/// - `testRunner.lifecycleSellerSeed` [`TEST_RUNNER_LIFECYCLE_SELLER_SEED`]: the seed of the
///   lifecycle's sandbox seller; none (a new seller's history each run) unless a test wants one.
public struct TestRunnerSettings: Sendable {
    public var targets: [OpsideService: String]
    public var schedule: CronSchedule
    public var scheduledSuites: [String]
    public var requestTimeout: Duration
    public var keepRuns: Int
    public var probeEmailDomain: String
    public var lifecycle: LifecycleSettings

    public init(targets: [OpsideService: String], schedule: CronSchedule, scheduledSuites: [String], requestTimeout: Duration = .seconds(15),
                keepRuns: Int = 500, probeEmailDomain: String = "test-runner.opside.test",
                lifecycle: LifecycleSettings = LifecycleSettings(amazonSandboxURL: nil)) {
        self.lifecycle = lifecycle
        self.targets = targets
        self.schedule = schedule
        self.scheduledSuites = scheduledSuites
        self.requestTimeout = requestTimeout
        self.keepRuns = keepRuns
        self.probeEmailDomain = probeEmailDomain
    }

    /// - Throws: `ConfigurationError` naming the key that does not parse.
    public init(reader: ConfigReader) throws {
        var targets = ServiceEndpoints(reader: reader).baseURLs
        let named = reader.string(forKey: "testRunner.targets", default: "")
        do throws(TargetsProblem) {
            for (service, url) in try Self.parseTargets(named) { targets[service] = url }
        } catch {
            throw ConfigurationError(key: "testRunner.targets", reason: error.description)
        }
        let schedule: CronSchedule
        do {
            schedule = try CronSchedule(reader.string(forKey: "testRunner.schedule", default: "17 * * * *"))
        } catch {
            throw ConfigurationError(key: "testRunner.schedule", reason: "\(error)")
        }
        let defaultSuites = SuiteCatalog.names.filter { $0 != ClaimLifecycleSuite.name }.joined(separator: ",")
        let suites = reader.string(forKey: "testRunner.scheduledSuites", default: defaultSuites)
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if let unknown = suites.first(where: { !SuiteCatalog.names.contains($0) }) {
            throw ConfigurationError(key: "testRunner.scheduledSuites",
                                     reason: "no suite is called '\(unknown)' (the suites: \(SuiteCatalog.names.joined(separator: ", ")))")
        }
        let timeout = reader.int(forKey: "testRunner.requestTimeoutSeconds", default: 15)
        guard (1...600).contains(timeout) else {
            throw ConfigurationError(key: "testRunner.requestTimeoutSeconds", reason: "must be 1 to 600 seconds")
        }
        let keep = reader.int(forKey: "testRunner.keepRuns", default: 500)
        guard keep >= 1 else { throw ConfigurationError(key: "testRunner.keepRuns", reason: "must be at least 1") }
        let domain = reader.string(forKey: "testRunner.probeEmailDomain", default: "test-runner.opside.test")
        guard domain.contains("."), !domain.contains("@"), !domain.contains(" ") else {
            throw ConfigurationError(key: "testRunner.probeEmailDomain", reason: "must be a domain name such as test-runner.opside.test")
        }
        var sandbox = reader.string(forKey: "testRunner.amazonSandboxURL")
        if let url = sandbox {
            do {
                sandbox = try Self.checkedBaseURL(url, for: "the Amazon sandbox")
            } catch {
                throw ConfigurationError(key: "testRunner.amazonSandboxURL", reason: error.description)
            }
        }
        let stepSeconds = reader.int(forKey: "testRunner.lifecycleStepTimeoutSeconds", default: 600)
        guard (1...7200).contains(stepSeconds) else {
            throw ConfigurationError(key: "testRunner.lifecycleStepTimeoutSeconds", reason: "must be 1 to 7200 seconds")
        }
        self.init(targets: targets, schedule: schedule, scheduledSuites: suites.isEmpty ? SuiteCatalog.names : suites,
                  requestTimeout: .seconds(timeout), keepRuns: keep, probeEmailDomain: domain,
                  lifecycle: LifecycleSettings(amazonSandboxURL: sandbox, stepTimeout: .seconds(stepSeconds),
                                               sellerSeed: reader.int(forKey: "testRunner.lifecycleSellerSeed")))
    }

    struct TargetsProblem: Error, CustomStringConvertible {
        let description: String
    }

    /// `service=url` pairs, comma-separated, each URL http(s) with a host.
    static func parseTargets(_ text: String) throws(TargetsProblem) -> [OpsideService: String] {
        var targets: [OpsideService: String] = [:]
        for pair in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw TargetsProblem(description: "'\(pair)' is not service=baseURL") }
            guard let service = OpsideService(rawValue: parts[0]) else {
                throw TargetsProblem(description: "'\(parts[0])' is not one of the services (\(OpsideService.allCases.map(\.name).joined(separator: ", ")))")
            }
            targets[service] = try checkedBaseURL(parts[1], for: service.name)
        }
        return targets
    }

    /// `url` without its trailing slash, if it is an http(s) URL with a host.
    static func checkedBaseURL(_ url: String, for service: String) throws(TargetsProblem) -> String {
        guard let components = URLComponents(string: url), ["http", "https"].contains(components.scheme?.lowercased() ?? ""),
              let host = components.host, !host.isEmpty, components.query == nil else {
            throw TargetsProblem(description: "the base URL of \(service), '\(url)', is not an http(s) URL with a host")
        }
        return url.hasSuffix("/") ? String(url.dropLast()) : url
    }
}
