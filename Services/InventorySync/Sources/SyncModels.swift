import Foundation
import Hummingbird

/// A sync run as the API shows it: state, progress, estimate and result.
public struct SyncRun: Codable, Sendable, Equatable, ResponseEncodable {
    public let runId: UUID
    public let connectionId: UUID
    public let dataset: String
    public let trigger: String
    public let state: String
    public let queuedAt: Date
    public let startedAt: Date?
    public let finishedAt: Date?
    public let windowsTotal: Int
    public let windowsDone: Int
    public let pagesDone: Int
    public let rowsDone: Int
    public let rowsInserted: Int
    public let rowsUpdated: Int
    public let rowsQuarantined: Int
    public let estimatedFinishAt: Date?
    public let errorKind: String?
    public let errorMessage: String?
    public let detectedReportType: String?
    /// Rows that loaded without a value of an optional column no reader understood.
    public let rowsWithWarnings: Int
    /// Those values, with line and column (the first 100 of the run).
    public let warnings: [RowWarning]
}

/// States a run can be in; `queued`, `running` and `retrying` are live. `cancelled`: its
/// connection was disconnected while it was live (the reason is in its error message).
public enum SyncRunState: String, Sendable {
    case queued, running, retrying, succeeded, failed, cancelled
    case needsReauthorization = "needs_reauthorization"
    static let live: [String] = ["queued", "running", "retrying"]
}

/// How a sync was started.
public enum SyncTrigger: String, Codable, Sendable {
    case schedule, manual, backfill, `import`
}

/// A schedule of one dataset of one connection.
public struct SyncSchedule: Codable, Sendable, Equatable, ResponseEncodable {
    public let connectionId: UUID
    public let dataset: String
    public let intervalSeconds: Int
    public let enabled: Bool
    public let nextRunAt: Date
    public let changedBy: String?
    /// When the seller disconnected Amazon: the schedule does not run until they reconnect,
    /// whatever `enabled` says. Absent while the connection is active.
    public let pausedAt: Date?
    /// For the datasets that run at fixed times (Search Query Performance), when, in words;
    /// `intervalSeconds` is then only the nominal length of their period.
    public var runsAt: String? = nil

    /// The intervals a schedule may have: from five minutes to thirty days. Checked where a
    /// request names one, so every value that reaches the database fits its `integer` column.
    public static let allowedIntervalSeconds: ClosedRange<Int> = 300...(30 * 86_400)
}

/// What a connection lets inventory-sync do.
public enum SyncConnectionStatus: String, Sendable {
    /// Synced on schedule and on demand.
    case active
    /// Amazon refused its authorization; only the seller connecting again fixes it.
    case needsReauthorization = "needs_reauthorization"
    /// Files imported for it, no Amazon account connected.
    case importOnly = "import_only"
    /// The seller disconnected it: no schedules run, manual syncs are refused; the data and the
    /// watermarks stay, so connecting the same seller again resumes where syncing stopped.
    case disconnected
}

/// What inventory-sync knows about a connection.
public struct SyncConnection: Codable, Sendable, Equatable {
    public let connectionId: UUID
    public let tenantId: UUID
    public let sellingPartnerId: String?
    public let region: String?
    public let marketplaceIds: [String]
    public let status: String
    public let statusReason: String?

    public init(connectionId: UUID, tenantId: UUID, sellingPartnerId: String?, region: String?, marketplaceIds: [String],
                status: String, statusReason: String?) {
        self.connectionId = connectionId
        self.tenantId = tenantId
        self.sellingPartnerId = sellingPartnerId
        self.region = region
        self.marketplaceIds = marketplaceIds
        self.status = status
        self.statusReason = statusReason
    }
}

/// A per-FNSKU difference between inventory summaries and ledger balances.
public struct InventoryDiscrepancy: Codable, Sendable, Equatable {
    public let marketplaceId: String
    public let fnsku: String
    public let sellerSku: String?
    public let summaryQuantity: Int
    public let ledgerQuantity: Int
    public let difference: Int
}

/// The arguments of an `inventory-sync.sync-dataset` job.
struct SyncJobArguments: Codable, Sendable {
    let tenantID: UUID
    let connectionID: UUID
    let dataset: SyncDataset
    let runID: UUID

    /// The suite's JSON style: `Id`, never `ID`.
    enum CodingKeys: String, CodingKey {
        case tenantID = "tenantId", connectionID = "connectionId", dataset, runID = "runId"
    }
    /// The spelling jobs queued before the rename carry.
    enum LegacyKeys: String, CodingKey { case tenantID, connectionID, runID }

    init(tenantID: UUID, connectionID: UUID, dataset: SyncDataset, runID: UUID) {
        self.tenantID = tenantID
        self.connectionID = connectionID
        self.dataset = dataset
        self.runID = runID
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let legacy = try decoder.container(keyedBy: LegacyKeys.self)
        tenantID = try container.decodeIfPresent(UUID.self, forKey: .tenantID) ?? legacy.decode(UUID.self, forKey: .tenantID)
        connectionID = try container.decodeIfPresent(UUID.self, forKey: .connectionID) ?? legacy.decode(UUID.self, forKey: .connectionID)
        dataset = try container.decode(SyncDataset.self, forKey: .dataset)
        runID = try container.decodeIfPresent(UUID.self, forKey: .runID) ?? legacy.decode(UUID.self, forKey: .runID)
    }
}
