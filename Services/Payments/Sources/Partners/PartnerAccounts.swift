import Foundation
import Logging
import OpsideCore
import OpsideStripe
import Hummingbird
import OpsideTransport

/// A partner's Stripe Connect Express account: made once (its idempotency key is the partner's),
/// onboarded on Stripe's hosted pages, and known by what Stripe says of it now. Landing back on
/// our page proves nothing (`queues-and-stripe.md` B.5): the account is read from Stripe, on that
/// landing and on every `account.updated`.
public struct PartnerAccounts: Sendable {
    let stripe: StripeClient
    let store: PartnerStore
    let earnings: PartnerEarnings
    let logger: Logger

    public init(stripe: StripeClient, store: PartnerStore, earnings: PartnerEarnings, logger: Logger) {
        self.stripe = stripe
        self.store = store
        self.earnings = earnings
        self.logger = logger
    }

    /// The partner's Express account, made when it has none. Payouts are on a manual schedule:
    /// Opside makes them, on request and by the partner's own schedule.
    func account(for partner: Partner) async throws -> String {
        if let id = partner.stripeAccountId { return id }
        let made: StripeAccount = try await stripe.post("accounts", [
            "type": "express", "country": .string(partner.country), "email": .string(partner.contactEmail),
            "capabilities": .hash(["transfers": .hash(["requested": "true"])]),
            "business_profile": .hash(["name": .string(partner.displayName)]),
            "settings": .hash(["payouts": .hash(["schedule": .hash(["interval": "manual"])])]),
            "metadata": .hash([StripeMetadataKey.tenant: .string(partner.tenantId.uuidString.lowercased()),
                               StripeMetadataKey.partner: .string(partner.partnerId.uuidString.lowercased())]),
        ], idempotencyKey: "opside:partner:\(partner.partnerId.uuidString.lowercased()):account")
        return try await store.keepAccount(tenantId: partner.tenantId, accountId: made.id) ?? made.id
    }

    /// A single-use onboarding link (Stripe's lasts minutes); each call makes a new one, as
    /// Stripe asks when the old one has expired or was used.
    public func onboardingLink(tenantId: UUID, returnURL: String, refreshURL: String) async throws -> StripeAccountLinkAnswer {
        guard let partner = try await store.partner(tenantId: tenantId) else { throw PartnerError.notAPartner }
        let account = try await account(for: partner)
        let link: StripeAccountLink = try await stripe.post("account_links", [
            "account": .string(account), "type": "account_onboarding", "refresh_url": .string(refreshURL), "return_url": .string(returnURL),
        ])
        return StripeAccountLinkAnswer(url: link.url, expiresAt: link.expires_at.map { Date(timeIntervalSince1970: Double($0)) })
    }

    /// Stripe's Express dashboard for the partner, once onboarded.
    public func dashboardLink(tenantId: UUID) async throws -> String {
        guard let partner = try await store.partner(tenantId: tenantId) else { throw PartnerError.notAPartner }
        guard let account = partner.stripeAccountId, partner.detailsSubmitted else { throw PartnerError.notOnboarded }
        let link: StripeLoginLink = try await stripe.post("accounts/\(account)/login_links")
        return link.url
    }

    /// Reads the partner's account from Stripe and records it.
    @discardableResult
    public func refresh(tenantId: UUID) async throws -> Partner? {
        guard let partner = try await store.partner(tenantId: tenantId) else { return nil }
        guard let id = partner.stripeAccountId else { return partner }
        let account: StripeAccount = try await stripe.get("accounts/\(id)")
        return try await apply(account, to: partner)
    }

    /// What an `account.updated` or `capability.updated` event means: the account as it is now.
    func accountChanged(accountId: String) async throws {
        guard let partner = try await store.partner(stripeAccountId: accountId), partner.accountStatus != "disconnected" else { return }
        let account: StripeAccount = try await stripe.get("accounts/\(accountId)")
        try await apply(account, to: partner)
    }

    /// `account.application.deauthorized`: the partner disconnected the account from Opside; no
    /// transfer or payout goes to it any more.
    func disconnected(accountId: String) async throws {
        guard let partner = try await store.partner(stripeAccountId: accountId) else { return }
        _ = try await store.applyAccount(tenantId: partner.tenantId, status: "disconnected", detailsSubmitted: partner.detailsSubmitted,
                                         payoutsEnabled: false, transfersActive: false, requirementsDue: [], disabledReason: "disconnected")
    }

    @discardableResult
    func apply(_ account: StripeAccount, to partner: Partner) async throws -> Partner {
        let transfers = account.capabilities?["transfers"] == "active"
        let payouts = account.payouts_enabled ?? false
        let submitted = account.details_submitted ?? false
        let due = Array(Set((account.requirements?.currently_due ?? []) + (account.requirements?.past_due ?? []))).sorted()
        let status = !submitted ? "onboarding" : (transfers && payouts ? "active" : "restricted")
        guard let (before, after) = try await store.applyAccount(
            tenantId: partner.tenantId, status: status, detailsSubmitted: submitted, payoutsEnabled: payouts, transfersActive: transfers,
            requirementsDue: due, disabledReason: account.requirements?.disabled_reason) else { return partner }
        if !before.transfersActive && after.transfersActive {
            // Earnings that waited for the account go now.
            try await earnings.enqueueRun(reason: "account-\(account.id)-active")
        }
        logger.info("partner account refreshed", metadata: ["partner": "\(partner.partnerId)", "status": "\(status)"])
        return after
    }
}

/// Where to send the partner to onboard, and until when the address works.
public struct StripeAccountLinkAnswer: ResponseEncodable, Codable, Sendable {
    public let url: String
    public let expiresAt: Date?
}

/// What the partner programme refuses, in words the Partners page shows.
public enum PartnerError: Error, Sendable, Equatable {
    case notAPartner
    case notOnboarded
    case payoutsNotEnabled
    case nothingAvailable(currency: String)
    case moreThanAvailable(available: Money)
    case requestIdTaken
}
