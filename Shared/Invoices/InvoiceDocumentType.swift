/// What kind of supplier document it is, from its title or, failing that, its labels.
public enum InvoiceDocumentType: String, Codable, Sendable, Equatable, CaseIterable {
    /// An invoice (commercial, tax or proforma): what the seller was billed.
    case invoice
    /// A purchase order (or a supplier's order confirmation): what the seller ordered.
    case purchaseOrder
    /// A price list or quotation: prices without quantities or totals.
    case priceList
    case unknown
}
