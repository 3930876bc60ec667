import Foundation

/// What `InvoiceExtractor` read from one supplier document.
///
/// Amounts are `Decimal` exactly as printed (unit prices keep their 3–4 decimals), in
/// `currency`; `MinorUnitAmount` turns one into integer minor units. Every value found carries a
/// `FieldSource`; everything that disagrees or is missing is an `InvoiceCheck`.
public struct InvoiceFields: Codable, Sendable, Equatable {
    public var documentType: InvoiceDocumentType
    public var supplier: String?
    /// The invoice number (or, on a purchase order, the PO number).
    public var number: String?
    /// A purchase order the document refers to (an invoice's "PO No."), when it names one.
    public var purchaseOrderNumber: String?
    public var date: InvoiceDate?
    /// Both readings of a day/month-ambiguous date nothing resolved (then `date` is nil).
    public var dateCandidates: [InvoiceDate]
    /// ISO 4217 code, nil when absent or ambiguous (see `checks`).
    public var currency: String?
    public var incoterm: Incoterm?
    public var lines: [InvoiceLine]
    /// Each freight, duty or other charge as printed; `freight`, `duty`, `otherCharges` are sums.
    public var charges: [InvoiceCharge]
    public var freight: Decimal?
    public var duty: Decimal?
    public var otherCharges: Decimal?
    /// An invoice-level discount, as a positive amount that lowers the total.
    public var discount: Decimal?
    public var subtotal: Decimal?
    public var tax: Decimal?
    public var total: Decimal?
    public var pageCount: Int
    /// How the document writes numbers.
    public var numberFormat: NumberFormat
    public var sources: [FieldSource]
    public var checks: [InvoiceCheck]

    public init(documentType: InvoiceDocumentType = .unknown, supplier: String? = nil, number: String? = nil,
                purchaseOrderNumber: String? = nil, date: InvoiceDate? = nil, dateCandidates: [InvoiceDate] = [],
                currency: String? = nil, incoterm: Incoterm? = nil, lines: [InvoiceLine] = [], charges: [InvoiceCharge] = [],
                freight: Decimal? = nil, duty: Decimal? = nil, otherCharges: Decimal? = nil, discount: Decimal? = nil,
                subtotal: Decimal? = nil, tax: Decimal? = nil, total: Decimal? = nil, pageCount: Int = 0,
                numberFormat: NumberFormat = .pointDecimal, sources: [FieldSource] = [], checks: [InvoiceCheck] = []) {
        self.documentType = documentType
        self.supplier = supplier
        self.number = number
        self.purchaseOrderNumber = purchaseOrderNumber
        self.date = date
        self.dateCandidates = dateCandidates
        self.currency = currency
        self.incoterm = incoterm
        self.lines = lines
        self.charges = charges
        self.freight = freight
        self.duty = duty
        self.otherCharges = otherCharges
        self.discount = discount
        self.subtotal = subtotal
        self.tax = tax
        self.total = total
        self.pageCount = pageCount
        self.numberFormat = numberFormat
        self.sources = sources
        self.checks = checks
    }

    /// The source recorded for `field`, if the value was found.
    public func source(of field: FieldSource.Field) -> FieldSource? {
        sources.first { $0.field == field }
    }

    /// The checks with `code`.
    public func checks(_ code: InvoiceCheck.Code) -> [InvoiceCheck] {
        checks.filter { $0.code == code }
    }
}

/// How a document writes numbers: `1,234.50` or `1.234,50`.
public enum NumberFormat: String, Codable, Sendable, Equatable {
    /// `1,234.50` (English, Chinese, Japanese documents).
    case pointDecimal
    /// `1.234,50` or `1 234,50` (most of continental Europe).
    case commaDecimal
}
