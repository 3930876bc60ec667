import Foundation

/// A charge on the document besides the goods: what landed cost adds and manufacturing cost
/// leaves out.
public struct InvoiceCharge: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// Freight, shipping, delivery, courier, postage.
        case freight
        /// Duty, customs, tariff.
        case duty
        /// Handling, insurance, packing, bank and inspection fees.
        case other
    }

    public var kind: Kind
    /// The label as printed ("Ocean Freight", "Insurance").
    public var label: String
    public var amount: Decimal
    public var page: Int
    public var lineIndex: Int

    public init(kind: Kind, label: String, amount: Decimal, page: Int, lineIndex: Int) {
        self.kind = kind
        self.label = label
        self.amount = amount
        self.page = page
        self.lineIndex = lineIndex
    }
}
