import Foundation
import OpsideRender

/// What a spreadsheet column holds.
public enum SampleSpreadsheetColumn: String, Sendable, Hashable, Codable {
    case supplierSku, description, sellerSku, asin, quantity, unitPrice, lineTotal
}

/// The planted truth of where things are in a CSV or XLSX price list / purchase order.
public struct SampleSpreadsheetLayout: Sendable, Hashable, Codable {
    /// Rows before the header (a title, the supplier, a date, a blank row): 0 means the header is first.
    public var headerRowIndex: Int
    public var columnTitles: [String]
    public var columns: [SampleSpreadsheetColumn]
    /// The CSV field separator (`,` or `;`); `nil` for XLSX.
    public var delimiter: String?
    /// How CSV numbers are written (`1234.50` or `1234,50`); XLSX numbers are numeric cells.
    public var numberStyle: SampleNumberStyle
    /// Rows of invoice lines, one per line, straight after the header.
    public var dataRowCount: Int
    /// The row holding the sum of the line totals (the invoice's subtotal), after the lines; `nil` when there is none.
    public var totalRowIndex: Int?
    /// XLSX only: line totals are `=qty*price` formulas with cached values.
    public var formulas: Bool
}

/// A generated spreadsheet: its bytes and where its contents are.
public struct SampleSpreadsheet: Sendable, Hashable {
    public var data: Data
    public var layout: SampleSpreadsheetLayout
}

/// Writes an invoice's lines as the CSV or XLSX price list / purchase order a supplier sends:
/// sometimes under a title block, columns named and ordered in several ways, seller SKU and ASIN
/// columns present or not, numbers as numbers.
public enum SampleSpreadsheetWriter {
    /// The rows (preface, header, lines, total) and their layout for `invoice`, chosen by `seed`.
    static func table(for invoice: SampleInvoice, seed: UInt64, csv: Bool) -> (preface: [[String]], layout: SampleSpreadsheetLayout) {
        var random = DeterministicRandom(seed: seed ^ 0x5EED_5EED)
        var preface: [[String]] = []
        if random.chance(0.6) {
            preface.append([invoice.kind == .purchaseOrder ? "PURCHASE ORDER \(invoice.number)" : random.pick(["PRICE LIST", "PROFORMA INVOICE \(invoice.number)", "Quotation \(invoice.number)"])])
            if random.chance(0.7) { preface.append(["Supplier:", invoice.supplier.name]) }
            if random.chance(0.6) { preface.append(["Date:", invoice.printedIssueDate]) }
            preface.append([])
        }
        var columns: [SampleSpreadsheetColumn] = random.chance(0.5)
            ? [.supplierSku, .description, .quantity, .unitPrice, .lineTotal]
            : [.description, .supplierSku, .quantity, .unitPrice, .lineTotal]
        if random.chance(0.5) { columns.insert(.sellerSku, at: 2) }
        if random.chance(0.35) { columns.append(.asin) }
        let titles = columns.map { column -> String in
            switch column {
            case .supplierSku: random.pick(["Item Code", "Item No.", "Supplier SKU", "Art.-Nr.", "Model"])
            case .description: random.pick(["Description", "Product", "Item Description", "Product Name"])
            case .sellerSku: random.pick(["Your SKU", "Seller SKU", "Customer Ref"])
            case .asin: "ASIN"
            case .quantity: random.pick(["Qty", "Quantity", "QTY (pcs)", "Order Qty"])
            case .unitPrice: random.pick(["Unit Price", "Price", "Unit Cost (\(invoice.currency))", "FOB Price"])
            case .lineTotal: random.pick(["Amount", "Total", "Line Total", "Amount (\(invoice.currency))"])
            }
        }
        let hasTotal = random.chance(0.7)
        let layout = SampleSpreadsheetLayout(headerRowIndex: preface.count, columnTitles: titles, columns: columns,
                                             delimiter: csv ? (invoice.numberStyle == .european ? ";" : ",") : nil,
                                             numberStyle: invoice.numberStyle, dataRowCount: invoice.lines.count,
                                             totalRowIndex: hasTotal ? preface.count + 1 + invoice.lines.count : nil,
                                             formulas: !csv && random.chance(0.5))
        return (preface, layout)
    }

    /// The description as the sheet shows it: seller SKU and ASIN appended when they have no column.
    static func description(_ line: SampleInvoiceLine, columns: [SampleSpreadsheetColumn]) -> String {
        var text = line.description
        if let sku = line.sellerSku, !columns.contains(.sellerSku) { text += " (Seller SKU: \(sku))" }
        if let asin = line.asin, !columns.contains(.asin) { text += " (ASIN: \(asin))" }
        return text
    }

    // MARK: CSV

    /// The invoice as CSV (RFC 4180 quoting, CRLF line ends, `;` and comma decimals for European suppliers).
    public static func csv(_ invoice: SampleInvoice, seed: UInt64) -> SampleSpreadsheet {
        let (preface, layout) = table(for: invoice, seed: seed, csv: true)
        let delimiter = layout.delimiter ?? ","
        let style = invoice.numberStyle
        func field(_ text: String) -> String {
            guard text.contains(delimiter) || text.contains("\"") || text.contains("\n") || text.contains("\r") else { return text }
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        var rows: [[String]] = preface
        rows.append(layout.columnTitles)
        for line in invoice.lines {
            rows.append(layout.columns.map { column in
                switch column {
                case .supplierSku: line.supplierSku
                case .description: description(line, columns: layout.columns)
                case .sellerSku: line.sellerSku ?? ""
                case .asin: line.asin ?? ""
                case .quantity: "\(line.quantity)"
                case .unitPrice: style.plainAmount(line.unitPrice)
                case .lineTotal: style.plainAmount(line.lineTotal)
                }
            })
        }
        if layout.totalRowIndex != nil {
            // "Total" beside the line-total column (which is never the first).
            let totalColumn = layout.columns.firstIndex(of: .lineTotal)!
            var total = Array(repeating: "", count: layout.columns.count)
            total[totalColumn - 1] = "Total"
            total[totalColumn] = style.plainAmount(invoice.subtotal)
            rows.append(total)
        }
        let text = rows.map { $0.map(field).joined(separator: delimiter) }.joined(separator: "\r\n") + "\r\n"
        return SampleSpreadsheet(data: Data(text.utf8), layout: layout)
    }

    // MARK: XLSX

    /// The invoice as an XLSX workbook of one sheet: strings shared, quantities and prices numeric cells.
    /// - Throws: when ZIPFoundation cannot build the archive.
    public static func xlsx(_ invoice: SampleInvoice, seed: UInt64) throws -> SampleSpreadsheet {
        let (preface, layout) = table(for: invoice, seed: seed, csv: false)
        var sheet = XLSXSheetBuilder()
        for row in preface { sheet.addRow(row.map { .text($0) }) }
        sheet.addRow(layout.columnTitles.map { .text($0, bold: true) })
        let quantityColumn = layout.columns.firstIndex(of: .quantity)!
        let priceColumn = layout.columns.firstIndex(of: .unitPrice)!
        let totalColumn = layout.columns.firstIndex(of: .lineTotal)!
        for line in invoice.lines {
            let row = sheet.rowCount + 1
            sheet.addRow(layout.columns.map { column in
                switch column {
                case .supplierSku: .text(line.supplierSku)
                case .description: .text(description(line, columns: layout.columns))
                case .sellerSku: line.sellerSku.map { .text($0) } ?? .empty
                case .asin: line.asin.map { .text($0) } ?? .empty
                case .quantity: .integer(line.quantity)
                case .unitPrice: .amount(line.unitPrice, formula: nil)
                case .lineTotal: .amount(line.lineTotal, formula: layout.formulas
                    ? "\(XLSXSheetBuilder.columnName(quantityColumn))\(row)*\(XLSXSheetBuilder.columnName(priceColumn))\(row)" : nil)
                }
            })
        }
        if layout.totalRowIndex != nil {
            let firstDataRow = layout.headerRowIndex + 2
            let lastDataRow = firstDataRow + invoice.lines.count - 1
            var cells = Array(repeating: XLSXCell.empty, count: layout.columns.count)
            cells[totalColumn - 1] = .text("Total", bold: true)
            let column = XLSXSheetBuilder.columnName(totalColumn)
            cells[totalColumn] = .amount(invoice.subtotal, formula: "SUM(\(column)\(firstDataRow):\(column)\(lastDataRow))")
            sheet.addRow(cells)
        }
        let data = try XLSXPackage.archive(sheet: sheet, sheetName: invoice.kind == .purchaseOrder ? "Purchase Order" : "Price List",
                                           modified: invoice.issueDate.noonUTC)
        return SampleSpreadsheet(data: data, layout: layout)
    }
}
