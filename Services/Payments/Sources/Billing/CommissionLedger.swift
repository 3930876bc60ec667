import Foundation
import Logging
import OpsideCore
import OpsideEvents
import OpsideJobs
import OpsidePostgres
import PostgresNIO

/// One line of a tenant's commission statement: a reimbursement Amazon paid on one of our
/// cases (or took back), and the commission on it.
public struct CommissionLine: Codable, Sendable, Equatable {
    public let commissionId: UUID
    public let entryId: UUID
    public let reimbursementId: String
    /// `reimbursement` or `reversal`.
    public let kind: String
    public let caseId: UUID?
    public let amazonCaseId: String?
    public let claimType: String?
    public let approvalDate: Date?
    /// What this line adds to the money recovered (negative for a reversal).
    public let recovered: Money
    public let rateBasisPoints: Int
    /// Negative for a credit.
    public let commission: Money
    /// `pending`, `invoiced`, `charging`, `paid` or `credited`.
    public let state: String
    public let invoiceId: UUID?
    public let paymentIntentId: String?
    public let chargeFailure: String?
    public let createdAt: Date
}

/// What recording a `reimbursement.received` did.
public enum CommissionRecording: Sendable, Equatable {
    /// A new line.
    case recorded(CommissionLine)
    /// The entry already has its line (a redelivered or replayed event): nothing changed.
    case duplicate(CommissionLine)
    /// Amazon paid by itself, not on one of our cases: no commission.
    case notAttributed
    /// A Finances entry whose money a report line already took over (the two events arrived
    /// out of order): that line carries the money, this one adds nothing.
    case superseded
}

/// The tenant has no billing account yet (`tenant.created` not handled): the job retries.
struct BillingAccountNotOpen: Error, CustomStringConvertible {
    let tenantId: UUID
    var description: String { "tenant \(tenantId) has no billing account yet; the commission is recorded once it has" }
}

/// The commission ledger (`payments.commissions`): one line per entry of the recovered-money
/// ledger attributed to an Opside case, written once however often its event arrives.
public struct CommissionLedger: Sendable {
    public static let chargeJobKind = "payments.charge-commission"

    let database: Database
    let queue: String
    /// How long a charge's job is its worker's (`billing.chargeLeaseSeconds`).
    let chargeLeaseSeconds: Int
    let logger: Logger

    public init(database: Database, queue: String, chargeLeaseSeconds: Int = 60, logger: Logger) {
        self.database = database
        self.queue = queue
        self.chargeLeaseSeconds = chargeLeaseSeconds
        self.logger = logger
    }

    struct ChargeArguments: Codable, Sendable {
        let commissionId: UUID
    }

    static let columns = """
        commission_id, entry_id, reimbursement_id, kind, case_id, amazon_case_id, claim_type, approval_date, recovered_minor, currency,
        rate_bps, commission_minor, state, invoice_id, payment_intent_id, charge_failure, created_at
        """

    typealias Row = (UUID, UUID, String, String, UUID?, String?, String?, Date?, Int64, String, Int32, Int64, String, UUID?, String?,
                     String?, Date)

    static func decode(_ rows: PostgresRowSequence) async throws -> [CommissionLine] {
        var lines: [CommissionLine] = []
        for try await r in rows.decode(Row.self) {
            let currency = try Currency(code: r.9)
            lines.append(CommissionLine(
                commissionId: r.0, entryId: r.1, reimbursementId: r.2, kind: r.3, caseId: r.4, amazonCaseId: r.5, claimType: r.6,
                approvalDate: r.7, recovered: Money(amountMinor: r.8, currency: currency), rateBasisPoints: Int(r.10),
                commission: Money(amountMinor: r.11, currency: currency), state: r.12, invoiceId: r.13, paymentIntentId: r.14,
                chargeFailure: r.15, createdAt: r.16))
        }
        return lines
    }

    /// Enters the commission on one `reimbursement.received`, in one transaction with the job
    /// that charges it when the tenant pays per reimbursement.
    ///
    /// - The rate is the tenant's plan rate; a reversal takes the rate its case was charged at,
    ///   and a report line that takes over Finances entries the rate those entries had, so money
    ///   taken back is credited at the rate it was charged.
    /// - The tenant's account row is locked for the transaction: two lines of one tenant are
    ///   entered one after the other, each seeing what the other recovered.
    public func record(_ event: ReimbursementReceived, eventId: UUID, tenantId: UUID) async throws -> CommissionRecording {
        let logger = self.logger
        let queue = self.queue, lease = self.chargeLeaseSeconds
        return try await database.withTransaction(tenant: tenantId) { db -> CommissionRecording in
            let accounts = try await db.query("""
                SELECT commission_bps, collection FROM payments.billing_accounts WHERE tenant_id = \(tenantId) FOR UPDATE
                """, logger: logger)
            var account: (rate: Int, collection: String)?
            for try await (rate, collection) in accounts.decode((Int32, String).self) { account = (Int(rate), collection) }
            guard let account else { throw BillingAccountNotOpen(tenantId: tenantId) }

            if let existing = try await Self.decode(try await db.query(
                "SELECT \(unescaped: Self.columns) FROM payments.commissions WHERE entry_id = \(event.entryId)", logger: logger)).first {
                return .duplicate(existing)
            }
            let supersededRows = try await db.query(
                "SELECT count(*) FROM payments.commissions WHERE \(event.entryId) = ANY(replaces_entry_ids)", logger: logger)
            for try await count in supersededRows.decode(Int64.self) where count > 0 { return .superseded }

            let currency = event.amount.currency.code
            let replacedIds = (event.replacesEntryIds ?? []).compactMap(UUID.init(uuidString:))
            var replacedRecovered: Int64 = 0
            var replacedRate: Int?
            if !replacedIds.isEmpty {
                let rows = try await db.query("""
                    SELECT coalesce(sum(recovered_minor), 0)::bigint, max(rate_bps), count(*) FROM payments.commissions
                    WHERE entry_id = ANY(\(replacedIds)) AND currency = \(currency)
                    """, logger: logger)
                for try await (sum, rate, count) in rows.decode((Int64, Int32?, Int64).self) where count > 0 {
                    replacedRecovered = sum
                    replacedRate = rate.map(Int.init)
                }
            }
            let attributed = event.attribution == "case"
            guard attributed || replacedRate != nil else { return .notAttributed }
            // An automatic line that takes over attributed Finances entries takes their money back out.
            let recovered = (attributed ? event.amount.amountMinor : 0) - replacedRecovered

            var rate = replacedRate ?? account.rate
            if replacedRate == nil, event.kind == "reversal", let caseId = event.caseId.flatMap(UUID.init(uuidString:)) {
                let rows = try await db.query("""
                    SELECT rate_bps FROM payments.commissions WHERE case_id = \(caseId) AND kind = 'reimbursement'
                    ORDER BY created_at DESC LIMIT 1
                    """, logger: logger)
                for try await charged in rows.decode(Int32.self) { rate = Int(charged) }
            }
            let before = try await db.query("""
                SELECT coalesce(sum(recovered_minor), 0)::bigint FROM payments.commissions
                WHERE tenant_id = \(tenantId) AND currency = \(currency) AND rate_bps = \(Int32(rate))
                """, logger: logger)
            var recoveredBefore: Int64 = 0
            for try await sum in before.decode(Int64.self) { recoveredBefore = sum }
            let commission = CommissionMath.lineCommission(recoveredMinor: recovered, recoveredBeforeMinor: recoveredBefore, basisPoints: rate)

            let id = UUID()
            let collectsOnItsOwn = account.collection == CommissionCollection.perReimbursement.rawValue
            // Nothing to collect on a zero line: it is settled as it is written.
            let state = commission == 0 ? "paid" : "pending"
            let inserted = try await Self.decode(try await db.query("""
                INSERT INTO payments.commissions (commission_id, tenant_id, entry_id, source_event_id, connection_id, reimbursement_id, kind,
                    case_id, amazon_case_id, claim_type, approval_date, recovered_minor, currency, rate_bps, commission_minor,
                    replaces_entry_ids, state, paid_at)
                VALUES (\(id), \(tenantId), \(event.entryId), \(eventId), \(event.connectionId), \(event.reimbursementId), \(event.kind),
                    \(event.caseId.flatMap(UUID.init(uuidString:))), \(event.amazonCaseId), \(event.claimType), \(event.approvalDate),
                    \(recovered), \(currency), \(Int32(rate)), \(commission), \(replacedIds), \(state),
                    \(state == "paid" ? Date() : nil))
                RETURNING \(unescaped: Self.columns)
                """, logger: logger))
            guard let line = inserted.first else { throw DatabaseError.unavailable("the commission line was not returned") }
            if collectsOnItsOwn, commission != 0 {
                let job = try NewJob(queue: queue, kind: Self.chargeJobKind, arguments: ChargeArguments(commissionId: id), tenantID: tenantId,
                                     maxAttempts: 8, uniqueKey: "\(Self.chargeJobKind):\(id.uuidString.lowercased())", leaseSeconds: lease)
                _ = try await JobQueue.enqueue(job, on: db, logger: logger)
            }
            return .recorded(line)
        }
    }

    /// The tenant's statement, newest first.
    public func lines(tenantId: UUID, limit: Int = 500, before: Date? = nil) async throws -> [CommissionLine] {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenantId) { db in
            try await Self.decode(try await db.query("""
                SELECT \(unescaped: Self.columns) FROM payments.commissions
                WHERE tenant_id = \(tenantId) AND (\(before)::timestamptz IS NULL OR created_at < \(before))
                ORDER BY created_at DESC, commission_id LIMIT \(Int64(limit))
                """, logger: logger))
        }
    }

    public func line(tenantId: UUID, commissionId: UUID) async throws -> CommissionLine? {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenantId) { db in
            try await Self.decode(try await db.query(
                "SELECT \(unescaped: Self.columns) FROM payments.commissions WHERE commission_id = \(commissionId)", logger: logger)).first
        }
    }

    /// Per currency: what was recovered on our cases, the commission on it, and how much of that
    /// is paid and how much still to collect.
    public func totals(tenantId: UUID) async throws -> [CommissionTotals] {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenantId) { db in
            let rows = try await db.query("""
                SELECT currency, sum(recovered_minor)::bigint, sum(commission_minor)::bigint,
                    coalesce(sum(commission_minor) FILTER (WHERE state IN ('paid', 'credited')), 0)::bigint,
                    coalesce(sum(commission_minor) FILTER (WHERE state IN ('pending', 'charging')), 0)::bigint,
                    coalesce(sum(commission_minor) FILTER (WHERE state = 'invoiced'), 0)::bigint
                FROM payments.commissions WHERE tenant_id = \(tenantId) GROUP BY currency ORDER BY currency
                """, logger: logger)
            var totals: [CommissionTotals] = []
            for try await (code, recovered, commission, settled, upcoming, invoiced) in rows.decode((String, Int64, Int64, Int64, Int64, Int64).self) {
                let currency = try Currency(code: code)
                totals.append(CommissionTotals(recovered: Money(amountMinor: recovered, currency: currency),
                                               commission: Money(amountMinor: commission, currency: currency),
                                               settled: Money(amountMinor: settled, currency: currency),
                                               upcoming: Money(amountMinor: upcoming, currency: currency),
                                               invoiced: Money(amountMinor: invoiced, currency: currency)))
            }
            return totals
        }
    }
}

/// One currency of a tenant's commission.
public struct CommissionTotals: Codable, Sendable, Equatable {
    /// Recovered on Opside's cases, net of reversals.
    public let recovered: Money
    public let commission: Money
    /// Paid, or credited back.
    public let settled: Money
    /// Not yet on an invoice: the next invoice's (or charges in flight).
    public let upcoming: Money
    /// On an invoice that is not paid yet.
    public let invoiced: Money
}
