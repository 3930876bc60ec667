import Foundation
import Logging
import OpsideJobs
import OpsidePostgres
import PostgresNIO

/// Sync bookkeeping: connections, schedules, runs and their history, for the API, the scheduler
/// and the connection events. The statements on runs and watermarks themselves are
/// `SyncRunRepository`'s, composed here into this repository's transactions.
public protocol SyncRepository: Sendable {
    /// Records (or refreshes) a connection and gives it the default schedules it lacks; an
    /// active one gets its paused schedules back.
    /// - Parameter changedAt: when the connection event this comes from happened: it applies only
    ///   if no later event already changed the connection (events can be handled out of order).
    /// - Returns: whether it applied.
    @discardableResult
    func upsertConnection(_ connection: SyncConnection, changedAt: Date?) async throws -> Bool
    /// Stops syncing a disconnected connection, in one transaction: the connection is marked
    /// `disconnected`, its schedules paused, its live runs (imports aside) cancelled with `reason`.
    /// Data and watermarks stay: connecting the same seller again resumes from them.
    /// - Parameter changedAt: when the disconnection happened; a later connection event wins.
    /// - Returns: nil when a later connection event already applied; else the cancelled runs and
    ///   their live jobs (for the caller to cancel through the job queue).
    func stopSyncing(tenantID: UUID, connectionID: UUID, sellingPartnerId: String?, region: String?, reason: String,
                     changedAt: Date) async throws -> StoppedSyncing?
    func connection(tenantID: UUID, connectionID: UUID) async throws -> SyncConnection?
    /// Starts a run of `dataset` unless one is live; returns the live or new run.
    func requestRun(tenantID: UUID, connectionID: UUID, dataset: SyncDataset, trigger: SyncTrigger, priority: Int) async throws -> SyncRun
    func run(tenantID: UUID, runID: UUID) async throws -> SyncRun?
    /// Newest first.
    func runs(tenantID: UUID, connectionID: UUID, dataset: SyncDataset?, limit: Int) async throws -> [SyncRun]
    func schedules(tenantID: UUID, connectionID: UUID) async throws -> [SyncSchedule]
    /// Which families of claims the connection's synced datasets cover (`ClaimCoverage`).
    func claimCoverage(tenantID: UUID, connectionID: UUID) async throws -> [ClaimCoverage.State]
    func setSchedule(tenantID: UUID, connectionID: UUID, dataset: SyncDataset, intervalSeconds: Int, enabled: Bool,
                     changedBy: String) async throws -> SyncSchedule?
    /// Makes the next run of a Search Query Performance dataset start at the period that holds
    /// `from` (its watermark lowered to the end of that period) and requests that run.
    /// - Throws: `SyncBackfillError.runInProgress` while a run of the dataset is live (it would
    ///   move the watermark past the backfill when it ends), `ConnectionDisconnectedError`.
    func backfill(tenantID: UUID, connectionID: UUID, dataset: SyncDataset, from: Date) async throws -> SyncRun
    /// The connection's Amazon Ads account was connected: its spend gets a daily schedule (kept
    /// if it has one) and a run now, which backfills what Amazon keeps or resumes from the watermark.
    /// - Throws: `ConnectionDisconnectedError` when the connection was disconnected meanwhile.
    func startAdsSpend(tenantID: UUID, connectionID: UUID) async throws -> SyncRun
    /// The Ads account was disconnected: the spend's schedule goes; the spend synced stays.
    func stopAdsSpend(tenantID: UUID, connectionID: UUID) async throws
        /// Enqueues a run for every schedule that is due, across tenants; returns how many.
    func enqueueDueSchedules(limit: Int) async throws -> Int
    func quarantine(tenantID: UUID, runID: UUID, limit: Int) async throws -> [QuarantinedLine]
    func discrepancies(tenantID: UUID, connectionID: UUID) async throws -> [InventoryDiscrepancy]
}

extension SyncRepository {
    /// Records a connection learnt outside the connection events (the token vault's answer).
    public func upsertConnection(_ connection: SyncConnection) async throws {
        try await upsertConnection(connection, changedAt: nil)
    }
}

/// What stopping a connection's syncing cancelled.
public struct StoppedSyncing: Sendable, Equatable {
    public let cancelledRuns: [UUID]
    /// The live jobs of those runs.
    public let jobs: [Int64]
}

/// A run asked of a connection its seller disconnected.
struct ConnectionDisconnectedError: Error, CustomStringConvertible {
    let connectionID: UUID
    var description: String { "the Amazon connection \(connectionID) was disconnected" }
}

/// A backfill asked while the dataset is syncing.
struct SyncBackfillError: Error, CustomStringConvertible {
    let run: SyncRun
    var description: String { "a \(run.dataset) sync is running (run \(run.runId)); ask for the backfill when it has finished" }
}
