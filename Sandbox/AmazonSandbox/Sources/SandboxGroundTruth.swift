import Foundation

/// A claim a perfect detector would find, as planted by the generator, with how it changes over
/// time: it appears at `occurredAt` owing `units`, and each later change (units found, Amazon
/// paid, a reversal reopened it) sets what is owed from that instant on; zero is resolved.
/// Rules and ids follow `docs/claim-detection.md`.
struct PlantedClaim: Sendable {
    let type: String
    let product: Int
    /// The claim type's primary source id (`ClaimType.primarySource`).
    let sourceID: String
    /// Every id the claim is traced to, keyed like claim-detector's `ClaimSourceKind`.
    let ids: [String: String]
    let units: Int
    /// Value per owed unit; the claim's value is `units × perUnitMinor`.
    let perUnitMinor: Int64
    /// The instant whose marketplace-local day starts the claim's clock.
    let clockStart: Date
    let occurredAt: Date
    var changes: [(date: Date, units: Int)] = []

    /// Units owed at `now`, or nil before the claim exists.
    func owed(at now: Date) -> Int? {
        guard occurredAt <= now else { return nil }
        var owed = units
        for change in changes.sorted(by: { $0.date < $1.date }) where change.date <= now { owed = change.units }
        return owed
    }
}

/// A planted look-alike that is not a claim (or, for `partly_found`, only its rest is): the
/// ground truth lists it once it is complete, and a detector that follows the rules never turns
/// it into a claim of `claimType` with `sourceId`.
struct PlantedTrap: Sendable {
    let kind: String
    let claimType: String
    let product: Int
    let sourceID: String
    let ids: [String: String]
    let completedAt: Date
    /// For a partly found loss: the units still owed (the claim the rest is).
    var owedUnits: Int?
}

/// One claim of `GET /_sandbox/sellers/{id}/ground-truth`.
public struct GroundTruthClaim: Codable, Sendable, Equatable {
    public let type: String
    public let fnsku: String
    public let sku: String
    public let sourceId: String
    public let sourceIds: [String: String]
    public let units: Int
    public let amountMinor: Int64
    public let currency: String
    public let clockStartedOn: String
    public let status: String
}

/// One trap of the ground truth.
public struct GroundTruthTrap: Codable, Sendable, Equatable {
    public let kind: String
    public let claimType: String
    public let fnsku: String
    public let sku: String
    public let sourceId: String
    public let sourceIds: [String: String]
    public let owedUnits: Int?
}

/// The whole ground truth of a seller at the sandbox's now.
public struct GroundTruth: Codable, Sendable {
    public let sellingPartnerId: String
    public let marketplaceId: String
    public let asOf: String
    /// The marketplace-local day statuses are computed for.
    public let today: String
    public let claims: [GroundTruthClaim]
    public let traps: [GroundTruthTrap]
    /// SKU → manufacturing cost in minor units (what pre-order claims are valued at).
    public let unitCosts: [String: Int64]
}

/// Claim windows, copied from claim-detector's `ClaimWindowPolicy.standard` (the sandbox must not
/// import the detector). Source of the numbers: docs/claim-detection.md and §4 of
/// fba-reimbursement.md; keep them equal to `Services/ClaimDetector/Sources/Detection/ClaimWindow.swift`.
enum SandboxClaimWindows {
    static let standard: [String: (opensAfterDays: Int, closesAfterDays: Int)] = [
        "warehouse_lost": (14, 60), "warehouse_damaged": (14, 60), "disposed_unrequested": (14, 60),
        "inbound_shortage": (15, 60), "refund_without_return": (60, 120), "return_not_restocked": (60, 120),
        "replacement_not_returned": (60, 120), "removal_lost": (15, 75), "fee_overcharge": (0, 90),
        "underpaid_reimbursement": (0, 60), "reimbursement_reversal": (0, 60),
    ]
    /// Europe's customer-return windows are 45–105 days after the refund.
    static let europeanReturnMarketplaces: Set<String> = ["A1F83G8C2ARO7P", "A1PA6795UKMFR9", "A13V1IB3VIYZZH", "APJ6JRA9NG5V4", "A1RKKUPIHCS9HS",
                                                          "A1805IZSGTT6HS", "A2NODRKZP88ZB9", "A1C3SOZRARQ6R3", "AMEN7PMS3EDWL", "A28R8C7NBKEWEA"]
    static let returnTypes: Set<String> = ["refund_without_return", "return_not_restocked", "replacement_not_returned"]

    static func window(_ type: String, marketplaceID: String) -> (opensAfterDays: Int, closesAfterDays: Int) {
        if returnTypes.contains(type), europeanReturnMarketplaces.contains(marketplaceID) { return (45, 105) }
        return standard[type] ?? (0, 60)
    }

    /// `too_early` before the window opens, `expired` after its last day, `claimable` between.
    static func status(_ type: String, marketplaceID: String, clockDay: Int, today: Int) -> String {
        let window = window(type, marketplaceID: marketplaceID)
        if today < clockDay + window.opensAfterDays { return "too_early" }
        if today > clockDay + window.closesAfterDays { return "expired" }
        return "claimable"
    }
}

extension SellerHistory {
    /// Days since 1970 of the marketplace-local day `date` falls on.
    func localDayNumber(_ date: Date) -> Int {
        let seconds = date.timeIntervalSince1970 + Double(timeZone.secondsFromGMT(for: date))
        return Int((seconds / 86_400).rounded(.down))
    }

    /// The marketplace-local day `date` falls on, `YYYY-MM-DD`.
    func localDay(_ date: Date) -> String {
        String(Date(timeIntervalSince1970: Double(localDayNumber(date)) * 86_400).iso.prefix(10))
    }

    /// Claims outstanding at `now` and traps complete by then, with statuses on `now`'s local day.
    public func groundTruth(at now: Date) -> GroundTruth {
        let today = localDayNumber(now)
        let claims = planted.compactMap { claim -> GroundTruthClaim? in
            guard let owed = claim.owed(at: now), owed > 0 else { return nil }
            let product = products[claim.product]
            let clockDay = localDayNumber(claim.clockStart)
            return GroundTruthClaim(type: claim.type, fnsku: product.fnsku, sku: product.sku, sourceId: claim.sourceID, sourceIds: claim.ids,
                                    units: owed, amountMinor: Int64(owed) * claim.perUnitMinor, currency: currency,
                                    clockStartedOn: localDay(claim.clockStart),
                                    status: SandboxClaimWindows.status(claim.type, marketplaceID: marketplaceID, clockDay: clockDay, today: today))
        }
        let traps = self.traps.filter { $0.completedAt <= now }.map { trap in
            GroundTruthTrap(kind: trap.kind, claimType: trap.claimType, fnsku: products[trap.product].fnsku, sku: products[trap.product].sku,
                            sourceId: trap.sourceID, sourceIds: trap.ids, owedUnits: trap.owedUnits)
        }
        let costs = Dictionary(products.map { ($0.sku, $0.unitCostMinor) }, uniquingKeysWith: { first, _ in first })
        return GroundTruth(sellingPartnerId: sellingPartnerID, marketplaceId: marketplaceID, asOf: now.iso, today: localDay(now),
                           claims: claims, traps: traps, unitCosts: costs)
    }
}
