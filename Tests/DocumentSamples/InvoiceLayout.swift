/// The look of a sample supplier document. Each is drawn at absolute positions, as real
/// invoices are, with its own header, column order and conventions.
public enum InvoiceLayout: String, Sendable, Hashable, Codable, CaseIterable {
    /// Logo-ish header, bill-to block, Description / SKU / Qty / Unit Price / Amount.
    case classic
    /// Right-aligned labels; Item No. / Description / Unit Price / Qty / Total.
    case modern
    /// A Chinese exporter's commercial invoice: boxed "Invoice No." beside "Date", the incoterm
    /// line ("FOB Shenzhen"), freight and duty lines.
    case commercial
    /// A European supplier: comma decimals (`1.234,50 €`), day-first dates, VAT.
    case europe
    /// The seller's purchase order to a supplier ("PURCHASE ORDER", PO Number).
    case purchaseOrder
    /// 60–120 lines on several pages: the table continues with its header repeated, totals on the last page.
    case multiPage
}
