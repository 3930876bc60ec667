import Foundation
import Logging
import OpsideCore
import OpsideEvents
import OpsidePostgres
import PostgresNIO

/// A partner as its Partners page shows it: who it is, its code, its share, and what Stripe last
/// said of its Express account.
public struct Partner: Codable, Sendable, Equatable {
    public let partnerId: UUID
    public let tenantId: UUID
    /// `agency` or `referrer`.
    public let kind: String
    public let displayName: String
    public let contactEmail: String
    public let country: String
    public let referralCode: String
    public let shareBasisPoints: Int
    public let stripeAccountId: String?
    /// `not_started`, `onboarding` (details still to give), `restricted` (Stripe needs more before
    /// it pays out), `active` or `disconnected`.
    public let accountStatus: String
    public let detailsSubmitted: Bool
    public let payoutsEnabled: Bool
    public let transfersActive: Bool
    public let requirementsDue: [String]
    public let disabledReason: String?
    /// `manual`, `weekly` or `monthly`.
    public let payoutSchedule: String
    /// A scheduled payout waits until the balance reaches this, in hundredths of a major unit
    /// (5000 is 50.00 of the currency paid out).
    public let payoutMinimumHundredths: Int64
    public let createdAt: Date
}

/// A seller a partner brought, with what the partner earned on it.
public struct PartnerReferral: Codable, Sendable, Equatable {
    public let sellerTenantId: UUID
    public let sellerName: String
    /// `sign_up`, `seller` (entered on the Billing page) or `operator`.
    public let source: String
    public let since: Date
    public let earned: [Money]
}

/// Who brought a seller, as the seller's Billing page shows it.
public struct SellerReferral: Codable, Sendable, Equatable {
    public let partnerName: String
    public let since: Date
}

/// The partner's share of one settled commission line.
public struct PartnerEarning: Codable, Sendable, Equatable {
    public let earningId: UUID
    public let commissionId: UUID
    public let sellerName: String
    public let amazonCaseId: String?
    public let commission: Money
    public let shareBasisPoints: Int
    public let earning: Money
    /// `untransferred`, or the transfer's state: `creating`, `waiting_funds`, `sent`.
    public let transfer: String
    public let settledAt: Date
}

/// Per currency: earned in all, sent to the partner's Stripe account, and still to send.
public struct PartnerEarningTotals: Codable, Sendable, Equatable {
    public let earned: Money
    public let transferred: Money
    public let awaitingTransfer: Money
}

/// A payout from the partner's Stripe account to its bank.
public struct PartnerPayout: Codable, Sendable, Equatable {
    public let payoutId: UUID
    public let stripePayoutId: String?
    public let amount: Money
    /// `requesting` (not yet at Stripe), then Stripe's: `pending`, `in_transit`, `paid`, `failed`, `canceled`.
    public let status: String
    /// `request`, `schedule` or `stripe`.
    public let trigger: String
    public let arrivalDate: Date?
    public let failureCode: String?
    public let failureMessage: String?
    public let createdAt: Date
}

/// What became of a partner code a seller gave.
public enum ReferralOutcome: Sendable, Equatable {
    case attributed(SellerReferral)
    /// The seller was already brought by a partner; a referral is for good.
    case alreadyReferred(SellerReferral)
    case unknownCode
    /// A partner's own workspace cannot be its own referral.
    case ownCode
}

/// payments' partner rows. Each statement runs in one tenant's transaction: the partner's for its
/// programme, the seller's for its referral. Looking a partner up by code or by Stripe account,
/// and the scans of the accrual and the schedule, read across tenants under `billing_scan`.
public struct PartnerStore: Sendable {
    let database: Database
    let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    static let partnerColumns = """
        partner_id, tenant_id, kind, display_name, contact_email, country, referral_code, share_bps, stripe_account_id, account_status,
        details_submitted, payouts_enabled, transfers_active, requirements_due, disabled_reason, payout_schedule, payout_minimum_hundredths, created_at
        """

    static func decodePartners(_ rows: PostgresRowSequence) async throws -> [Partner] {
        var partners: [Partner] = []
        for try await r in rows.decode((UUID, UUID, String, String, String, String, String, Int32, String?, String,
                                        Bool, Bool, Bool, [String], String?, String, Int64, Date).self) {
            partners.append(Partner(partnerId: r.0, tenantId: r.1, kind: r.2, displayName: r.3, contactEmail: r.4, country: r.5,
                                    referralCode: r.6, shareBasisPoints: Int(r.7), stripeAccountId: r.8, accountStatus: r.9,
                                    detailsSubmitted: r.10, payoutsEnabled: r.11, transfersActive: r.12, requirementsDue: r.13,
                                    disabledReason: r.14, payoutSchedule: r.15, payoutMinimumHundredths: r.16, createdAt: r.17))
        }
        return partners
    }

    /// Runs `body` in a transaction that may read across tenants (read only: the policies allow
    /// SELECT alone), optionally as `tenant` for writing its own rows.
    func scanning<T: Sendable>(as tenant: UUID? = nil, _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenant) { db in
            try await db.query("SELECT set_config('opside.billing_scan', 'on', true)", logger: logger)
            return try await body(db)
        }
    }

    // MARK: Partners

    public func partner(tenantId: UUID) async throws -> Partner? {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenantId) { db in
            try await Self.decodePartners(try await db.query(
                "SELECT \(unescaped: Self.partnerColumns) FROM payments.partners WHERE tenant_id = \(tenantId)", logger: logger)).first
        }
    }

    /// The partner with this Stripe account, whichever tenant it is.
    public func partner(stripeAccountId: String) async throws -> Partner? {
        let logger = self.logger
        return try await scanning { db in
            try await Self.decodePartners(try await db.query(
                "SELECT \(unescaped: Self.partnerColumns) FROM payments.partners WHERE stripe_account_id = \(stripeAccountId)",
                logger: logger)).first
        }
    }

    /// Every partner (the schedule's and the accrual's scan).
    public func allPartners() async throws -> [Partner] {
        let logger = self.logger
        return try await scanning { db in
            try await Self.decodePartners(try await db.query(
                "SELECT \(unescaped: Self.partnerColumns) FROM payments.partners ORDER BY created_at", logger: logger))
        }
    }

    /// Enrols the tenant; a second enrolment changes nothing and answers the partner it made.
    public func enroll(tenantId: UUID, kind: String, displayName: String, contactEmail: String, country: String,
                       shareBasisPoints: Int) async throws -> Partner {
        let logger = self.logger
        // A code clash (one in a trillion) is retried with another code.
        for _ in 0..<5 {
            let code = ReferralCode.make()
            let made: Partner? = try await database.withTransaction(tenant: tenantId) { db in
                try await Self.decodePartners(try await db.query("""
                    INSERT INTO payments.partners (partner_id, tenant_id, kind, display_name, contact_email, country, referral_code, share_bps)
                    VALUES (\(UUID()), \(tenantId), \(kind), \(displayName), \(contactEmail), \(country), \(code), \(Int32(shareBasisPoints)))
                    ON CONFLICT DO NOTHING
                    RETURNING \(unescaped: Self.partnerColumns)
                    """, logger: logger)).first
            }
            if let made { return made }
            if let existing = try await partner(tenantId: tenantId) { return existing }
        }
        throw DatabaseError.unavailable("no free partner code after five tries")
    }

    /// Keeps the Express account made for the partner; an account already kept stays.
    /// - Returns: the partner's account id after the call.
    func keepAccount(tenantId: UUID, accountId: String) async throws -> String? {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenantId) { db in
            try await db.query("""
                UPDATE payments.partners SET stripe_account_id = \(accountId), account_status = 'onboarding'
                WHERE tenant_id = \(tenantId) AND stripe_account_id IS NULL
                """, logger: logger)
            for try await id in try await db.query("SELECT stripe_account_id FROM payments.partners WHERE tenant_id = \(tenantId)",
                                                   logger: logger).decode(String?.self) {
                return id
            }
            return nil
        }
    }

    /// Records what Stripe says of the account now.
    /// - Returns: the partner before and after, or nil when there is none.
    func applyAccount(tenantId: UUID, status: String, detailsSubmitted: Bool, payoutsEnabled: Bool, transfersActive: Bool,
                      requirementsDue: [String], disabledReason: String?) async throws -> (before: Partner, after: Partner)? {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenantId) { db in
            guard let before = try await Self.decodePartners(try await db.query(
                "SELECT \(unescaped: Self.partnerColumns) FROM payments.partners WHERE tenant_id = \(tenantId) FOR UPDATE",
                logger: logger)).first else { return nil }
            guard let after = try await Self.decodePartners(try await db.query("""
                UPDATE payments.partners SET account_status = \(status), details_submitted = \(detailsSubmitted),
                    payouts_enabled = \(payoutsEnabled), transfers_active = \(transfersActive), requirements_due = \(requirementsDue),
                    disabled_reason = \(disabledReason)
                WHERE tenant_id = \(tenantId)
                RETURNING \(unescaped: Self.partnerColumns)
                """, logger: logger)).first else { return nil }
            return (before, after)
        }
    }

    public func setSchedule(tenantId: UUID, schedule: String, minimumHundredths: Int64) async throws -> Partner? {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenantId) { db in
            try await Self.decodePartners(try await db.query("""
                UPDATE payments.partners SET payout_schedule = \(schedule), payout_minimum_hundredths = \(minimumHundredths)
                WHERE tenant_id = \(tenantId) RETURNING \(unescaped: Self.partnerColumns)
                """, logger: logger)).first
        }
    }

    /// The partner's share of the commission from now on (an operator's setting).
    public func setShare(tenantId: UUID, shareBasisPoints: Int) async throws -> Partner? {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenantId) { db in
            try await Self.decodePartners(try await db.query("""
                UPDATE payments.partners SET share_bps = \(Int32(shareBasisPoints))
                WHERE tenant_id = \(tenantId) RETURNING \(unescaped: Self.partnerColumns)
                """, logger: logger)).first
        }
    }

    // MARK: Referrals

    /// Records that the partner with `code` brought the seller. A seller is brought once: a later
    /// code changes nothing. Codes are compared without case or spaces.
    public func attribute(sellerTenantId: UUID, sellerName: String, code: String, source: String) async throws -> ReferralOutcome {
        let normalized = ReferralCode.normalize(code)
        guard ReferralCode.isWellFormed(normalized) else { return .unknownCode }
        let logger = self.logger
        let found: (UUID, UUID, String)? = try await scanning { db in
            for try await row in try await db.query("""
                SELECT partner_id, tenant_id, display_name FROM payments.partners WHERE referral_code = \(normalized)
                """, logger: logger).decode((UUID, UUID, String).self) {
                return row
            }
            return nil
        }
        guard let (partnerId, partnerTenant, partnerName) = found else { return .unknownCode }
        guard partnerTenant != sellerTenantId else { return .ownCode }
        return try await database.withTransaction(tenant: sellerTenantId) { db in
            let inserted = try await db.query("""
                INSERT INTO payments.referrals (tenant_id, partner_id, partner_tenant_id, partner_name, seller_name, source)
                VALUES (\(sellerTenantId), \(partnerId), \(partnerTenant), \(partnerName), \(sellerName), \(source))
                ON CONFLICT (tenant_id) DO NOTHING RETURNING partner_name, created_at
                """, logger: logger)
            for try await (name, since) in inserted.decode((String, Date).self) {
                return .attributed(SellerReferral(partnerName: name, since: since))
            }
            for try await (name, since) in try await db.query("""
                SELECT partner_name, created_at FROM payments.referrals WHERE tenant_id = \(sellerTenantId)
                """, logger: logger).decode((String, Date).self) {
                return .alreadyReferred(SellerReferral(partnerName: name, since: since))
            }
            return .unknownCode
        }
    }

    /// Who brought the seller, if anyone.
    public func referral(sellerTenantId: UUID) async throws -> SellerReferral? {
        let logger = self.logger
        return try await database.withTransaction(tenant: sellerTenantId) { db in
            for try await (name, since) in try await db.query("""
                SELECT partner_name, created_at FROM payments.referrals WHERE tenant_id = \(sellerTenantId)
                """, logger: logger).decode((String, Date).self) {
                return SellerReferral(partnerName: name, since: since)
            }
            return nil
        }
    }

    /// The sellers the partner brought, newest first, with what it earned on each.
    public func referrals(partnerTenantId: UUID) async throws -> [PartnerReferral] {
        let logger = self.logger
        return try await database.withTransaction(tenant: partnerTenantId) { db in
            var earned: [UUID: [Money]] = [:]
            for try await (seller, currency, sum) in try await db.query("""
                SELECT seller_tenant_id, currency, sum(earning_minor)::bigint FROM payments.partner_earnings
                WHERE tenant_id = \(partnerTenantId) GROUP BY seller_tenant_id, currency ORDER BY currency
                """, logger: logger).decode((UUID, String, Int64).self) {
                earned[seller, default: []].append(Money(amountMinor: sum, currency: try Currency(code: currency)))
            }
            var referrals: [PartnerReferral] = []
            for try await (seller, name, source, since) in try await db.query("""
                SELECT tenant_id, seller_name, source, created_at FROM payments.referrals WHERE partner_tenant_id = \(partnerTenantId)
                ORDER BY created_at DESC
                """, logger: logger).decode((UUID, String, String, Date).self) {
                referrals.append(PartnerReferral(sellerTenantId: seller, sellerName: name, source: source, since: since, earned: earned[seller] ?? []))
            }
            return referrals
        }
    }

    // MARK: Earnings

    public func earnings(partnerTenantId: UUID, limit: Int = 200) async throws -> [PartnerEarning] {
        let logger = self.logger
        return try await database.withTransaction(tenant: partnerTenantId) { db in
            var earnings: [PartnerEarning] = []
            for try await r in try await db.query("""
                SELECT e.earning_id, e.commission_id, e.seller_name, e.amazon_case_id, e.commission_minor, e.currency, e.share_bps,
                    e.earning_minor, coalesce(t.state, 'untransferred'), e.settled_at
                FROM payments.partner_earnings e LEFT JOIN payments.partner_transfers t USING (transfer_id)
                WHERE e.tenant_id = \(partnerTenantId)
                ORDER BY e.settled_at DESC, e.created_at DESC LIMIT \(Int64(limit))
                """, logger: logger).decode((UUID, UUID, String, String?, Int64, String, Int32, Int64, String, Date).self) {
                let currency = try Currency(code: r.5)
                earnings.append(PartnerEarning(earningId: r.0, commissionId: r.1, sellerName: r.2, amazonCaseId: r.3,
                                               commission: Money(amountMinor: r.4, currency: currency), shareBasisPoints: Int(r.6),
                                               earning: Money(amountMinor: r.7, currency: currency), transfer: r.8, settledAt: r.9))
            }
            return earnings
        }
    }

    public func earningTotals(partnerTenantId: UUID) async throws -> [PartnerEarningTotals] {
        let logger = self.logger
        return try await database.withTransaction(tenant: partnerTenantId) { db in
            var totals: [PartnerEarningTotals] = []
            for try await (code, earned, sent) in try await db.query("""
                SELECT e.currency, sum(e.earning_minor)::bigint,
                    coalesce(sum(e.earning_minor) FILTER (WHERE t.state = 'sent'), 0)::bigint
                FROM payments.partner_earnings e LEFT JOIN payments.partner_transfers t USING (transfer_id)
                WHERE e.tenant_id = \(partnerTenantId) GROUP BY e.currency ORDER BY e.currency
                """, logger: logger).decode((String, Int64, Int64).self) {
                let currency = try Currency(code: code)
                totals.append(PartnerEarningTotals(earned: Money(amountMinor: earned, currency: currency),
                                                   transferred: Money(amountMinor: sent, currency: currency),
                                                   awaitingTransfer: Money(amountMinor: earned - sent, currency: currency)))
            }
            return totals
        }
    }

    // MARK: Payouts

    static let payoutColumns = """
        payout_id, stripe_payout_id, amount_minor, currency, status, trigger, arrival_date, failure_code, failure_message, created_at
        """

    static func decodePayouts(_ rows: PostgresRowSequence) async throws -> [PartnerPayout] {
        var payouts: [PartnerPayout] = []
        for try await r in rows.decode((UUID, String?, Int64, String, String, String, Date?, String?, String?, Date).self) {
            payouts.append(PartnerPayout(payoutId: r.0, stripePayoutId: r.1, amount: Money(amountMinor: r.2, currency: try Currency(code: r.3)),
                                         status: r.4, trigger: r.5, arrivalDate: r.6, failureCode: r.7, failureMessage: r.8, createdAt: r.9))
        }
        return payouts
    }

    public func payouts(partnerTenantId: UUID, limit: Int = 100) async throws -> [PartnerPayout] {
        let logger = self.logger
        return try await database.withTransaction(tenant: partnerTenantId) { db in
            try await Self.decodePayouts(try await db.query("""
                SELECT \(unescaped: Self.payoutColumns) FROM payments.partner_payouts WHERE tenant_id = \(partnerTenantId)
                ORDER BY created_at DESC LIMIT \(Int64(limit))
                """, logger: logger))
        }
    }

    public func payout(partnerTenantId: UUID, payoutId: UUID) async throws -> PartnerPayout? {
        let logger = self.logger
        return try await database.withTransaction(tenant: partnerTenantId) { db in
            try await Self.decodePayouts(try await db.query("""
                SELECT \(unescaped: Self.payoutColumns) FROM payments.partner_payouts WHERE payout_id = \(payoutId)
                """, logger: logger)).first
        }
    }
}

/// Partner codes: eight letters and digits without the ones people misread (0/O, 1/I/L).
enum ReferralCode {
    static let alphabet = Array("ABCDEFGHJKMNPQRSTUVWXYZ23456789")

    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<8).map { _ in alphabet.randomElement(using: &generator)! })
    }

    static func normalize(_ code: String) -> String {
        code.uppercased().filter { !$0.isWhitespace && $0 != "-" }
    }

    static func isWellFormed(_ code: String) -> Bool {
        (6...16).contains(code.count) && code.allSatisfy { ($0.isASCII && $0.isLetter) || ($0.isASCII && $0.isNumber) }
    }
}
