import Foundation
import Logging
import OpsideCore
import OpsideEvents
import OpsideJobs
import OpsidePostgres
import OpsideStripe
import PostgresNIO

/// Collecting pending commission on Stripe invoices, and the dunning of those that fail.
///
/// An invoice is first ours (`payments.invoices`, its lines moved onto it in one transaction),
/// then Stripe's: made, given one item per line, finalized and paid. Each step is safe to run
/// again after a crash or a Stripe error: the invoice is found by the id we kept, items already
/// on it are read back from Stripe (their metadata names our line) rather than added twice, and
/// every POST carries an idempotency key made from our ids.
///
/// Payments are attempted by us, not by Stripe's Smart Retries (`auto_advance` stays false):
/// after a failure the next attempt is `billing.dunningRetryDays` after the first failure; when
/// the last one fails the tenant is past due.
public struct CommissionInvoicing: Sendable {
    public static let invoiceJobKind = "payments.invoice-tenant"
    public static let closeJobKind = "payments.close-billing-period"
    public static let retryJobKind = "payments.retry-invoice"
    public static let dunningJobKind = "payments.dunning"

    let stripe: StripeClient
    let store: BillingStore
    let cards: CardOnFileSetup
    let database: Database
    let outbox: EventOutbox
    let jobQueue: JobQueue
    let queue: String
    let settings: BillingSettings
    let clock: any WallClock
    let logger: Logger

    public init(stripe: StripeClient, store: BillingStore, cards: CardOnFileSetup, database: Database, outbox: EventOutbox,
                jobQueue: JobQueue, queue: String, settings: BillingSettings, clock: any WallClock, logger: Logger) {
        self.stripe = stripe
        self.store = store
        self.cards = cards
        self.database = database
        self.outbox = outbox
        self.jobQueue = jobQueue
        self.queue = queue
        self.settings = settings
        self.clock = clock
        self.logger = logger
    }

    struct InvoiceTenant: Codable, Sendable {
        let tenantId: UUID
        let currency: String
    }

    struct RetryInvoice: Codable, Sendable {
        let tenantId: UUID
        let invoiceId: UUID
    }

    // MARK: Closing a period

    /// The monthly close: one invoicing job per tenant and currency with lines waiting.
    /// - Returns: how many jobs it enqueued (a tenant already being invoiced is not enqueued twice).
    @discardableResult
    public func closePeriod() async throws -> Int {
        let now = clock.now
        var enqueued = 0
        for (tenant, currency) in try await store.tenantsWithPendingLines() {
            let job = try NewJob(queue: queue, kind: Self.invoiceJobKind, arguments: InvoiceTenant(tenantId: tenant, currency: currency),
                                 tenantID: tenant, maxAttempts: 10,
                                 uniqueKey: "\(Self.invoiceJobKind):\(tenant.uuidString.lowercased()):\(currency):\(Self.month(now))")
            if try await jobQueue.enqueue(job) != nil { enqueued += 1 }
        }
        logger.info("billing period closed", metadata: ["invoicing": "\(enqueued)"])
        return enqueued
    }

    static func month(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month], from: date)
        return String(format: "%04d-%02d", parts.year ?? 0, parts.month ?? 0)
    }

    /// Invoices what the tenant owes in `currency` now, and tries to collect it.
    /// - Returns: the invoice, or nil when nothing is owed.
    @discardableResult
    public func invoice(tenantId: UUID, currency: String) async throws -> CommissionInvoice? {
        // An invoice a crash or a Stripe error left half made is finished first, rather than a
        // second one begun: one still being made, or one finalized whose payment was never tried.
        let invoices = try await store.invoices(tenantId: tenantId).filter { $0.total.currency.code == currency }
        if let unfinished = invoices.first(where: { $0.status == "creating" }) {
            return try await push(tenantId: tenantId, invoiceId: unfinished.invoiceId)
        }
        if let untried = invoices.first(where: { $0.status == "open" && $0.attemptCount == 0 }) {
            try await attemptPayment(tenantId: tenantId, invoiceId: untried.invoiceId)
            return try await store.invoice(tenantId: tenantId, invoiceId: untried.invoiceId)
        }
        guard let (invoice, _) = try await store.openInvoice(tenantId: tenantId, currency: currency) else { return nil }
        return try await push(tenantId: tenantId, invoiceId: invoice.invoiceId)
    }

    /// Makes the invoice at Stripe (or finds what an earlier attempt made), finalizes it and
    /// attempts the first payment.
    func push(tenantId: UUID, invoiceId: UUID) async throws -> CommissionInvoice? {
        guard let invoice = try await store.invoice(tenantId: tenantId, invoiceId: invoiceId) else { return nil }
        guard invoice.status == "creating" else { return invoice }
        let lines = try await store.lines(tenantId: tenantId, invoiceId: invoiceId)
        let customer = try await cards.customer(for: tenantId)
        let ours = invoiceId.uuidString.lowercased()
        let tenant = tenantId.uuidString.lowercased()
        let currency = invoice.total.currency.code.lowercased()

        let stripeInvoice: StripeInvoice
        if let id = invoice.stripeInvoiceId {
            stripeInvoice = try await stripe.get("invoices/\(id)")
        } else {
            stripeInvoice = try await stripe.post("invoices", [
                "customer": .string(customer), "collection_method": "charge_automatically", "auto_advance": "false",
                "currency": .string(currency), "pending_invoice_items_behavior": "exclude",
                "description": .string("Opside commission on money recovered from Amazon"),
                "metadata": .hash([StripeMetadataKey.tenant: .string(tenant), StripeMetadataKey.invoice: .string(ours)]),
            ], idempotencyKey: "opside:invoice:\(ours):create")
            try await record(tenantId: tenantId, invoiceId: invoiceId, stripeInvoiceId: stripeInvoice.id)
        }
        if stripeInvoice.status == "draft" {
            let present = try await itemsOn(stripeInvoice.id)
            for line in lines where !present.contains(line.commissionId.uuidString.lowercased()) {
                let _: StripeInvoiceItem = try await stripe.post("invoiceitems", [
                    "customer": .string(customer), "invoice": .string(stripeInvoice.id), "amount": .string(String(line.commission.amountMinor)),
                    "currency": .string(currency), "description": .string(Self.describe(line)),
                    "metadata": .hash([StripeMetadataKey.tenant: .string(tenant),
                                       StripeMetadataKey.commission: .string(line.commissionId.uuidString.lowercased())]),
                ], idempotencyKey: "opside:invoice:\(ours):item:\(line.commissionId.uuidString.lowercased())")
            }
            let check: StripeInvoice = try await stripe.get("invoices/\(stripeInvoice.id)")
            guard check.amount_due == invoice.total.amountMinor else {
                // Never finalize an invoice that says something other than our ledger.
                throw JobOutcome.cancel(reason: "Stripe invoice \(stripeInvoice.id) totals \(check.amount_due ?? -1), ours \(invoice.total.amountMinor)")
            }
            let _: StripeInvoice = try await stripe.post("invoices/\(stripeInvoice.id)/finalize", ["auto_advance": "false"],
                                                         idempotencyKey: "opside:invoice:\(ours):finalize")
        }
        let finalized: StripeInvoice = try await stripe.get("invoices/\(stripeInvoice.id)")
        try await apply(finalized, tenantId: tenantId, invoiceId: invoiceId)
        if finalized.status == "open" {
            try await attemptPayment(tenantId: tenantId, invoiceId: invoiceId)
        }
        return try await store.invoice(tenantId: tenantId, invoiceId: invoiceId)
    }

    /// The words on an invoice line.
    static func describe(_ line: CommissionLine) -> String {
        let rate = Double(line.rateBasisPoints) / 100
        let percent = rate == rate.rounded() ? String(Int(rate)) : String(format: "%.2f", rate)
        let what = line.kind == "reversal" ? "Credit: Amazon reversed reimbursement" : "Commission \(percent)% on reimbursement"
        let onCase = line.amazonCaseId.map { " (case \($0))" } ?? ""
        return "\(what) \(line.reimbursementId)\(onCase) of \(line.recovered.displayText)"
    }

    /// The ids of our lines already on a Stripe invoice (from each item's metadata).
    func itemsOn(_ stripeInvoiceId: String) async throws -> Set<String> {
        var found: Set<String> = []
        var after: String?
        while true {
            var parameters: [String: StripeFormValue] = ["invoice": .string(stripeInvoiceId), "limit": "100"]
            if let after { parameters["starting_after"] = .string(after) }
            let page: StripeList<StripeInvoiceItem> = try await stripe.get("invoiceitems", parameters)
            for item in page.data { if let line = item.metadata?[StripeMetadataKey.commission] { found.insert(line) } }
            guard page.has_more, let last = page.data.last else { return found }
            after = last.id
        }
    }

    func record(tenantId: UUID, invoiceId: UUID, stripeInvoiceId: String) async throws {
        let logger = self.logger
        _ = try await database.withTransaction(tenant: tenantId) { db in
            try await db.query("""
                UPDATE payments.invoices SET stripe_invoice_id = \(stripeInvoiceId) WHERE invoice_id = \(invoiceId) AND stripe_invoice_id IS NULL
                """, logger: logger)
        }
    }

    // MARK: Payment attempts

    /// One attempt to collect an open invoice off-session, with its idempotency key numbered by
    /// the attempt, so a retried job repeats the attempt rather than making another.
    public func attemptPayment(tenantId: UUID, invoiceId: UUID) async throws {
        guard let invoice = try await store.invoice(tenantId: tenantId, invoiceId: invoiceId), let stripeId = invoice.stripeInvoiceId,
              ["open", "payment_failed", "requires_action"].contains(invoice.status) else { return }
        let attempt = invoice.attemptCount + 1
        do {
            let paid: StripeInvoice = try await stripe.post("invoices/\(stripeId)/pay", ["off_session": "true"],
                                                            idempotencyKey: "opside:invoice:\(invoiceId.uuidString.lowercased()):pay:\(attempt)")
            try await apply(paid, tenantId: tenantId, invoiceId: invoiceId)
        } catch let refusal as StripeRequestError where refusal.isCardError || refusal.code == "invoice_no_payment_method_types" {
            let now: StripeInvoice = try await stripe.get("invoices/\(stripeId)")
            try await failed(tenantId: tenantId, invoiceId: invoiceId, attemptCount: max(now.attempt_count ?? attempt, attempt),
                             reason: Self.words(refusal), actionRequired: refusal.code == "authentication_required",
                             hostedURL: now.hosted_invoice_url)
        }
    }

    static func words(_ refusal: StripeRequestError) -> String {
        words(code: refusal.code, declineCode: refusal.declineCode)
    }

    static func words(code: String?, declineCode: String?) -> String {
        switch code {
        case "authentication_required": "your bank asks you to confirm this payment"
        case "invoice_no_payment_method_types": "there is no card on file"
        default:
            switch declineCode {
            case "insufficient_funds": "the card has insufficient funds"
            case "expired_card": "the card has expired"
            default: "the card was declined (\(declineCode ?? code ?? "declined"))"
            }
        }
    }

    /// Applies what Stripe says of the invoice: finalization (number, pages) and payment.
    /// Never moves it back: a paid, void or uncollectible invoice stays so.
    func apply(_ stripeInvoice: StripeInvoice, tenantId: UUID, invoiceId: UUID) async throws {
        let logger = self.logger
        let outbox = self.outbox
        let now = clock.now
        try await database.withTransaction(tenant: tenantId) { db in
            try await db.query("""
                UPDATE payments.invoices SET number = coalesce(\(stripeInvoice.number), number),
                    hosted_invoice_url = coalesce(\(stripeInvoice.hosted_invoice_url), hosted_invoice_url),
                    invoice_pdf = coalesce(\(stripeInvoice.invoice_pdf), invoice_pdf),
                    status = CASE WHEN status = 'creating' AND \(stripeInvoice.status) = 'open' THEN 'open' ELSE status END,
                    -- Finalized: its first payment is due now. The push that finalized it tries at
                    -- once; should that be cut short, the dunning scan tries (same attempt, same key).
                    next_retry_at = CASE WHEN status = 'creating' AND \(stripeInvoice.status) = 'open' THEN \(now) ELSE next_retry_at END
                WHERE invoice_id = \(invoiceId)
                """, logger: logger)
            switch stripeInvoice.status {
            case "paid":
                try await Self.markPaid(tenantId: tenantId, invoiceId: invoiceId, at: now, outbox: outbox, on: db, logger: logger)
            case "void", "uncollectible":
                let rows = try await db.query("""
                    UPDATE payments.invoices SET status = \(stripeInvoice.status), next_retry_at = NULL
                    WHERE invoice_id = \(invoiceId) AND status NOT IN ('paid', 'void', 'uncollectible') RETURNING 1
                    """, logger: logger)
                var changed = false
                for try await _ in rows { changed = true }
                // A voided invoice collected nothing: its lines wait for the next one.
                if changed, stripeInvoice.status == "void" {
                    try await db.query("""
                        UPDATE payments.commissions SET state = 'pending', invoice_id = NULL WHERE invoice_id = \(invoiceId) AND state = 'invoiced'
                        """, logger: logger)
                }
            default:
                break
            }
        }
    }

    static func markPaid(tenantId: UUID, invoiceId: UUID, at now: Date, outbox: EventOutbox, on db: PostgresConnection, logger: Logger) async throws {
        let rows = try await db.query("""
            UPDATE payments.invoices SET status = 'paid', paid_at = \(now), next_retry_at = NULL
            WHERE invoice_id = \(invoiceId) AND status NOT IN ('paid', 'void', 'uncollectible')
            RETURNING \(unescaped: BillingStore.invoiceColumns)
            """, logger: logger)
        guard let invoice = try await BillingStore.decodeInvoices(rows).first else { return }
        try await db.query("""
            UPDATE payments.commissions SET state = 'paid', paid_at = \(now) WHERE invoice_id = \(invoiceId) AND state = 'invoiced'
            """, logger: logger)
        try await outbox.publish(BillingInvoicePaid(invoiceId: invoiceId, number: invoice.number, amount: invoice.total,
                                                    hostedInvoiceUrl: invoice.hostedInvoiceUrl), tenantId: tenantId, on: db)
        let unpaid = try await db.query("""
            SELECT count(*) FROM payments.invoices WHERE tenant_id = \(tenantId) AND status IN ('payment_failed', 'requires_action')
            """, logger: logger)
        for try await count in unpaid.decode(Int64.self) where count == 0 {
            try await BillingStore.setStanding("good", reason: nil, tenantId: tenantId, at: now, outbox: outbox, on: db, logger: logger)
        }
    }

    /// A failed attempt, counted once by Stripe's attempt count whether our call or the webhook
    /// reports it first: the next retry is scheduled, or, after the last, the tenant is past due.
    func failed(tenantId: UUID, invoiceId: UUID, attemptCount: Int, reason: String, actionRequired: Bool, hostedURL: String?) async throws {
        let logger = self.logger
        let outbox = self.outbox
        let now = clock.now
        let retryDays = settings.dunningRetryDays
        try await database.withTransaction(tenant: tenantId) { db in
            // Locked for the transaction: our call and the webhook may report the same failure at once.
            let invoice = try await BillingStore.decodeInvoices(try await db.query("""
                SELECT \(unescaped: BillingStore.invoiceColumns) FROM payments.invoices WHERE invoice_id = \(invoiceId) FOR UPDATE
                """, logger: logger)).first
            var firstFailed: Date?
            for try await at in try await db.query(
                "SELECT first_failed_at FROM payments.invoices WHERE invoice_id = \(invoiceId)", logger: logger).decode(Date?.self) {
                firstFailed = at
            }
            guard let invoice, ["open", "payment_failed", "requires_action"].contains(invoice.status) else { return }
            // A new attempt's failure; or the same attempt learnt to need the cardholder (Stripe
            // sends `invoice.payment_failed` and `invoice.payment_action_required` for one attempt).
            let upgrade = attemptCount == invoice.attemptCount && actionRequired && invoice.status == "payment_failed"
            guard attemptCount > invoice.attemptCount || upgrade else { return }
            let first = firstFailed ?? now
            // Failures so far, the first attempt included; the schedule has one retry per entry.
            let failures = attemptCount
            let nextRetry = failures <= retryDays.count ? first.addingTimeInterval(Double(retryDays[failures - 1]) * 86_400) : nil
            try await db.query("""
                UPDATE payments.invoices SET status = \(actionRequired ? "requires_action" : "payment_failed"), attempt_count = \(Int32(attemptCount)),
                    first_failed_at = \(first), next_retry_at = \(nextRetry), last_failure = \(reason),
                    hosted_invoice_url = coalesce(\(hostedURL), hosted_invoice_url)
                WHERE invoice_id = \(invoiceId)
                """, logger: logger)
            try await outbox.publish(BillingPaymentFailed(invoiceId: invoiceId, commissionId: nil, amount: invoice.total, reason: reason,
                                                          actionRequired: actionRequired, actionUrl: hostedURL ?? invoice.hostedInvoiceUrl,
                                                          nextAttemptAt: nextRetry, finalAttempt: nextRetry == nil),
                                     tenantId: tenantId, on: db)
            let label = invoice.number ?? "of \(invoice.total.displayText)"
            guard !upgrade else { return }
            if nextRetry == nil {
                try await BillingStore.setStanding("past_due", reason: "invoice \(label) is unpaid after \(failures) attempts: \(reason)",
                                                   tenantId: tenantId, at: now, outbox: outbox, on: db, logger: logger)
            } else {
                try await BillingStore.setStanding("payment_failed", reason: "invoice \(label): \(reason)",
                                                   tenantId: tenantId, at: now, outbox: outbox, on: db, logger: logger)
            }
        }
        await outbox.wakeRelay()
    }

    // MARK: Dunning

    /// Enqueues a retry of every failed invoice whose time has come.
    @discardableResult
    public func enqueueDueRetries() async throws -> Int {
        var enqueued = 0
        for (tenant, invoice) in try await store.invoicesDueForRetry(at: clock.now) {
            let job = try NewJob(queue: queue, kind: Self.retryJobKind, arguments: RetryInvoice(tenantId: tenant, invoiceId: invoice),
                                 tenantID: tenant, maxAttempts: 5, uniqueKey: "\(Self.retryJobKind):\(invoice.uuidString.lowercased())")
            if try await jobQueue.enqueue(job) != nil { enqueued += 1 }
        }
        return enqueued
    }

    public func register(in jobs: inout JobRegistry) {
        jobs.register(Self.closeJobKind) { _, context in
            let count = try await closePeriod()
            context.logger.info("invoicing enqueued", metadata: ["count": "\(count)"])
        }
        jobs.register(Self.invoiceJobKind, arguments: InvoiceTenant.self, retryPolicy: RetryPolicy(capSeconds: 1800)) { arguments, context in
            guard context.job.tenantID == arguments.tenantId else { throw JobOutcome.cancel(reason: "the job's tenant does not match its arguments") }
            let invoice = try await invoice(tenantId: arguments.tenantId, currency: arguments.currency)
            context.logger.info("tenant invoiced", metadata: ["invoice": "\(invoice?.invoiceId.uuidString ?? "none")", "status": "\(invoice?.status ?? "")"])
        }
        jobs.register(Self.dunningJobKind) { _, context in
            let count = try await enqueueDueRetries()
            if count > 0 { context.logger.info("invoice retries enqueued", metadata: ["count": "\(count)"]) }
        }
        jobs.register(Self.retryJobKind, arguments: RetryInvoice.self, retryPolicy: RetryPolicy(capSeconds: 1800)) { arguments, context in
            guard context.job.tenantID == arguments.tenantId else { throw JobOutcome.cancel(reason: "the job's tenant does not match its arguments") }
            guard let invoice = try await store.invoice(tenantId: arguments.tenantId, invoiceId: arguments.invoiceId),
                  let due = invoice.nextRetryAt, due <= clock.now else { return }
            try await attemptPayment(tenantId: arguments.tenantId, invoiceId: arguments.invoiceId)
        }
    }

    /// The monthly close and the dunning scan, on the injected clock.
    public var cron: [CronEntry] {
        [
            CronEntry(name: Self.closeJobKind, schedule: settings.invoiceSchedule) { _ in
                NewJob(queue: queue, kind: Self.closeJobKind, maxAttempts: 5, uniqueKey: Self.closeJobKind)
            },
            CronEntry(name: Self.dunningJobKind, schedule: settings.dunningSchedule) { _ in
                NewJob(queue: queue, kind: Self.dunningJobKind, maxAttempts: 3, uniqueKey: Self.dunningJobKind)
            },
        ]
    }
}

struct StripeInvoiceItem: Decodable, Sendable {
    let id: String
    let amount: Int64
    let metadata: [String: String]?
}

/// Stripe's list envelope.
struct StripeList<Item: Decodable & Sendable>: Decodable, Sendable {
    let data: [Item]
    let has_more: Bool
}
