import Foundation
import OpsideCore
import OpsideJobs

/// claim-detector applied a detection run to one connection's claims in one marketplace:
/// published from the transaction that changed them, so the event exists exactly when the change does.
public struct ClaimsDetected: OpsideEvent, Equatable {
    public static let name = "claims.detected"
    @LowercasedUUID public var connectionId: UUID
    @LowercasedUUID public var runId: UUID
    public var marketplaceId: String
    /// The marketplace-local day the run was for.
    public var asOf: CivilDate
    public var newClaims: Int
    public var updatedClaims: Int
    public var resolvedClaims: Int
    public var reopenedClaims: Int
    /// What the connection's open claims (too early or claimable) add up to after the run, for each
    /// currency whose total the run changed; one amount per currency, never summed across them.
    public var owedTotals: [Money]

    public init(connectionId: UUID, runId: UUID, marketplaceId: String, asOf: CivilDate, newClaims: Int, updatedClaims: Int,
                resolvedClaims: Int, reopenedClaims: Int, owedTotals: [Money]) {
        self.connectionId = connectionId
        self.runId = runId
        self.marketplaceId = marketplaceId
        self.asOf = asOf
        self.newClaims = newClaims
        self.updatedClaims = updatedClaims
        self.resolvedClaims = resolvedClaims
        self.reopenedClaims = reopenedClaims
        self.owedTotals = owedTotals
    }
}

/// Claimable claims whose deadline falls within the next week, announced once per claim: the
/// run that first sees a claim inside the week marks it (`deadline_warned_on`) in the same
/// transaction that publishes this, so a claim is never announced twice.
public struct ClaimDeadlinesApproaching: OpsideEvent, Equatable {
    public static let name = "claims.deadlines_approaching"
    /// How far ahead a deadline counts as approaching.
    public static let warningDays = 7
    @LowercasedUUID public var connectionId: UUID
    @LowercasedUUID public var runId: UUID
    public var marketplaceId: String
    public var asOf: CivilDate
    /// Claims announced by this event.
    public var claims: Int
    /// What those claims are worth, one amount per currency.
    public var amounts: [Money]
    /// The soonest of their deadlines.
    public var earliestDeadline: CivilDate

    public init(connectionId: UUID, runId: UUID, marketplaceId: String, asOf: CivilDate, claims: Int, amounts: [Money],
                earliestDeadline: CivilDate) {
        self.connectionId = connectionId
        self.runId = runId
        self.marketplaceId = marketplaceId
        self.asOf = asOf
        self.claims = claims
        self.amounts = amounts
        self.earliestDeadline = earliestDeadline
    }
}
