import Foundation
import NIOCore
import OpsideCore
import Synchronization

/// One data line of a report, read by column name.
public struct ReportRecord: Sendable {
    public let header: ReportHeader
    public let fields: [String]
    /// 1-based line number in the file (the header is line 1).
    public let line: Int

    /// The field under the first of `columns` the header has; nil when absent or empty.
    public func string(_ columns: String...) -> String? { value(columns) }

    func value(_ columns: [String]) -> String? {
        for column in columns {
            if let index = header.index(of: column) {
                guard index < fields.count else { return nil }
                var field = fields[index]
                // Most fields have no surrounding blanks: skip Foundation's (slow) trimming for them.
                let ends = field.withUTF8 { bytes in bytes.first.map { ($0, bytes[bytes.count - 1]) } }
                guard let (first, last) = ends else { return nil }
                if first != 0x20, first != 0x09, last != 0x20, last != 0x09, first < 0x80, last < 0x80 { return field }
                let value = field.trimmingCharacters(in: .whitespaces)
                return value.isEmpty ? nil : value
            }
        }
        return nil
    }

    /// A field that must be present.
    public func required(_ columns: String...) throws(ReportRowError) -> String {
        guard let value = value(columns) else { throw ReportRowError("missing \(columns.first ?? "?")") }
        return value
    }

    /// An integer field (`-3`, `+2`, `1,234`); nil when absent or empty.
    public func int(_ columns: String...) throws(ReportRowError) -> Int? {
        guard let text = value(columns) else { return nil }
        guard let number = Self.wholeNumber(text) else { throw ReportRowError("\(columns.first ?? "?") is not a whole number: \(text)") }
        return number
    }

    /// `Int(text)` once every `,` and `+` is dropped, read byte by byte: Foundation's
    /// `replacingOccurrences` twice per field was a large share of a ledger row's cost.
    static func wholeNumber(_ text: String) -> Int? {
        var value = 0
        var negative = false, sawDigit = false, sawSignificant = false
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: ","), UInt8(ascii: "+"):
                continue
            case UInt8(ascii: "-") where !sawSignificant:
                negative = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                let digit = Int(byte &- UInt8(ascii: "0"))
                let (shifted, overflowA) = value.multipliedReportingOverflow(by: 10)
                // Negative numbers accumulate downwards so that Int.min still fits.
                let (next, overflowB) = negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
                if overflowA || overflowB { return nil }
                value = next
                sawDigit = true
            default:
                return nil
            }
            sawSignificant = true
        }
        return sawDigit ? value : nil
    }

    /// An amount of money (`12.34`, `-1,234.50`), checked to be decimal text; nil when absent or
    /// empty. Its currency is the row's or the marketplace's, so it becomes `Money` there.
    public func amount(_ columns: String...) throws(ReportRowError) -> ReportAmount? {
        guard let text = value(columns) else { return nil }
        do throws(MoneyError) {
            return try ReportAmount(text)
        } catch {
            throw ReportRowError("\(columns.first ?? "?") is not an amount: \(text)")
        }
    }

    /// A decimal measure that is not money (a length, a weight); nil when absent or empty.
    public func decimal(_ columns: String...) throws(ReportRowError) -> Decimal? {
        guard let text = value(columns) else { return nil }
        let cleaned = text.replacingOccurrences(of: ",", with: "")
        guard let number = Decimal(string: cleaned, locale: Locale(identifier: "en_US_POSIX")) else {
            throw ReportRowError("\(columns.first ?? "?") is not an amount: \(text)")
        }
        return number
    }
}

/// A typed row of one report type.
public protocol ReportRow: Sendable {
    /// The report type this row belongs to, e.g. `GET_LEDGER_DETAIL_VIEW_DATA`.
    static var reportType: String { get }
    init(record: ReportRecord) throws(ReportRowError)
}

/// Any report, untyped: the record itself.
extension ReportRecord: ReportRow {
    public static var reportType: String { "" }
    public init(record: ReportRecord) { self = record }
}
