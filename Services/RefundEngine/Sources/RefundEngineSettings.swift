import Configuration
import Foundation
import OpsideAmazonSPAPI
import OpsideCore
import OpsideJobs

/// How refund-engine files and follows cases.
///
/// Keys:
/// - `filing.defaultChannel` (`assisted`): the channel of a tenant that chose none. `assisted` is
///   the one for real accounts; `sandbox` files at the Amazon sandbox's case desk.
/// - `filing.continuousByDefault` (false): whether a tenant that never started or stopped
///   continuous filing has it on.
/// - `filing.dailyLimit` (25): cases filed per seller (connection) and marketplace day at most,
///   unless the tenant set its own; Amazon frowns on floods of requests.
/// - `filing.retryMinutes` (`5,60,1440`): the waits after a failed filing attempt, then the case
///   is marked failed.
/// - `filing.reminderDays` (`7,2`): the reminders sent before an assisted case's deadline.
/// - `filing.sweepSchedule` (`*/5 * * * *`): the cron line (UTC) of the sweep that files due
///   cases, follows filed ones, reminds and marks missed deadlines.
/// - `filing.caseDeskUrl` (the local Amazon sandbox; required in production for the sandbox
///   channel to be offered): the Seller Central case desk the sandbox channel files at.
/// - `filing.caseDeskTimeoutSeconds` (15): how long one call to the case desk may take; a call
///   that times out is retried with the same idempotency key.
/// - `filing.stuckFilingSeconds` (300): a case left `filing` this long was interrupted (a crash
///   between the desk's answer and our record of it); it is filed again with the same idempotency
///   key, which gives back the same Amazon case.
/// - `filing.defaultApprovalProbability` (0.6): the chance of approval a case takes when
///   claim-detector's listing gives its claim none (its approval model gives every claim one).
public struct RefundEngineSettings: Sendable {
    public var defaultChannel: CaseChannel
    public var continuousByDefault: Bool
    public var dailyLimit: Int
    public var retryDelays: [Duration]
    public var reminderDays: [Int]
    public var sweepSchedule: CronSchedule
    /// nil when the sandbox channel is not offered (production without a desk).
    public var caseDeskURL: String?
    public var defaultApprovalProbability: Double
    public var stuckFilingSeconds: Double
    public var caseDeskTimeout: Duration = .seconds(15)

    public init(defaultChannel: CaseChannel = .assisted, continuousByDefault: Bool = false, dailyLimit: Int = 25,
                retryDelays: [Duration] = [.seconds(300), .seconds(3600), .seconds(86_400)], reminderDays: [Int] = [7, 2],
                sweepSchedule: CronSchedule, caseDeskURL: String?, defaultApprovalProbability: Double = 0.6,
                stuckFilingSeconds: Double = 300) {
        self.defaultChannel = defaultChannel
        self.continuousByDefault = continuousByDefault
        self.dailyLimit = dailyLimit
        self.retryDelays = retryDelays
        self.reminderDays = reminderDays.sorted(by: >)
        self.sweepSchedule = sweepSchedule
        self.caseDeskURL = caseDeskURL
        self.defaultApprovalProbability = defaultApprovalProbability
        self.stuckFilingSeconds = stuckFilingSeconds
    }

    /// - Throws: `ConfigurationError` naming the key that does not read.
    public init(reader: ConfigReader) throws {
        let channelText = reader.string(forKey: "filing.defaultChannel", default: CaseChannel.assisted.rawValue)
        guard let channel = CaseChannel(rawValue: channelText) else {
            throw ConfigurationError(key: "filing.defaultChannel", reason: "must be assisted or sandbox, not '\(channelText)'")
        }
        defaultChannel = channel
        continuousByDefault = reader.bool(forKey: "filing.continuousByDefault", default: false)
        dailyLimit = reader.int(forKey: "filing.dailyLimit", default: 25)
        guard (1...1000).contains(dailyLimit) else { throw ConfigurationError(key: "filing.dailyLimit", reason: "must be from 1 to 1000") }
        retryDelays = try Self.numbers(reader.string(forKey: "filing.retryMinutes", default: "5,60,1440"), key: "filing.retryMinutes")
            .map { .seconds($0 * 60) }
        reminderDays = try Self.numbers(reader.string(forKey: "filing.reminderDays", default: "7,2"), key: "filing.reminderDays").sorted(by: >)
        sweepSchedule = try CronSchedule(reader.string(forKey: "filing.sweepSchedule", default: "*/5 * * * *"))
        let profile = try DeploymentProfile(reader: reader)
        let configured = reader.string(forKey: "filing.caseDeskUrl")
        switch profile {
        case .development: caseDeskURL = configured ?? AmazonSPAPISettings.localSandbox
        case .production: caseDeskURL = configured.flatMap { $0.isEmpty ? nil : $0 }
        }
        defaultApprovalProbability = reader.double(forKey: "filing.defaultApprovalProbability", default: 0.6)
        guard (0.01...1).contains(defaultApprovalProbability) else {
            throw ConfigurationError(key: "filing.defaultApprovalProbability", reason: "must be from 0.01 to 1")
        }
        stuckFilingSeconds = Double(max(1, reader.int(forKey: "filing.stuckFilingSeconds", default: 300)))
        caseDeskTimeout = .seconds(max(1, reader.int(forKey: "filing.caseDeskTimeoutSeconds", default: 15)))
        if channel == .sandbox, caseDeskURL == nil {
            throw ConfigurationError(key: "filing.caseDeskUrl", reason: "is required for the sandbox channel in the production profile")
        }
    }

    static func numbers(_ text: String, key: String) throws -> [Int] {
        let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let values = parts.compactMap { Int($0) }
        guard !values.isEmpty, values.count == parts.count, values.allSatisfy({ $0 > 0 }) else {
            throw ConfigurationError(key: key, reason: "must be a comma-separated list of positive whole numbers, not '\(text)'")
        }
        return values
    }
}
