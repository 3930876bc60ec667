import Foundation
import Logging
import OpsideCore
import OpsideStripe
import OpsideTransport

/// Saving the seller's card for later, off-session charges: a Stripe customer per tenant, a
/// Checkout Session in `setup` mode (Stripe's hosted page takes the card; it never reaches us),
/// and, when the SetupIntent behind it succeeded, its card as the customer's default.
public struct CardOnFileSetup: Sendable {
    let stripe: StripeClient
    let store: BillingStore
    let logger: Logger

    public init(stripe: StripeClient, store: BillingStore, logger: Logger) {
        self.stripe = stripe
        self.store = store
        self.logger = logger
    }

    /// The tenant's Stripe customer, made on first need. The idempotency key is the tenant's, so
    /// two pages asking at once get the same customer.
    public func customer(for tenantId: UUID) async throws -> String {
        guard let profile = try await store.profile(tenantId: tenantId) else {
            throw APIError.notFound("no billing account for this tenant yet")
        }
        if let id = profile.stripeCustomerId { return id }
        let made: StripeCustomer = try await stripe.post("customers", [
            "email": .string(profile.billingEmail), "name": .string(profile.companyName),
            "metadata": .hash([StripeMetadataKey.tenant: .string(tenantId.uuidString.lowercased())]),
        ], idempotencyKey: "opside:customer:\(tenantId.uuidString.lowercased())")
        return try await store.keepCustomer(tenantId: tenantId, customerId: made.id)
    }

    /// A Checkout Session that saves a card: where to send the owner.
    func start(tenantId: UUID, successURL: String, cancelURL: String) async throws -> StripeCheckoutSession {
        let customer = try await customer(for: tenantId)
        let currency = try await store.profile(tenantId: tenantId)?.currency.lowercased() ?? "usd"
        let tenant: StripeFormValue = .hash([StripeMetadataKey.tenant: .string(tenantId.uuidString.lowercased())])
        return try await stripe.post("checkout/sessions", [
            "mode": "setup", "customer": .string(customer), "currency": .string(currency),
            "payment_method_types": .list(["card"]),
            "success_url": .string(successURL), "cancel_url": .string(cancelURL),
            "metadata": tenant, "setup_intent_data": .hash(["metadata": tenant]),
        ])
    }

    /// The owner came back from Checkout: the session's card, if it was saved, goes on file now
    /// rather than when the webhook arrives.
    /// - Returns: the card on file, or nil while the session is not complete.
    public func complete(tenantId: UUID, sessionId: String) async throws -> CardOnFile? {
        guard sessionId.hasPrefix("cs_"), sessionId.count < 256, sessionId.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
            throw APIError.badRequest("sessionId is not a Checkout Session id")
        }
        let session: StripeCheckoutSession = try await stripe.get("checkout/sessions/\(sessionId)")
        guard session.metadata?[StripeMetadataKey.tenant] == tenantId.uuidString.lowercased() else {
            // Another tenant's session, or one we did not make: say nothing about it.
            throw APIError.notFound("no such Checkout Session")
        }
        guard session.status == "complete", let setupIntent = session.setup_intent else { return nil }
        return try await adopt(setupIntentId: setupIntent, tenantId: tenantId)
    }

    /// Makes the SetupIntent's card the tenant's default, if it succeeded and belongs to the
    /// tenant's customer. Idempotent: the webhook and the owner's return may both call it.
    @discardableResult
    public func adopt(setupIntentId: String, tenantId: UUID) async throws -> CardOnFile? {
        let intent: StripeSetupIntent = try await stripe.get("setup_intents/\(setupIntentId)")
        guard intent.status == "succeeded", let methodId = intent.payment_method else { return nil }
        let customer = try await customer(for: tenantId)
        guard intent.customer == customer else {
            logger.warning("a SetupIntent of another customer was not adopted", metadata: ["setupIntent": "\(setupIntentId)", "tenant": "\(tenantId)"])
            return nil
        }
        let method: StripePaymentMethod = try await stripe.get("payment_methods/\(methodId)")
        guard let card = method.card else { return nil }
        let _: StripeCustomer = try await stripe.post("customers/\(customer)", [
            "invoice_settings": .hash(["default_payment_method": .string(methodId)]),
        ], idempotencyKey: "opside:customer:\(tenantId.uuidString.lowercased()):default:\(methodId)")
        let onFile = CardOnFile(paymentMethodId: methodId, brand: card.brand, last4: card.last4, expMonth: card.exp_month, expYear: card.exp_year)
        try await store.keepCard(tenantId: tenantId, card: onFile)
        logger.info("card on file", metadata: ["tenant": "\(tenantId)", "brand": "\(card.brand)", "last4": "\(card.last4)"])
        return onFile
    }
}
