import Foundation
import Logging
import OpsideJobs

/// Stops syncing a connection its seller disconnected, whichever way inventory-sync learns it:
/// integrations' `amazon.disconnected` event, or the token vault refusing a run's access token
/// with `connection_disconnected` before that event arrived.
///
/// The connection is marked `disconnected` (manual syncs answer 409), its schedules are paused,
/// its runs in flight end `cancelled` with the reason and their jobs are cancelled. Nothing is
/// deleted: the data and the watermarks stay, so when integrations announces the same connection
/// again (a reconnection keeps the connection's id), the backfill starts from the watermarks.
/// Doing it twice changes nothing (events are delivered at least once).
public struct ConnectionDisconnection: Sendable {
    let repository: any SyncRepository
    let jobQueue: JobQueue
    let queue: String
    let logger: Logger

    /// What a cancelled run says, and what the seller can do about it.
    public static let reason = "the seller disconnected the Amazon account; reconnect it to sync again"

    /// - Parameters:
    ///   - changedAt: when the disconnection happened (the event's time, or when the run that
    ///     found it asked for its token); a connection event after it wins.
    ///   - currentJob: the job calling, which ends by itself instead of being cancelled.
    /// - Returns: whether the connection stopped (false: a later connection event applied).
    @discardableResult
    func stop(tenantID: UUID, connectionID: UUID, sellingPartnerId: String?, region: String?, changedAt: Date,
              currentJob: Int64? = nil) async throws -> Bool {
        guard let stopped = try await repository.stopSyncing(tenantID: tenantID, connectionID: connectionID,
                                                            sellingPartnerId: sellingPartnerId, region: region,
                                                            reason: Self.reason, changedAt: changedAt) else {
            logger.info("disconnection superseded by a later connection event", metadata: ["connection": "\(connectionID)"])
            return false
        }
        for job in stopped.jobs where job != currentJob {
            _ = try await jobQueue.cancel(id: job, queues: [queue], tenantID: tenantID)
        }
        logger.notice("connection disconnected; syncing stopped", metadata: [
            "connection": "\(connectionID)", "cancelledRuns": "\(stopped.cancelledRuns.count)"])
        return true
    }
}
