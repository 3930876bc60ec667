import Foundation
import Logging
import OpsideAmazonSPAPI
import OpsideCore
import OpsideEvents
import OpsidePostgres
import PostgresNIO

/// Files cases through the sandbox channel and follows them to Amazon's answer; keeps the
/// assisted queue's reminders and marks deadlines missed.
///
/// Nothing is filed twice: a filing starts in a transaction that re-checks the case's status and
/// deadline and counts it against the seller's day under the row lock; every call to the desk
/// carries the case's own idempotency key, so a retry after a lost answer (or a crash between the
/// desk's answer and our record of it) gets the same Amazon case back; and the answer is recorded
/// only on a case still `filing`.
public struct FilingEngine: Sendable {
    let store: CaseStore
    let settings: FilingSettingsStore
    let desk: (any CaseDesk)?
    let database: Database
    let clocks: ServiceClocks
    let configuration: RefundEngineSettings
    let logger: Logger

    public init(store: CaseStore, settings: FilingSettingsStore, desk: (any CaseDesk)?, database: Database, clocks: ServiceClocks,
                configuration: RefundEngineSettings, logger: Logger) {
        self.store = store
        self.settings = settings
        self.desk = desk
        self.database = database
        self.clocks = clocks
        self.configuration = configuration
        self.logger = logger
    }

    /// What one filing pass did.
    public struct Pass: Codable, Sendable, Equatable {
        public var filed = 0
        /// Attempts that failed and will be retried after a wait.
        public var retrying = 0
        /// Cases that ran out of attempts, or that the desk refused.
        public var failed = 0
        /// Placed on a later day by the daily limit.
        public var deferred = 0
        /// Cases no day before their deadline has room for at the current limit.
        public var wouldMiss = 0
        /// Cases ready but not filed because the tenant is past due on Opside's invoices.
        public var heldForBilling = 0

        public init() {}
    }

    /// The marketplace's today by the injected clock (deadlines are marketplace-local days).
    public func today(marketplaceId: String) -> CivilDate {
        CivilDate(instant: clocks.wall.now, timeZone: AmazonMarketplace.timeZone(ofID: marketplaceId))
    }

    // MARK: Filing

    /// Files the connection's due sandbox-channel cases: filings a crash left half done first, then
    /// today's share of the queue by the plan. With `only`, just those cases ("file this claim
    /// now"), still within the daily limit and their deadlines.
    public func file(tenant: UUID, connection: UUID, only: Set<UUID>? = nil) async throws -> Pass {
        guard let desk else { return Pass() }
        let filing = try await settings.settings(tenant: tenant)
        let now = clocks.wall.now
        var pass = Pass()
        let waiting = try await store.cases(tenant: tenant, connection: connection, statuses: [.ready, .filing])
            .filter { $0.channel == .sandbox && (only == nil || only!.contains($0.id)) }
        let stuckBefore = now.addingTimeInterval(-configuration.stuckFilingSeconds)
        let interrupted = waiting.filter { $0.status == .filing && ($0.filingStartedAt ?? .distantPast) < stuckBefore }
        for item in interrupted {
            try await attempt(item, tenant: tenant, limit: filing.dailyLimit, resuming: true, desk: desk, pass: &pass)
        }
        // Past due on Opside's invoices: filings already begun finish, no new one starts.
        if filing.billingHold != nil {
            pass.heldForBilling = waiting.filter { $0.status == .ready }.count
            return pass
        }
        let due = waiting.filter { item in
            item.status == .ready && (item.nextAttemptAt ?? .distantPast) <= now && item.opensOn <= self.today(marketplaceId: item.marketplaceId)
        }
        guard let marketplace = due.first?.marketplaceId else { return pass }
        // A connection sells in one marketplace (claims are per marketplace; its day is the seller's day).
        let today = self.today(marketplaceId: marketplace)
        let used = try await filedOn(day: today, tenant: tenant, connection: connection)
        let plan = FilingPlan.make(due.map { FilingPlan.Candidate(id: $0.id, deadline: $0.deadline, expectedValue: $0.expectedValueMinor) },
                                   today: today, capacityToday: filing.dailyLimit - used, dailyLimit: filing.dailyLimit)
        pass.deferred = plan.later.count
        pass.wouldMiss = plan.wouldMiss.count
        let byID = Dictionary(uniqueKeysWithValues: due.map { ($0.id, $0) })
        for id in plan.today {
            guard let item = byID[id] else { continue }
            try await attempt(item, tenant: tenant, limit: filing.dailyLimit, resuming: false, desk: desk, pass: &pass)
        }
        return pass
    }

    /// How many cases the connection filed on `day`.
    func filedOn(day: CivilDate, tenant: UUID, connection: UUID) async throws -> Int {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenant) { db in
            let rows = try await db.query("""
                SELECT filed FROM cases.filing_days WHERE connection_id = \(connection) AND day = \(day.description)::date
                """, logger: logger)
            for try await filed in rows.decode(Int32.self) { return Int(filed) }
            return 0
        }
    }

    private func attempt(_ item: ReimbursementCase, tenant: UUID, limit: Int, resuming: Bool, desk: any CaseDesk, pass: inout Pass) async throws {
        guard let started = try await begin(item.id, tenant: tenant, limit: limit, resuming: resuming) else { return }
        let request = CaseFilingRequest(
            idempotencyKey: "opside-case-\(started.id.uuidString.lowercased())", marketplaceId: started.marketplaceId,
            issueType: started.claimType, subject: started.subject, body: started.body, references: started.references,
            quantity: started.units, amountClaimed: started.amountClaimed, attachments: started.attachments)
        let amazonCaseId: String
        do {
            amazonCaseId = try await desk.file(request, tenant: tenant, connection: started.connectionId)
        } catch {
            try await recordFailure(error, of: started, tenant: tenant, pass: &pass)
            return
        }
        let now = clocks.wall.now
        try await store.change(tenant: tenant, id: started.id, at: now) { item in
            guard item.status == .filing else { return nil }
            item.status = .filed
            item.amazonCaseId = amazonCaseId
            item.filedAt = now
            item.filedBy = "channel:sandbox"
            item.filingStartedAt = nil
            item.nextAttemptAt = nil
            item.lastError = nil
            return CaseTransition(actor: .system, reason: "filed at the case desk as case \(amazonCaseId)")
        }
        pass.filed += 1
    }

    /// A failed attempt: the case waits for its next attempt after the configured pause, or is
    /// failed when attempts ran out or the desk refused the case itself.
    private func recordFailure(_ error: CaseDeskError, of started: ReimbursementCase, tenant: UUID, pass: inout Pass) async throws {
        let now = clocks.wall.now
        let delays = configuration.retryDelays
        let outcome: (retry: Bool, words: String) = switch error {
        case .transient(let reason): (true, reason)
        case .noAccess(let reason): (true, reason)
        case .refused(let reason): (false, reason)
        }
        let changed = try await store.change(tenant: tenant, id: started.id, at: now) { item in
            guard item.status == .filing else { return nil }
            item.lastError = outcome.words
            item.filingStartedAt = nil
            if outcome.retry, item.attempts <= delays.count {
                let next = now.addingTimeInterval(Double(delays[max(0, item.attempts - 1)].components.seconds))
                item.status = .ready
                item.nextAttemptAt = next
                return CaseTransition(actor: .system, reason: "filing attempt \(item.attempts) failed (\(outcome.words)); "
                                      + "the next is due at \(ISO8601DateFormatter().string(from: next))")
            }
            item.status = .failed
            item.nextAttemptAt = nil
            return CaseTransition(actor: .system, reason: outcome.retry
                                  ? "filing failed \(item.attempts) times; the last: \(outcome.words)" : "the desk refused the case: \(outcome.words)")
        }
        if changed?.status == .failed { pass.failed += 1 } else { pass.retrying += 1 }
        logger.warning("filing failed", metadata: ["case": "\(started.id)", "error": "\(outcome.words)"])
    }

    /// Starts a filing: under the case's row lock, checks that it is still waiting (or, resuming,
    /// still half filed), that its deadline has not passed, and that the seller's day has room,
    /// counting it. nil when the case must not be filed now.
    private func begin(_ id: UUID, tenant: UUID, limit: Int, resuming: Bool) async throws -> ReimbursementCase? {
        let store = self.store
        let logger = self.logger
        let now = clocks.wall.now
        let engine = self
        let started = try await database.withTransaction(tenant: tenant) { db -> ReimbursementCase? in
            guard let current = try await CaseStore.lockedCase(id, on: db, logger: logger) else { return nil }
            let today = engine.today(marketplaceId: current.marketplaceId)
            if resuming {
                // Counted when it first started; the same idempotency key finds the same case at the desk.
                guard current.status == .filing else { return nil }
                return try await store.change(id, on: db, at: now) { item in
                    item.filingStartedAt = now
                    return CaseTransition(actor: .system, reason: "resuming a filing that was interrupted", recordWithoutStatusChange: true)
                }
            }
            guard current.status == .ready, current.deadline >= today, current.opensOn <= today else { return nil }
            let counted = try await db.query("""
                INSERT INTO cases.filing_days AS d (tenant_id, connection_id, day, filed)
                VALUES (\(tenant), \(current.connectionId), \(today.description)::date, 1)
                ON CONFLICT (tenant_id, connection_id, day) DO UPDATE SET filed = d.filed + 1 WHERE d.filed < \(Int32(limit))
                RETURNING filed
                """, logger: logger)
            var room = false
            for try await _ in counted.decode(Int32.self) { room = true }
            guard room else { return nil }
            return try await store.change(id, on: db, at: now) { item in
                item.status = .filing
                item.filingStartedAt = now
                item.attempts += 1
                return CaseTransition(actor: .system, reason: "filing attempt \(item.attempts) at the case desk")
            }
        }
        await store.outbox.wakeRelay()
        return started
    }

    // MARK: Following

    /// Reads Amazon's answers to the connection's filed sandbox-channel cases.
    /// - Returns: how many cases changed.
    public func follow(tenant: UUID, connection: UUID) async throws -> Int {
        guard let desk else { return 0 }
        let open = try await store.cases(tenant: tenant, connection: connection, statuses: [.filed])
            .filter { $0.channel == .sandbox && $0.amazonCaseId != nil }
        guard let earliest = open.compactMap(\.filedAt).min() else { return 0 }
        let answers: [CaseDeskAnswer]
        do {
            answers = try await desk.answers(tenant: tenant, connection: connection, createdAfter: earliest.addingTimeInterval(-86_400))
        } catch {
            logger.warning("the case desk could not be read", metadata: ["connection": "\(connection)", "error": "\(error)"])
            return 0
        }
        let byAmazonId = Dictionary(answers.map { ($0.amazonCaseId, $0) }, uniquingKeysWith: { first, _ in first })
        var changed = 0
        for item in open {
            guard let answer = item.amazonCaseId.flatMap({ byAmazonId[$0] }), let outcome = answer.outcome else { continue }
            let result = try await store.change(tenant: tenant, id: item.id, at: clocks.wall.now) { item in
                guard item.status == .filed else { return nil }
                Self.apply(outcome, reason: answer.reason, approvedAmount: answer.approvedAmount, decidedAt: answer.decidedAt, to: &item)
                return CaseTransition(actor: .amazon, reason: Self.words(outcome, reason: answer.reason, approved: answer.approvedAmount))
            }
            if result?.status != item.status { changed += 1 }
        }
        return changed
    }

    static func apply(_ outcome: CaseDeskAnswer.Outcome, reason: String?, approvedAmount: Money?, decidedAt: Date?,
                      to item: inout ReimbursementCase) {
        item.decisionReason = reason
        item.decidedAt = decidedAt
        switch outcome {
        case .approved:
            item.status = .approved
            item.approvedAmount = approvedAmount ?? item.amountClaimed
        case .partiallyApproved:
            item.status = .partiallyApproved
            item.approvedAmount = approvedAmount
        case .denied:
            item.status = .denied
        case .moreInformationNeeded:
            item.status = .moreInformationNeeded
        }
        // Money may have been synced before the answer was read: it decides the status then.
        if !item.recovered.isZero || outcome == .approved || outcome == .partiallyApproved {
            Reconciler.settle(&item)
        }
    }

    static func words(_ outcome: CaseDeskAnswer.Outcome, reason: String?, approved: Money?) -> String {
        let because = reason.map { ": \($0)" } ?? ""
        return switch outcome {
        case .approved: "Amazon approved the case\(approved.map { " for \($0)" } ?? "")\(because)"
        case .partiallyApproved: "Amazon approved part of the case\(approved.map { " (\($0))" } ?? "")\(because)"
        case .denied: "Amazon denied the case\(because)"
        case .moreInformationNeeded: "Amazon needs more information\(because)"
        }
    }

    // MARK: The seller's actions

    public enum ActionError: Error, Sendable, CustomStringConvertible {
        case noSuchCase
        case wrongStatus(CaseStatus, String)
        case invalid(field: String, reason: String)
        case amazonCaseIdTaken(String)
        case desk(CaseDeskError)

        public var description: String {
            switch self {
            case .noSuchCase: "no such case"
            case .wrongStatus(let status, let action): "a case that is \(status.rawValue) cannot be \(action)"
            case .invalid(let field, let reason): "\(field) \(reason)"
            case .amazonCaseIdTaken(let id): "Amazon case \(id) is already recorded on another case"
            case .desk(let error): error.description
            }
        }
    }

    /// The seller filed the case in Seller Central and gives Amazon's case id (assisted channel).
    public func markFiled(tenant: UUID, caseId: UUID, amazonCaseId: String, by user: String) async throws -> ReimbursementCase {
        let id = amazonCaseId.trimmingCharacters(in: .whitespaces)
        guard (3...40).contains(id.count), id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else {
            throw ActionError.invalid(field: "amazonCaseId", reason: "must be Amazon's case id: 3 to 40 letters, digits or dashes")
        }
        let now = clocks.wall.now
        let store = self.store
        let logger = self.logger
        let changed = try await database.withTransaction(tenant: tenant) { db -> ReimbursementCase in
            guard let current = try await CaseStore.lockedCase(caseId, on: db, logger: logger) else { throw ActionError.noSuchCase }
            let taken = try await db.query("""
                SELECT case_id FROM cases.cases WHERE connection_id = \(current.connectionId) AND amazon_case_id = \(id) AND case_id <> \(caseId)
                """, logger: logger)
            for try await _ in taken.decode(UUID.self) { throw ActionError.amazonCaseIdTaken(id) }
            guard [.ready, .needsDocuments, .failed, .missed].contains(current.status) || (current.status == .filed && current.amazonCaseId == id) else {
                throw ActionError.wrongStatus(current.status, "marked filed")
            }
            return try await store.change(caseId, on: db, at: now) { item in
                guard item.status != .filed else { return nil }
                item.status = .filed
                item.amazonCaseId = id
                item.filedAt = now
                item.filedBy = user
                item.nextAttemptAt = nil
                item.lastError = nil
                return CaseTransition(actor: .seller, actorId: user, reason: "filed in Seller Central as case \(id)")
            }!
        }
        await store.outbox.wakeRelay()
        return changed
    }

    /// The seller records Amazon's answer to an assisted case (the money itself still comes from the data).
    public func markOutcome(tenant: UUID, caseId: UUID, outcome: CaseDeskAnswer.Outcome, reason: String?, approvedAmount: Money?,
                            by user: String) async throws -> ReimbursementCase {
        let now = clocks.wall.now
        guard let changed = try await store.change(tenant: tenant, id: caseId, at: now, { item in
            guard item.channel == .assisted else { throw ActionError.wrongStatus(item.status, "given an outcome by hand (the sandbox desk answers it)") }
            guard [.filed, .moreInformationNeeded, .denied].contains(item.status) else { throw ActionError.wrongStatus(item.status, "given an outcome") }
            if let approvedAmount, approvedAmount.currency != item.amountClaimed.currency {
                throw ActionError.invalid(field: "approvedAmount", reason: "must be in \(item.amountClaimed.currency.code)")
            }
            Self.apply(outcome, reason: reason, approvedAmount: approvedAmount, decidedAt: now, to: &item)
            return CaseTransition(actor: .seller, actorId: user, reason: Self.words(outcome, reason: reason, approved: approvedAmount))
        }) else { throw ActionError.noSuchCase }
        return changed
    }

    /// Answers Amazon's question or appeals a denial (once): through the desk for the sandbox
    /// channel; for the assisted channel the seller answered in Seller Central and says so.
    public func reply(tenant: UUID, caseId: UUID, body: String, by user: String) async throws -> ReimbursementCase {
        let text = body.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...20_000).contains(text.count) else { throw ActionError.invalid(field: "body", reason: "must say something, in at most 20000 characters") }
        guard let current = try await store.reimbursementCase(tenant: tenant, id: caseId) else { throw ActionError.noSuchCase }
        let appeal = current.status == .denied || current.status == .reversed
        guard current.status == .moreInformationNeeded || (appeal && !current.appealed) else {
            throw ActionError.wrongStatus(current.status, appeal ? "appealed twice" : "answered")
        }
        if current.channel == .sandbox, let desk, let amazonCaseId = current.amazonCaseId {
            do {
                try await desk.reply(amazonCaseId: amazonCaseId, body: text, attachments: [],
                                     idempotencyKey: "opside-reply-\(caseId.uuidString.lowercased())-\(current.replies + 1)",
                                     tenant: tenant, connection: current.connectionId)
            } catch {
                throw ActionError.desk(error)
            }
        }
        let now = clocks.wall.now
        guard let changed = try await store.change(tenant: tenant, id: caseId, at: now, { item in
            guard item.status == current.status else { return nil }
            item.replies += 1
            if appeal { item.appealed = true }
            item.status = .filed
            item.decisionReason = nil
            item.decidedAt = nil
            return CaseTransition(actor: .seller, actorId: user, reason: appeal ? "appealed the decision" : "answered Amazon's question")
        }) else { throw ActionError.noSuchCase }
        return changed
    }

    /// Evidence is in place for a case that needed documents: it can be filed.
    public func documentsReady(tenant: UUID, caseId: UUID, by user: String) async throws -> ReimbursementCase {
        guard let changed = try await store.change(tenant: tenant, id: caseId, at: clocks.wall.now, { item in
            guard item.status == .needsDocuments else { throw ActionError.wrongStatus(item.status, "given documents") }
            item.documentsReady = true
            item.status = .ready
            return CaseTransition(actor: .seller, actorId: user, reason: "the documents are ready")
        }) else { throw ActionError.noSuchCase }
        return changed
    }

    /// Failed cases wait again, with their attempts reset.
    /// - Returns: how many.
    public func retryFailed(tenant: UUID, by user: String) async throws -> Int {
        let now = clocks.wall.now
        let store = self.store
        let engine = self
        let count = try await database.withTransaction(tenant: tenant) { db in
            let rows = try await db.query("SELECT case_id FROM cases.cases WHERE status = 'failed'", logger: store.logger)
            var ids: [UUID] = []
            for try await id in rows.decode(UUID.self) { ids.append(id) }
            var count = 0
            for id in ids {
                let changed = try await store.change(id, on: db, at: now) { item in
                    guard item.status == .failed, item.deadline >= engine.today(marketplaceId: item.marketplaceId) else { return nil }
                    item.status = .ready
                    item.attempts = 0
                    item.nextAttemptAt = nil
                    return CaseTransition(actor: .seller, actorId: user, reason: "retry asked for after: \(item.lastError ?? "a failure")")
                }
                if changed?.status == .ready { count += 1 }
            }
            return count
        }
        await store.outbox.wakeRelay()
        return count
    }

    // MARK: Days passing

    /// Sends the assisted queue's reminders that are due and marks unfiled cases whose deadline
    /// passed as missed.
    public func remindAndExpire(tenant: UUID, connection: UUID) async throws -> (reminded: Int, missed: Int) {
        let now = clocks.wall.now
        let store = self.store
        let reminderDays = configuration.reminderDays
        let engine = self
        let result = try await database.withTransaction(tenant: tenant) { db in
            var reminded = 0, missed = 0
            var groups: [Int: [ReimbursementCase]] = [:]
            for item in try await store.cases(connection: connection, statuses: CaseStatus.unfiled, on: db) {
                let today = engine.today(marketplaceId: item.marketplaceId)
                let daysLeft = item.deadline.daysSince1970 - today.daysSince1970
                if daysLeft < 0 {
                    let changed = try await store.change(item.id, on: db, at: now) { item in
                        guard CaseStatus.unfiled.contains(item.status) else { return nil }
                        item.status = .missed
                        return CaseTransition(actor: .system, reason: "the deadline \(item.deadline) passed before the case was filed")
                    }
                    if changed?.status == .missed { missed += 1 }
                    continue
                }
                guard item.channel == .assisted, item.status != .failed,
                      let due = reminderDays.filter({ daysLeft <= $0 }).min(), item.remindedDays.map({ $0 > due }) ?? true else { continue }
                let changed = try await store.change(item.id, on: db, at: now) { item in
                    guard CaseStatus.unfiled.contains(item.status) else { return nil }
                    item.remindedDays = due
                    return CaseTransition(actor: .system, reason: "reminded: \(daysLeft) day\(daysLeft == 1 ? "" : "s") left to file before \(item.deadline)",
                                          recordWithoutStatusChange: true)
                }
                // (Unchanged when the case was filed meanwhile: `change` then gives it back as it was.)
                if let changed, changed.remindedDays == due {
                    groups[due, default: []].append(changed)
                    reminded += 1
                }
            }
            for (days, cases) in groups {
                let currencies = Dictionary(grouping: cases, by: \.amountClaimed.currency)
                let amounts = try currencies.keys.sorted().map { currency in
                    try Money.sum(currencies[currency]!.map(\.amountClaimed), currency: currency)
                }
                try await store.outbox.publish(CaseFilingReminder(
                    connectionId: connection, daysBefore: days, cases: cases.count, amounts: amounts,
                    earliestDeadline: cases.map(\.deadline).min()!), tenantId: tenant, on: db)
            }
            return (reminded, missed)
        }
        await store.outbox.wakeRelay()
        return result
    }
}
