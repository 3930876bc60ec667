import Configuration
import OpsideCore
import OpsideJobs

/// How a tenant's commission is collected.
public enum CommissionCollection: String, Sendable, Codable, CaseIterable {
    /// Every pending line on one Stripe invoice a month (the default): one charge, one PDF.
    case monthlyInvoice = "monthly_invoice"
    /// Each reimbursement's commission charged to the card on its own, off-session, as it arrives.
    case perReimbursement = "per_reimbursement"
}

/// Billing's settings.
///
/// Keys (environment spelling in brackets):
/// - `billing.defaultCommissionBasisPoints` [`BILLING_DEFAULT_COMMISSION_BASIS_POINTS`]: the plan
///   rate a new tenant starts with, in hundredths of a percent; default 2000 (20 %). A tenant's
///   own rate is then a setting of its account.
/// - `billing.defaultCollection` [`BILLING_DEFAULT_COLLECTION`]: `monthly_invoice` (default) or
///   `per_reimbursement`, for new tenants.
/// - `billing.invoiceSchedule` [`BILLING_INVOICE_SCHEDULE`]: when the month's invoices are made,
///   a cron expression on the injected clock (UTC); default `0 6 1 * *`.
/// - `billing.dunningRetryDays` [`BILLING_DUNNING_RETRY_DAYS`]: after a payment fails, when it is
///   tried again, in days after the first failure; default `3,5,7`. When the last retry fails the
///   tenant is past due: it files no new cases until it pays (detection goes on).
/// - `billing.dunningSchedule` [`BILLING_DUNNING_SCHEDULE`]: how often due retries are looked
///   for; default hourly (`17 * * * *`).
/// - `billing.chargeLeaseSeconds` [`BILLING_CHARGE_LEASE_SECONDS`]: how long a per-reimbursement
///   charge's job is a worker's before another takes it over (the worker died mid-charge); the
///   charge's idempotency key makes the second attempt Stripe's first answer; default 60.
public struct BillingSettings: Sendable {
    public var defaultCommissionBasisPoints: Int
    public var defaultCollection: CommissionCollection
    public var invoiceSchedule: CronSchedule
    public var dunningRetryDays: [Int]
    public var dunningSchedule: CronSchedule
    public var chargeLeaseSeconds: Int

    public init(defaultCommissionBasisPoints: Int = BillingAccount.defaultCommissionBasisPoints,
                defaultCollection: CommissionCollection = .monthlyInvoice,
                invoiceSchedule: CronSchedule, dunningRetryDays: [Int] = [3, 5, 7], dunningSchedule: CronSchedule,
                chargeLeaseSeconds: Int = 60) {
        self.defaultCommissionBasisPoints = defaultCommissionBasisPoints
        self.defaultCollection = defaultCollection
        self.invoiceSchedule = invoiceSchedule
        self.dunningRetryDays = dunningRetryDays
        self.dunningSchedule = dunningSchedule
        self.chargeLeaseSeconds = chargeLeaseSeconds
    }

    /// - Throws: `ConfigurationError` naming the key that is out of range or does not parse.
    public init(reader: ConfigReader) throws {
        let rate = reader.int(forKey: "billing.defaultCommissionBasisPoints", default: BillingAccount.defaultCommissionBasisPoints)
        guard (0...10_000).contains(rate) else {
            throw ConfigurationError(key: "billing.defaultCommissionBasisPoints", reason: "must be between 0 and 10000 (hundredths of a percent)")
        }
        let collectionText = reader.string(forKey: "billing.defaultCollection", default: CommissionCollection.monthlyInvoice.rawValue)
        guard let collection = CommissionCollection(rawValue: collectionText) else {
            throw ConfigurationError(key: "billing.defaultCollection", reason: "must be monthly_invoice or per_reimbursement")
        }
        let daysText = reader.string(forKey: "billing.dunningRetryDays", default: "3,5,7")
        let parts = daysText.split(separator: ",")
        let days = parts.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !days.isEmpty, days.count == parts.count, days[0] > 0, zip(days, days.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw ConfigurationError(key: "billing.dunningRetryDays", reason: "must be increasing whole days after the first failure, like 3,5,7")
        }
        let lease = reader.int(forKey: "billing.chargeLeaseSeconds", default: 60)
        guard (1...3600).contains(lease) else {
            throw ConfigurationError(key: "billing.chargeLeaseSeconds", reason: "must be 1 to 3600 seconds")
        }
        self.init(defaultCommissionBasisPoints: rate, defaultCollection: collection,
                  invoiceSchedule: try CronSchedule(reader.string(forKey: "billing.invoiceSchedule", default: "0 6 1 * *")),
                  dunningRetryDays: days,
                  dunningSchedule: try CronSchedule(reader.string(forKey: "billing.dunningSchedule", default: "17 * * * *")),
                  chargeLeaseSeconds: lease)
    }
}
