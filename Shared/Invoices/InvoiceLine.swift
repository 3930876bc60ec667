import Foundation

/// One goods line of a supplier document, with where it was read.
///
/// `quantity` and `lineTotal` are optional on purpose: a price list states prices only, and a
/// missing quantity must stay distinguishable from a line that says "0" (which the anomaly
/// detector flags). `unitPrice` is the price as printed, before any line discount; `lineTotal` is
/// the amount as printed, after it.
public struct InvoiceLine: Codable, Sendable, Equatable {
    public var description: String
    /// The supplier's own code (Item No., Model, Part No.).
    public var supplierSku: String?
    /// The seller's SKU when the line names it (a "Your SKU" column, or "SKU: …" in the text).
    public var sku: String?
    /// An Amazon ASIN (`B0` and eight letters or digits) when the line names one.
    public var asin: String?
    public var quantity: Int?
    /// The unit of measure as printed ("PCS", "SET"), when a column gives it.
    public var unit: String?
    public var unitPrice: Decimal
    /// A line discount in percent (`10` is 10 %), when a discount column gives one.
    public var discountPercent: Decimal?
    /// A line discount as an amount for the whole line, when a discount column gives one.
    public var discountAmount: Decimal?
    public var lineTotal: Decimal?
    /// Page (1-based) or, for a table input, table number (1-based).
    public var page: Int
    /// Line on that page (0-based), or row of that table, where the line starts.
    public var lineIndex: Int
    /// How many text lines it spans (a long description continues below).
    public var lineCount: Int
    /// The text it was read from, lines joined with a newline: what a UI highlights.
    public var sourceText: String
    /// True when the line was read from `tables` (then `page` is a table number).
    public var fromTable: Bool

    public init(description: String, supplierSku: String? = nil, sku: String? = nil, asin: String? = nil,
                quantity: Int?, unit: String? = nil, unitPrice: Decimal, discountPercent: Decimal? = nil,
                discountAmount: Decimal? = nil, lineTotal: Decimal?, page: Int = 1, lineIndex: Int = 0, lineCount: Int = 1,
                sourceText: String = "", fromTable: Bool = false) {
        self.description = description
        self.supplierSku = supplierSku
        self.sku = sku
        self.asin = asin
        self.quantity = quantity
        self.unit = unit
        self.unitPrice = unitPrice
        self.discountPercent = discountPercent
        self.discountAmount = discountAmount
        self.lineTotal = lineTotal
        self.page = page
        self.lineIndex = lineIndex
        self.lineCount = lineCount
        self.sourceText = sourceText
        self.fromTable = fromTable
    }

    /// The line's value after its discount: the printed line total, else quantity × unit price
    /// less the discount; nil for a price-list line (no quantity).
    public var netAmount: Decimal? {
        if let lineTotal { return lineTotal }
        guard let quantity else { return nil }
        var amount = unitPrice * Decimal(quantity)
        if let discountPercent { amount -= amount * discountPercent / 100 }
        if let discountAmount { amount -= discountAmount }
        return amount
    }
}
