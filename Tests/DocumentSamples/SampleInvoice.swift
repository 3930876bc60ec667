import Foundation

/// The planted truth of a sample supplier document: every value printed on it, so a test can
/// compare what a parser extracted with what is really there.
public struct SampleInvoice: Sendable, Hashable, Codable {
    /// What the document is.
    public enum Kind: String, Sendable, Hashable, Codable {
        case invoice
        case commercialInvoice
        case purchaseOrder
    }

    public var kind: Kind
    /// The invoice number, or the PO number of a purchase order.
    public var number: String
    public var issueDate: SampleDate
    public var dueDate: SampleDate?
    /// ISO 4217.
    public var currency: String
    public var supplier: SampleParty
    public var billTo: SampleParty
    public var shipTo: SampleParty?
    public var incoterm: SampleIncoterm?
    public var paymentTerms: String?
    public var lines: [SampleInvoiceLine]
    public var freight: Decimal
    public var duty: Decimal
    public var otherCharges: [SampleCharge]
    /// Sum of the line totals.
    public var subtotal: Decimal
    /// Tax rate in percent (VAT, sales tax), 0 when none.
    public var taxRate: Decimal
    public var tax: Decimal
    /// subtotal + freight + duty + other charges + tax.
    public var total: Decimal
    /// How the document writes amounts and quantities.
    public var numberStyle: SampleNumberStyle
    /// How the document writes dates.
    public var dateStyle: SampleDateStyle

    /// The total as printed, `1,234.50` or `1.234,50` (without the currency).
    public var printedTotal: String { numberStyle.amount(total) }
    /// The issue date as printed.
    public var printedIssueDate: String { dateStyle.format(issueDate) }
}

/// A company on the document: the supplier, or the seller billed.
public struct SampleParty: Sendable, Hashable, Codable {
    public var name: String
    public var addressLines: [String]
    /// Country name as printed.
    public var country: String
    /// ISO 3166-1 alpha-2.
    public var countryCode: String
    public var email: String?
    public var phone: String?
    /// VAT or tax identifier when the document prints one.
    public var taxID: String?

    public init(name: String, addressLines: [String], country: String, countryCode: String, email: String? = nil, phone: String? = nil,
                taxID: String? = nil) {
        self.name = name
        self.addressLines = addressLines
        self.country = country
        self.countryCode = countryCode
        self.email = email
        self.phone = phone
        self.taxID = taxID
    }
}

/// Delivery terms: `FOB Shenzhen`.
public struct SampleIncoterm: Sendable, Hashable, Codable {
    /// EXW, FOB, CIF, DAP, DDP…
    public var term: String
    public var place: String

    public init(term: String, place: String) {
        self.term = term
        self.place = place
    }

    /// As printed: `FOB Shenzhen`.
    public var printed: String { "\(term) \(place)" }
}

/// A charge beside the lines: a bank fee, an inspection fee.
public struct SampleCharge: Sendable, Hashable, Codable {
    public var label: String
    public var amount: Decimal

    public init(label: String, amount: Decimal) {
        self.label = label
        self.amount = amount
    }
}

/// How a line refers to the seller's catalog item it is.
public enum SampleLineReference: String, Sendable, Hashable, Codable {
    /// The seller's SKU is printed on the line.
    case sellerSku
    /// The item's ASIN is printed on the line.
    case asin
    /// Only the supplier's own item code: matching needs the seller's mapping.
    case supplierCode
    /// The supplier's own wording of the product title, nothing else.
    case paraphrasedTitle
    /// Not a catalog item (packaging, a sample fee, a mould charge).
    case none
}

/// One invoice line.
public struct SampleInvoiceLine: Sendable, Hashable, Codable {
    /// As printed, without the seller SKU or ASIN lines printed under it.
    public var description: String
    /// The supplier's item code, printed on every line.
    public var supplierSku: String
    /// The seller's SKU, when printed on this line.
    public var sellerSku: String?
    /// The ASIN, when printed on this line.
    public var asin: String?
    /// Truth: the seller catalog SKU this line is, whatever is printed (`nil`: not a catalog item).
    public var catalogSku: String?
    /// Truth: how the printed line refers to that item.
    public var reference: SampleLineReference
    public var quantity: Int
    public var unitPrice: Decimal
    /// quantity × unitPrice, exact to the cent.
    public var lineTotal: Decimal
}
