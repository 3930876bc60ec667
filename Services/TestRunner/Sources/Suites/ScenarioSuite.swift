import Foundation
import OpsideCore

/// One case's outcome, as stored, returned and written to JUnit.
public struct CaseResult: Codable, Sendable, Equatable {
    public enum Outcome: String, Codable, Sendable { case passed, failed, skipped }

    public var suite: String
    public var name: String
    /// The service the case is about, when it is about one.
    public var service: String?
    public var outcome: Outcome
    public var durationMilliseconds: Int
    /// Why it failed or was skipped, in words.
    public var message: String?

    public init(suite: String, name: String, service: String?, outcome: Outcome, durationMilliseconds: Int, message: String?) {
        self.suite = suite
        self.name = name
        self.service = service
        self.outcome = outcome
        self.durationMilliseconds = durationMilliseconds
        self.message = message
    }
}

/// A case's verdict: thrown from a case's body to fail it with a sentence.
public struct CaseFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A case that cannot be run here (a service the deployment does not expose, say).
public struct CaseSkipped: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Records a suite's cases as they run: each case is a closure that passes by returning and
/// fails by throwing (`CaseFailure`, or any error, a `ProbeFailure` for one).
public final class CaseRecorder: @unchecked Sendable {
    let suite: String
    private let lock = NSLock()
    private var recorded: [(order: Int, result: CaseResult)] = []
    private var next = 0

    init(suite: String) { self.suite = suite }

    /// Runs one case and records its outcome.
    public func check(_ name: String, service: OpsideService? = nil, _ body: () async throws -> Void) async {
        let order = lock.withLock { () -> Int in
            next += 1
            return next
        }
        let started = ContinuousClock.now
        var outcome = CaseResult.Outcome.passed
        var message: String?
        do {
            try await body()
        } catch let skipped as CaseSkipped {
            outcome = .skipped
            message = skipped.description
        } catch {
            outcome = .failed
            message = String(describing: error)
        }
        let elapsed = ContinuousClock.now - started
        let milliseconds = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
        let result = CaseResult(suite: suite, name: name, service: service?.name, outcome: outcome, durationMilliseconds: max(0, milliseconds),
                                message: message)
        lock.withLock { recorded.append((order, result)) }
    }

    /// The cases in the order they started.
    public var results: [CaseResult] { lock.withLock { recorded.sorted { $0.order < $1.order }.map(\.result) } }
}

/// A scenario suite: a named set of cases run against the deployment the probe points at.
public protocol ScenarioSuite: Sendable {
    static var name: String { get }
    /// What the suite proves, in a sentence (listed by `GET /internal/test-suites`).
    static var summary: String { get }
    func run(_ probe: Probe, recorder: CaseRecorder) async
}

/// The suites test-runner has, in the order "all" runs them.
public enum SuiteCatalog {
    public static let suites: [any ScenarioSuite.Type] = [
        HealthSuite.self, ContractSuite.self, SecuritySuite.self, TenantIsolationSuite.self, ClaimLifecycleSuite.self,
    ]
    public static var names: [String] { suites.map { $0.name } }

    static func suite(named name: String) -> (any ScenarioSuite)? {
        switch name {
        case HealthSuite.name: HealthSuite()
        case ContractSuite.name: ContractSuite()
        case SecuritySuite.name: SecuritySuite()
        case TenantIsolationSuite.name: TenantIsolationSuite()
        case ClaimLifecycleSuite.name: ClaimLifecycleSuite()
        default: nil
        }
    }
}

extension Probe {
    /// Fails the case unless `reply` has `status` (one of them).
    func expect(_ reply: ProbeReply, _ statuses: Set<Int>, _ what: String) throws {
        guard statuses.contains(reply.status) else {
            throw CaseFailure("\(what): expected \(statuses.sorted().map(String.init).joined(separator: " or ")), got \(reply.status) \(reply.excerpt)")
        }
    }

    /// Fails the case unless `reply` is an error envelope (`{"error":{"code","message",…}}`).
    func expectEnvelope(_ reply: ProbeReply, _ what: String) throws {
        guard let error = reply.json()?["error"] as? [String: Any], error["code"] is String,
              (error["message"] as? String).map({ !$0.isEmpty }) == true else {
            throw CaseFailure("\(what): the answer (\(reply.status)) is not the error envelope: \(reply.excerpt)")
        }
    }
}
