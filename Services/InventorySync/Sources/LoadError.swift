/// Why a load stopped. Each case says what a person would need to fix.
public enum LoadError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The file's header lacks columns the report type cannot do without.
    case missingColumns(reportType: String, columns: [String])
    /// No known report type matches the header of an imported file.
    case unknownReportType(header: [String])
    /// The file is a Date Range transaction report in a language other than English: its
    /// columns are read by their English names (US and UK).
    case localizedReport(header: [String])
    /// The file is empty or has no header line.
    case emptyFile
    /// A mapping produced a row of the wrong width (a bug in the mapping, caught before COPY).
    case rowWidth(expected: Int, got: Int)
    /// A JSON report document Amazon sent does not have the report's shape.
    case malformedDocument(reportType: String, reason: String)

    public var description: String {
        switch self {
        case .missingColumns(let type, let columns):
            "the \(type) file lacks required column(s) \(columns.joined(separator: ", "))"
        case .unknownReportType(let header):
            "no known report type has the header \(header.prefix(12).joined(separator: ", "))"
        case .localizedReport(let header):
            "this Date Range transaction report is not in English (its header is \(header.prefix(8).joined(separator: ", ")), …); "
                + "download it again with Seller Central's language set to English"
        case .emptyFile: "the file is empty or has no header line"
        case .rowWidth(let expected, let got): "internal: a row has \(got) values for \(expected) columns"
        case .malformedDocument(let type, let reason): "the \(type) document Amazon sent cannot be read: \(reason)"
        }
    }
}
