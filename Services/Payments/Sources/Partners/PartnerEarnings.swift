import Foundation
import Logging
import OpsideCore
import OpsideJobs
import OpsidePostgres
import OpsideStripe
import PostgresNIO

/// A partner's share of the commission its sellers paid, and its transfer to the partner's
/// Stripe account.
///
/// Accrual: each commission line of a seller the partner brought (since it brought it) that is
/// settled (`paid`, or `credited` back) earns the partner its share once: the earning row is
/// keyed by the line. The share of a line is rounded as the commission is,
/// `round(share × (C + c)) − round(share × C)` over the partner's lines in that currency and
/// share, so a partner's earnings always add up to exactly its share of the commission paid.
/// A credit (a reversal) earns a negative amount, netted from the next transfer.
///
/// Transfer: the untransferred earnings of a partner in a currency are fixed onto one transfer
/// row first, then sent with that row's idempotency key, so a retry, a crash or a second run
/// sends the same transfer once. Stripe keeps a refusal under its key; when the platform's
/// available balance was short (`balance_insufficient`) the transfer waits for
/// `balance.available` and is tried again under the next attempt's key.
public struct PartnerEarnings: Sendable {
    public static let runJobKind = "payments.pay-partners"

    let stripe: StripeClient
    let store: PartnerStore
    let database: Database
    let jobQueue: JobQueue
    let queue: String
    let clock: any WallClock
    let logger: Logger

    public init(stripe: StripeClient, store: PartnerStore, database: Database, jobQueue: JobQueue, queue: String, clock: any WallClock,
                logger: Logger) {
        self.stripe = stripe
        self.store = store
        self.database = database
        self.jobQueue = jobQueue
        self.queue = queue
        self.clock = clock
        self.logger = logger
    }

    /// Enqueues a run for `reason` (a paid invoice, an account made active, funds now
    /// available); the same reason twice is one job.
    public func enqueueRun(reason: String) async throws {
        _ = try await jobQueue.enqueue(NewJob(queue: queue, kind: Self.runJobKind, maxAttempts: 10,
                                                  uniqueKey: "\(Self.runJobKind):\(reason)"))
    }

    public struct RunSummary: Sendable, Equatable {
        public var accrued = 0
        public var transfersSent = 0
        public var transfersWaiting = 0
    }

    /// Accrues what every partner earned and sends what is due.
    @discardableResult
    public func run() async throws -> RunSummary {
        var summary = RunSummary()
        for partner in try await store.allPartners() {
            summary.accrued += try await accrue(partner: partner)
            guard partner.transfersActive, let account = partner.stripeAccountId else { continue }
            for outcome in try await transfer(partner: partner, account: account) {
                if outcome == "sent" { summary.transfersSent += 1 } else if outcome == "waiting_funds" { summary.transfersWaiting += 1 }
            }
        }
        return summary
    }

    // MARK: Accrual

    /// - Returns: how many earnings it recorded.
    @discardableResult
    func accrue(partner: Partner) async throws -> Int {
        let logger = self.logger
        return try await store.scanning(as: partner.tenantId) { db in
            // The partner's lock: two runs never compute the same cumulative sums at once.
            guard let current = try await PartnerStore.decodePartners(try await db.query("""
                SELECT \(unescaped: PartnerStore.partnerColumns) FROM payments.partners WHERE partner_id = \(partner.partnerId) FOR UPDATE
                """, logger: logger)).first else { return 0 }
            let rows = try await db.query("""
                SELECT c.commission_id, c.tenant_id, r.seller_name, c.amazon_case_id, c.commission_minor, c.currency,
                    coalesce(c.paid_at, c.created_at)
                FROM payments.commissions c
                JOIN payments.referrals r ON r.tenant_id = c.tenant_id AND r.partner_id = \(partner.partnerId)
                WHERE c.state IN ('paid', 'credited') AND c.created_at >= r.created_at
                    AND NOT EXISTS (SELECT 1 FROM payments.partner_earnings e WHERE e.commission_id = c.commission_id)
                ORDER BY coalesce(c.paid_at, c.created_at), c.commission_id
                """, logger: logger)
            var settled: [(UUID, UUID, String, String?, Int64, String, Date)] = []
            for try await row in rows.decode((UUID, UUID, String, String?, Int64, String, Date).self) { settled.append(row) }
            guard !settled.isEmpty else { return 0 }
            let share = current.shareBasisPoints
            var before: [String: Int64] = [:]
            for try await (currency, sum) in try await db.query("""
                SELECT currency, sum(commission_minor)::bigint FROM payments.partner_earnings
                WHERE partner_id = \(partner.partnerId) AND share_bps = \(Int32(share)) GROUP BY currency
                """, logger: logger).decode((String, Int64).self) {
                before[currency] = sum
            }
            for (commission, seller, sellerName, caseId, amount, currency, settledAt) in settled {
                let prior = before[currency] ?? 0
                let earning = CommissionMath.lineCommission(recoveredMinor: amount, recoveredBeforeMinor: prior, basisPoints: share)
                before[currency] = prior + amount
                try await db.query("""
                    INSERT INTO payments.partner_earnings (earning_id, commission_id, partner_id, tenant_id, seller_tenant_id, seller_name,
                        amazon_case_id, commission_minor, currency, share_bps, earning_minor, settled_at)
                    VALUES (\(UUID()), \(commission), \(partner.partnerId), \(partner.tenantId), \(seller), \(sellerName), \(caseId),
                        \(amount), \(currency), \(Int32(share)), \(earning), \(settledAt))
                    """, logger: logger)
            }
            return settled.count
        }
    }

    // MARK: Transfers

    struct OpenTransfer: Sendable {
        let transferId: UUID
        let currency: String
        let amountMinor: Int64
        let attempt: Int
    }

    /// Sends the partner's untransferred earnings, a transfer per currency.
    /// - Returns: each transfer's state after the call (`sent` or `waiting_funds`).
    func transfer(partner: Partner, account: String) async throws -> [String] {
        var outcomes: [String] = []
        for open in try await openTransfers(partner: partner) {
            outcomes.append(try await send(open, partner: partner, account: account))
        }
        return outcomes
    }

    /// The transfers still to send: those a crash or a refusal left, and a new one per currency
    /// whose untransferred earnings add up to more than nothing (a negative sum waits for more).
    func openTransfers(partner: Partner) async throws -> [OpenTransfer] {
        let logger = self.logger
        return try await database.withTransaction(tenant: partner.tenantId) { db in
            try await db.query("SELECT 1 FROM payments.partners WHERE partner_id = \(partner.partnerId) FOR UPDATE", logger: logger)
            var open: [OpenTransfer] = []
            for try await (id, currency, amount, attempt) in try await db.query("""
                SELECT transfer_id, currency, amount_minor, attempt FROM payments.partner_transfers
                WHERE partner_id = \(partner.partnerId) AND state <> 'sent' ORDER BY created_at
                """, logger: logger).decode((UUID, String, Int64, Int32).self) {
                open.append(OpenTransfer(transferId: id, currency: currency, amountMinor: amount, attempt: Int(attempt)))
            }
            let busy = Set(open.map(\.currency))
            var due: [(String, Int64)] = []
            for try await row in try await db.query("""
                SELECT currency, sum(earning_minor)::bigint FROM payments.partner_earnings
                WHERE partner_id = \(partner.partnerId) AND transfer_id IS NULL GROUP BY currency ORDER BY currency
                """, logger: logger).decode((String, Int64).self) where row.1 > 0 && !busy.contains(row.0) {
                due.append(row)
            }
            for (currency, amount) in due {
                let id = UUID()
                try await db.query("""
                    INSERT INTO payments.partner_transfers (transfer_id, partner_id, tenant_id, currency, amount_minor)
                    VALUES (\(id), \(partner.partnerId), \(partner.tenantId), \(currency), \(amount))
                    """, logger: logger)
                try await db.query("""
                    UPDATE payments.partner_earnings SET transfer_id = \(id)
                    WHERE partner_id = \(partner.partnerId) AND currency = \(currency) AND transfer_id IS NULL
                    """, logger: logger)
                open.append(OpenTransfer(transferId: id, currency: currency, amountMinor: amount, attempt: 1))
            }
            return open
        }
    }

    func send(_ open: OpenTransfer, partner: Partner, account: String) async throws -> String {
        let id = open.transferId.uuidString.lowercased()
        let logger = self.logger
        let now = clock.now
        do {
            let transfer: StripeTransfer = try await stripe.post("transfers", [
                "amount": .string(String(open.amountMinor)), "currency": .string(open.currency.lowercased()), "destination": .string(account),
                "transfer_group": .string("opside-partner-\(partner.partnerId.uuidString.lowercased())"),
                "description": .string("Opside partner earnings"),
                "metadata": .hash([StripeMetadataKey.tenant: .string(partner.tenantId.uuidString.lowercased()),
                                   StripeMetadataKey.partner: .string(partner.partnerId.uuidString.lowercased()),
                                   StripeMetadataKey.transfer: .string(id)]),
            ], idempotencyKey: "opside:partner-transfer:\(id):\(open.attempt)")
            _ = try await database.withTransaction(tenant: partner.tenantId) { db in
                try await db.query("""
                    UPDATE payments.partner_transfers SET state = 'sent', stripe_transfer_id = \(transfer.id), sent_at = \(now), last_error = NULL
                    WHERE transfer_id = \(open.transferId) AND state <> 'sent'
                    """, logger: logger)
            }
            return "sent"
        } catch let refusal as StripeRequestError where refusal.status < 500 && !refusal.isRateLimited && refusal.status != 409 {
            // Kept by Stripe under this key: the next try needs the next key.
            let waiting = refusal.code == "balance_insufficient"
            _ = try await database.withTransaction(tenant: partner.tenantId) { db in
                try await db.query("""
                    UPDATE payments.partner_transfers SET state = \(waiting ? "waiting_funds" : "creating"), attempt = attempt + 1,
                        last_error = \(refusal.message)
                    WHERE transfer_id = \(open.transferId) AND state <> 'sent' AND attempt = \(Int32(open.attempt))
                    """, logger: logger)
            }
            logger.warning("partner transfer refused", metadata: ["transfer": "\(id)", "code": "\(refusal.code ?? refusal.type)"])
            guard waiting else { throw refusal }
            return "waiting_funds"
        }
    }

    public func register(in jobs: inout JobRegistry) {
        jobs.register(Self.runJobKind, retryPolicy: RetryPolicy(capSeconds: 1800)) { _, context in
            let summary = try await run()
            context.logger.info("partners paid", metadata: ["accrued": "\(summary.accrued)", "sent": "\(summary.transfersSent)",
                                                            "waiting": "\(summary.transfersWaiting)"])
        }
    }
}
