/// One sheet of a workbook, or the CSV: rows of cells as text, gaps kept as empty strings so a
/// column stays a column (A1 and C1 give ["a", "", "c"]).
public struct ParsedTable: Codable, Sendable, Hashable {
    /// The sheet's name; nil for CSV, which has none (and the file name is not trusted).
    public var name: String?
    public var rows: [[String]]

    public init(name: String?, rows: [[String]]) {
        self.name = name
        self.rows = rows
    }
}
