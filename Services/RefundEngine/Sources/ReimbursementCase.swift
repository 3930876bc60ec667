import Foundation
import OpsideCore

/// How a case reaches Amazon. Amazon has no API to open a reimbursement case (DESIGN.md).
public enum CaseChannel: String, Codable, Sendable, CaseIterable {
    /// The seller files by hand in Seller Central with the text we prepared, then tells us Amazon's case id.
    case assisted
    /// The Amazon sandbox's Seller Central case desk, filed by the filing engine.
    case sandbox
}

/// Where a case stands. The queue: `needs_documents`, `ready`, `filing`, `failed`. With Amazon:
/// `filed`, `more_information_needed`. Decided: `approved`, `partially_approved`, `denied`, then
/// from the synced money `paid`, `partially_paid` (the rest stays open) or `reversed`. Closed
/// unfiled: `missed` (the deadline passed) and `withdrawn` (nothing is owed any more).
public enum CaseStatus: String, Codable, Sendable, CaseIterable {
    case needsDocuments = "needs_documents"
    case ready
    case filing
    case failed
    case filed
    case moreInformationNeeded = "more_information_needed"
    case approved
    case partiallyApproved = "partially_approved"
    case denied
    case paid
    case partiallyPaid = "partially_paid"
    case reversed
    case missed
    case withdrawn

    /// Not yet with Amazon: the statuses a filing can start from or a deadline can be missed in.
    public static let unfiled: [CaseStatus] = [.needsDocuments, .ready, .failed]
    /// With Amazon, or decided and still open to money arriving (or leaving).
    public static let withAmazon: [CaseStatus] = [.filed, .moreInformationNeeded, .approved, .partiallyApproved, .denied, .paid,
                                                  .partiallyPaid, .reversed]
    /// Still waiting for Amazon's decision.
    public static let awaitingDecision: [CaseStatus] = [.filed]
    /// Amazon answered (the statuses the median time to decision counts).
    public static let decided: [CaseStatus] = [.approved, .partiallyApproved, .denied, .paid, .partiallyPaid, .reversed]
}

/// Who changed a case.
public enum CaseActor: String, Codable, Sendable {
    case seller
    case system
    /// The case desk answered (a decision, a question).
    case amazon
    /// Synced data showed it (a reimbursement with the case id, a reversal).
    case amazonData = "amazon_data"
}

/// One case: a claim made ready for Amazon, followed to the money.
public struct ReimbursementCase: Sendable, Equatable {
    public var id: UUID
    public var tenantId: UUID
    public var connectionId: UUID
    public var marketplaceId: String
    public var claimId: UUID
    public var claimType: String
    public var channel: CaseChannel
    public var status: CaseStatus
    public var fnsku: String?
    public var sku: String?
    public var asin: String?
    public var units: Int
    public var amountClaimed: Money
    public var opensOn: CivilDate
    public var deadline: CivilDate
    public var references: [String: String]
    public var subject: String
    public var body: String
    public var attachments: [String]
    public var documentsReady: Bool
    public var approvalProbability: Double
    public var amazonCaseId: String?
    public var filedAt: Date?
    public var filedBy: String?
    /// When the current filing attempt began (a case left in `filing` by a crash is retried from it).
    public var filingStartedAt: Date?
    public var attempts: Int
    public var nextAttemptAt: Date?
    public var lastError: String?
    public var decisionReason: String?
    public var decidedAt: Date?
    public var approvedAmount: Money?
    public var appealed: Bool
    public var replies: Int
    public var recovered: Money
    public var remindedDays: Int?
    public var createdAt: Date
    public var updatedAt: Date

    /// What the claim would bring on average: the amount times the chance Amazon approves it, in minor units.
    public var expectedValueMinor: Double { Double(amountClaimed.amountMinor) * approvalProbability }
}

/// One entry of a case's history.
public struct CaseHistoryEntry: Codable, Sendable, Equatable {
    public var at: Date
    public var fromStatus: CaseStatus?
    public var toStatus: CaseStatus
    public var actor: CaseActor
    public var actorId: String?
    public var reason: String
}

/// A case in the API's JSON (and the CSV's columns); the single-case view adds its history.
public struct CaseView: Codable, Sendable, Equatable {
    public var id: UUID
    public var connectionId: UUID
    public var marketplaceId: String
    public var claimId: UUID
    public var claimType: String
    public var channel: CaseChannel
    public var status: CaseStatus
    public var fnsku: String?
    public var sku: String?
    public var asin: String?
    public var units: Int
    public var amountClaimed: Money
    public var opensOn: CivilDate
    public var deadline: CivilDate
    public var references: [String: String]
    public var subject: String
    public var body: String
    public var attachments: [String]
    public var documentsReady: Bool
    public var approvalProbability: Double
    public var amazonCaseId: String?
    public var filedAt: Date?
    public var attempts: Int
    public var nextAttemptAt: Date?
    public var lastError: String?
    public var decisionReason: String?
    public var decidedAt: Date?
    public var approvedAmount: Money?
    public var appealed: Bool
    public var recovered: Money
    /// What is still owed on the case: the amount claimed less what arrived (never below zero).
    public var outstanding: Money
    public var createdAt: Date
    public var updatedAt: Date
    public var history: [CaseHistoryEntry]?

    public init(_ item: ReimbursementCase, history: [CaseHistoryEntry]? = nil) {
        id = item.id
        connectionId = item.connectionId
        marketplaceId = item.marketplaceId
        claimId = item.claimId
        claimType = item.claimType
        channel = item.channel
        status = item.status
        fnsku = item.fnsku
        sku = item.sku
        asin = item.asin
        units = item.units
        amountClaimed = item.amountClaimed
        opensOn = item.opensOn
        deadline = item.deadline
        references = item.references
        subject = item.subject
        body = item.body
        attachments = item.attachments
        documentsReady = item.documentsReady
        approvalProbability = item.approvalProbability
        amazonCaseId = item.amazonCaseId
        filedAt = item.filedAt
        attempts = item.attempts
        nextAttemptAt = item.nextAttemptAt
        lastError = item.lastError
        decisionReason = item.decisionReason
        decidedAt = item.decidedAt
        approvedAmount = item.approvedAmount
        appealed = item.appealed
        recovered = item.recovered
        outstanding = Money(amountMinor: max(0, item.amountClaimed.amountMinor - item.recovered.amountMinor), currency: item.amountClaimed.currency)
        createdAt = item.createdAt
        updatedAt = item.updatedAt
        self.history = history
    }
}
