import Configuration
import Foundation
import Logging
import NIOCore
import OpsideAmazonSPAPI
import OpsideCore
import OpsidePostgres
import PostgresNIO

/// The most one imported file may hold once decompressed: whatever the upload, an import
/// reads a bounded number of bytes, lines of bounded length and a bounded number of rows.
///
/// Keys: `import.maxDecompressedBytes` (2147483648), `import.maxRows` (10000000),
/// `import.maxLineBytes` (1048576), `import.maxColumns` (1000), `import.maxConcurrentPerTenant` (2).
public struct ImportLimits: Sendable, Equatable {
    public var maxDecompressedBytes: Int
    public var report: ReportLimits
    /// Imports one tenant may have loading at once; one more is refused (429).
    public var maxConcurrentPerTenant: Int

    public init(maxDecompressedBytes: Int = 2 << 30, report: ReportLimits = ReportLimits(maxRows: 10_000_000),
                maxConcurrentPerTenant: Int = 2) {
        self.maxDecompressedBytes = maxDecompressedBytes
        self.report = report
        self.maxConcurrentPerTenant = maxConcurrentPerTenant
    }

    public init(reader: ConfigReader) {
        let defaults = ImportLimits()
        self.init(maxDecompressedBytes: reader.int(forKey: "import.maxDecompressedBytes", default: defaults.maxDecompressedBytes),
                  report: ReportLimits(maxLineBytes: reader.int(forKey: "import.maxLineBytes", default: defaults.report.maxLineBytes),
                                       maxHeaderBytes: defaults.report.maxHeaderBytes,
                                       maxColumns: reader.int(forKey: "import.maxColumns", default: defaults.report.maxColumns),
                                       maxRows: reader.int(forKey: "import.maxRows", default: defaults.report.maxRows)),
                  maxConcurrentPerTenant: reader.int(forKey: "import.maxConcurrentPerTenant", default: defaults.maxConcurrentPerTenant))
    }
}
