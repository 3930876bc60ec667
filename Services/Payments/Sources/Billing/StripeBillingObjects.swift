import Foundation

// The parts of Stripe's objects billing reads (`../shared/stripe-models/fixtures3.json` has the
// whole of each). Field names are Stripe's; everything billing does not need is left out.

struct StripeCustomer: Decodable, Sendable {
    let id: String
}

struct StripeCheckoutSession: Decodable, Sendable {
    let id: String
    let url: String?
    let mode: String
    let status: String?
    let customer: String?
    let setup_intent: String?
    let metadata: [String: String]?
}

struct StripeSetupIntent: Decodable, Sendable {
    let id: String
    let status: String
    let customer: String?
    let payment_method: String?
    let metadata: [String: String]?
}

struct StripePaymentMethod: Decodable, Sendable {
    struct Card: Decodable, Sendable {
        let brand: String
        let last4: String
        let exp_month: Int
        let exp_year: Int
    }
    let id: String
    let customer: String?
    let card: Card?
}

struct StripeInvoice: Decodable, Sendable {
    let id: String
    let status: String?
    let customer: String?
    let currency: String?
    let amount_due: Int64?
    let number: String?
    let hosted_invoice_url: String?
    let invoice_pdf: String?
    let attempt_count: Int?
    let metadata: [String: String]?
}

struct StripePaymentIntent: Decodable, Sendable {
    struct PaymentError: Decodable, Sendable {
        let code: String?
        let decline_code: String?
        let message: String?
    }
    let id: String
    let status: String
    let amount: Int64
    let currency: String
    let customer: String?
    let metadata: [String: String]?
    let last_payment_error: PaymentError?
}

struct StripeRefund: Decodable, Sendable {
    let id: String
    let status: String?
    let amount: Int64
}

/// Where an event's object says which tenant it belongs to: every object billing creates at
/// Stripe carries our tenant id in its metadata.
enum StripeMetadataKey {
    static let tenant = "opside_tenant_id"
    static let invoice = "opside_invoice_id"
    static let commission = "opside_commission_id"
}
