import Foundation
import Logging
import OpsideCore
import OpsideEvents
import OpsideJobs
import OpsidePostgres
import OpsideTransport
import PostgresNIO

/// The card on file, as the Billing page shows it (the card itself stays at Stripe).
public struct CardOnFile: Codable, Sendable, Equatable {
    public let paymentMethodId: String
    public let brand: String
    public let last4: String
    public let expMonth: Int
    public let expYear: Int

    public init(paymentMethodId: String, brand: String, last4: String, expMonth: Int, expYear: Int) {
        self.paymentMethodId = paymentMethodId
        self.brand = brand
        self.last4 = last4
        self.expMonth = expMonth
        self.expYear = expYear
    }
}

/// A tenant's billing as payments keeps it beside the account: its Stripe customer, card, plan
/// and standing.
public struct BillingProfile: Codable, Sendable, Equatable {
    public let tenantId: UUID
    public let companyName: String
    public let billingEmail: String
    public let currency: String
    public let commissionBasisPoints: Int
    public let collection: CommissionCollection
    public let stripeCustomerId: String?
    public let card: CardOnFile?
    /// `good`, `payment_failed` or `past_due`.
    public let standing: String
    public let standingReason: String?
    public let standingChangedAt: Date?
}

/// One commission invoice.
public struct CommissionInvoice: Codable, Sendable, Equatable {
    public let invoiceId: UUID
    public let periodStart: Date
    public let periodEnd: Date
    public let total: Money
    public let lineCount: Int
    /// `creating`, `open`, `payment_failed`, `requires_action`, `paid`, `void` or `uncollectible`.
    public let status: String
    public let stripeInvoiceId: String?
    public let number: String?
    public let hostedInvoiceUrl: String?
    public let invoicePdf: String?
    public let attemptCount: Int
    public let nextRetryAt: Date?
    public let lastFailure: String?
    public let createdAt: Date
    public let paidAt: Date?
}

/// payments' billing rows besides the ledger's: the Stripe side of each account and the invoices.
/// Every statement runs in its tenant's transaction; the monthly close and dunning scans read
/// across tenants under the `billing_scan` policy, read only.
public struct BillingStore: Sendable {
    let database: Database
    let outbox: EventOutbox
    let logger: Logger

    public init(database: Database, outbox: EventOutbox, logger: Logger) {
        self.database = database
        self.outbox = outbox
        self.logger = logger
    }

    // MARK: Profiles

    public func profile(tenantId: UUID) async throws -> BillingProfile? {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenantId) { db in try await Self.profile(tenantId: tenantId, on: db, logger: logger) }
    }

    static func profile(tenantId: UUID, on db: PostgresConnection, logger: Logger) async throws -> BillingProfile? {
        let rows = try await db.query("""
            SELECT tenant_id, company_name, billing_email, currency, commission_bps, collection, stripe_customer_id, card_payment_method,
                card_brand, card_last4, card_exp_month, card_exp_year, standing, standing_reason, standing_changed_at
            FROM payments.billing_accounts WHERE tenant_id = \(tenantId)
            """, logger: logger)
        for try await r in rows.decode((UUID, String, String, String, Int32, String, String?, String?, String?, String?, Int32?, Int32?,
                                        String, String?, Date?).self) {
            var card: CardOnFile?
            if let method = r.7, let brand = r.8, let last4 = r.9, let month = r.10, let year = r.11 {
                card = CardOnFile(paymentMethodId: method, brand: brand, last4: last4, expMonth: Int(month), expYear: Int(year))
            }
            return BillingProfile(tenantId: r.0, companyName: r.1, billingEmail: r.2, currency: r.3, commissionBasisPoints: Int(r.4),
                                  collection: CommissionCollection(rawValue: r.5) ?? .monthlyInvoice, stripeCustomerId: r.6, card: card,
                                  standing: r.12, standingReason: r.13, standingChangedAt: r.14)
        }
        return nil
    }

    /// Keeps the Stripe customer made for the tenant; a customer already kept stays.
    /// - Returns: the tenant's customer id after the call.
    public func keepCustomer(tenantId: UUID, customerId: String) async throws -> String {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenantId) { db in
            let rows = try await db.query("""
                UPDATE payments.billing_accounts SET stripe_customer_id = coalesce(stripe_customer_id, \(customerId))
                WHERE tenant_id = \(tenantId) RETURNING stripe_customer_id
                """, logger: logger)
            for try await id in rows.decode(String.self) { return id }
            throw APIError.notFound("no billing account for this tenant yet")
        }
    }

    /// The card the tenant saved becomes the one on file; the account is active.
    public func keepCard(tenantId: UUID, card: CardOnFile) async throws {
        let logger = self.logger
        _ = try await database.withTransaction(tenant: tenantId) { db in
            try await db.query("""
                UPDATE payments.billing_accounts SET card_payment_method = \(card.paymentMethodId), card_brand = \(card.brand),
                    card_last4 = \(card.last4), card_exp_month = \(Int32(card.expMonth)), card_exp_year = \(Int32(card.expYear)),
                    status = 'active'
                WHERE tenant_id = \(tenantId)
                """, logger: logger)
        }
    }

    /// Changes the tenant's plan: its rate (an operator's decision) or how it pays (the owner's).
    public func setPlan(tenantId: UUID, commissionBasisPoints: Int?, collection: CommissionCollection?) async throws -> BillingProfile? {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenantId) { db in
            try await db.query("""
                UPDATE payments.billing_accounts SET commission_bps = coalesce(\(commissionBasisPoints.map(Int32.init))::integer, commission_bps),
                    collection = coalesce(\(collection?.rawValue)::text, collection)
                WHERE tenant_id = \(tenantId)
                """, logger: logger)
            return try await Self.profile(tenantId: tenantId, on: db, logger: logger)
        }
    }

    /// Moves the tenant's standing and announces it, in one transaction; a standing that is
    /// already the tenant's changes nothing and announces nothing.
    /// - Returns: true when it changed.
    @discardableResult
    static func setStanding(_ standing: String, reason: String?, tenantId: UUID, at: Date, outbox: EventOutbox, on db: PostgresConnection,
                            logger: Logger) async throws -> Bool {
        let rows = try await db.query("""
            UPDATE payments.billing_accounts SET standing = \(standing), standing_reason = \(reason), standing_changed_at = \(at)
            WHERE tenant_id = \(tenantId) AND standing <> \(standing) RETURNING 1
            """, logger: logger)
        var changed = false
        for try await _ in rows { changed = true }
        if changed {
            try await outbox.publish(BillingStandingChanged(standing: standing, reason: reason, changedAt: at), tenantId: tenantId, on: db)
        }
        return changed
    }

    // MARK: Invoices

    static let invoiceColumns = """
        invoice_id, period_start, period_end, currency, total_minor, line_count, status, stripe_invoice_id, number, hosted_invoice_url,
        invoice_pdf, attempt_count, next_retry_at, last_failure, created_at, paid_at
        """

    static func decodeInvoices(_ rows: PostgresRowSequence) async throws -> [CommissionInvoice] {
        var invoices: [CommissionInvoice] = []
        for try await r in rows.decode((UUID, Date, Date, String, Int64, Int32, String, String?, String?, String?, String?, Int32, Date?,
                                        String?, Date, Date?).self) {
            invoices.append(CommissionInvoice(
                invoiceId: r.0, periodStart: r.1, periodEnd: r.2, total: Money(amountMinor: r.4, currency: try Currency(code: r.3)),
                lineCount: Int(r.5), status: r.6, stripeInvoiceId: r.7, number: r.8, hostedInvoiceUrl: r.9, invoicePdf: r.10,
                attemptCount: Int(r.11), nextRetryAt: r.12, lastFailure: r.13, createdAt: r.14, paidAt: r.15))
        }
        return invoices
    }

    public func invoices(tenantId: UUID, limit: Int = 100) async throws -> [CommissionInvoice] {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenantId) { db in
            try await Self.decodeInvoices(try await db.query("""
                SELECT \(unescaped: Self.invoiceColumns) FROM payments.invoices WHERE tenant_id = \(tenantId)
                ORDER BY created_at DESC LIMIT \(Int64(limit))
                """, logger: logger))
        }
    }

    public func invoice(tenantId: UUID, invoiceId: UUID) async throws -> CommissionInvoice? {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenantId) { db in
            try await Self.decodeInvoices(try await db.query(
                "SELECT \(unescaped: Self.invoiceColumns) FROM payments.invoices WHERE invoice_id = \(invoiceId)", logger: logger)).first
        }
    }

    /// Puts every pending line of `currency` on a new invoice, in one transaction: a line is on
    /// one invoice at most. Its period runs from its first line to its last. Nothing is made when the lines add up to nothing or to a credit
    /// (they wait for the next invoice, which they reduce).
    /// - Returns: the invoice and its lines, or nil.
    public func openInvoice(tenantId: UUID, currency: String) async throws -> (CommissionInvoice, [CommissionLine])? {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenantId) { db -> (CommissionInvoice, [CommissionLine])? in
            // The account row serializes this with the ledger's writes for the tenant.
            try await db.query("SELECT 1 FROM payments.billing_accounts WHERE tenant_id = \(tenantId) FOR UPDATE", logger: logger)
            let pending = try await CommissionLedger.decode(try await db.query("""
                SELECT \(unescaped: CommissionLedger.columns) FROM payments.commissions
                WHERE tenant_id = \(tenantId) AND currency = \(currency) AND state = 'pending' ORDER BY created_at, commission_id
                """, logger: logger))
            let total = pending.reduce(Int64(0)) { $0 + $1.commission.amountMinor }
            guard let first = pending.first, total > 0 else { return nil }
            let id = UUID()
            let invoice = try await Self.decodeInvoices(try await db.query("""
                INSERT INTO payments.invoices (invoice_id, tenant_id, period_start, period_end, currency, total_minor, line_count)
                VALUES (\(id), \(tenantId), \(first.createdAt), \(pending.last?.createdAt ?? first.createdAt), \(currency), \(total),
                        \(Int32(pending.count)))
                RETURNING \(unescaped: Self.invoiceColumns)
                """, logger: logger)).first
            try await db.query("""
                UPDATE payments.commissions SET state = 'invoiced', invoice_id = \(id)
                WHERE commission_id = ANY(\(pending.map(\.commissionId)))
                """, logger: logger)
            guard let invoice else { return nil }
            return (invoice, pending)
        }
    }

    /// The lines an invoice carries.
    public func lines(tenantId: UUID, invoiceId: UUID) async throws -> [CommissionLine] {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenantId) { db in
            try await CommissionLedger.decode(try await db.query("""
                SELECT \(unescaped: CommissionLedger.columns) FROM payments.commissions WHERE invoice_id = \(invoiceId)
                ORDER BY created_at, commission_id
                """, logger: logger))
        }
    }

    /// The tenants with lines waiting for an invoice, and their currencies (across tenants).
    public func tenantsWithPendingLines() async throws -> [(tenantId: UUID, currency: String)] {
        let logger = self.logger
        return try await database.withTransaction { db in
            try await db.query("SELECT set_config('opside.billing_scan', 'on', true)", logger: logger)
            let rows = try await db.query("""
                SELECT DISTINCT tenant_id, currency FROM payments.commissions WHERE state = 'pending' ORDER BY tenant_id, currency
                """, logger: logger)
            var found: [(UUID, String)] = []
            for try await r in rows.decode((UUID, String).self) { found.append(r) }
            return found.map { (tenantId: $0.0, currency: $0.1) }
        }
    }

    /// Invoices whose payment is due for an attempt (across tenants): a failed one's retry, or the
    /// first of one finalized whose push was cut short.
    public func invoicesDueForRetry(at now: Date) async throws -> [(tenantId: UUID, invoiceId: UUID)] {
        let logger = self.logger
        return try await database.withTransaction { db in
            try await db.query("SELECT set_config('opside.billing_scan', 'on', true)", logger: logger)
            let rows = try await db.query("""
                SELECT tenant_id, invoice_id FROM payments.invoices
                WHERE status IN ('open', 'payment_failed', 'requires_action') AND next_retry_at <= \(now)
                ORDER BY next_retry_at
                """, logger: logger)
            var found: [(UUID, UUID)] = []
            for try await r in rows.decode((UUID, UUID).self) { found.append(r) }
            return found.map { (tenantId: $0.0, invoiceId: $0.1) }
        }
    }
}
