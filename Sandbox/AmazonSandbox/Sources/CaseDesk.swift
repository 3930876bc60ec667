import Crypto
import Foundation

/// A case as the seller files it, once its input checked out.
struct CaseFiling: Sendable {
    let marketplaceID: String
    let currency: String
    let issueType: CaseIssueType
    let subject: String
    let body: String
    let references: [String: String]
    let quantity: Int
    let amountClaimedMinor: Int64
    let attachments: [String]
}

/// A response the desk gave to a request carrying an `Idempotency-Key`, kept to be replayed.
struct IdempotentResponse: Sendable {
    /// The request it answered: its route and canonical body. The same key with another
    /// fingerprint is a key reused for another request.
    let fingerprint: String
    let status: Int
    let body: Data
}

/// The Seller Central case desk: the cases sellers filed, what their idempotency keys answered,
/// and how Amazon decides. It lives in `SandboxState.Inner`, so everything here runs under the
/// sandbox's lock: a case is decided once however many readers arrive together.
///
/// Decisions are lazy. A case is due `decisionDelay` of sandbox time after it was filed or
/// replied to; every read of a seller history (desk routes, reports, Finances, the ground truth)
/// first decides every due case, oldest due first, so advancing the sandbox clock reveals them.
/// An approved case pays into its seller's history, dated at the decision instant: a
/// reimbursements-report row carrying the case id, and a Finances adjustment event.
struct CaseDesk: Sendable {
    /// Every case by id.
    private(set) var cases: [String: DeskCase] = [:]
    /// Per seller, `Idempotency-Key` → the response it got. Keys are the seller's own.
    private var idempotency: [String: [String: IdempotentResponse]] = [:]
    /// `sandbox.decisionDelaySeconds`, unless `PUT /_sandbox/case-desk` set another.
    let defaultDecisionDelay: TimeInterval
    var decisionDelay: TimeInterval
    /// Outcomes the next decisions take, in order, whatever the draw would give (tests).
    var forcedOutcomes: [CaseOutcome] = []
    /// The earliest instant an open case is due: a read with nothing due returns at once.
    private var nextDecisionAt: Date?
    private var filed = 0
    private var reimbursementsPaid = 0

    init(decisionDelay: TimeInterval) {
        defaultDecisionDelay = decisionDelay
        self.decisionDelay = decisionDelay
    }

    /// Back to the configured delay with no forced outcomes (`DELETE /_sandbox/case-desk`).
    mutating func resetOverrides() {
        decisionDelay = defaultDecisionDelay
        forcedOutcomes = []
    }

    // MARK: Idempotency

    enum IdempotencyCheck {
        /// A key not used yet: go on.
        case fresh
        /// The same request again: answer what it got the first time.
        case replay(IdempotentResponse)
        /// The key answered another request.
        case reused
    }

    func check(seller: String, key: String, fingerprint: String) -> IdempotencyCheck {
        guard let earlier = idempotency[seller]?[key] else { return .fresh }
        return earlier.fingerprint == fingerprint ? .replay(earlier) : .reused
    }

    /// Keeps a successful response for its key. Refusals are not kept, so a client can correct
    /// its request and send it again under the same key.
    mutating func remember(_ response: IdempotentResponse, seller: String, key: String) {
        idempotency[seller, default: [:]][key] = response
    }

    // MARK: Filing and replies

    /// Opens a case, due `decisionDelay` from `now`.
    mutating func file(_ filing: CaseFiling, seller: String, at now: Date) -> DeskCase {
        var generator = SystemRandomNumberGenerator()
        var id: String
        // Ten digits like Seller Central's, random so that the ids of a restarted sandbox do not
        // repeat the ones a product database still holds.
        repeat { id = String(UInt64.random(in: 1_000_000_000...9_999_999_999, using: &generator)) } while cases[id] != nil
        filed += 1
        let deskCase = DeskCase(
            id: id, sequence: filed, sellingPartnerID: seller, marketplaceID: filing.marketplaceID, currency: filing.currency,
            issueType: filing.issueType, subject: filing.subject, references: filing.references, quantity: filing.quantity,
            amountClaimedMinor: filing.amountClaimedMinor, created: now, decideAt: now.addingTimeInterval(decisionDelay),
            messages: [CaseMessage(fromAmazon: false, date: now, body: filing.body, attachments: filing.attachments)])
        cases[id] = deskCase
        scheduleDecision(at: now.addingTimeInterval(decisionDelay))
        return deskCase
    }

    /// Takes a reply to a case that accepts one (`DeskCase.acceptsReply`): an answer to a request
    /// for information, or the one appeal of a denial. The case opens again, due `decisionDelay`
    /// from `now`.
    mutating func reply(to id: String, body: String, attachments: [String], at now: Date) -> DeskCase? {
        guard var deskCase = cases[id], deskCase.acceptsReply else { return nil }
        if deskCase.decision?.outcome == .denied { deskCase.appealed = true }
        deskCase.replies += 1
        deskCase.messages.append(CaseMessage(fromAmazon: false, date: now, body: body, attachments: attachments))
        deskCase.status = .open
        deskCase.decision = nil
        deskCase.decideAt = now.addingTimeInterval(decisionDelay)
        cases[id] = deskCase
        scheduleDecision(at: now.addingTimeInterval(decisionDelay))
        return deskCase
    }

    /// A seller's cases in filing order.
    func cases(of seller: String) -> [DeskCase] {
        cases.values.filter { $0.sellingPartnerID == seller }.sorted { $0.sequence < $1.sequence }
    }

    private mutating func scheduleDecision(at instant: Date) {
        nextDecisionAt = min(nextDecisionAt ?? instant, instant)
    }

    // MARK: Decisions

    /// Decides every case due by `now`, oldest due first (filing order on a tie), so forced
    /// outcomes go to cases in a predictable order whichever seller's read noticed them.
    mutating func decideDue(at now: Date, histories: inout [String: SellerHistory]) {
        guard let next = nextDecisionAt, next <= now else { return }
        let due = cases.values.compactMap { deskCase in deskCase.decideAt.flatMap { $0 <= now ? (deskCase.id, $0, deskCase.sequence) : nil } }
            .sorted { ($0.1, $0.2) < ($1.1, $1.2) }
        for (id, decidedAt, _) in due {
            guard var deskCase = cases[id] else { continue }
            deskCase.decision = decide(deskCase, at: decidedAt, histories: &histories)
            deskCase.status = .answered
            deskCase.decideAt = nil
            if deskCase.decision?.outcome == .moreInformationNeeded { deskCase.askedForInformation = true }
            deskCase.messages.append(CaseMessage(fromAmazon: true, date: decidedAt, body: deskCase.decision?.reason ?? "", attachments: []))
            cases[id] = deskCase
        }
        nextDecisionAt = cases.values.compactMap(\.decideAt).min()
    }

    /// One decision. A case about an item the seller does not have is denied without taking a
    /// forced outcome (those stay for the cases a test filed them for); otherwise a forced outcome
    /// if any, else the draw. A paying outcome pays into the seller's history.
    private mutating func decide(_ deskCase: DeskCase, at decidedAt: Date, histories: inout [String: SellerHistory]) -> CaseDecision {
        // No binding holds the history: one would make the payment below copy its arrays.
        guard let product = histories[deskCase.sellingPartnerID].flatMap({ Self.product(of: deskCase, in: $0) }) else {
            return CaseDecision(outcome: .denied, reason: Self.itemNotFound, decided: decidedAt)
        }
        let outcome = forcedOutcomes.isEmpty ? Self.drawnOutcome(for: deskCase) : forcedOutcomes.removeFirst()
        let variant = Int(Self.roll(deskCase.sellingPartnerID, deskCase.id, String(deskCase.replies), "reason") % 4)
        guard outcome.pays else {
            return CaseDecision(outcome: outcome, reason: Self.reason(for: outcome, appealed: deskCase.appealed, variant: variant), decided: decidedAt)
        }
        let (units, perUnit, amount) = Self.payment(for: deskCase, outcome: outcome)
        reimbursementsPaid += 1
        // Same style as the generator's ids (1_100_000_000 + its serial), in a range it never reaches.
        let reimbursementID = String(1_900_000_000 + reimbursementsPaid)
        let moneyOnly = deskCase.issueType.isMoneyOnly
        let orderID = deskCase.references["orderId"]
        let line = ReimbursementLine(date: decidedAt, id: reimbursementID, caseID: deskCase.id, orderID: orderID,
                                     reason: deskCase.issueType.reimbursementReason, product: product, perUnitMinor: perUnit,
                                     quantityCash: moneyOnly ? 0 : units, quantityInventory: 0, originalID: nil, originalType: nil,
                                     moneyOnlyAmountMinor: moneyOnly ? amount : nil)
        let event = FinanceEvent.adjustment(type: deskCase.issueType.adjustmentType, date: decidedAt, product: product,
                                            quantity: moneyOnly ? 0 : units, perUnitMinor: perUnit, orderID: orderID,
                                            moneyOnlyAmountMinor: moneyOnly ? amount : nil)
        histories[deskCase.sellingPartnerID]?.addReimbursement(line, event: event)
        let payment = CasePayment(units: units, perUnitMinor: perUnit, amountMinor: amount, reimbursementID: reimbursementID)
        let reason = Self.paidReason(outcome, payment: payment, claimedUnits: deskCase.quantity, currency: deskCase.currency)
        return CaseDecision(outcome: outcome, reason: reason, decided: decidedAt, payment: payment)
    }

    /// The seller's product the case names: by FNSKU and SKU when both are given (they must agree).
    static func product(of deskCase: DeskCase, in history: SellerHistory) -> Int? {
        let fnsku = deskCase.references["fnsku"], sku = deskCase.references["sku"]
        guard fnsku != nil || sku != nil else { return nil }
        return history.products.firstIndex { ($0.fnsku == fnsku || fnsku == nil) && ($0.sku == sku || sku == nil) }
    }

    /// What an approval pays: units, per-unit value and amount, with amount = per unit × units
    /// exactly for unit types (the report's `amount-total` and the adjustment event's total are
    /// that product). The per-unit value is the claimed amount ÷ claimed units, rounded down to a
    /// minor unit, so an approval pays the claim less at most units − 1 minor units. A partial
    /// approval pays half the units (rounded down) at the same per-unit value, and a single unit,
    /// which cannot be halved, at half its value. Money-only types carry no per-unit value: their
    /// partial approval pays half the amount, rounded down to a minor unit.
    static func payment(for deskCase: DeskCase, outcome: CaseOutcome) -> (units: Int, perUnitMinor: Int64, amountMinor: Int64) {
        let claimed = deskCase.amountClaimedMinor, quantity = deskCase.quantity
        let partial = outcome == .partiallyApproved
        if deskCase.issueType.isMoneyOnly {
            return partial ? (quantity >= 2 ? quantity / 2 : quantity, 0, claimed / 2) : (quantity, 0, claimed)
        }
        let perUnit = claimed / Int64(quantity)
        guard partial else { return (quantity, perUnit, perUnit * Int64(quantity)) }
        if quantity >= 2 { return (quantity / 2, perUnit, perUnit * Int64(quantity / 2)) }
        return (1, perUnit / 2, perUnit / 2)
    }

    /// The outcome a case draws when none is forced, from its seller, id and round (replies so
    /// far): approved 60 %, partially approved 15 %, denied 15 %, more information needed 10 %.
    /// Amazon asks for information once: after that the last 10 % never come up. An appeal is
    /// approved or denied, even odds.
    static func drawnOutcome(for deskCase: DeskCase) -> CaseOutcome {
        let roll = roll(deskCase.sellingPartnerID, deskCase.id, String(deskCase.replies))
        if deskCase.appealed { return roll % 2 == 0 ? .approved : .denied }
        switch roll % (deskCase.askedForInformation ? 90 : 100) {
        case ..<60: return .approved
        case ..<75: return .partiallyApproved
        case ..<90: return .denied
        default: return .moreInformationNeeded
        }
    }

    /// A number drawn from `parts`: the same parts always draw the same number.
    static func roll(_ parts: String...) -> UInt64 {
        SHA256.hash(data: Data(parts.joined(separator: "|").utf8)).prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
    }

    // MARK: Amazon's words

    static let itemNotFound = "We could not find this item in your inventory."

    static let denials = [
        "We reviewed the inventory history for this item. The units in question were already reconciled, so they are not eligible for reimbursement.",
        "After investigating, we found that the units were received and are available in your inventory. We are unable to offer a reimbursement.",
        "Based on our investigation, this request does not meet the eligibility criteria of the FBA Inventory Reimbursement Policy.",
        "The documents provided do not confirm ownership of the units in question. We are unable to approve a reimbursement for this request.",
    ]

    static let informationRequests = [
        "To continue our investigation, please provide a valid invoice or proof of ownership showing the product name, quantity and purchase date.",
        "We need more information to research this issue. Please reply with the transaction item ID or the FNSKU and the dates of the events.",
        "Please provide proof of delivery or carrier tracking for the units in question so that we can continue our investigation.",
        "To proceed, please confirm the quantity of units affected and attach any supporting documents for this request.",
    ]

    static func reason(for outcome: CaseOutcome, appealed: Bool, variant: Int) -> String {
        switch outcome {
        case .denied where appealed:
            "We have reviewed your appeal and the additional information you provided. Our original decision stands: " + denials[variant]
        case .denied: denials[variant]
        default: informationRequests[variant]
        }
    }

    static func paidReason(_ outcome: CaseOutcome, payment: CasePayment, claimedUnits: Int, currency: String) -> String {
        let amount = decimalString(payment.amountMinor, currency: currency) + " " + currency
        let units = outcome == .partiallyApproved && claimedUnits > 0 ? "\(payment.units) of \(claimedUnits) units" : "\(payment.units) units"
        let scope = outcome == .partiallyApproved ? "part of your request: we reimbursed \(units)" : "your request: we reimbursed \(units)"
        return "We have completed our investigation and approved \(scope) for \(amount) (reimbursement ID \(payment.reimbursementID)). "
            + "The reimbursement will appear in your Reimbursements report."
    }
}
