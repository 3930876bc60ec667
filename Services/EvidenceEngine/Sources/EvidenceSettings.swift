import Configuration
import Foundation
import OpsideCore
import OpsideDocuments
import OpsideJobs

/// How evidence-engine takes documents in and decides what they prove.
///
/// Keys:
/// - `evidence.autoSubmitThreshold` (0.85): a match at or above it makes the claim ready; refund-engine
///   files it (the seeds' default).
/// - `evidence.promptThreshold` (0.5): a match from here up to the auto-submit threshold becomes one
///   yes-or-no question for the seller; below it the claim still asks for documents.
/// - `evidence.promptExpiryHours` (72): how long a question waits for its answer.
/// - `evidence.promptReminderHours` (24): when an unanswered question is asked again (once).
/// - `evidence.sweepSchedule` (`*/10 * * * *`): the cron line (UTC) of the sweep that reminds and expires prompts.
/// - `documents.maxFileBytes` (25 MiB), `documents.maxRequestBytes` (256 MiB), `documents.maxFiles` (20),
///   `documents.maxPages` (50), `documents.parseSeconds` (60), `documents.parseMemoryMiB` (1024): the
///   limits a seller is told about, and those the parser runs under.
/// - `documents.parserPath` (beside the service's executable): the `opside-document-parser` executable.
public struct EvidenceSettings: Sendable {
    public var autoSubmitThreshold: Double
    public var promptThreshold: Double
    public var promptExpiry: TimeInterval
    public var promptReminder: TimeInterval
    public var sweepSchedule: CronSchedule
    public var limits: DocumentLimits
    public var parserPath: String?

    public init(autoSubmitThreshold: Double = 0.85, promptThreshold: Double = 0.5, promptExpiryHours: Int = 72, promptReminderHours: Int = 24,
                sweepSchedule: CronSchedule, limits: DocumentLimits = DocumentLimits(), parserPath: String? = nil) {
        self.autoSubmitThreshold = autoSubmitThreshold
        self.promptThreshold = promptThreshold
        self.promptExpiry = TimeInterval(promptExpiryHours * 3600)
        self.promptReminder = TimeInterval(promptReminderHours * 3600)
        self.sweepSchedule = sweepSchedule
        self.limits = limits
        self.parserPath = parserPath
    }

    /// - Throws: `ConfigurationError` naming the key that does not read.
    public init(reader: ConfigReader) throws {
        autoSubmitThreshold = reader.double(forKey: "evidence.autoSubmitThreshold", default: 0.85)
        promptThreshold = reader.double(forKey: "evidence.promptThreshold", default: 0.5)
        guard (0.01...1).contains(autoSubmitThreshold) else {
            throw ConfigurationError(key: "evidence.autoSubmitThreshold", reason: "must be from 0.01 to 1")
        }
        guard promptThreshold > 0, promptThreshold <= autoSubmitThreshold else {
            throw ConfigurationError(key: "evidence.promptThreshold", reason: "must be above 0 and at most evidence.autoSubmitThreshold")
        }
        let expiryHours = reader.int(forKey: "evidence.promptExpiryHours", default: 72)
        let reminderHours = reader.int(forKey: "evidence.promptReminderHours", default: 24)
        guard expiryHours >= 1 else { throw ConfigurationError(key: "evidence.promptExpiryHours", reason: "must be at least 1") }
        guard reminderHours >= 1, reminderHours < expiryHours else {
            throw ConfigurationError(key: "evidence.promptReminderHours", reason: "must be at least 1 and less than evidence.promptExpiryHours")
        }
        promptExpiry = TimeInterval(expiryHours * 3600)
        promptReminder = TimeInterval(reminderHours * 3600)
        sweepSchedule = try CronSchedule(reader.string(forKey: "evidence.sweepSchedule", default: "*/10 * * * *"))
        var limits = DocumentLimits()
        func positive(_ key: String, _ current: Int) throws -> Int {
            let value = reader.int(forKey: ConfigKey(key), default: current)
            guard value > 0 else { throw ConfigurationError(key: key, reason: "must be above 0") }
            return value
        }
        limits.maxFileBytes = try positive("documents.maxFileBytes", limits.maxFileBytes)
        limits.maxRequestBytes = try positive("documents.maxRequestBytes", limits.maxRequestBytes)
        limits.maxFilesPerRequest = try positive("documents.maxFiles", limits.maxFilesPerRequest)
        limits.maxPages = try positive("documents.maxPages", limits.maxPages)
        limits.parseSeconds = Double(try positive("documents.parseSeconds", Int(limits.parseSeconds)))
        limits.parseMemoryBytes = try positive("documents.parseMemoryMiB", limits.parseMemoryBytes >> 20) << 20
        self.limits = limits
        parserPath = reader.string(forKey: "documents.parserPath")
    }
}
