import Foundation
import OpsideDocuments
import OpsideInvoices

/// A document a seller uploaded, as the API shows it: where it stands, how it was read and what
/// was read from it (with the seller's corrections applied).
public struct EvidenceDocument: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable {
        /// Stored; the parser has not finished with it.
        case received
        case parsed
        /// The parser refused it; `failure` says why.
        case failed
    }

    public struct Failure: Codable, Sendable, Equatable {
        public var code: String
        public var message: String
    }

    public var id: UUID
    public var fileName: String
    public var sha256: String
    public var kind: DocumentKind
    public var sizeBytes: Int
    public var status: Status
    public var failure: Failure?
    /// `pdftotext`, `ocr`, `xlsx` or `csv`.
    public var method: String?
    public var pageCount: Int?
    public var ocrConfidence: Double?
    /// What was read, corrections applied.
    public var fields: InvoiceFields?
    /// What the seller corrected, as sent.
    public var corrections: InvoiceCorrections?
    public var uploadedBy: String
    public var uploadedAt: Date
    public var parsedAt: Date?
}

/// The seller's corrections of what was read: any field, and any line's quantity, unit price or
/// SKU. Kept apart from what was read, so reading the document again keeps them.
public struct InvoiceCorrections: Codable, Sendable, Equatable {
    public struct Line: Codable, Sendable, Equatable {
        public var lineIndex: Int
        public var quantity: Int?
        public var unitPrice: Decimal?
        public var sku: String?
    }

    public var supplier: String?
    public var number: String?
    public var date: String?
    public var currency: String?
    public var lines: [Line]?

    /// `fields` with these corrections over them.
    /// - Throws: `InvoiceCorrectionError` for a date or currency that does not read, or a line the document does not have.
    public func applied(to fields: InvoiceFields) throws -> InvoiceFields {
        var fields = fields
        if let supplier { fields.supplier = supplier }
        if let number { fields.number = number }
        if let date {
            guard let day = InvoiceDate(iso: date) else { throw InvoiceCorrectionError("date: '\(date)' is not a day (YYYY-MM-DD)") }
            fields.date = day
        }
        if let currency {
            guard currency.count == 3, currency.allSatisfy({ $0.isUppercase && $0.isASCII }) else {
                throw InvoiceCorrectionError("currency: '\(currency)' is not an ISO code such as USD")
            }
            fields.currency = currency
        }
        for line in lines ?? [] {
            guard fields.lines.indices.contains(line.lineIndex) else {
                throw InvoiceCorrectionError("lines: the document has no line \(line.lineIndex) (it has \(fields.lines.count))")
            }
            if let quantity = line.quantity {
                guard quantity >= 0 else { throw InvoiceCorrectionError("lines[\(line.lineIndex)].quantity: must not be negative") }
                fields.lines[line.lineIndex].quantity = quantity
            }
            if let price = line.unitPrice {
                guard price >= 0 else { throw InvoiceCorrectionError("lines[\(line.lineIndex)].unitPrice: must not be negative") }
                fields.lines[line.lineIndex].unitPrice = price
            }
            if let quantity = line.quantity ?? (line.unitPrice != nil ? fields.lines[line.lineIndex].quantity : nil) {
                fields.lines[line.lineIndex].lineTotal = Decimal(quantity) * fields.lines[line.lineIndex].unitPrice
            }
            if let sku = line.sku { fields.lines[line.lineIndex].sku = sku.isEmpty ? nil : sku }
        }
        return fields
    }
}

public struct InvoiceCorrectionError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
