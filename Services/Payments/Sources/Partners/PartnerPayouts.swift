import Foundation
import Logging
import OpsideCore
import OpsideEvents
import OpsideJobs
import OpsidePostgres
import OpsideStripe
import PostgresNIO

/// Payouts from a partner's Stripe account to its bank: asked for on the Partners page, or made
/// by the partner's schedule. Each is our row first, then Stripe's payout under the row's
/// idempotency key, so a double click, a retried request or a crash makes one payout. Stripe's
/// `payout.*` events (Connect endpoint) then move it on: re-read from Stripe, never moved back,
/// except that a paid payout may still fail (banks return payouts for days).
public struct PartnerPayouts: Sendable {
    let stripe: StripeClient
    let store: PartnerStore
    let database: Database
    let outbox: EventOutbox
    let clock: any WallClock
    let logger: Logger

    public init(stripe: StripeClient, store: PartnerStore, database: Database, outbox: EventOutbox, clock: any WallClock, logger: Logger) {
        self.stripe = stripe
        self.store = store
        self.database = database
        self.outbox = outbox
        self.clock = clock
        self.logger = logger
    }

    /// Per currency: what can be paid out now, and what is still on its way to the account.
    public struct Balance: Codable, Sendable, Equatable {
        public let available: Money
        public let pending: Money
    }

    public func balance(of partner: Partner) async throws -> [Balance] {
        guard let account = partner.stripeAccountId else { return [] }
        let balance: StripeBalance = try await stripe.get("balance", account: account)
        var byCurrency: [String: (Int64, Int64)] = [:]
        for amount in balance.available { byCurrency[amount.currency.uppercased(), default: (0, 0)].0 += amount.amount }
        for amount in balance.pending { byCurrency[amount.currency.uppercased(), default: (0, 0)].1 += amount.amount }
        return try byCurrency.keys.sorted().map { code in
            let currency = try Currency(code: code)
            let (available, pending) = byCurrency[code]!
            return Balance(available: Money(amountMinor: available, currency: currency), pending: Money(amountMinor: pending, currency: currency))
        }
    }

    /// A payout the partner asked for: `amountMinor` of `currency`, or all that is available.
    /// - Parameter requestId: the caller's id for this request; the same id again answers the
    ///   payout it made.
    public func request(tenantId: UUID, requestId: UUID, currency: Currency, amountMinor: Int64?) async throws -> PartnerPayout {
        guard let partner = try await store.partner(tenantId: tenantId) else { throw PartnerError.notAPartner }
        if let made = try await store.payout(partnerTenantId: tenantId, payoutId: requestId), made.status != "requesting" { return made }
        guard partner.payoutsEnabled, partner.accountStatus == "active", let account = partner.stripeAccountId else {
            throw PartnerError.payoutsNotEnabled
        }
        let available = try await balance(of: partner).first { $0.available.currency == currency }?.available ?? .zero(currency)
        let amount = amountMinor ?? available.amountMinor
        guard amount > 0, available.amountMinor > 0 else { throw PartnerError.nothingAvailable(currency: currency.code) }
        guard amount <= available.amountMinor else { throw PartnerError.moreThanAvailable(available: available) }
        return try await make(partner: partner, account: account, payoutId: requestId, amount: Money(amountMinor: amount, currency: currency),
                              trigger: "request", period: nil)
    }

    /// The row, then Stripe's payout; a refusal removes the row (nothing was paid out) and is thrown.
    func make(partner: Partner, account: String, payoutId: UUID, amount: Money, trigger: String, period: String?) async throws -> PartnerPayout {
        let logger = self.logger
        let inserted: Bool = try await database.withTransaction(tenant: partner.tenantId) { db in
            let rows = try await db.query("""
                INSERT INTO payments.partner_payouts (payout_id, partner_id, tenant_id, amount_minor, currency, trigger, schedule_period)
                VALUES (\(payoutId), \(partner.partnerId), \(partner.tenantId), \(amount.amountMinor), \(amount.currency.code), \(trigger), \(period))
                ON CONFLICT DO NOTHING RETURNING 1
                """, logger: logger)
            for try await _ in rows { return true }
            return false
        }
        if !inserted, let existing = try await store.payout(partnerTenantId: partner.tenantId, payoutId: payoutId), existing.status != "requesting" {
            return existing
        }
        // A second request with the same id but another amount sends what the first row says.
        guard let row = try await store.payout(partnerTenantId: partner.tenantId, payoutId: payoutId) else {
            // The id is another workspace's: never this workspace's payout, nor sent under its key.
            throw PartnerError.requestIdTaken
        }
        let sending = row.amount
        let id = payoutId.uuidString.lowercased()
        do {
            let payout: StripePayout = try await stripe.post("payouts", [
                "amount": .string(String(sending.amountMinor)), "currency": .string(sending.currency.code.lowercased()),
                "description": .string(trigger == "schedule" ? "Opside scheduled payout" : "Opside payout"),
                "metadata": .hash([StripeMetadataKey.tenant: .string(partner.tenantId.uuidString.lowercased()),
                                   StripeMetadataKey.partner: .string(partner.partnerId.uuidString.lowercased()),
                                   StripeMetadataKey.payout: .string(id)]),
            ], idempotencyKey: "opside:partner-payout:\(id)", account: account)
            try await apply(payout, partner: partner)
        } catch let refusal as StripeRequestError where refusal.status < 500 && !refusal.isRateLimited && refusal.status != 409 {
            _ = try await database.withTransaction(tenant: partner.tenantId) { db in
                try await db.query("DELETE FROM payments.partner_payouts WHERE payout_id = \(payoutId) AND status = 'requesting'", logger: logger)
            }
            throw refusal
        }
        guard let made = try await store.payout(partnerTenantId: partner.tenantId, payoutId: payoutId) else {
            throw DatabaseError.unavailable("the payout row vanished")
        }
        return made
    }

    // MARK: Schedule

    /// The period a scheduled payout belongs to: its ISO week (`2026-W49`) or month (`2026-12`).
    static func period(_ schedule: String, at date: Date) -> String? {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        switch schedule {
        case "weekly":
            let parts = calendar.dateComponents([.yearForWeekOfYear, .weekOfYear], from: date)
            return String(format: "%04d-W%02d", parts.yearForWeekOfYear ?? 0, parts.weekOfYear ?? 0)
        case "monthly":
            let parts = calendar.dateComponents([.year, .month], from: date)
            return String(format: "%04d-%02d", parts.year ?? 0, parts.month ?? 0)
        default:
            return nil
        }
    }

    /// Pays out the available balance of every partner on a schedule whose period has had no
    /// payout yet, when it reaches the partner's minimum. Safe to run as often as wanted: a
    /// period and currency has one scheduled payout at most (a unique index says so).
    /// - Returns: how many payouts it made.
    @discardableResult
    public func runSchedule() async throws -> Int {
        let now = clock.now
        var made = 0
        for partner in try await store.allPartners() where partner.payoutSchedule != "manual" && partner.payoutsEnabled
            && partner.accountStatus == "active" {
            guard let account = partner.stripeAccountId, let period = Self.period(partner.payoutSchedule, at: now) else { continue }
            let balances: [Balance]
            do {
                balances = try await balance(of: partner)
            } catch let refusal as StripeRequestError {
                logger.warning("partner balance unreadable", metadata: ["partner": "\(partner.partnerId)", "error": "\(refusal)"])
                continue
            }
            for balance in balances where balance.available.amountMinor > 0
                && balance.available.amountMinor >= Self.minimumMinor(partner.payoutMinimumHundredths, in: balance.available.currency) {
                // A row a crash left before Stripe answered is sent again under its own key.
                let earlier = try await scheduledPayout(partner: partner, period: period, currency: balance.available.currency.code)
                if let earlier, earlier.status != "requesting" { continue }
                do {
                    _ = try await make(partner: partner, account: account, payoutId: earlier?.payoutId ?? UUID(), amount: balance.available,
                                       trigger: "schedule", period: period)
                    made += 1
                } catch let refusal as StripeRequestError {
                    logger.warning("scheduled payout refused", metadata: ["partner": "\(partner.partnerId)", "error": "\(refusal)"])
                }
            }
        }
        return made
    }

    /// The minimum, kept in hundredths of a major unit, in `currency`'s minor units.
    static func minimumMinor(_ hundredths: Int64, in currency: Currency) -> Int64 {
        let perMajor = currency.minorUnitsPerMajor
        return perMajor >= 100 ? hundredths * (perMajor / 100) : (hundredths * perMajor + 99) / 100
    }

    func scheduledPayout(partner: Partner, period: String, currency: String) async throws -> (payoutId: UUID, status: String)? {
        let logger = self.logger
        return try await database.withTransaction(tenant: partner.tenantId) { db in
            for try await (id, status) in try await db.query("""
                SELECT payout_id, status FROM payments.partner_payouts WHERE partner_id = \(partner.partnerId) AND schedule_period = \(period)
                    AND currency = \(currency)
                """, logger: logger).decode((UUID, String).self) {
                return (id, status)
            }
            return nil
        }
    }

    // MARK: Stripe's word

    /// How far along a status is; a payout never moves to a lower one. `failed` outranks `paid`:
    /// Stripe may report a paid payout failed when the bank returns it.
    static func rank(_ status: String) -> Int {
        switch status {
        case "requesting": 0
        case "pending": 1
        case "in_transit": 2
        case "paid": 3
        case "failed", "canceled": 4
        default: -1
        }
    }

    /// What a `payout.*` event means: the payout as Stripe has it now, on the account it names.
    func payoutChanged(payoutId: String, accountId: String) async throws {
        guard let partner = try await store.partner(stripeAccountId: accountId) else { return }
        let payout: StripePayout = try await stripe.get("payouts/\(payoutId)", account: accountId)
        try await apply(payout, partner: partner)
    }

    /// Records Stripe's payout: the row our metadata names, the one with its id, or a new row for
    /// a payout Stripe made by itself. Announces a payout paid or failed once.
    func apply(_ payout: StripePayout, partner: Partner) async throws {
        let logger = self.logger
        let outbox = self.outbox
        let ours = payout.metadata?[StripeMetadataKey.payout].flatMap(UUID.init(uuidString:))
        let arrival = payout.arrival_date.map { Date(timeIntervalSince1970: Double($0)) }
        let amount = Money(amountMinor: payout.amount, currency: try Currency(code: payout.currency.uppercased()))
        let now = clock.now
        try await database.withTransaction(tenant: partner.tenantId) { db in
            var found: (UUID, String)?
            for try await row in try await db.query("""
                SELECT payout_id, status FROM payments.partner_payouts
                WHERE stripe_payout_id = \(payout.id) OR payout_id = \(ours ?? UUID()) ORDER BY stripe_payout_id NULLS LAST LIMIT 1 FOR UPDATE
                """, logger: logger).decode((UUID, String).self) {
                found = row
            }
            let (payoutId, before) = found ?? (ours ?? UUID(), "requesting")
            if found == nil {
                // Not ours: made by Stripe's schedule, or by the partner in its Express dashboard.
                try await db.query("""
                    INSERT INTO payments.partner_payouts (payout_id, partner_id, tenant_id, amount_minor, currency, trigger)
                    VALUES (\(payoutId), \(partner.partnerId), \(partner.tenantId), \(payout.amount), \(amount.currency.code), 'stripe')
                    """, logger: logger)
            }
            let moves = Self.rank(payout.status) > Self.rank(before)
            try await db.query("""
                UPDATE payments.partner_payouts SET stripe_payout_id = \(payout.id), arrival_date = \(arrival),
                    status = CASE WHEN \(moves) THEN \(payout.status) ELSE status END,
                    failure_code = CASE WHEN \(moves) THEN \(payout.failure_code) ELSE failure_code END,
                    failure_message = CASE WHEN \(moves) THEN \(payout.failure_message) ELSE failure_message END,
                    updated_at = \(now)
                WHERE payout_id = \(payoutId)
                """, logger: logger)
            guard moves else { return }
            if payout.status == "paid" {
                try await outbox.publish(PartnerPayoutPaid(payoutId: payoutId, amount: amount, arrivalDate: arrival), tenantId: partner.tenantId, on: db)
            } else if payout.status == "failed" {
                try await outbox.publish(PartnerPayoutFailed(payoutId: payoutId, amount: amount, failureCode: payout.failure_code,
                                                             failureMessage: payout.failure_message), tenantId: partner.tenantId, on: db)
            }
        }
        await outbox.wakeRelay()
    }
}
