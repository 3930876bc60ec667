import Configuration
import Foundation
import OpsideCore
import OpsideJobs

/// How claim-detector schedules detection.
///
/// Keys: `claims.settleDelaySeconds` (60: how long after a `sync.completed` the connection's
/// detection runs, so one sync's many datasets give one detection), `claims.dailySchedule`
/// (`0 6 * * *`: the cron line, in UTC, of the detection of every known connection that moves
/// statuses with the days), `claims.dailySpreadSeconds` (82,800: the tick's detections are spread
/// over the 23 hours after it, each connection at its own fixed time, so 10,000 sellers' detections
/// do not all start at 06:00; 0 runs them all at the tick), `claims.underpaymentToleranceBasisPoints` (100: underpayments below
/// this share of the value owed are not claims; 100 = 1 %), `claims.windows` (empty: the October
/// 2024 windows of `ClaimWindowPolicy`; entries `type[@marketplaceId]:opens-closes` change them,
/// see `ClaimWindowPolicy.overriding`).
///
/// The approval model: `approval.priorProbability` (0.65: every claim's chance before any case
/// was decided; success rates "reportedly fell to 60–70%" since March 2025, `fba-reimbursement.md`)
/// and `approval.trainingSchedule` (`30 5 * * *`: the daily retraining, in UTC, before the daily
/// detection hands the new chances to refund-engine).
public struct ClaimDetectorSettings: Sendable {
    public var settleDelay: Duration
    public var dailySchedule: CronSchedule
    /// Seconds after the daily tick over which its detections are spread (`ScheduleSpread`).
    public var dailySpreadSeconds: TimeInterval
    public var underpaymentToleranceBasisPoints: Int
    public var windows: ClaimWindowPolicy
    public var approvalPriorProbability: Double
    public var approvalTrainingSchedule: CronSchedule

    public static let defaultDailySpreadSeconds: TimeInterval = 23 * 3600

    public init(settleDelay: Duration = .seconds(60), dailySchedule: CronSchedule,
                dailySpreadSeconds: TimeInterval = ClaimDetectorSettings.defaultDailySpreadSeconds, underpaymentToleranceBasisPoints: Int = 100,
                windows: ClaimWindowPolicy = ClaimWindowPolicy(), approvalPriorProbability: Double = 0.65,
                approvalTrainingSchedule: CronSchedule) {
        self.settleDelay = settleDelay
        self.dailySchedule = dailySchedule
        self.dailySpreadSeconds = max(0, dailySpreadSeconds)
        self.underpaymentToleranceBasisPoints = underpaymentToleranceBasisPoints
        self.windows = windows
        self.approvalPriorProbability = approvalPriorProbability
        self.approvalTrainingSchedule = approvalTrainingSchedule
    }

    /// - Throws: `CronScheduleError` for a `claims.dailySchedule` that does not parse,
    ///   `ClaimWindowSettingError` for a `claims.windows` entry that does not.
    public init(reader: ConfigReader) throws {
        settleDelay = .seconds(max(0, reader.int(forKey: "claims.settleDelaySeconds", default: 60)))
        dailySchedule = try CronSchedule(reader.string(forKey: "claims.dailySchedule", default: "0 6 * * *"))
        dailySpreadSeconds = TimeInterval(max(0, reader.int(forKey: "claims.dailySpreadSeconds", default: Int(Self.defaultDailySpreadSeconds))))
        underpaymentToleranceBasisPoints = max(0, reader.int(forKey: "claims.underpaymentToleranceBasisPoints", default: 100))
        windows = try ClaimWindowPolicy().overriding(reader.string(forKey: "claims.windows", default: ""))
        approvalPriorProbability = reader.double(forKey: "approval.priorProbability", default: 0.65)
        guard approvalPriorProbability > 0.01, approvalPriorProbability < 0.99 else {
            throw ConfigurationError(key: "approval.priorProbability", reason: "must be between 0.01 and 0.99")
        }
        approvalTrainingSchedule = try CronSchedule(reader.string(forKey: "approval.trainingSchedule", default: "30 5 * * *"))
    }
}
