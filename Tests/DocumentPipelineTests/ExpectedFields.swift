import Foundation
import OpsideDocumentSamples
import OpsideInvoices

/// What a rendered document really prints, field by field: the planted truth, except where the
/// document does not print a value, where the right answer is nil (an extractor that invents a
/// value is wrong).
///
/// Invoices and purchase orders print every header field; a spreadsheet price list prints some
/// of them only when its title block does (supplier, date, number), the currency only in a
/// column title ("Unit Cost (USD)"), no incoterm, and as its total the sum of the line totals
/// (the invoice's subtotal) when it has a total row.
struct ExpectedFields: Sendable {
    var supplier: String?
    var number: String?
    var date: InvoiceDate?
    var currency: String?
    var incoterm: SampleIncoterm?
    var total: Decimal?
    var lines: [ExpectedLine]

    struct ExpectedLine: Equatable, Sendable, CustomStringConvertible {
        var supplierSku: String?
        var quantity: Int?
        var unitPrice: Decimal
        var lineTotal: Decimal?

        init(_ line: SampleInvoiceLine) {
            (supplierSku, quantity, unitPrice, lineTotal) = (line.supplierSku, line.quantity, line.unitPrice, line.lineTotal)
        }

        init(_ line: InvoiceLine) {
            (supplierSku, quantity, unitPrice, lineTotal) = (line.supplierSku, line.quantity, line.unitPrice, line.lineTotal)
        }

        var description: String {
            "\(supplierSku ?? "nil") \(quantity.map(String.init) ?? "nil") × \(unitPrice) = \(lineTotal.map { "\($0)" } ?? "nil")"
        }
    }

    /// - Parameters:
    ///   - truth: The planted invoice.
    ///   - family: How the document was rendered.
    ///   - cells: A spreadsheet's cells as parsed, to tell which header values its title block
    ///     prints (the CSV and XLSX readers return cells verbatim; the title block is chosen at
    ///     random by the writer and not recorded in the manifest).
    ///   - spreadsheet: The manifest's record of the spreadsheet's layout.
    init(truth: SampleInvoice, family: DocumentFamily, cells: [String], spreadsheet: SampleSpreadsheetLayout?) {
        let date = InvoiceDate(year: truth.issueDate.year, month: truth.issueDate.month, day: truth.issueDate.day)
        lines = truth.lines.map(ExpectedLine.init)
        guard family.isSpreadsheet else {
            (supplier, number, self.date, currency, incoterm, total) = (truth.supplier.name, truth.number, date, truth.currency,
                                                                         truth.incoterm, truth.total)
            return
        }
        supplier = cells.contains(truth.supplier.name) ? truth.supplier.name : nil
        number = cells.contains { $0.contains(truth.number) } ? truth.number : nil
        self.date = cells.contains(truth.printedIssueDate) ? date : nil
        currency = (spreadsheet?.columnTitles ?? []).contains { $0.contains(truth.currency) } ? truth.currency : nil
        incoterm = nil
        total = spreadsheet?.totalRowIndex != nil ? truth.subtotal : nil
    }

    /// Whether `fields` has `field` right, and if not, what it read instead, for a person.
    func compare(_ field: PipelineField, with fields: InvoiceFields) -> (correct: Bool, miss: String) {
        func show<T>(_ value: T?) -> String { value.map { "\($0)" } ?? "nil" }
        switch field {
        case .supplier:
            return (Self.collapsed(fields.supplier) == Self.collapsed(supplier), "\(show(fields.supplier)) ≠ \(show(supplier))")
        case .number:
            return (fields.number == number, "\(show(fields.number)) ≠ \(show(number))")
        case .date:
            return (fields.date == date, "\(show(fields.date)) ≠ \(show(date))")
        case .currency:
            return (fields.currency == currency, "\(show(fields.currency)) ≠ \(show(currency))")
        case .incoterm:
            let found = fields.incoterm.map { "\($0.rule.rawValue) \($0.place ?? "")" }
            let correct = fields.incoterm?.rule.rawValue == incoterm?.term
                && Self.collapsed(fields.incoterm?.place)?.lowercased() == Self.collapsed(incoterm?.place)?.lowercased()
            return (correct, "\(show(found)) ≠ \(show(incoterm?.printed))")
        case .total:
            return (fields.total == total, "\(show(fields.total)) ≠ \(show(total))")
        case .lines:
            let found = fields.lines.map(ExpectedLine.init)
            guard found.count == lines.count else { return (false, "\(found.count) lines ≠ \(lines.count) planted") }
            for (index, (read, planted)) in zip(found, lines).enumerated() where read != planted {
                return (false, "line \(index + 1): \(read) ≠ \(planted)")
            }
            return (true, "")
        }
    }

    /// Runs of spaces as one: pdftotext and OCR space words as the page sets them, not as typed.
    static func collapsed(_ text: String?) -> String? {
        text.map { $0.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
    }
}
