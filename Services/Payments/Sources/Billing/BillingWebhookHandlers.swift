import Foundation
import Logging
import Metrics
import OpsideJobs

/// What billing does with the events of Stripe's platform endpoint (`queues-and-stripe.md` B.7).
/// Each object names its tenant in the metadata billing put on it; an object without it is not
/// ours (made in Stripe's dashboard, say) and is left alone. Every handler is idempotent and
/// never moves a record back, so duplicated and reordered events change nothing.
public struct BillingWebhookHandlers: Sendable {
    let cards: CardOnFileSetup
    let invoicing: CommissionInvoicing
    let charging: CommissionCharging
    let stripe: StripeClient
    /// Paid commission earns the partners who brought the seller their share.
    let partnerEarnings: PartnerEarnings

    public init(cards: CardOnFileSetup, invoicing: CommissionInvoicing, charging: CommissionCharging, stripe: StripeClient,
                partnerEarnings: PartnerEarnings) {
        self.cards = cards
        self.invoicing = invoicing
        self.charging = charging
        self.stripe = stripe
        self.partnerEarnings = partnerEarnings
    }

    public var handlers: [String: ProcessStripeEvent.Handler] {
        [
            "checkout.session.completed": { payload, _ in
                let session = try Self.object(StripeCheckoutSession.self, payload)
                guard session.mode == "setup", let tenant = Self.tenant(session.metadata), let setupIntent = session.setup_intent else { return }
                try await cards.adopt(setupIntentId: setupIntent, tenantId: tenant)
            },
            "setup_intent.succeeded": { payload, _ in
                let intent = try Self.object(StripeSetupIntent.self, payload)
                guard let tenant = Self.tenant(intent.metadata) else { return }
                try await cards.adopt(setupIntentId: intent.id, tenantId: tenant)
            },
            "invoice.finalized": { payload, _ in try await invoiceChanged(payload) },
            "invoice.paid": { payload, _ in try await invoiceChanged(payload) },
            "invoice.voided": { payload, _ in try await invoiceChanged(payload) },
            "invoice.marked_uncollectible": { payload, _ in try await invoiceChanged(payload) },
            "invoice.payment_failed": { payload, _ in try await invoiceFailed(payload, actionRequired: false) },
            "invoice.payment_action_required": { payload, _ in try await invoiceFailed(payload, actionRequired: true) },
            "payment_intent.succeeded": { payload, _ in try await intentChanged(payload) },
            "payment_intent.payment_failed": { payload, _ in try await intentFailed(payload) },
            "payment_intent.canceled": { payload, _ in try await intentChanged(payload) },
            "payment_intent.processing": { payload, _ in try await intentChanged(payload) },
        ]
    }

    func invoiceChanged(_ payload: [String: Any]) async throws {
        let invoice = try Self.object(StripeInvoice.self, payload)
        guard let (tenant, ours) = Self.ours(invoice) else { return }
        // The event's copy may be older than the invoice: what it is now decides.
        let current: StripeInvoice = try await stripe.get("invoices/\(invoice.id)")
        try await invoicing.apply(current, tenantId: tenant, invoiceId: ours)
        if current.status == "paid" { try await partnerEarnings.enqueueRun(reason: "invoice-\(invoice.id)") }
    }

    func invoiceFailed(_ payload: [String: Any], actionRequired: Bool) async throws {
        let invoice = try Self.object(StripeInvoice.self, payload)
        guard let (tenant, ours) = Self.ours(invoice) else { return }
        // Counted once the event is handled: a retry after a failed Stripe call counts it once.
        let kind: PaymentFailureMetrics.Kind = actionRequired ? .invoiceActionRequired : .invoice
        let current: StripeInvoice = try await stripe.get("invoices/\(invoice.id)")
        guard current.status == "open" else {
            try await invoicing.apply(current, tenantId: tenant, invoiceId: ours)
            PaymentFailureMetrics.count(kind)
            return
        }
        let reason = try await failureWords(invoiceId: invoice.id) ?? "the payment failed"
        try await invoicing.failed(tenantId: tenant, invoiceId: ours, attemptCount: current.attempt_count ?? 1, reason: reason,
                                   actionRequired: actionRequired, hostedURL: current.hosted_invoice_url)
        PaymentFailureMetrics.count(kind)
    }

    /// The bank's reason for the invoice's last failed payment, from its PaymentIntent.
    func failureWords(invoiceId: String) async throws -> String? {
        struct InvoicePayment: Decodable, Sendable {
            struct Payment: Decodable, Sendable { let payment_intent: String? }
            let payment: Payment?
        }
        let payments: StripeList<InvoicePayment> = try await stripe.get("invoice_payments", ["invoice": .string(invoiceId), "limit": "1"])
        guard let intentId = payments.data.first?.payment?.payment_intent else { return nil }
        let intent: StripePaymentIntent = try await stripe.get("payment_intents/\(intentId)")
        return intent.last_payment_error.map { CommissionInvoicing.words(code: $0.code, declineCode: $0.decline_code) }
    }

    /// A commission charged straight to the card (not through an invoice) failed.
    func intentFailed(_ payload: [String: Any]) async throws {
        let intent = try Self.object(StripePaymentIntent.self, payload)
        try await intentChanged(payload)
        if Self.tenant(intent.metadata) != nil, intent.metadata?[StripeMetadataKey.commission] != nil {
            PaymentFailureMetrics.count(.paymentIntent)
        }
    }

    func intentChanged(_ payload: [String: Any]) async throws {
        let intent = try Self.object(StripePaymentIntent.self, payload)
        guard let tenant = Self.tenant(intent.metadata), intent.metadata?[StripeMetadataKey.commission] != nil else { return }
        let current: StripePaymentIntent = try await stripe.get("payment_intents/\(intent.id)")
        if try await charging.applied(current, tenantId: tenant) == "paid" {
            try await partnerEarnings.enqueueRun(reason: "payment-intent-\(intent.id)")
        }
    }

    static func ours(_ invoice: StripeInvoice) -> (UUID, UUID)? {
        guard let tenant = tenant(invoice.metadata), let ours = invoice.metadata?[StripeMetadataKey.invoice].flatMap(UUID.init(uuidString:)) else {
            return nil
        }
        return (tenant, ours)
    }

    static func tenant(_ metadata: [String: String]?) -> UUID? {
        metadata?[StripeMetadataKey.tenant].flatMap(UUID.init(uuidString:))
    }

    /// The event's `data.object`, read as `T`.
    static func object<T: Decodable>(_ type: T.Type, _ payload: [String: Any]) throws -> T {
        guard let data = payload["data"] as? [String: Any], let object = data["object"] else {
            throw JobOutcome.cancel(reason: "the event has no data.object")
        }
        return try JSONDecoder().decode(T.self, from: try JSONSerialization.data(withJSONObject: object))
    }
}

/// `opside_payment_failures_total{kind}`: failed payments of our commission, counted as Stripe
/// reports them (`invoice.payment_failed`, `invoice.payment_action_required`,
/// `payment_intent.payment_failed`). Stripe may deliver an event twice; the count is of
/// deliveries handled, which is what a rate alert needs (a burst of failures), not a ledger.
enum PaymentFailureMetrics {
    enum Kind: String, CaseIterable {
        case invoice
        case invoiceActionRequired = "invoice_action_required"
        case paymentIntent = "payment_intent"
    }

    static func count(_ kind: Kind) {
        Counter(label: "opside_payment_failures_total", dimensions: [("kind", kind.rawValue)]).increment()
    }

    /// Creates the series at zero when the service starts, so the first failure is a rise a
    /// `rate()`/`increase()` sees rather than the birth of a series.
    static func registerCounters() {
        for kind in Kind.allCases { _ = Counter(label: "opside_payment_failures_total", dimensions: [("kind", kind.rawValue)]) }
    }
}
