import Foundation

/// The fallback when no goods-table header is recognizable (an OCR-garbled header, a table
/// printed without one): a goods line is a line ending in three figures where quantity × unit
/// price makes the amount (either order of the first two), preceded by its text.
struct ShapeRowReader {
    let pages: [[LayoutLine]]
    let format: NumberFormat
    let currencyDigits: Int

    func read() -> GoodsTable {
        var table = GoodsTable()
        for page in pages {
            var lastRow: (lineIndex: Int, descriptionStart: Int)?
            for line in page where !line.isBlank && !line.isPageMark {
                if let (row, descriptionStart) = parse(line) {
                    table.rows.append(row)
                    table.lines.append(InvoiceLine(description: row.description, supplierSku: row.supplierSku,
                                                   sku: ASINText.sellerSKU(in: row.description), asin: ASINText.find(row.description),
                                                   quantity: row.quantity, unitPrice: row.unitPrice ?? 0, lineTotal: row.amount,
                                                   page: line.page, lineIndex: line.index, lineCount: 1, sourceText: line.text))
                    if row.repaired { table.repairedLines.append(table.lines.count - 1) }
                    table.goodsLines.insert(line.key)
                    lastRow = (line.index, descriptionStart)
                } else if let last = lastRow, line.index == last.lineIndex + 1, line.cells.count == 1,
                          abs(line.cells[0].start - last.descriptionStart) <= 2, !LabelVocabulary.isLabel(line.cells[0].text),
                          NumberReader.read(line.cells[0].text, format: format) == nil {
                    let index = table.lines.count - 1
                    table.lines[index].description += " " + line.cells[0].text
                    table.lines[index].lineCount += 1
                    table.lines[index].sourceText += "\n" + line.text
                    table.goodsLines.insert(line.key)
                    lastRow = (line.index, last.descriptionStart)
                } else {
                    lastRow = nil
                }
            }
        }
        return table
    }

    private func parse(_ line: LayoutLine) -> (GoodsRow, Int)? {
        var numeric: [(cell: LayoutCell, reading: NumberReading)] = []
        for cell in line.cells.reversed() {
            let text = cell.text
            if let reading = NumberReader.read(text, format: format) {
                numeric.insert((cell, reading), at: 0)
            } else if let quantity = NumberReader.quantity(text, format: format) {
                let reading = NumberReading(value: Decimal(quantity.value), fractionDigits: 0, alternatives: [], repaired: quantity.repaired,
                                            currencyMarker: nil, isPercent: false)
                numeric.insert((cell, reading), at: 0)
            } else {
                break
            }
            if numeric.count == 3 { break }
        }
        guard numeric.count == 3 else { return nil }
        let textCells = Array(line.cells.prefix(line.cells.count - 3).drop { cell in
            cell.text.count <= 3 && Int(cell.text.trimmingCharacters(in: CharacterSet(charactersIn: "."))) != nil
        })
        guard !textCells.isEmpty, textCells.contains(where: { $0.text.contains(where: \.isLetter) }) else { return nil }
        let (x, y, amount) = (numeric[0].reading, numeric[1].reading, numeric[2].reading)
        for (quantityReading, priceReading) in [(x, y), (y, x)] {
            guard quantityReading.fractionDigits == 0, let quantity = Int(quantityReading.value.description), quantity > 0 else { continue }
            guard LineArithmetic.adds(quantity: quantity, unitPrice: priceReading.value, priceDigits: priceReading.fractionDigits,
                                      discountPercent: nil, discountAmount: nil, amount: amount.value,
                                      currencyDigits: currencyDigits) else { continue }
            var row = GoodsRow(description: "")
            var descriptionCells = textCells
            if textCells.count >= 2, let code = textCells.firstIndex(where: { cell in
                cell.words.count == 1 && cell.text.contains(where: \.isNumber) && cell.text.contains(where: \.isLetter)
            }) {
                row.supplierSku = GoodsRowReader.cleanCode(textCells[code].text)
                descriptionCells.remove(at: code)
            }
            row.description = descriptionCells.map(\.text).joined(separator: " ")
            row.quantity = quantity
            row.unitPrice = priceReading.value
            row.priceDigits = priceReading.fractionDigits
            row.amount = amount.value
            row.amountDigits = amount.fractionDigits
            row.adds = true
            row.repaired = x.repaired || y.repaired || amount.repaired
            return (row, descriptionCells.first?.start ?? 0)
        }
        return nil
    }
}
