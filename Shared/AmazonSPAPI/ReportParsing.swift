import Foundation
import NIOCore
import OpsideCore
import Synchronization

/// The text encoding of a flat-file report.
public enum ReportTextEncoding: Sendable, Equatable {
    case utf8
    case windowsCP1252
    case shiftJIS
    /// UTF-8 where a field is valid UTF-8, `fallback` (Windows-1252 unless told otherwise) where
    /// it is not. Amazon's EU files are often Windows-1252 and JP files Shift_JIS, undeclared.
    indirect case automatic(fallback: ReportTextEncoding?)

    var foundationEncoding: String.Encoding {
        switch self {
        case .utf8: .utf8
        case .windowsCP1252: .windowsCP1252
        case .shiftJIS: .shiftJIS
        case .automatic(let fallback): fallback?.foundationEncoding ?? .windowsCP1252
        }
    }
}

/// How rows are decoded.
public struct ReportParsingOptions: Sendable {
    public var encoding: ReportTextEncoding
    /// Skip rows that do not fit (counting them in `statistics`) instead of failing the report.
    public var skipMalformedRows: Bool
    /// Counts rows and skipped rows, readable while or after iterating.
    public var statistics: ReportParsingStatistics
    /// Told about every skipped row (line number, reason, the line's text), so a caller can keep
    /// it (inventory-sync's quarantine) instead of only counting it.
    public var onSkippedRow: (@Sendable (_ line: Int, _ reason: String, _ text: String) -> Void)?
    /// What one report may hold at most; past a limit the parse fails with `ReportLimitError`.
    public var limits: ReportLimits

    public init(encoding: ReportTextEncoding = .automatic(fallback: nil), skipMalformedRows: Bool = false,
                statistics: ReportParsingStatistics = ReportParsingStatistics(),
                onSkippedRow: (@Sendable (_ line: Int, _ reason: String, _ text: String) -> Void)? = nil,
                limits: ReportLimits = ReportLimits()) {
        self.encoding = encoding
        self.skipMalformedRows = skipMalformedRows
        self.statistics = statistics
        self.onSkippedRow = onSkippedRow
        self.limits = limits
    }
}

/// Bounds on one report, so that no input (a gzip bomb, a line without an end, a header of a
/// million columns) can make a parse hold more than a few lines in memory or run for long.
/// Amazon's widest flat file has under 100 columns and lines of a few hundred bytes.
public struct ReportLimits: Sendable, Equatable {
    /// Longest line, header included, in bytes (without its line end).
    public var maxLineBytes: Int
    /// Longest header line, in bytes.
    public var maxHeaderBytes: Int
    /// Most columns a header may name.
    public var maxColumns: Int
    /// Most data lines (rows, malformed ones included).
    public var maxRows: Int

    public init(maxLineBytes: Int = 1 << 20, maxHeaderBytes: Int = 64 << 10, maxColumns: Int = 1_000, maxRows: Int = .max) {
        self.maxLineBytes = maxLineBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxColumns = maxColumns
        self.maxRows = maxRows
    }
}

/// A report went past one of its limits: the whole report is refused, nothing of it is kept.
public struct ReportLimitError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case lineTooLong = "line_too_long"
        case headerTooLong = "header_too_long"
        case tooManyColumns = "too_many_columns"
        case tooManyRows = "too_many_rows"
        case decompressedTooLarge = "decompressed_too_large"
    }
    public let kind: Kind
    public let limit: Int
    /// The line the parse stopped at (1 = header), when a line is to blame.
    public let line: Int?

    public init(_ kind: Kind, limit: Int, line: Int? = nil) {
        self.kind = kind
        self.limit = limit
        self.line = line
    }

    public var description: String {
        let at = line.map { "line \($0) " } ?? ""
        return switch kind {
        case .lineTooLong: "\(at)is longer than \(limit) bytes (is the file a tab-separated report with line ends?)"
        case .headerTooLong: "the header line is longer than \(limit) bytes"
        case .tooManyColumns: "the header names more than \(limit) columns"
        case .tooManyRows: "the report has more than \(limit) rows; split it into smaller date ranges"
        case .decompressedTooLarge: "the report is larger than \(limit) bytes once decompressed"
        }
    }
}

/// Row counters shared with whoever started the parse.
public final class ReportParsingStatistics: Sendable {
    private let counts = Mutex<(rows: Int, skipped: Int, firstSkipReason: String?)>((0, 0, nil))
    public init() {}
    public var rows: Int { counts.withLock { $0.rows } }
    public var skippedRows: Int { counts.withLock { $0.skipped } }
    public var firstSkipReason: String? { counts.withLock { $0.firstSkipReason } }
    func countRow() { counts.withLock { $0.rows += 1 } }
    func countSkip(_ reason: String) {
        counts.withLock {
            $0.skipped += 1
            if $0.firstSkipReason == nil { $0.firstSkipReason = reason }
        }
    }
}

/// Why one row could not become a typed row.
public struct ReportRowError: Error, Sendable, CustomStringConvertible {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}
