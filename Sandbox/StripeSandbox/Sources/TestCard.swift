/// Stripe's test cards the sandbox knows, by PaymentMethod token (`pm_card_visa`) and by number
/// (typed into the hosted pages), each with the behaviour Stripe documents for it
/// (docs.stripe.com/testing).
struct TestCard: Sendable {
    enum Behaviour: Sendable, Equatable {
        /// Every setup and payment succeeds.
        case succeeds
        /// Setup and payments are declined with this decline code.
        case declines(String)
        /// Attaching (setup) succeeds; every later charge is declined (4000000000000341).
        case chargesFail
        /// Every setup and payment needs the cardholder (3-D Secure): off-session payments fail with
        /// `authentication_required` (4000002760003184).
        case alwaysAuthenticates
        /// Setup needs the cardholder once; off-session payments afterwards succeed (4000002500003155).
        case authenticatesOnSetup
        /// Succeeds, and the funds are available at once instead of pending (4000000000000077).
        case bypassesPending
    }

    let token: String
    let number: String
    let brand: String
    let behaviour: Behaviour
    var last4: String { String(number.suffix(4)) }
    var funding: String { "credit" }

    static let all: [TestCard] = [
        TestCard(token: "pm_card_visa", number: "4242424242424242", brand: "visa", behaviour: .succeeds),
        TestCard(token: "pm_card_mastercard", number: "5555555555554444", brand: "mastercard", behaviour: .succeeds),
        TestCard(token: "pm_card_amex", number: "378282246310005", brand: "amex", behaviour: .succeeds),
        TestCard(token: "pm_card_bypassPending", number: "4000000000000077", brand: "visa", behaviour: .bypassesPending),
        TestCard(token: "pm_card_chargeDeclined", number: "4000000000000002", brand: "visa", behaviour: .declines("generic_decline")),
        TestCard(token: "pm_card_chargeDeclinedInsufficientFunds", number: "4000000000009995", brand: "visa",
                 behaviour: .declines("insufficient_funds")),
        TestCard(token: "pm_card_chargeDeclinedExpiredCard", number: "4000000000000069", brand: "visa", behaviour: .declines("expired_card")),
        TestCard(token: "pm_card_chargeCustomerFail", number: "4000000000000341", brand: "visa", behaviour: .chargesFail),
        TestCard(token: "pm_card_authenticationRequired", number: "4000002760003184", brand: "visa", behaviour: .alwaysAuthenticates),
        TestCard(token: "pm_card_authenticationRequiredOnSetup", number: "4000002500003155", brand: "visa",
                 behaviour: .authenticatesOnSetup),
    ]

    static func token(_ token: String) -> TestCard? { all.first { $0.token == token } }

    static func number(_ number: String) -> TestCard? {
        let digits = number.filter(\.isNumber)
        return all.first { $0.number == digits }
    }

    /// The message Stripe gives with each decline code.
    static func declineMessage(_ code: String) -> String {
        switch code {
        case "insufficient_funds": "Your card has insufficient funds."
        case "expired_card": "Your card has expired."
        case "authentication_required": "Your card was declined. This transaction requires authentication."
        default: "Your card was declined."
        }
    }
}

/// Stripe's test bank account numbers for a connected account's payouts (docs.stripe.com/connect/testing).
enum TestBankAccount {
    /// The payout failure a routing/account number gives, or nil when payouts succeed.
    static func payoutFailure(accountNumber: String) -> (code: String, message: String)? {
        switch accountNumber {
        case "000111111116": ("no_account", "The bank account details on file are probably incorrect. No bank account could be located with those details.")
        case "000111111113": ("account_closed", "The bank account has been closed.")
        case "000222222227": ("insufficient_funds", "Your Stripe account has insufficient funds to cover the payout.")
        case "000333333335": ("debit_not_authorized", "Debit transactions are not approved on the bank account.")
        case "000444444440": ("invalid_currency", "The bank was unable to process this payout because of its currency.")
        default: nil
        }
    }
}
