import Foundation
import OpsideCore

/// A run of one or more suites against a deployment, as the API returns it.
public struct TestRun: Codable, Sendable {
    public enum Status: String, Codable, Sendable { case queued, running, passed, failed, error }

    public var runId: UUID
    public var suites: [String]
    /// `on_demand` (someone asked) or `schedule`.
    public var trigger: String
    public var requestedBy: String
    /// Service name → base URL, as the run tested them.
    public var targets: [String: String]
    public var status: Status
    public var passed: Int
    public var failed: Int
    public var skipped: Int
    /// Why the run itself could not finish (not a case's failure).
    public var error: String?
    public var requestedAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    /// Every case, in the order it ran: in a run's own answer, not in the history's list.
    public var results: [CaseResult]?

    public var isFinished: Bool { [.passed, .failed, .error].contains(status) }
}

/// What `POST /internal/test-runs` takes.
public struct TestRunRequest: Decodable, Sendable {
    /// The suites to run, in this order; none (or `["all"]`) is every suite.
    public var suites: [String]?
    /// Base URLs for some services, instead of test-runner's configured targets.
    public var targets: [String: String]?
    /// Who asks, as the dashboard names its operator (the calling service is recorded anyway).
    public var requestedBy: String?
    /// A repeated request with the same key gets the run the first one made.
    public var requestKey: String?
}
