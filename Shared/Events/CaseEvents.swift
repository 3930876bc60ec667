import Foundation
import OpsideCore
import OpsideJobs

// The events refund-engine publishes, each from the transaction that made the change it
// describes: main-api tells the seller, payments (issue 15) bills on what was recovered.

/// A case changed status: filed, decided by Amazon, paid, reversed, missed, withdrawn...
/// `case.filed` is the same change seen by those who care only about filings.
public struct CaseStatusChanged: OpsideEvent, Equatable {
    public static let name = "case.status_changed"
    @LowercasedUUID public var caseId: UUID
    @LowercasedUUID public var connectionId: UUID
    @LowercasedUUID public var claimId: UUID
    public var claimType: String
    public var fromStatus: String?
    public var toStatus: String
    /// `seller`, `system`, `amazon` (the case desk answered) or `amazon_data` (synced data showed it).
    public var actor: String
    public var reason: String
    public var amountClaimed: Money
    public var amazonCaseId: String?
    /// When the case reached Amazon; nil while it has not. claim-detector's approval model reads
    /// the claim's age at filing from it.
    public var filedAt: Date?
    /// Whether the case has the documents its type needs (true for types that need none).
    public var evidencePresent: Bool?

    public init(caseId: UUID, connectionId: UUID, claimId: UUID, claimType: String, fromStatus: String?, toStatus: String, actor: String,
                reason: String, amountClaimed: Money, amazonCaseId: String?, filedAt: Date? = nil, evidencePresent: Bool? = nil) {
        self.caseId = caseId
        self.connectionId = connectionId
        self.claimId = claimId
        self.claimType = claimType
        self.fromStatus = fromStatus
        self.toStatus = toStatus
        self.actor = actor
        self.reason = reason
        self.amountClaimed = amountClaimed
        self.amazonCaseId = amazonCaseId
        self.filedAt = filedAt
        self.evidencePresent = evidencePresent
    }
}

/// A case reached Amazon: the channel answered with Amazon's case id, or the seller said they
/// filed it and gave the id.
public struct CaseFiled: OpsideEvent, Equatable {
    public static let name = "case.filed"
    @LowercasedUUID public var caseId: UUID
    @LowercasedUUID public var connectionId: UUID
    @LowercasedUUID public var claimId: UUID
    public var claimType: String
    public var channel: String
    public var amazonCaseId: String
    public var amountClaimed: Money
    public var deadline: CivilDate

    public init(caseId: UUID, connectionId: UUID, claimId: UUID, claimType: String, channel: String, amazonCaseId: String,
                amountClaimed: Money, deadline: CivilDate) {
        self.caseId = caseId
        self.connectionId = connectionId
        self.claimId = claimId
        self.claimType = claimType
        self.channel = channel
        self.amazonCaseId = amazonCaseId
        self.amountClaimed = amountClaimed
        self.deadline = deadline
    }
}

/// Cases waiting for the seller to file them by hand (the assisted channel) whose deadline is
/// near: one event per connection and reminder (7 and 2 days by default), each case reminded once
/// per reminder.
public struct CaseFilingReminder: OpsideEvent, Equatable {
    public static let name = "cases.filing_reminder"
    @LowercasedUUID public var connectionId: UUID
    /// The reminder: days left before the deadline at most.
    public var daysBefore: Int
    public var cases: Int
    public var amounts: [Money]
    public var earliestDeadline: CivilDate

    public init(connectionId: UUID, daysBefore: Int, cases: Int, amounts: [Money], earliestDeadline: CivilDate) {
        self.connectionId = connectionId
        self.daysBefore = daysBefore
        self.cases = cases
        self.amounts = amounts
        self.earliestDeadline = earliestDeadline
    }
}

/// One reimbursement line Amazon reported, entered once in the recovered-money ledger: published
/// in the transaction that entered it, so exactly once per line whatever happens to Redis or the
/// services. A reversal is negative.
///
/// The line comes from the reimbursements report, or first from a Finances adjustment event
/// (`source` `finances`: the report lists lines days later, and some never). When the report's
/// line for money entered from Finances arrives, it is published with `replacesEntryIds`: that
/// money is now this line's, so a consumer adds `amount` and takes away what the replaced entries
/// added (their amounts are the report's correction, usually the same).
public struct ReimbursementReceived: OpsideEvent, Equatable {
    public static let name = "reimbursement.received"
    @LowercasedUUID public var entryId: UUID
    @LowercasedUUID public var connectionId: UUID
    public var reimbursementId: String
    /// `reimbursement` or `reversal`.
    public var kind: String
    /// `case` (paid on one of our cases: commission applies) or `automatic` (Amazon paid by itself).
    public var attribution: String
    /// Our case's id (lowercase), for a line attributed to a case.
    public var caseId: String?
    public var amazonCaseId: String?
    public var claimType: String?
    /// Cash plus units paid in kind at Amazon's per-unit value.
    public var amount: Money
    public var approvalDate: Date?
    /// `report` or `finances`; absent in events written before Finances could add money.
    public var source: String?
    /// The entries (lowercase ids) this report line replaces, entered earlier from Finances.
    public var replacesEntryIds: [String]?
    /// The amount of those replaced entries, in `amount`'s currency.
    public var replacedAmount: Money?

    public init(entryId: UUID, connectionId: UUID, reimbursementId: String, kind: String, attribution: String, caseId: UUID?,
                amazonCaseId: String?, claimType: String?, amount: Money, approvalDate: Date?, source: String = "report",
                replacesEntryIds: [UUID] = [], replacedAmount: Money? = nil) {
        self.entryId = entryId
        self.connectionId = connectionId
        self.reimbursementId = reimbursementId
        self.kind = kind
        self.attribution = attribution
        self.caseId = caseId?.uuidString.lowercased()
        self.amazonCaseId = amazonCaseId
        self.claimType = claimType
        self.amount = amount
        self.approvalDate = approvalDate
        self.source = source
        self.replacesEntryIds = replacesEntryIds.isEmpty ? nil : replacesEntryIds.map { $0.uuidString.lowercased() }
        self.replacedAmount = replacedAmount
    }
}
