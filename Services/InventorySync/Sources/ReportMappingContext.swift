import Foundation
import OpsideAmazonData
import OpsideAmazonSPAPI
import OpsideCore

/// What a mapping knows besides the row: the report's marketplace (its id, currency and day
/// order), and the warnings of the row being mapped.
struct ReportMappingContext {
    let marketplace: AmazonMarketplace
    /// Values of optional columns the row loads without, reset for each row.
    var warnings: [(column: String, value: String, reason: String)] = []

    init(marketplace: AmazonMarketplace) { self.marketplace = marketplace }

    /// An optional column's value, read by `read`; when it cannot be read, nil and a warning:
    /// the row still loads (a column the report may lack is never worth a row).
    mutating func optional<Value>(_ column: String, _ text: String?,
                                  _ read: (String?) throws(ReportRowError) -> Value?) -> Value? {
        do throws(ReportRowError) {
            return try read(text)
        } catch {
            warnings.append((column, text ?? "", error.reason))
            return nil
        }
    }
}
