import Configuration
import OpsideCore
import OpsideJobs

/// The partner programme's settings.
///
/// Keys (environment spelling in brackets):
/// - `partners.defaultShareBasisPoints` [`PARTNERS_DEFAULT_SHARE_BASIS_POINTS`]: a new partner's
///   part of the commission paid by the sellers it brings, in hundredths of a percent of that
///   commission; default 2500 (25 %). A partner's own share is then an operator's setting.
/// - `partners.schedule` [`PARTNERS_SCHEDULE`]: how often earnings are accrued, sent to partners'
///   Stripe accounts and scheduled payouts made, a cron expression on the injected clock (UTC);
///   default hourly (`41 * * * *`). Earnings are also accrued as soon as a commission is paid;
///   this is the sweep behind it.
/// - `partners.defaultCountry` [`PARTNERS_DEFAULT_COUNTRY`]: the country of a partner's Express
///   account when the partner names none; default `US`.
public struct PartnerSettings: Sendable {
    public var defaultShareBasisPoints: Int
    public var schedule: CronSchedule
    public var defaultCountry: String

    public init(defaultShareBasisPoints: Int = 2500, schedule: CronSchedule, defaultCountry: String = "US") {
        self.defaultShareBasisPoints = defaultShareBasisPoints
        self.schedule = schedule
        self.defaultCountry = defaultCountry
    }

    /// - Throws: `ConfigurationError` naming the key that is out of range or does not parse.
    public init(reader: ConfigReader) throws {
        let share = reader.int(forKey: "partners.defaultShareBasisPoints", default: 2500)
        guard (0...10_000).contains(share) else {
            throw ConfigurationError(key: "partners.defaultShareBasisPoints", reason: "must be between 0 and 10000 (hundredths of a percent)")
        }
        let country = reader.string(forKey: "partners.defaultCountry", default: "US").uppercased()
        guard country.count == 2, country.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            throw ConfigurationError(key: "partners.defaultCountry", reason: "must be a two-letter country code such as US")
        }
        self.init(defaultShareBasisPoints: share, schedule: try CronSchedule(reader.string(forKey: "partners.schedule", default: "41 * * * *")),
                  defaultCountry: country)
    }
}
