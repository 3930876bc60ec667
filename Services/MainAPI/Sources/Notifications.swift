import Foundation
import OpsideCore
import OpsideEvents

/// What a notification is about. Each kind comes from one or more events (`NotificationDrafts`);
/// a person chooses which kinds also reach them by e-mail (`NotificationPreferences`).
enum NotificationKind: String, Codable, Sendable, CaseIterable {
    case claimsFound = "claims_found"
    case deadlineApproaching = "deadline_approaching"
    case syncFailed = "sync_failed"
    case reauthorizationNeeded = "reauthorization_needed"
    case caseFiled = "case_filed"
    /// Amazon answered a case: approved, denied, a question, a reversal.
    case caseDecided = "case_decided"
    case filingReminder = "filing_reminder"
    case moneyReceived = "money_received"
    /// A question about a document waits for a yes or a no.
    case evidencePrompt = "evidence_prompt"
    /// A paid claim's proof packet is ready.
    case proofPacket = "proof_packet"
    /// A commission payment failed, or the bank asks the cardholder to confirm it.
    case paymentFailed = "payment_failed"
    case invoicePaid = "invoice_paid"
    /// A partner's payout reached its bank.
    case payoutPaid = "payout_paid"
    /// A partner's payout was returned by its bank.
    case payoutFailed = "payout_failed"

    /// How the settings page names it.
    var label: String {
        switch self {
        case .claimsFound: "New claims found"
        case .deadlineApproaching: "Claim deadlines within a week"
        case .syncFailed: "A sync failed"
        case .reauthorizationNeeded: "Amazon needs you to reconnect"
        case .caseFiled: "A case was filed with Amazon"
        case .caseDecided: "Amazon answered a case"
        case .filingReminder: "Cases to file by hand before their deadline"
        case .moneyReceived: "Amazon paid a case"
        case .evidencePrompt: "A question about your documents"
        case .proofPacket: "A paid claim's proof packet is ready"
        case .paymentFailed: "A commission payment failed"
        case .invoicePaid: "An invoice was paid"
        case .payoutPaid: "A partner payout reached your bank"
        case .payoutFailed: "A partner payout failed"
        }
    }
}

/// How a notification looks: the bell and the list colour it by this.
enum NotificationLevel: String, Codable, Sendable {
    case info, success, warning, error
}

/// A notification before it is delivered to the tenant's people.
struct NotificationDraft: Equatable, Sendable {
    var kind: NotificationKind
    var level: NotificationLevel
    var title: String
    var body: String
    /// The dashboard page that acts on it (a path: e-mail prefixes the public URL).
    var actionURL: String
    /// Notices of one ongoing problem share it: a person has at most one unread of each.
    var dedupeKey: String?
    /// The roles it goes to; nil for every member. Billing goes to those who manage it.
    var roles: [String]? = nil
}

/// One person's notification, as the API and the pages show it.
struct UserNotification: Codable, Sendable, Equatable {
    let id: UUID
    let kind: NotificationKind
    let level: NotificationLevel
    let title: String
    let body: String
    let actionUrl: String?
    let createdAt: Date
    let readAt: Date?
}

/// The notification each event makes, in words a seller reads: pure functions of the event, so
/// a redelivered event makes the same notice (and the store keeps it once).
enum NotificationDrafts {
    static func claimsFound(_ event: ClaimsDetected) -> NotificationDraft? {
        let found = event.newClaims + event.reopenedClaims
        guard found > 0 else { return nil }
        let owed = event.owedTotals.map(\.displayText).joined(separator: " and ")
        let claims = found == 1 ? "1 new claim" : "\(found) new claims"
        var body = "Detection found \(claims) in marketplace \(event.marketplaceId)."
        if !owed.isEmpty { body += " Open claims there now add up to \(owed)." }
        return NotificationDraft(kind: .claimsFound, level: .success, title: "\(claims) found",
                                 body: body,
                                 actionURL: "/app/claims?connectionId=\(event.connectionId.uuidString.lowercased())&marketplaceId=\(event.marketplaceId)",
                                 dedupeKey: nil)
    }

    static func deadlinesApproaching(_ event: ClaimDeadlinesApproaching) -> NotificationDraft {
        let claims = event.claims == 1 ? "1 claim" : "\(event.claims) claims"
        let worth = event.amounts.map(\.displayText).joined(separator: " and ")
        return NotificationDraft(
            kind: .deadlineApproaching, level: .warning, title: "\(claims) must be filed within \(ClaimDeadlinesApproaching.warningDays) days",
            body: "\(claims) worth \(worth) in marketplace \(event.marketplaceId) can be filed until \(event.earliestDeadline) at the earliest; "
                + "after its deadline Amazon no longer pays.",
            actionURL: "/app/claims?status=claimable&sort=deadline&connectionId=\(event.connectionId.uuidString.lowercased())",
            dedupeKey: nil)
    }

    static func syncFailed(_ event: SyncFailed) -> NotificationDraft {
        let connection = event.connectionId.uuidString.lowercased()
        return NotificationDraft(
            kind: .syncFailed, level: .error, title: "The \(event.dataset) sync failed",
            body: "\(event.errorMessage) Opside tries again at the next scheduled sync; you can also start one from the connection's page.",
            actionURL: "/app/connections/\(connection)", dedupeKey: "sync_failed:\(connection):\(event.dataset)")
    }

    static func reauthorizationNeeded(connectionId: UUID, reason: String) -> NotificationDraft {
        let connection = connectionId.uuidString.lowercased()
        return NotificationDraft(
            kind: .reauthorizationNeeded, level: .warning, title: "Reconnect your Amazon account",
            body: "Amazon stopped accepting Opside's authorization (\(reason)). Until you reconnect, nothing syncs and no new claims are found.",
            actionURL: "/app/connections/\(connection)", dedupeKey: "reauthorization:\(connection)")
    }
}

extension NotificationDrafts {
    static func casePage(_ id: UUID) -> String { "/app/cases/\(id.uuidString.lowercased())" }

    /// A case reached Amazon (its first filing; `case.filed`).
    static func caseFiled(_ event: CaseFiled) -> NotificationDraft {
        let type = event.claimType.replacingOccurrences(of: "_", with: " ")
        let how = event.channel == "assisted" ? "You filed" : "Opside filed"
        return NotificationDraft(kind: .caseFiled, level: .info, title: "Case filed: \(type), \(event.amountClaimed.displayText)",
                                 body: "\(how) the \(type) case for \(event.amountClaimed.displayText) with Amazon (case \(event.amazonCaseId)).",
                                 actionURL: casePage(event.caseId), dedupeKey: nil)
    }

    /// Amazon's answers and what went wrong; the steps in between (queued, filing, filed, which
    /// `case.filed` tells, and paid, which the money notice tells) make none.
    static func caseStatusChanged(_ event: CaseStatusChanged) -> NotificationDraft? {
        let worth = event.amountClaimed.displayText
        let type = event.claimType.replacingOccurrences(of: "_", with: " ")
        let aType = ("aeiou".contains(type.first ?? "x") ? "an " : "a ") + type
        let amazon = event.amazonCaseId.map { " (Amazon case \($0))" } ?? ""
        let page = casePage(event.caseId)
        switch event.toStatus {
        case "approved", "partially_approved":
            return NotificationDraft(kind: .caseDecided, level: .success, title: "Amazon approved \(aType) case",
                                     body: "\(event.reason)\(amazon). The money shows here once Amazon's reimbursements report lists it.",
                                     actionURL: page, dedupeKey: nil)
        case "denied":
            return NotificationDraft(kind: .caseDecided, level: .warning, title: "Amazon denied \(aType) case",
                                     body: "\(event.reason)\(amazon). You can appeal once, with more evidence.", actionURL: page, dedupeKey: nil)
        case "more_information_needed":
            return NotificationDraft(kind: .caseDecided, level: .warning, title: "Amazon needs more information on \(aType) case",
                                     body: "\(event.reason)\(amazon). Answer from the case's page.", actionURL: page, dedupeKey: nil)
        case "reversed":
            return NotificationDraft(kind: .caseDecided, level: .warning, title: "Amazon reversed \(aType) reimbursement",
                                     body: "\(event.reason). The case is open again and can be appealed.", actionURL: page, dedupeKey: nil)
        case "failed":
            return NotificationDraft(kind: .caseFiled, level: .error, title: "\(aType.prefix(1).uppercased() + aType.dropFirst()) case could not be filed",
                                     body: "\(event.reason). Retry it from the cases page before its deadline.", actionURL: page, dedupeKey: nil)
        case "missed":
            return NotificationDraft(kind: .caseFiled, level: .error, title: "\(aType.prefix(1).uppercased() + aType.dropFirst()) case missed its deadline",
                                     body: "\(event.reason). Amazon no longer pays this claim.", actionURL: page, dedupeKey: nil)
        default:
            return nil
        }
    }

    static func filingReminder(_ event: CaseFilingReminder) -> NotificationDraft {
        let cases = event.cases == 1 ? "1 case" : "\(event.cases) cases"
        let worth = event.amounts.map(\.displayText).joined(separator: " and ")
        return NotificationDraft(
            kind: .filingReminder, level: .warning, title: "File \(cases) within \(event.daysBefore) days",
            body: "\(cases) worth \(worth) wait for you to file them in Seller Central; the first deadline is \(event.earliestDeadline). "
                + "Each case's page has the text to paste and the ids Amazon asks for.",
            actionURL: "/app/cases?status=ready,needs_documents&connectionId=\(event.connectionId.uuidString.lowercased())", dedupeKey: nil)
    }

    /// The prompt's one question, answered from the notification's page in one click. The
    /// reminder is the same question again (its own notification: the first may be read and forgotten).
    static func evidencePrompt(_ event: PromptCreated) -> NotificationDraft {
        NotificationDraft(kind: .evidencePrompt, level: .info, title: event.reminder ? "Reminder: \(event.question)" : event.question,
                          body: "Answer yes or no: a yes files the claim with this document as its proof. The question closes on "
                              + "\(ISO8601DateFormatter().string(from: event.expiresAt)).",
                          actionURL: "/app/prompts#prompt-\(event.promptId.uuidString.lowercased())", dedupeKey: nil)
    }

    /// The proof of a paid claim, kept for the seller's records (and an audit).
    static func proofPacket(_ event: ProofPacketGenerated) -> NotificationDraft {
        NotificationDraft(kind: .proofPacket, level: .success, title: "Proof packet ready",
                          body: "The paid claim's proof (the summary, the evidence, the reimbursement record and a SHA-256 manifest, "
                              + "\(event.files) files) is ready to download.",
                          actionURL: "/app/claims/\(event.claimId.uuidString.lowercased())", dedupeKey: nil)
    }

    static let billingPage = "/app/billing"
    static let partnersPage = "/app/partners"
    static let billingManagers = ["owner", "admin"]

    /// A commission payment failed: why, what happens next, and where to act.
    static func paymentFailed(_ event: BillingPaymentFailed) -> NotificationDraft {
        let what = event.invoiceId != nil ? "Your Opside invoice of \(event.amount.displayText)" : "The commission of \(event.amount.displayText)"
        let title: String
        var body: String
        if event.actionRequired {
            title = "Confirm your payment of \(event.amount.displayText)"
            body = "\(what) needs you: your bank asks you to confirm the payment. The Billing page links to the invoice, where you confirm it."
        } else {
            title = "Payment of \(event.amount.displayText) failed"
            body = "\(what) could not be paid: \(event.reason)."
        }
        if event.finalAttempt {
            body += " It is past due: Opside files no new cases until it is paid (claims are still found)."
        } else if let next = event.nextAttemptAt {
            let day = ISO8601DateFormatter.string(from: next, timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withFullDate])
            body += " We try again on \(day); you can pay now or change your card on the Billing page."
        } else if event.commissionId != nil {
            body += " It moves to your next monthly invoice; check the card on the Billing page."
        }
        // The Billing page, not Stripe's page itself: it lists the invoice with its link to confirm
        // or pay, and an e-mail's links are our own pages.
        return NotificationDraft(kind: .paymentFailed, level: event.finalAttempt ? .error : .warning, title: title, body: body,
                                 actionURL: billingPage, dedupeKey: event.invoiceId.map { "invoice:\($0)" }, roles: billingManagers)
    }

    static func invoicePaid(_ event: BillingInvoicePaid) -> NotificationDraft {
        NotificationDraft(kind: .invoicePaid, level: .success, title: "Invoice paid: \(event.amount.displayText)",
                          body: "Your Opside invoice\(event.number.map { " \($0)" } ?? "") of \(event.amount.displayText) is paid. Thank you.",
                          actionURL: billingPage, dedupeKey: nil, roles: billingManagers)
    }

    static func payoutPaid(_ event: PartnerPayoutPaid) -> NotificationDraft {
        let day = event.arrivalDate.map {
            " on " + ISO8601DateFormatter.string(from: $0, timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withFullDate])
        } ?? ""
        return NotificationDraft(kind: .payoutPaid, level: .success, title: "Payout of \(event.amount.displayText) paid",
                                 body: "Your partner payout of \(event.amount.displayText) reached your bank\(day).",
                                 actionURL: partnersPage, dedupeKey: nil, roles: billingManagers)
    }

    static func payoutFailed(_ event: PartnerPayoutFailed) -> NotificationDraft {
        let reason = event.failureMessage ?? event.failureCode ?? "the bank returned it"
        return NotificationDraft(kind: .payoutFailed, level: .error, title: "Payout of \(event.amount.displayText) failed",
                                 body: "Your partner payout of \(event.amount.displayText) failed: \(reason) The money is back in your "
                                     + "balance; check the bank account in Stripe's dashboard, then ask for the payout again.",
                                 actionURL: partnersPage, dedupeKey: "payout:\(event.payoutId.uuidString.lowercased())", roles: billingManagers)
    }

    /// Money on our cases; Amazon's automatic payments are in the recoveries page, not the bell.
    static func reimbursementReceived(_ event: ReimbursementReceived) -> NotificationDraft? {
        guard event.attribution == "case", let caseId = event.caseId.flatMap(UUID.init(uuidString:)) else { return nil }
        // The report's line for money Finances showed first: the seller was told then.
        if event.replacesEntryIds != nil, event.replacedAmount == event.amount { return nil }
        if event.kind == "reversal" {
            return NotificationDraft(kind: .moneyReceived, level: .warning, title: "Amazon took back \(event.amount.displayText)",
                                     body: "Reimbursement \(event.reimbursementId) was reversed.", actionURL: casePage(caseId), dedupeKey: nil)
        }
        let body = event.source == "finances"
            ? "Amazon's Finances show the payment on case \(event.amazonCaseId ?? ""); the reimbursements report lists it in a few days."
            : "Reimbursement \(event.reimbursementId) paid case \(event.amazonCaseId ?? "")."
        return NotificationDraft(kind: .moneyReceived, level: .success, title: "Amazon paid \(event.amount.displayText)", body: body,
                                 actionURL: casePage(caseId), dedupeKey: nil)
    }
}

/// Which notifications a person also gets by e-mail, and when.
struct NotificationPreferences: Codable, Sendable, Equatable {
    enum Delivery: String, Codable, Sendable, CaseIterable {
        /// One e-mail a day with everything new (the default).
        case digest
        /// An e-mail as notices arrive (several arriving together still make one).
        case immediate
    }

    var emailKinds: [NotificationKind]
    var delivery: Delivery

    /// Money and deadlines by e-mail, once a day; sync failures stay in the bell.
    static let defaults = NotificationPreferences(emailKinds: [.claimsFound, .deadlineApproaching, .reauthorizationNeeded, .filingReminder, .moneyReceived,
                                                               .paymentFailed, .payoutFailed],
                                                  delivery: .digest)
}
