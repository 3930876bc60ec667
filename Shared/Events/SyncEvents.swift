import Foundation
import OpsideJobs

// The events inventory-sync publishes when a dataset run ends. The dashboard shows them on the
// realtime feed; operators alert on the failures.

/// A dataset run loaded everything it planned.
public struct SyncCompleted: OpsideEvent, Equatable {
    public static let name = "sync.completed"
    @LowercasedUUID public var connectionId: UUID
    @LowercasedUUID public var runId: UUID
    public var dataset: String
    public var state: String
    public var rowsInserted: Int
    public var rowsUpdated: Int
    public var rowsQuarantined: Int

    public init(connectionId: UUID, runId: UUID, dataset: String, state: String, rowsInserted: Int, rowsUpdated: Int,
                rowsQuarantined: Int) {
        self.connectionId = connectionId
        self.runId = runId
        self.dataset = dataset
        self.state = state
        self.rowsInserted = rowsInserted
        self.rowsUpdated = rowsUpdated
        self.rowsQuarantined = rowsQuarantined
    }
}

/// A dataset run gave up (a permanent failure, or transient ones past the last attempt).
public struct SyncFailed: OpsideEvent, Equatable {
    public static let name = "sync.failed"
    @LowercasedUUID public var connectionId: UUID
    @LowercasedUUID public var runId: UUID
    public var dataset: String
    public var state: String
    public var errorKind: String
    public var errorMessage: String

    public init(connectionId: UUID, runId: UUID, dataset: String, state: String, errorKind: String, errorMessage: String) {
        self.connectionId = connectionId
        self.runId = runId
        self.dataset = dataset
        self.state = state
        self.errorKind = errorKind
        self.errorMessage = errorMessage
    }
}

/// A dataset run found the connection's authorization refused by Amazon; the connection is
/// flagged until the seller connects again.
public struct SyncReauthorizationRequired: OpsideEvent, Equatable {
    public static let name = "sync.reauthorization_required"
    @LowercasedUUID public var connectionId: UUID
    @LowercasedUUID public var runId: UUID
    public var dataset: String
    public var state: String
    public var errorKind: String
    public var errorMessage: String

    public init(connectionId: UUID, runId: UUID, dataset: String, state: String, errorKind: String, errorMessage: String) {
        self.connectionId = connectionId
        self.runId = runId
        self.dataset = dataset
        self.state = state
        self.errorKind = errorKind
        self.errorMessage = errorMessage
    }
}
