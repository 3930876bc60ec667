/// Where a field's value came from and how sure the extractor is: what a UI shows beside it
/// ("label 'Invoice No.' on page 1, line 4").
public struct FieldSource: Codable, Sendable, Equatable {
    public enum Field: String, Codable, Sendable, CaseIterable {
        case documentType, supplier, number, purchaseOrderNumber, date, currency, incoterm
        case subtotal, tax, total, freight, duty, otherCharges, discount, lines
    }

    public var field: Field
    /// 1-based page (or table number for a table input).
    public var page: Int
    /// 0-based line on that page.
    public var lineIndex: Int
    /// The text the value was read from.
    public var text: String
    /// How it was found, in words: "label 'Invoice No.' on page 1, value to its right".
    public var how: String
    /// 0…1: 0.95 for a value next to its label, less for a guess from layout or a fallback.
    public var confidence: Double
    /// True when `page` is a table number of the input's `tables` (then `lineIndex` is a row).
    public var fromTable: Bool

    public init(field: Field, page: Int, lineIndex: Int, text: String, how: String, confidence: Double, fromTable: Bool = false) {
        self.field = field
        self.page = page
        self.lineIndex = lineIndex
        self.text = text
        self.how = how
        self.confidence = confidence
        self.fromTable = fromTable
    }
}
