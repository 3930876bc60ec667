import Foundation
@testable import OpsideInvoices

/// A party on a generated document: name, address lines, country.
struct GeneratedParty: Equatable {
    var name: String
    var address: [String]
    var country: String
}

/// One planted goods line.
struct GeneratedLine: Equatable {
    var description: String
    var supplierSku: String?
    var sellerSku: String?
    var asin: String?
    var quantity: Int
    var unitPrice: Decimal
    var priceDigits: Int
    var lineTotal: Decimal
    /// A line discount in percent, printed in a "Disc." column when the layout has one.
    var discountPercent: Int?
}

/// The truth of a generated document, in the shape the accuracy test compares field by field.
struct PlantedTruth: Equatable {
    struct Line: Equatable {
        var description: String
        var supplierSku: String?
        var sku: String?
        var asin: String?
        var quantity: Int?
        var unitPrice: Decimal
        var lineTotal: Decimal?

        init(description: String, supplierSku: String?, sku: String?, asin: String?, quantity: Int?, unitPrice: Decimal, lineTotal: Decimal?) {
            self.description = description
            self.supplierSku = supplierSku
            self.sku = sku
            self.asin = asin
            self.quantity = quantity
            self.unitPrice = unitPrice
            self.lineTotal = lineTotal
        }

        /// The line in one row of text, for failure reports.
        var summary: String {
            "'\(description)' sku=\(supplierSku ?? "-") seller=\(sku ?? "-") asin=\(asin ?? "-") qty=\(quantity.map(String.init) ?? "-") price=\(unitPrice) total=\(lineTotal.map { "\($0)" } ?? "-")"
        }

        init(_ line: InvoiceLine) {
            self.init(description: line.description, supplierSku: line.supplierSku, sku: line.sku, asin: line.asin,
                      quantity: line.quantity, unitPrice: line.unitPrice, lineTotal: line.lineTotal)
        }
    }

    var documentType: InvoiceDocumentType
    var supplier: String?
    var number: String?
    var date: InvoiceDate?
    var currency: String?
    var incoterm: Incoterm?
    var lines: [Line]
    var freight: Decimal?
    var duty: Decimal?
    var otherCharges: Decimal?
    var subtotal: Decimal?
    var tax: Decimal?
    var total: Decimal?
}

/// Everything a layout needs to print one document.
struct GeneratedInvoice {
    var documentType: InvoiceDocumentType = .invoice
    var title = "INVOICE"
    var supplier: GeneratedParty
    var buyer: GeneratedParty
    var shipTo: GeneratedParty?
    var number: String
    var poNumber: String?
    var dateText: String
    /// nil when the printed date is day/month ambiguous with no clue anywhere.
    var dateTruth: InvoiceDate?
    var dueDateText: String?
    var currency: String
    /// The symbol printed with amounts, if any ("$", "€", "US$").
    var symbol: String?
    var incoterm: Incoterm?
    var incotermText: String?
    var paymentTerms: String
    var lines: [GeneratedLine]
    var charges: [(kind: InvoiceCharge.Kind, label: String, amount: Decimal)]
    var taxLabel: String?
    var tax: Decimal?
    var subtotal: Decimal
    var total: Decimal
    var european = false
    var hasSellerSkuColumn = false
    var hasDiscountColumn = false

    var truth: PlantedTruth {
        func sum(_ kind: InvoiceCharge.Kind) -> Decimal? {
            let amounts = charges.filter { $0.kind == kind }.map(\.amount)
            return amounts.isEmpty ? nil : amounts.reduce(0, +)
        }
        return PlantedTruth(
            documentType: documentType, supplier: supplier.name, number: number, date: dateTruth, currency: currency,
            incoterm: incoterm,
            lines: lines.map { PlantedTruth.Line(description: $0.description, supplierSku: $0.supplierSku, sku: $0.sellerSku,
                                                 asin: $0.asin, quantity: $0.quantity, unitPrice: $0.unitPrice, lineTotal: $0.lineTotal) },
            freight: sum(.freight), duty: sum(.duty), otherCharges: sum(.other), subtotal: subtotal, tax: tax, total: total)
    }

    /// An amount as this document prints it (`1,234.50` or `1.234,50`).
    func money(_ value: Decimal, digits: Int? = nil) -> String {
        let text = DecimalArithmetic.text(value, fractionDigits: digits ?? CurrencyDigits.digits(for: currency) ?? 2)
        return european ? Self.europeanize(text) : text
    }

    func price(_ line: GeneratedLine) -> String {
        money(line.unitPrice, digits: line.priceDigits)
    }

    func quantity(_ value: Int) -> String {
        let text = DecimalArithmetic.text(Decimal(value), fractionDigits: 0)
        return european ? Self.europeanize(text) : text
    }

    static func europeanize(_ text: String) -> String {
        String(text.map { $0 == "," ? "." : $0 == "." ? "," : $0 })
    }
}
