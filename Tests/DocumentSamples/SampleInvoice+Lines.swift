import Foundation

extension SampleInvoice {
    /// A line to put on an invoice: what it says, the seller's SKU when it prints one, how many, at what price.
    public struct LineSpec: Sendable, Equatable {
        public var description: String
        public var sellerSku: String?
        public var quantity: Int
        public var unitPrice: Decimal

        public init(description: String, sellerSku: String? = nil, quantity: Int, unitPrice: Decimal) {
            self.description = description
            self.sellerSku = sellerSku
            self.quantity = quantity
            self.unitPrice = unitPrice
        }
    }

    /// An invoice with exactly these lines and totals that add up (no tax, the given freight),
    /// laid out like the generator's `layout` invoices for `seed`: for tests and the demo seller,
    /// which need an invoice about given SKUs.
    public static func with(lines: [LineSpec], number: String, issueDate: SampleDate, currency: String, supplier: String? = nil,
                            freight: Decimal = 40, seed: UInt64, layout: InvoiceLayout = .classic) -> SampleInvoice {
        var generator = SampleInvoiceGenerator(seed: seed, catalog: [SellerCatalogItem(sku: "TEMPLATE-1", asin: "B000000001", title: "Template item")])
        var invoice = generator.invoice(layout: layout, lineCount: max(1, lines.count))
        let template = invoice.lines[0]
        invoice.lines = lines.enumerated().map { index, spec in
            var line = template
            line.description = spec.description
            line.supplierSku = "SUP-\(100 + index)"
            line.sellerSku = spec.sellerSku
            line.asin = nil
            line.catalogSku = spec.sellerSku
            line.reference = spec.sellerSku == nil ? .paraphrasedTitle : .sellerSku
            line.quantity = spec.quantity
            line.unitPrice = spec.unitPrice
            line.lineTotal = spec.unitPrice * Decimal(spec.quantity)
            return line
        }
        invoice.number = number
        invoice.issueDate = issueDate
        invoice.dueDate = nil
        invoice.currency = currency
        if let supplier { invoice.supplier.name = supplier }
        invoice.freight = freight
        invoice.duty = 0
        invoice.otherCharges = []
        invoice.subtotal = invoice.lines.reduce(Decimal(0)) { $0 + $1.lineTotal }
        invoice.taxRate = 0
        invoice.tax = 0
        invoice.total = invoice.subtotal + freight
        invoice.numberStyle = currency == "EUR" && layout == .europe ? .european : .us
        return invoice
    }
}
