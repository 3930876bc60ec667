import Foundation

/// How Amazon answers a case.
enum CaseOutcome: String, CaseIterable, Sendable, Codable {
    case approved
    case partiallyApproved = "partially_approved"
    case denied
    case moreInformationNeeded = "more_information_needed"

    /// Whether the outcome pays something.
    var pays: Bool { self == .approved || self == .partiallyApproved }
}

/// Amazon's answer to a case, dated at the instant the desk decided it (filing or reply time
/// plus the decision delay), whenever the sandbox noticed.
struct CaseDecision: Sendable {
    let outcome: CaseOutcome
    let reason: String
    let decided: Date
    /// What was paid, for an approved or partially approved case.
    var payment: CasePayment?
}

/// What the desk paid on a case, and the reimbursement that carries it.
struct CasePayment: Sendable {
    /// Units approved; for a money-only type the units the case named, which carry no money.
    let units: Int
    /// Per approved unit; 0 for a money-only type.
    let perUnitMinor: Int64
    let amountMinor: Int64
    let reimbursementID: String
}

/// One message of a case's log, the seller's or Amazon's.
struct CaseMessage: Sendable {
    let fromAmazon: Bool
    let date: Date
    let body: String
    let attachments: [String]
}

/// A case filed on the desk: what the seller claimed, and where it stands.
struct DeskCase: Sendable {
    enum Status: String, Sendable {
        case open = "Open"
        case answered = "Answered"
    }

    let id: String
    /// Filing order across the desk: lists page by it, so a case filed later never lands before
    /// a page already read (several can share a frozen clock's instant).
    let sequence: Int
    let sellingPartnerID: String
    let marketplaceID: String
    let currency: String
    let issueType: CaseIssueType
    let subject: String
    let references: [String: String]
    let quantity: Int
    let amountClaimedMinor: Int64
    let created: Date
    var status = Status.open
    /// The latest decision; nil while the case is open.
    var decision: CaseDecision?
    /// When the open case will be decided.
    var decideAt: Date?
    /// Set by the one appeal a denial allows.
    var appealed = false
    /// Seller replies so far (answers and the appeal): part of what the outcome is drawn from, so
    /// each round of a case has its own.
    var replies = 0
    /// Set once Amazon asked for more information: it never asks a second time.
    var askedForInformation = false
    var messages: [CaseMessage]

    /// A reply is allowed to answer a request for information, or to appeal a denial once.
    var acceptsReply: Bool {
        switch decision?.outcome {
        case .moreInformationNeeded: true
        case .denied: !appealed
        default: false
        }
    }

    /// The case as `GET /cu/cases/{caseId}` answers it.
    func json() -> [String: Any] {
        func money(_ minor: Int64) -> [String: Any] { ["amount": decimalString(minor, currency: currency), "currencyCode": currency] }
        var decisionJSON: Any = NSNull()
        if let decision {
            var object: [String: Any] = ["outcome": decision.outcome.rawValue, "reason": decision.reason, "decidedDate": decision.decided.iso]
            if let payment = decision.payment {
                object["approvedQuantity"] = payment.units
                object["approvedAmount"] = money(payment.amountMinor)
                object["reimbursementId"] = payment.reimbursementID
            }
            decisionJSON = object
        }
        return [
            "caseId": id, "status": status.rawValue, "issueType": issueType.rawValue, "marketplaceId": marketplaceID,
            "createdDate": created.iso, "subject": subject, "references": references, "quantity": quantity,
            "amountClaimed": money(amountClaimedMinor), "decision": decisionJSON, "appealed": appealed,
            "messages": messages.map { message -> [String: Any] in
                var object: [String: Any] = ["from": message.fromAmazon ? "amazon" : "seller", "date": message.date.iso, "body": message.body]
                if !message.fromAmazon { object["attachments"] = message.attachments }
                return object
            },
        ]
    }
}
