import Foundation
import Logging
import OpsideCore
import OpsideEvents
import OpsideJobs

/// The unit costs supplier invoices prove (mcde's `costs.updated`) value claims, each from its
/// invoice's date, where the seller set no cost, and the tenant's connections are detected again so their claims are
/// valued with them (after the settle delay, as after a sync: many invoices give one detection).
public struct InvoiceCostIntake: Sendable {
    let amounts: SKUAmountStore
    let store: ClaimStore
    let detectionJobs: DetectionJobs
    let clocks: ServiceClocks

    public init(amounts: SKUAmountStore, store: ClaimStore, detectionJobs: DetectionJobs, clocks: ServiceClocks) {
        self.amounts = amounts
        self.store = store
        self.detectionJobs = detectionJobs
        self.clocks = clocks
    }

    public func register(in jobs: inout JobRegistry) {
        jobs.consume(EventConsumers.valueClaimsWithInvoiceCosts) { updated, envelope, context in
            guard let tenant = envelope.tenantId else { throw JobOutcome.cancel(reason: "costs.updated \(envelope.id) names no tenant") }
            try await receive(updated, tenant: tenant, logger: context.logger)
        }
    }

    /// - Returns: how many SKUs' costs changed.
    @discardableResult
    public func receive(_ updated: CostsUpdated, tenant: UUID, logger: Logger) async throws -> Int {
        let changed = try await amounts.setFromInvoice(tenant: tenant, document: updated.documentId, costs: updated.costs,
                                                         at: clocks.wall.now)
        guard changed > 0 else { return 0 }
        for connection in try await store.knownConnections(tenant: tenant) {
            try await detectionJobs.scheduleAfterSync(tenant: tenant, connection: connection, logger: logger)
        }
        logger.info("unit costs from an invoice", metadata: ["document": "\(updated.documentId)", "changed": "\(changed)"])
        return changed
    }
}
