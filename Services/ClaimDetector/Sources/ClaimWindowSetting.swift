import Foundation

extension ClaimWindowPolicy {
    /// The policy with the windows a `claims.windows` setting changes: a comma-separated list of
    /// `type:opens-closes` (every marketplace) or `type@marketplaceId:opens-closes` (one), in days
    /// after the claim's clock started, e.g. `removal_lost:15-90,refund_without_return@A1F83G8C2ARO7P:45-105`.
    /// - Throws: `ClaimWindowSettingError` naming the entry that does not read.
    public func overriding(_ setting: String) throws -> ClaimWindowPolicy {
        var policy = self
        for entry in setting.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            let parts = entry.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw ClaimWindowSettingError(entry: entry, reason: "expected type[@marketplace]:opens-closes") }
            let target = parts[0].split(separator: "@", maxSplits: 1).map(String.init)
            guard let type = ClaimType(rawValue: target[0]) else { throw ClaimWindowSettingError(entry: entry, reason: "unknown claim type") }
            let days = parts[1].split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
            guard days.count == 2, let opens = days[0], let closes = days[1], opens >= 0, closes >= opens else {
                throw ClaimWindowSettingError(entry: entry, reason: "the window is opens-closes, whole days, opens ≤ closes")
            }
            let window = ClaimWindow(opensAfterDays: opens, closesAfterDays: closes)
            if target.count == 2 {
                policy.byMarketplace[target[1], default: [:]][type] = window
            } else {
                policy.defaults[type] = window
                // A marketplace's own window of the type stays only where the setting names it.
                for marketplace in policy.byMarketplace.keys { policy.byMarketplace[marketplace]?[type] = nil }
            }
        }
        return policy
    }
}

/// A `claims.windows` entry that does not read.
public struct ClaimWindowSettingError: Error, Sendable, CustomStringConvertible {
    public let entry: String
    public let reason: String
    public var description: String { "claims.windows entry '\(entry)': \(reason)" }
}
