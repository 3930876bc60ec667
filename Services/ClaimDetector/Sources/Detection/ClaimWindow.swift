import OpsideCore

/// When a claim may be filed: it opens `opensAfterDays` after the day its clock started and
/// closes `closesAfterDays` after it (the deadline is that last day, inclusive).
public struct ClaimWindow: Sendable, Hashable, Codable {
    public var opensAfterDays: Int
    public var closesAfterDays: Int

    public init(opensAfterDays: Int, closesAfterDays: Int) {
        self.opensAfterDays = opensAfterDays
        self.closesAfterDays = closesAfterDays
    }

    public func opens(clockStarted: CivilDate) -> CivilDate {
        CivilDate(daysSince1970: clockStarted.daysSince1970 + opensAfterDays)
    }

    public func deadline(clockStarted: CivilDate) -> CivilDate {
        CivilDate(daysSince1970: clockStarted.daysSince1970 + closesAfterDays)
    }

    /// `too_early` before the window opens, `expired` after its deadline, `claimable` between
    /// (both ends included).
    public func status(clockStarted: CivilDate, asOf: CivilDate) -> ClaimStatus {
        if asOf.daysSince1970 < opens(clockStarted: clockStarted).daysSince1970 { return .tooEarly }
        if asOf.daysSince1970 > deadline(clockStarted: clockStarted).daysSince1970 { return .expired }
        return .claimable
    }
}

/// The windows per claim type and marketplace. The defaults are §4 of `fba-reimbursement.md` and
/// the October 2024 timeline; each is a setting (`ClaimWindowPolicy.overriding`), because Amazon
/// changes them by marketplace without notice.
public struct ClaimWindowPolicy: Sendable, Hashable {
    /// Windows that differ from the default for one marketplace id.
    public var byMarketplace: [String: [ClaimType: ClaimWindow]]
    public var defaults: [ClaimType: ClaimWindow]

    public init(defaults: [ClaimType: ClaimWindow] = Self.standard, byMarketplace: [String: [ClaimType: ClaimWindow]] = Self.standardByMarketplace) {
        self.defaults = defaults
        self.byMarketplace = byMarketplace
    }

    public func window(for type: ClaimType, marketplaceId: String) -> ClaimWindow {
        byMarketplace[marketplaceId]?[type] ?? defaults[type] ?? ClaimWindow(opensAfterDays: 0, closesAfterDays: 60)
    }

    /// Since Oct 23 2024 (§4): FC lost, damaged and disposed 60 days after the event, with a
    /// 14-day grace so Amazon's automatic reimbursement can land first; customer returns 60–120
    /// days after the refund (US); removals 15–75 days from shipment; fees 90 days from the charge;
    /// inbound 15–60 days from delivery; reimbursement audits (underpaid, reversal) 60 days from
    /// the payment or clawback, treated as disputes.
    public static let standard: [ClaimType: ClaimWindow] = [
        .warehouseLost: ClaimWindow(opensAfterDays: 14, closesAfterDays: 60),
        .warehouseDamaged: ClaimWindow(opensAfterDays: 14, closesAfterDays: 60),
        .disposedUnrequested: ClaimWindow(opensAfterDays: 14, closesAfterDays: 60),
        .inboundShortage: ClaimWindow(opensAfterDays: 15, closesAfterDays: 60),
        .refundWithoutReturn: ClaimWindow(opensAfterDays: 60, closesAfterDays: 120),
        .returnNotRestocked: ClaimWindow(opensAfterDays: 60, closesAfterDays: 120),
        .replacementNotReturned: ClaimWindow(opensAfterDays: 60, closesAfterDays: 120),
        .removalLost: ClaimWindow(opensAfterDays: 15, closesAfterDays: 75),
        .feeOvercharge: ClaimWindow(opensAfterDays: 0, closesAfterDays: 90),
        .underpaidReimbursement: ClaimWindow(opensAfterDays: 0, closesAfterDays: 60),
        .reimbursementReversal: ClaimWindow(opensAfterDays: 0, closesAfterDays: 60),
    ]

    /// Europe's customer-return windows are 45–105 days after the refund (§4).
    public static let europeanReturnMarketplaces = ["A1F83G8C2ARO7P", "A1PA6795UKMFR9", "A13V1IB3VIYZZH", "APJ6JRA9NG5V4", "A1RKKUPIHCS9HS",
                                                    "A1805IZSGTT6HS", "A2NODRKZP88ZB9", "A1C3SOZRARQ6R3", "AMEN7PMS3EDWL", "A28R8C7NBKEWEA"]

    public static let standardByMarketplace: [String: [ClaimType: ClaimWindow]] = {
        let europeanReturns = ClaimWindow(opensAfterDays: 45, closesAfterDays: 105)
        let returnTypes: [ClaimType] = [.refundWithoutReturn, .returnNotRestocked, .replacementNotReturned]
        var table: [String: [ClaimType: ClaimWindow]] = [:]
        for marketplace in europeanReturnMarketplaces {
            table[marketplace] = Dictionary(uniqueKeysWithValues: returnTypes.map { ($0, europeanReturns) })
        }
        return table
    }()
}
