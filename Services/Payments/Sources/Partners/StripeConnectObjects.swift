import Foundation

// The parts of Stripe's Connect objects the partner programme reads (`../shared/stripe-models/`
// has the whole of each). Field names are Stripe's.

struct StripeAccount: Decodable, Sendable {
    struct Requirements: Decodable, Sendable {
        let currently_due: [String]?
        let past_due: [String]?
        let disabled_reason: String?
    }
    let id: String
    let details_submitted: Bool?
    let payouts_enabled: Bool?
    let capabilities: [String: String]?
    let requirements: Requirements?
}

struct StripeAccountLink: Decodable, Sendable {
    let url: String
    let expires_at: Int?
}

struct StripeLoginLink: Decodable, Sendable {
    let url: String
}

struct StripeTransfer: Decodable, Sendable {
    let id: String
}

struct StripePayout: Decodable, Sendable {
    let id: String
    let amount: Int64
    let currency: String
    let status: String
    let arrival_date: Int?
    let failure_code: String?
    let failure_message: String?
    let metadata: [String: String]?
}

struct StripeBalance: Decodable, Sendable {
    struct Amount: Decodable, Sendable {
        let amount: Int64
        let currency: String
    }
    let available: [Amount]
    let pending: [Amount]
}

extension StripeMetadataKey {
    static let partner = "opside_partner_id"
    static let transfer = "opside_transfer_id"
    static let payout = "opside_payout_id"
}
