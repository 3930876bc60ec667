import Configuration
import Foundation
import Logging
import NIOCore
import OpsideAmazonSPAPI
import OpsideCore
import OpsidePostgres
import PostgresNIO

/// What an import did.
public struct ImportResult: Codable, Sendable, Equatable {
    public let runId: UUID
    public let detectedReportType: String
    public let dataset: String
    /// Data lines that became rows (before de-duplication by natural key).
    public let rowsLoaded: Int
    public let rowsInserted: Int
    public let rowsUpdated: Int
    public let rowsQuarantined: Int
    /// Line numbers (1 = header) of the quarantined lines, first 1,000.
    public let quarantinedLines: [Int]
    /// Rows that loaded without a value of an optional column no reader understood.
    public let rowsWithWarnings: Int
    /// Those values, with line and column (the first 100).
    public let warnings: [RowWarning]

    public init(runId: UUID, detectedReportType: String, dataset: String, rowsLoaded: Int, rowsInserted: Int, rowsUpdated: Int,
                rowsQuarantined: Int, quarantinedLines: [Int], rowsWithWarnings: Int = 0, warnings: [RowWarning] = []) {
        self.runId = runId
        self.detectedReportType = detectedReportType
        self.dataset = dataset
        self.rowsLoaded = rowsLoaded
        self.rowsInserted = rowsInserted
        self.rowsUpdated = rowsUpdated
        self.rowsQuarantined = rowsQuarantined
        self.quarantinedLines = quarantinedLines
        self.rowsWithWarnings = rowsWithWarnings
        self.warnings = warnings
    }
}
