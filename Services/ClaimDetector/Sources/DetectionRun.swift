import Foundation
import Hummingbird
import OpsideCore

/// One detection: a connection (or every connection of the tenant) as of a day, and what it did.
public struct DetectionRun: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable {
        case running, succeeded, failed
    }

    public enum Trigger: String, Codable, Sendable {
        /// Asked for through the API.
        case api
        /// A sync of the connection completed (after the settle delay).
        case sync
        /// The daily detection.
        case schedule
        /// `opside detect`.
        case cli
    }

    public var runId: UUID
    public var tenantId: UUID
    /// Nil for a run over every connection of the tenant.
    public var connectionId: UUID?
    /// The day asked for; nil when each marketplace's own today was used.
    public var asOf: CivilDate?
    public var state: State
    public var trigger: Trigger
    public var startedAt: Date
    public var finishedAt: Date?
    public var counts: DetectionCounts
    public var errorMessage: String?
}

/// `{"run": {...}}`: how the API answers a detection and `opside detect` prints one.
public struct DetectionRunBody: ResponseEncodable, Codable, Sendable, Equatable {
    public var run: DetectionRun

    public init(run: DetectionRun) {
        self.run = run
    }
}
