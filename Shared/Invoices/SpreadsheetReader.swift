import Foundation

/// Reads one CSV file or spreadsheet sheet: finds the header row among the first rows by its
/// labels, maps columns by label, reads goods rows until a totals row, and renders every other
/// row as layout text (columns padded to fixed positions) so the header-field and totals
/// readers see labels and values where they stand.
struct SpreadsheetReader {
    let rows: [[String]]
    /// The page number the rendered rows carry: `InvoiceExtractor.tablePageBase` + table index.
    let page: Int
    let format: NumberFormat
    let currencyDigits: Int

    struct Result {
        var lines: [InvoiceLine] = []
        var rows: [GoodsRow] = []
        var header: TableHeader?
        /// Rows other than the header and goods rows, as layout lines (index = row index).
        var layout: [LayoutLine] = []
        /// The header row as a layout line: kept out of `layout` (its labels are no header fields)
        /// but read for the currency a column title names ("Unit Cost (USD)").
        var headerLine: LayoutLine?
        var repairedLines: [Int] = []
    }

    func read() -> Result {
        var result = Result()
        let headerRow = findHeader()
        var goodsRows: Set<Int> = []
        if let (rowIndex, header) = headerRow {
            result.header = header
            result.headerLine = LayoutLine(page: page, index: rowIndex, text: rows[rowIndex].map(\.trimmed).joined(separator: "   "))
            for index in (rowIndex + 1)..<max(rowIndex + 1, rows.count) {
                let cells = rows[index].map { $0.trimmingCharacters(in: .whitespaces) }
                guard cells.contains(where: { !$0.isEmpty }) else { continue }
                if let first = cells.first(where: { !$0.isEmpty }) {
                    let key = LabelVocabulary.words(first).joined(separator: " ")
                    if LabelVocabulary.summary[key] != nil || first.hasSuffix(":") { break }
                }
                var texts: [Int: [String]] = [:]
                for (columnIndex, column) in header.columns.enumerated() where column.start < cells.count {
                    let text = cells[column.start]
                    if !text.isEmpty { texts[columnIndex] = [text] }
                }
                guard let row = GoodsRowReader.row(texts, columns: header.columns, format: format, currencyDigits: currencyDigits) else { continue }
                goodsRows.insert(index)
                let description = row.description
                if row.repaired { result.repairedLines.append(result.lines.count) }
                result.lines.append(InvoiceLine(description: description, supplierSku: row.supplierSku,
                                                sku: row.sellerSku ?? ASINText.sellerSKU(in: description),
                                                asin: row.asin ?? ASINText.find(description) ?? row.supplierSku.flatMap(ASINText.find),
                                                quantity: row.quantity, unit: row.unit, unitPrice: row.unitPrice ?? 0,
                                                discountPercent: row.discountPercent, discountAmount: row.discountAmount,
                                                lineTotal: row.amount, page: page - InvoiceExtractor.tablePageBase, lineIndex: index,
                                                lineCount: 1, sourceText: cells.filter { !$0.isEmpty }.joined(separator: " | "),
                                                fromTable: true))
                result.rows.append(row)
            }
        }
        // Render the other rows at fixed column positions.
        let others = rows.indices.filter { !goodsRows.contains($0) && $0 != headerRow?.0 }
        let columnCount = rows.map(\.count).max() ?? 0
        var widths = Array(repeating: 0, count: columnCount)
        for index in others {
            for (column, cell) in rows[index].enumerated() { widths[column] = max(widths[column], min(48, cell.trimmed.count)) }
        }
        for index in others {
            var text = ""
            for (column, cell) in rows[index].enumerated() {
                let value = cell.trimmed
                text += value + String(repeating: " ", count: max(3, widths[column] - value.count + 3))
            }
            result.layout.append(LayoutLine(page: page, index: index, text: text))
        }
        result.layout.sort { $0.index < $1.index }
        return result
    }

    /// The row among the first 30 whose cells are most column labels, if it makes a goods table.
    private func findHeader() -> (Int, TableHeader)? {
        var best: (Int, TableHeader)?
        for (index, row) in rows.prefix(30).enumerated() {
            var columns: [TableColumn] = []
            var unmatched = 0
            for (cellIndex, cell) in row.enumerated() {
                let key = LabelVocabulary.words(cell).joined(separator: " ")
                if key.isEmpty { continue }
                if let role = LabelVocabulary.columns[key] {
                    columns.append(TableColumn(role: role, label: cell.trimmed, start: cellIndex, end: cellIndex + 1))
                } else {
                    unmatched += 1
                }
            }
            guard columns.count >= 2 else { continue }
            TableHeaderDetector.settleDuplicates(&columns)
            let header = TableHeader(columns: columns, page: page, lineIndex: index, lineCount: 1, unmatched: unmatched)
            guard header.isPlausible else { continue }
            if best == nil || header.score > best!.1.score { best = (index, header) }
        }
        return best
    }
}
