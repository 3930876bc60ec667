import Foundation
import OpsideCore

/// What one detection run examines: one connection's data in one marketplace, as of one day.
public struct DetectionRequest: Sendable, Hashable {
    public var tenantId: UUID
    public var connectionId: UUID
    public var marketplaceId: String
    /// The marketplace-local day the run is for; nothing in detection reads the wall clock, so a
    /// run for a given day is reproducible.
    public var asOf: CivilDate
    /// The seller's manufacturing cost per unit, by SKU, as the seller set or imported it: it
    /// holds whatever the day.
    public var unitCosts: [String: Money]
    /// Manufacturing costs supplier invoices prove (mcde's `costs.updated`), by SKU, oldest
    /// first: each in force from its invoice's date until the next one's. A SKU the seller set a
    /// cost for uses the seller's.
    public var invoiceCosts: [String: [DatedUnitCost]]
    /// Fulfillment fees per unit the seller says the true dimensions give, by SKU; the
    /// estimated-fees report's expected fee is used for the others.
    public var expectedFulfillmentFees: [String: Money]
    public var windows: ClaimWindowPolicy
    /// Underpayments smaller than this share of the expected value are not claims, in basis
    /// points (100 = 1 %): integers, as everything that decides money.
    public var underpaymentToleranceBasisPoints: Int

    public init(tenantId: UUID, connectionId: UUID, marketplaceId: String, asOf: CivilDate, unitCosts: [String: Money] = [:],
                invoiceCosts: [String: [DatedUnitCost]] = [:], expectedFulfillmentFees: [String: Money] = [:],
                windows: ClaimWindowPolicy = ClaimWindowPolicy(), underpaymentToleranceBasisPoints: Int = 100) {
        self.tenantId = tenantId
        self.connectionId = connectionId
        self.marketplaceId = marketplaceId
        self.asOf = asOf
        self.unitCosts = unitCosts
        self.invoiceCosts = invoiceCosts.mapValues { $0.sorted { ($0.effectiveOn, $0.documentId.uuidString) < ($1.effectiveOn, $1.documentId.uuidString) } }
        self.expectedFulfillmentFees = expectedFulfillmentFees
        self.windows = windows
        self.underpaymentToleranceBasisPoints = underpaymentToleranceBasisPoints
    }
}

/// A unit cost one supplier invoice proves, in force from the invoice's date.
public struct DatedUnitCost: Sendable, Hashable, Codable {
    public var effectiveOn: CivilDate
    public var amount: Money
    /// The invoice (evidence-engine's document) it was read from.
    public var documentId: UUID

    public init(effectiveOn: CivilDate, amount: Money, documentId: UUID) {
        self.effectiveOn = effectiveOn
        self.amount = amount
        self.documentId = documentId
    }
}

/// The seam between the claim store and the rules: runs every rule over one connection's synced
/// data and hands each claim found (owed or netted away) to `emit`, so a run over millions of
/// rows keeps memory flat in data size.
public protocol ClaimDetecting: Sendable {
    func detect(_ request: DetectionRequest, emit: (DetectedClaim) async throws -> Void) async throws
}
