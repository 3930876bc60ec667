/// A finding about the document a person should see: figures that disagree, a field not found,
/// a value that needed a guess.
public struct InvoiceCheck: Codable, Sendable, Equatable {
    public enum Code: String, Codable, Sendable, CaseIterable {
        /// quantity × unit price (less discount) differs from the line total.
        case lineArithmetic
        /// The sum of the line totals differs from the subtotal.
        case linesVersusSubtotal
        /// subtotal + charges + tax − discount differs from the total.
        case totalMismatch
        case missingDate, missingNumber, missingCurrency, missingSupplier, missingTotal
        /// No goods line was read.
        case noLines
        /// A symbol fits several currencies (¥: JPY or CNY) and nothing decides.
        case ambiguousCurrency
        /// A currency taken from a symbol alone (`$` read as USD).
        case currencyAssumed
        /// Two currencies are named; the one on the amounts was kept.
        case currencyConflict
        /// A date like 05/03/2026 reads both ways and nothing decides.
        case ambiguousDate
        /// How many pages were read.
        case pageCount
        /// "Page 1 of 4" but a different number of pages arrived.
        case pageNumbering
        /// A unit price or quantity worked out from the other figures of the line.
        case derivedFigure
        /// A number was read through OCR repairs (`l2O.5O` read as 120.50).
        case repairedNumber
    }

    public enum Severity: String, Codable, Sendable, Comparable {
        case info, warning, error

        public static func < (lhs: Severity, rhs: Severity) -> Bool {
            let order: [Severity] = [.info, .warning, .error]
            return order.firstIndex(of: lhs)! < order.firstIndex(of: rhs)!
        }
    }

    public var code: Code
    public var severity: Severity
    /// The finding in words, with the figures.
    public var message: String
    public var page: Int?
    public var lineIndex: Int?

    public init(code: Code, severity: Severity, message: String, page: Int? = nil, lineIndex: Int? = nil) {
        self.code = code
        self.severity = severity
        self.message = message
        self.page = page
        self.lineIndex = lineIndex
    }
}
