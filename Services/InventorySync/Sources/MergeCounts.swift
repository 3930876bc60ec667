import Foundation

/// A malformed source line kept in `amazon.sync_quarantine`.
public struct QuarantinedLine: Sendable, Equatable, Codable {
    public let lineNumber: Int
    public let reason: String
    public let rawLine: String
}

/// What one merge changed.
public struct MergeCounts: Sendable, Equatable, Codable {
    public var staged = 0
    public var inserted = 0
    public var updated = 0
    public var quarantined = 0
    /// Rows that loaded without a value of theirs (see `RowWarning`).
    public var warned = 0

    static func + (lhs: MergeCounts, rhs: MergeCounts) -> MergeCounts {
        MergeCounts(staged: lhs.staged + rhs.staged, inserted: lhs.inserted + rhs.inserted,
                    updated: lhs.updated + rhs.updated, quarantined: lhs.quarantined + rhs.quarantined,
                    warned: lhs.warned + rhs.warned)
    }
}
