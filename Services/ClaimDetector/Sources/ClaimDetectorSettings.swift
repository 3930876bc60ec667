import Configuration
import Foundation
import OpsideJobs

/// How claim-detector schedules detection.
///
/// Keys: `claims.settleDelaySeconds` (60: how long after a `sync.completed` the connection's
/// detection runs, so one sync's many datasets give one detection), `claims.dailySchedule`
/// (`0 6 * * *`: the cron line, in UTC, of the detection of every known connection that moves
/// statuses with the days), `claims.underpaymentToleranceBasisPoints` (100: underpayments below
/// this share of the value owed are not claims; 100 = 1 %), `claims.windows` (empty: the October
/// 2024 windows of `ClaimWindowPolicy`; entries `type[@marketplaceId]:opens-closes` change them,
/// see `ClaimWindowPolicy.overriding`).
public struct ClaimDetectorSettings: Sendable {
    public var settleDelay: Duration
    public var dailySchedule: CronSchedule
    public var underpaymentToleranceBasisPoints: Int
    public var windows: ClaimWindowPolicy

    public init(settleDelay: Duration = .seconds(60), dailySchedule: CronSchedule, underpaymentToleranceBasisPoints: Int = 100,
                windows: ClaimWindowPolicy = ClaimWindowPolicy()) {
        self.settleDelay = settleDelay
        self.dailySchedule = dailySchedule
        self.underpaymentToleranceBasisPoints = underpaymentToleranceBasisPoints
        self.windows = windows
    }

    /// - Throws: `CronScheduleError` for a `claims.dailySchedule` that does not parse,
    ///   `ClaimWindowSettingError` for a `claims.windows` entry that does not.
    public init(reader: ConfigReader) throws {
        settleDelay = .seconds(max(0, reader.int(forKey: "claims.settleDelaySeconds", default: 60)))
        dailySchedule = try CronSchedule(reader.string(forKey: "claims.dailySchedule", default: "0 6 * * *"))
        underpaymentToleranceBasisPoints = max(0, reader.int(forKey: "claims.underpaymentToleranceBasisPoints", default: 100))
        windows = try ClaimWindowPolicy().overriding(reader.string(forKey: "claims.windows", default: ""))
    }
}
