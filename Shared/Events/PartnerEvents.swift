import Foundation
import OpsideCore
import OpsideJobs

/// A partner's payout reached its bank (Stripe's `payout.paid` on the Connect endpoint), once
/// per payout. The event's tenant is the partner's own workspace; main-api tells its owners.
public struct PartnerPayoutPaid: OpsideEvent, Equatable {
    public static let name = "payout.paid"
    @LowercasedUUID public var payoutId: UUID
    public var amount: Money
    public var arrivalDate: Date?

    public init(payoutId: UUID, amount: Money, arrivalDate: Date?) {
        self.payoutId = payoutId
        self.amount = amount
        self.arrivalDate = arrivalDate
    }
}

/// A partner's payout failed at the bank (Stripe's `payout.failed`): the money is back in the
/// partner's Stripe balance, and the bank's reason says what to fix.
public struct PartnerPayoutFailed: OpsideEvent, Equatable {
    public static let name = "payout.failed"
    @LowercasedUUID public var payoutId: UUID
    public var amount: Money
    /// Stripe's `failure_code` (`account_closed`, `no_account`, …).
    public var failureCode: String?
    public var failureMessage: String?

    public init(payoutId: UUID, amount: Money, failureCode: String?, failureMessage: String?) {
        self.payoutId = payoutId
        self.amount = amount
        self.failureCode = failureCode
        self.failureMessage = failureMessage
    }
}
