/// A value of an optional column that a row loaded without (kept NULL) because no reader
/// understood it: the row is kept, and the run's result names the value.
public struct RowWarning: Sendable, Equatable, Codable {
    public let lineNumber: Int
    public let column: String
    public let value: String
    public let reason: String

    public init(lineNumber: Int, column: String, value: String, reason: String) {
        self.lineNumber = lineNumber
        self.column = column
        self.value = value
        self.reason = reason
    }
}
