import Foundation
import Logging
import OpsideCore
import OpsideEvents
import OpsideJobs
import OpsidePostgres
import OpsideStripe
import PostgresNIO

/// Per-reimbursement collection: each commission charged to the card on file off-session as it
/// is entered, and each credit refunded on the charge of the reimbursement it reverses.
///
/// The idempotency key is the line's (`opside:commission:<id>:charge`): a retried job, a
/// redelivered event or a process killed between Stripe's answer and our commit gets Stripe's
/// first answer again, never a second charge. What cannot be collected this way (no card, a
/// decline, a bank asking for the cardholder, a credit with no charge to refund) goes back to
/// `pending`, and the month's invoice collects it with the rest.
public struct CommissionCharging: Sendable {
    let stripe: StripeClient
    let store: BillingStore
    let database: Database
    let outbox: EventOutbox
    let clock: any WallClock
    let logger: Logger

    public init(stripe: StripeClient, store: BillingStore, database: Database, outbox: EventOutbox, clock: any WallClock, logger: Logger) {
        self.stripe = stripe
        self.store = store
        self.database = database
        self.outbox = outbox
        self.clock = clock
        self.logger = logger
    }

    public func register(in jobs: inout JobRegistry) {
        jobs.register(CommissionLedger.chargeJobKind, arguments: CommissionLedger.ChargeArguments.self,
                      retryPolicy: RetryPolicy(capSeconds: 1800)) { arguments, context in
            guard let tenant = context.job.tenantID else { throw JobOutcome.cancel(reason: "a commission charge names no tenant") }
            let outcome = try await collect(tenantId: tenant, commissionId: arguments.commissionId)
            context.logger.info("commission collected on its own", metadata: ["commission": "\(arguments.commissionId)", "outcome": "\(outcome)"])
        }
    }

    /// - Returns: what became of the line: `paid`, `charging`, `credited`, `pending` (left for the
    ///   invoice) or `skipped` (no longer pending).
    @discardableResult
    public func collect(tenantId: UUID, commissionId: UUID) async throws -> String {
        guard let line = try await claim(tenantId: tenantId, commissionId: commissionId) else { return "skipped" }
        guard let profile = try await store.profile(tenantId: tenantId), let customer = profile.stripeCustomerId, let card = profile.card else {
            try await release(tenantId: tenantId, line: line, failure: nil)
            return "pending"
        }
        return line.commission.amountMinor > 0
            ? try await charge(line, tenantId: tenantId, customer: customer, card: card)
            : try await refund(line, tenantId: tenantId)
    }

    /// Marks the line `charging` so the month's invoice leaves it alone; a line a killed attempt
    /// left `charging` without a PaymentIntent is taken again (the key makes that attempt the same).
    func claim(tenantId: UUID, commissionId: UUID) async throws -> CommissionLine? {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenantId) { db in
            try await CommissionLedger.decode(try await db.query("""
                UPDATE payments.commissions SET state = 'charging'
                WHERE commission_id = \(commissionId) AND (state = 'pending' OR (state = 'charging' AND payment_intent_id IS NULL))
                RETURNING \(unescaped: CommissionLedger.columns)
                """, logger: logger)).first
        }
    }

    func charge(_ line: CommissionLine, tenantId: UUID, customer: String, card: CardOnFile) async throws -> String {
        let id = line.commissionId.uuidString.lowercased()
        do {
            let intent: StripePaymentIntent = try await stripe.post("payment_intents", [
                "amount": .string(String(line.commission.amountMinor)), "currency": .string(line.commission.currency.code.lowercased()),
                "customer": .string(customer), "payment_method": .string(card.paymentMethodId), "confirm": "true", "off_session": "true",
                "description": .string(CommissionInvoicing.describe(line)),
                "metadata": .hash([StripeMetadataKey.tenant: .string(tenantId.uuidString.lowercased()), StripeMetadataKey.commission: .string(id)]),
            ], idempotencyKey: "opside:commission:\(id):charge")
            return try await applied(intent, tenantId: tenantId)
        } catch let refusal as StripeRequestError where refusal.isCardError {
            try await release(tenantId: tenantId, line: line, failure: CommissionInvoicing.words(refusal))
            try await announceFailure(line, tenantId: tenantId, reason: CommissionInvoicing.words(refusal),
                                      actionRequired: refusal.code == "authentication_required")
            return "pending"
        }
    }

    /// Records what a commission's PaymentIntent says: succeeded → paid; processing or waiting
    /// for the cardholder → charging; failed or canceled → pending again. From our own call and
    /// from the `payment_intent.*` webhooks alike; a paid line stays paid.
    @discardableResult
    func applied(_ intent: StripePaymentIntent, tenantId: UUID) async throws -> String {
        guard let id = intent.metadata?[StripeMetadataKey.commission].flatMap(UUID.init(uuidString:)) else { return "unknown" }
        let logger = self.logger
        let now = clock.now
        let state: String
        switch intent.status {
        case "succeeded": state = "paid"
        case "processing", "requires_action", "requires_confirmation", "requires_capture": state = "charging"
        default: state = "pending"
        }
        let failure = intent.last_payment_error.map { CommissionInvoicing.words(code: $0.code, declineCode: $0.decline_code) }
        _ = try await database.withTransaction(tenant: tenantId) { db in
            try await db.query("""
                UPDATE payments.commissions SET state = \(state), payment_intent_id = CASE WHEN \(state) = 'pending' THEN NULL ELSE \(intent.id) END,
                    paid_at = CASE WHEN \(state) = 'paid' THEN \(now) ELSE paid_at END,
                    charge_failure = CASE WHEN \(state) = 'pending' THEN \(failure) ELSE NULL END
                WHERE commission_id = \(id) AND state IN ('pending', 'charging')
                    AND (payment_intent_id IS NULL OR payment_intent_id = \(intent.id))
                """, logger: logger)
        }
        return state
    }

    func release(tenantId: UUID, line: CommissionLine, failure: String?) async throws {
        let logger = self.logger
        _ = try await database.withTransaction(tenant: tenantId) { db in
            try await db.query("""
                UPDATE payments.commissions SET state = 'pending', payment_intent_id = NULL, credits_payment_intent_id = NULL,
                    charge_failure = \(failure)
                WHERE commission_id = \(line.commissionId) AND state = 'charging'
                """, logger: logger)
        }
    }

    func announceFailure(_ line: CommissionLine, tenantId: UUID, reason: String, actionRequired: Bool) async throws {
        let outbox = self.outbox
        _ = try await database.withTransaction(tenant: tenantId) { db in
            try await outbox.publish(BillingPaymentFailed(invoiceId: nil, commissionId: line.commissionId, amount: line.commission,
                                                          reason: reason, actionRequired: actionRequired, actionUrl: nil,
                                                          nextAttemptAt: nil, finalAttempt: false), tenantId: tenantId, on: db)
        }
        await outbox.wakeRelay()
    }

    /// A credit goes back on the charge of the case's reimbursement it reverses, when that charge
    /// still has that much not yet refunded; otherwise the next invoice nets it.
    func refund(_ line: CommissionLine, tenantId: UUID) async throws -> String {
        let logger = self.logger
        let owed = -line.commission.amountMinor
        // Found and reserved in one transaction under the account's lock, so two credits of one
        // case never both count on the same charge.
        let target: String? = try await database.withTransaction(tenant: tenantId) { db in
            guard let caseId = line.caseId else { return nil }
            try await db.query("SELECT 1 FROM payments.billing_accounts WHERE tenant_id = \(tenantId) FOR UPDATE", logger: logger)
            let rows = try await db.query("""
                SELECT c.payment_intent_id, c.commission_minor - coalesce((
                    SELECT sum(-r.commission_minor) FROM payments.commissions r
                    WHERE r.credits_payment_intent_id = c.payment_intent_id AND r.commission_id <> \(line.commissionId)), 0)::bigint
                FROM payments.commissions c
                WHERE c.case_id = \(caseId) AND c.state = 'paid' AND c.payment_intent_id IS NOT NULL AND c.currency = \(line.commission.currency.code)
                ORDER BY c.created_at DESC
                """, logger: logger)
            var chosen: String?
            for try await (intent, refundable) in rows.decode((String, Int64).self) where chosen == nil && refundable >= owed { chosen = intent }
            guard let chosen else { return nil }
            try await db.query("""
                UPDATE payments.commissions SET credits_payment_intent_id = \(chosen) WHERE commission_id = \(line.commissionId)
                """, logger: logger)
            return chosen
        }
        guard let intent = target else {
            try await release(tenantId: tenantId, line: line, failure: nil)
            return "pending"
        }
        let id = line.commissionId.uuidString.lowercased()
        let refund: StripeRefund = try await stripe.post("refunds", [
            "payment_intent": .string(intent), "amount": .string(String(owed)), "reason": "requested_by_customer",
            "metadata": .hash([StripeMetadataKey.tenant: .string(tenantId.uuidString.lowercased()), StripeMetadataKey.commission: .string(id)]),
        ], idempotencyKey: "opside:commission:\(id):refund")
        let now = clock.now
        _ = try await database.withTransaction(tenant: tenantId) { db in
            try await db.query("""
                UPDATE payments.commissions SET state = 'credited', refund_id = \(refund.id), paid_at = \(now)
                WHERE commission_id = \(line.commissionId) AND state = 'charging'
                """, logger: logger)
        }
        return "credited"
    }
}
