import Foundation
import Logging
import OpsideAmazonData
import OpsideAmazonSPAPI
import OpsideCore
import OpsideJobs
import OpsidePostgres

/// Runs detection for a tenant: finds the (connection, marketplace) pairs it has data for,
/// values with the seller's numbers, and applies each pair's claims in a transaction of its own
/// (`ClaimRunApplier`), recorded as one detection run. The API, the jobs and `opside detect` all
/// come through here.
public struct ClaimDetection: Sendable {
    let database: Database
    let reader: AmazonDataReader
    let store: ClaimStore
    let amounts: SKUAmountStore
    let applier: ClaimRunApplier
    let detector: any ClaimDetecting
    let clocks: ServiceClocks
    let windows: ClaimWindowPolicy
    let underpaymentToleranceBasisPoints: Int
    let logger: Logger

    public init(database: Database, outbox: EventOutbox, detector: any ClaimDetecting, clocks: ServiceClocks,
                windows: ClaimWindowPolicy = ClaimWindowPolicy(), underpaymentToleranceBasisPoints: Int = 100, logger: Logger) {
        self.database = database
        self.reader = AmazonDataReader(database: database)
        self.store = ClaimStore(database: database, logger: logger)
        self.amounts = SKUAmountStore(database: database, logger: logger)
        self.applier = ClaimRunApplier(database: database, outbox: outbox, logger: logger)
        self.detector = detector
        self.clocks = clocks
        self.windows = windows
        self.underpaymentToleranceBasisPoints = underpaymentToleranceBasisPoints
        self.logger = logger
    }

    /// The marketplace's today by the injected wall clock, in its own time zone (UTC for an id
    /// Amazon's table lacks).
    public func today(marketplaceId: String) -> CivilDate {
        CivilDate(instant: clocks.wall.now, timeZone: AmazonMarketplace.timeZone(ofID: marketplaceId))
    }

    /// Detects `connection` (every connection of the tenant when nil) as of `asOf` (each
    /// marketplace's today when nil).
    /// - Returns: the finished run; a failed one is recorded, then its error thrown.
    @discardableResult
    public func detect(tenant: UUID, connection: UUID?, asOf: CivilDate?, trigger: DetectionRun.Trigger) async throws -> DetectionRun {
        let run = DetectionRun(runId: UUID(), tenantId: tenant, connectionId: connection, asOf: asOf, state: .running, trigger: trigger,
                               startedAt: clocks.wall.now, counts: DetectionCounts())
        try await store.startRun(run)
        do {
            let pairs = try await reader.connectionMarketplaces(tenant: tenant, connection: connection)
            for id in Set(pairs.map(\.connectionId)) { try await store.remember(tenant: tenant, connection: id, at: clocks.wall.now) }
            let invoiceCosts = try await amounts.invoiceCosts(tenant: tenant)
            for pair in pairs {
                let request = DetectionRequest(
                    tenantId: tenant, connectionId: pair.connectionId, marketplaceId: pair.marketplaceId,
                    asOf: asOf ?? today(marketplaceId: pair.marketplaceId),
                    unitCosts: try await amounts.effective(.unitCost, tenant: tenant, connection: pair.connectionId, marketplace: pair.marketplaceId),
                    invoiceCosts: invoiceCosts,
                    expectedFulfillmentFees: try await amounts.effective(.expectedFee, tenant: tenant, connection: pair.connectionId,
                                                                         marketplace: pair.marketplaceId),
                    windows: windows, underpaymentToleranceBasisPoints: underpaymentToleranceBasisPoints)
                try await applier.apply(runId: run.runId, request: request, detector: detector, now: clocks.wall.now)
            }
        } catch {
            logger.error("detection failed", metadata: ["tenant": "\(tenant)", "run": "\(run.runId)", "error": "\(error)"])
            _ = try? await store.finishRun(tenant: tenant, runId: run.runId, state: .failed, error: "\(error)", at: clocks.wall.now)
            throw error
        }
        guard let finished = try await store.finishRun(tenant: tenant, runId: run.runId, state: .succeeded, error: nil, at: clocks.wall.now) else {
            throw ClaimStoreError.corruptRow("detection run \(run.runId) vanished")
        }
        return finished
    }
}
