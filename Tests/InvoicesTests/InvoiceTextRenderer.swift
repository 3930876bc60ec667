import Foundation
@testable import OpsideInvoices

/// The layouts the accuracy test prints documents in, as `pdftotext -layout` shows them.
enum InvoiceLayout: String, CaseIterable {
    /// Supplier top left, invoice fields top right, a ruled goods table, totals right-aligned.
    case classic
    /// Header fields as right-aligned labels with values beside them; symbols on amounts.
    case rightLabels
    /// From / Bill To side by side, a row of labels over a row of values, some purchase orders.
    case twoColumnHeader
    /// 60+ lines over several pages, page headers and footers, header repeated or not.
    case multiPage
    /// 1.234,50 amounts, EUR, day-first dates, German or English labels.
    case european
    /// One of the others after OCR: O/0, l/1, S/5 in figures, stray punctuation, uneven spacing.
    case ocrNoised
}

/// A goods-table column as a layout prints it.
struct PrintedColumn {
    enum Content { case number, description, supplierSku, sellerSku, quantity, unitPrice, discount, amount }
    var content: Content
    var label: String
    var width: Int
    var align: TextCanvas.Align
}

/// Prints generated documents in each layout.
struct InvoiceTextRenderer {
    var random: SeededRandom

    // MARK: Goods table

    /// Lays out the columns from `start`, with gaps of 2–5 spaces, and prints header and rows.
    mutating func table(_ invoice: GeneratedInvoice, columns: [PrintedColumn], lines: ArraySlice<GeneratedLine>, firstNumber: Int,
                        start: Int, gap: Int, blankBetweenRows: Bool, twoLineHeader: Bool, symbolOnAmounts: Bool,
                        jitter: Bool = false, centred: Bool = false) -> (header: [String], rows: [String]) {
        var positions: [Int] = []
        var x = start
        for column in columns {
            positions.append(x)
            x += column.width + gap
        }
        func anchor(_ index: Int) -> Int { columns[index].align == .left ? positions[index] : positions[index] + columns[index].width }
        var header: [String] = []
        if twoLineHeader {
            var top: [(Int, String, TextCanvas.Align)] = []
            var bottom: [(Int, String, TextCanvas.Align)] = []
            for (index, column) in columns.enumerated() {
                let words = column.label.split(separator: " ").map(String.init)
                if words.count >= 2 {
                    top.append((anchor(index), words.dropLast().joined(separator: " "), column.align))
                    bottom.append((anchor(index), words.last!, column.align))
                } else {
                    top.append((anchor(index), column.label, column.align))
                }
            }
            header = [TextCanvas.line(top.map { ($0.0, $0.1, $0.2) }), TextCanvas.line(bottom.map { ($0.0, $0.1, $0.2) })]
        } else {
            header = [TextCanvas.line(columns.indices.map { (anchor($0), columns[$0].label, columns[$0].align) })]
        }
        var rows: [String] = []
        for (offset, line) in lines.enumerated() {
            var pieces: [(Int, String, TextCanvas.Align)] = []
            var continuation: [String] = []
            var descriptionColumn = 0
            for (index, column) in columns.enumerated() {
                let text: String
                switch column.content {
                case .number: text = "\(firstNumber + offset)"
                case .description:
                    let wrapped = wrap(line.description, width: column.width)
                    text = wrapped.first ?? ""
                    continuation = Array(wrapped.dropFirst())
                    descriptionColumn = positions[index]
                case .supplierSku: text = line.supplierSku ?? ""
                case .sellerSku: text = line.sellerSku ?? ""
                case .quantity: text = invoice.quantity(line.quantity)
                case .unitPrice: text = (symbolOnAmounts ? invoice.symbol ?? "" : "") + invoice.price(line)
                case .amount: text = (symbolOnAmounts ? invoice.symbol ?? "" : "") + invoice.money(line.lineTotal)
                case .discount: text = line.discountPercent.map { "\($0)%" } ?? ""
                }
                // pdftotext places proportional-font text a column early or late now and then.
                let shift = jitter && random.chance(0.3) ? random.pick([-1, 1]) : 0
                pieces.append((anchor(index) + shift, text, column.align))
            }
            if blankBetweenRows, offset > 0 { rows.append("") }
            if blankBetweenRows, centred, continuation.count >= 2 {
                // A tall row with its figures vertically centred: the first description line
                // sits above the figures.
                let descriptionIndex = columns.firstIndex { $0.content == .description }!
                let wrapped = wrap(line.description, width: columns[descriptionIndex].width)
                rows.append(TextCanvas.line([(descriptionColumn, wrapped[0], .left)]))
                var middle = pieces
                middle[descriptionIndex].1 = wrapped[1]
                rows.append(TextCanvas.line(middle.map { ($0.0, $0.1, $0.2) }))
                for part in wrapped.dropFirst(2) { rows.append(TextCanvas.line([(descriptionColumn, part, .left)])) }
                continue
            }
            rows.append(TextCanvas.line(pieces.map { ($0.0, $0.1, $0.2) }))
            for part in continuation { rows.append(TextCanvas.line([(descriptionColumn, part, .left)])) }
        }
        return (header, rows)
    }

    /// The goods columns in one of several orders and wordings.
    mutating func columns(descriptionWidth: Int, sellerSku: Bool, european: Bool = false, german: Bool = false) -> [PrintedColumn] {
        let number = PrintedColumn(content: .number, label: german ? "Pos." : random.pick(["No.", "#", "Item", "Line"]), width: 4, align: .left)
        let description = PrintedColumn(content: .description,
                                        label: german ? "Bezeichnung" : random.pick(["Description", "Description of Goods", "Product", "Product Description", "Item Description"]),
                                        width: descriptionWidth, align: .left)
        let sku = PrintedColumn(content: .supplierSku, label: german ? "Artikelnr." : random.pick(["Item No.", "Model", "Part No.", "SKU", "Model No.", "Art. No."]),
                                width: 14, align: .left)
        let seller = PrintedColumn(content: .sellerSku, label: random.pick(["Your SKU", "Customer SKU"]), width: 16, align: .left)
        let quantity = PrintedColumn(content: .quantity, label: german ? "Menge" : random.pick(["Qty", "Quantity", "Units", "Pcs", "QTY (PCS)"]), width: 9, align: .right)
        let price = PrintedColumn(content: .unitPrice, label: german ? "Einzelpreis" : random.pick(["Unit Price", "Price", "Rate", "Unit Cost", "U/Price"]), width: 12, align: .right)
        let amount = PrintedColumn(content: .amount, label: german ? "Gesamtpreis" : random.pick(["Amount", "Total", "Line Total", "Ext. Price", "Total Amount"]), width: 13, align: .right)
        var result: [PrintedColumn]
        switch random.int(0...4) {
        case 0: result = [number, description, sku, quantity, price, amount]
        case 1: result = [sku, description, quantity, price, amount]
        case 2: result = [number, sku, description, price, quantity, amount]
        case 3: result = [description, sku, quantity, price, amount]
        default: result = [quantity, sku, description, price, amount]
        }
        if result.contains(where: { $0.content == .number }), result[0].label == "Item",
           result.contains(where: { $0.content == .description && $0.label.lowercased().hasPrefix("item") }) {
            result[0].label = "No."
        }
        if sellerSku { result.insert(seller, at: result.firstIndex { $0.content == .description }! + 1) }
        if random.chance(0.3) {
            // Upper-case headers, as many ERP templates print them.
            for index in result.indices { result[index].label = result[index].label.uppercased() }
        }
        return result
    }

    // MARK: Totals

    /// Totals lines: labels ending at `labelEnd`, amounts ending at `valueEnd`.
    func totals(_ invoice: GeneratedInvoice, labelEnd: Int, valueEnd: Int, colon: Bool, symbol: Bool, totalLabel: String,
                germanLabels: Bool = false) -> [String] {
        var rows: [(String, Decimal)] = [(germanLabels ? "Zwischensumme" : "Subtotal", invoice.subtotal)]
        for charge in invoice.charges { rows.append((charge.label, charge.amount)) }
        if let taxLabel = invoice.taxLabel, let tax = invoice.tax { rows.append((taxLabel, tax)) }
        rows.append((germanLabels ? "Gesamtbetrag" : totalLabel, invoice.total))
        return rows.map { label, value in
            let printed = (symbol ? invoice.symbol ?? "" : "") + invoice.money(value)
            return TextCanvas.line([(labelEnd, label + (colon ? ":" : ""), .right), (valueEnd, printed, .right)])
        }
    }
}
