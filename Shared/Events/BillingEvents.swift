import Foundation
import OpsideCore
import OpsideJobs

/// payments could not collect a commission: an invoice's payment failed (it is retried by the
/// dunning schedule until `finalAttempt`), or the bank asks the cardholder to confirm
/// (`actionRequired`: `actionUrl` is where the owner does it). main-api tells the owner.
public struct BillingPaymentFailed: OpsideEvent, Equatable {
    public static let name = "billing.payment_failed"
    /// Our invoice (lowercase id), when an invoice's payment failed.
    public var invoiceId: String?
    /// Our commission line (lowercase id), when a reimbursement's own charge failed.
    public var commissionId: String?
    public var amount: Money
    /// The bank's or Stripe's reason, in words.
    public var reason: String
    public var actionRequired: Bool
    /// Stripe's hosted page where the cardholder confirms or pays with another card.
    public var actionUrl: String?
    /// When payments tries again, if it does.
    public var nextAttemptAt: Date?
    /// No retry follows: the tenant is past due until it pays.
    public var finalAttempt: Bool

    public init(invoiceId: UUID?, commissionId: UUID?, amount: Money, reason: String, actionRequired: Bool, actionUrl: String?,
                nextAttemptAt: Date?, finalAttempt: Bool) {
        self.invoiceId = invoiceId?.uuidString.lowercased()
        self.commissionId = commissionId?.uuidString.lowercased()
        self.amount = amount
        self.reason = reason
        self.actionRequired = actionRequired
        self.actionUrl = actionUrl
        self.nextAttemptAt = nextAttemptAt
        self.finalAttempt = finalAttempt
    }
}

/// A commission invoice was paid (Stripe's `invoice.paid`), once per invoice.
public struct BillingInvoicePaid: OpsideEvent, Equatable {
    public static let name = "billing.invoice_paid"
    @LowercasedUUID public var invoiceId: UUID
    public var number: String?
    public var amount: Money
    public var hostedInvoiceUrl: String?

    public init(invoiceId: UUID, number: String?, amount: Money, hostedInvoiceUrl: String?) {
        self.invoiceId = invoiceId
        self.number = number
        self.amount = amount
        self.hostedInvoiceUrl = hostedInvoiceUrl
    }
}

/// A tenant's billing standing changed: `good`, `payment_failed` (being retried; filing goes
/// on) or `past_due` (the retries ran out: no new case is filed until it pays; detection goes on).
public struct BillingStandingChanged: OpsideEvent, Equatable {
    public static let name = "billing.standing_changed"
    public var standing: String
    public var reason: String?
    /// When payments changed it: a consumer keeps the latest, whatever order events arrive in.
    public var changedAt: Date

    public init(standing: String, reason: String?, changedAt: Date) {
        self.standing = standing
        self.reason = reason
        self.changedAt = changedAt
    }
}
