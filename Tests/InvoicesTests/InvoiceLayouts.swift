import Foundation
@testable import OpsideInvoices

/// The document layouts, each printing a `GeneratedInvoice` as pages of layout text.
extension InvoiceTextRenderer {
    enum CurrencyMention { case field, priceHeader, symbol, totalLabel }

    /// Where this document names its currency: at least one place, always.
    mutating func currencyMention(_ invoice: GeneratedInvoice) -> CurrencyMention {
        var options: [CurrencyMention] = [.field, .priceHeader, .totalLabel]
        if invoice.symbol != nil { options += [.symbol, .symbol] }
        return random.pick(options)
    }

    func withCode(_ label: String, _ invoice: GeneratedInvoice, _ mention: CurrencyMention) -> String {
        mention == .priceHeader ? "\(label) (\(invoice.currency))" : label
    }

    mutating func footerLines(_ invoice: GeneratedInvoice) -> [String] {
        var lines: [String] = [""]
        lines.append(TextCanvas.line([(2, "Payment Terms: \(invoice.paymentTerms)", .left)]))
        if random.chance(0.4) {
            lines.append(TextCanvas.line([(2, "Bank: \(random.pick(["HSBC Hong Kong", "Bank of China, Shenzhen Branch", "Deutsche Bank AG", "Chase Bank"]))    SWIFT: \(random.pick(["HSBCHKHH", "BKCHCNBJ", "DEUTDEFF", "CHASUS33"]))", .left)]))
        }
        if random.chance(0.3) { lines.append(TextCanvas.line([(2, "Thank you for your business.", .left)])) }
        return lines
    }

    // MARK: Classic

    mutating func classic(_ invoice: GeneratedInvoice) -> [String] {
        var canvas = TextCanvas()
        let mention = currencyMention(invoice)
        if random.chance(0.9) { canvas.add(invoice.title, at: 48 - invoice.title.count / 2) }
        canvas.blank()
        let numberLabel = random.chance(0.15) ? "No.:" : random.pick(["Invoice No.:", "Invoice #:", "Invoice Number:", "Inv. No.:"])
        var right: [(String, String)] = [(numberLabel, invoice.number),
                                         (random.pick(["Date:", "Invoice Date:", "Issue Date:", "Dated:"]), invoice.dateText)]
        if let po = invoice.poNumber { right.append((random.pick(["PO No.:", "P.O. #:", "Order No.:"]), po)) }
        if let due = invoice.dueDateText { right.append(("Due Date:", due)) }
        if let terms = invoice.incotermText { right.append((random.pick(["Terms:", "Incoterms:", "Delivery Terms:", "Trade Terms:"]), terms)) }
        if mention == .field { right.append(("Currency:", invoice.currency)) }
        let left = [invoice.supplier.name] + invoice.supplier.address
        let labelColumn = 70, valueColumn = 87
        // Labels and values in one cell ("Invoice No.: HX-1") or in two aligned columns.
        let sameCell = random.chance(0.4)
        for row in 0..<max(left.count, right.count) {
            var pieces: [(Int, String, TextCanvas.Align)] = []
            if row < left.count { pieces.append((2, left[row], .left)) }
            if row < right.count {
                if sameCell {
                    pieces.append((labelColumn, right[row].0 + " " + right[row].1, .left))
                } else {
                    pieces.append((labelColumn, right[row].0, .left)); pieces.append((valueColumn, right[row].1, .left))
                }
            }
            canvas.add(pieces.map { ($0.0, $0.1, $0.2) })
        }
        canvas.blank()
        canvas.add([(2, "Bill To:", .left)] + (invoice.shipTo != nil ? [(50, "Ship To:", .left)] : []))
        let buyer = [invoice.buyer.name] + invoice.buyer.address
        let ship = invoice.shipTo.map { [$0.name] + $0.address } ?? []
        for row in 0..<max(buyer.count, ship.count) {
            var pieces: [(Int, String, TextCanvas.Align)] = []
            if row < buyer.count { pieces.append((2, buyer[row], .left)) }
            if row < ship.count { pieces.append((50, ship[row], .left)) }
            canvas.add(pieces.map { ($0.0, $0.1, $0.2) })
        }
        canvas.blank()
        var columns = columns(descriptionWidth: random.int(30...40), sellerSku: false)
        if let index = columns.firstIndex(where: { $0.content == .unitPrice }) { columns[index].label = withCode(columns[index].label, invoice, mention) }
        if invoice.hasDiscountColumn, let index = columns.firstIndex(where: { $0.content == .amount }) {
            columns.insert(PrintedColumn(content: .discount, label: random.pick(["Disc.", "Discount", "Disc %"]), width: 8, align: .right), at: index)
        }
        let printed = table(invoice, columns: columns, lines: invoice.lines[...], firstNumber: 1, start: 2, gap: random.int(2...4),
                            blankBetweenRows: random.chance(0.25), twoLineHeader: false, symbolOnAmounts: mention == .symbol && random.chance(0.5),
                            jitter: random.chance(0.5), centred: random.chance(0.4))
        canvas.lines += printed.header
        if random.chance(0.3) { canvas.blank() }
        canvas.lines += printed.rows
        canvas.blank(random.int(1...2))
        let totalLabel = mention == .totalLabel ? "Total (\(invoice.currency))" : random.pick(["Total", "TOTAL", "Grand Total", "Total Amount"])
        if random.chance(0.25) {
            // A currency code column between labels and amounts.
            for line in totals(invoice, labelEnd: 80, valueEnd: 104, colon: false, symbol: false, totalLabel: totalLabel) {
                var characters = Array(line)
                if characters.count > 88 { characters.replaceSubrange(84..<87, with: Array(invoice.currency)) }
                canvas.lines.append(String(characters))
            }
        } else {
            canvas.lines += totals(invoice, labelEnd: 86, valueEnd: 104, colon: random.chance(0.4), symbol: mention == .symbol, totalLabel: totalLabel)
        }
        canvas.lines += footerLines(invoice)
        return [canvas.text]
    }

    // MARK: Right-aligned labels

    mutating func rightLabels(_ invoice: GeneratedInvoice) -> [String] {
        var canvas = TextCanvas()
        let mention = currencyMention(invoice)
        canvas.add(invoice.supplier.name, at: 4)
        for line in invoice.supplier.address { canvas.add(line, at: 4) }
        canvas.blank()
        canvas.add(invoice.title.uppercased(), at: 72)
        canvas.blank()
        var fields: [(String, String)] = [(random.pick(["Invoice Number:", "Invoice No.:", "Invoice #"]), invoice.number),
                                          (random.pick(["Invoice Date:", "Date:", "Date of Issue:"]), invoice.dateText)]
        if let po = invoice.poNumber { fields.append((random.pick(["PO Number:", "Purchase Order:", "Your Order No.:"]), po)) }
        if let due = invoice.dueDateText { fields.append(("Payment Due:", due)) }
        if let terms = invoice.incotermText { fields.append((random.pick(["Delivery Terms:", "Shipping Terms:", "Price Terms:"]), terms)) }
        if mention == .field || mention == .priceHeader { fields.append(("Currency:", invoice.currency)) }
        let valuesLeft = random.chance(0.2)
        let labelEnd = valuesLeft ? 90 : 84
        let buyer = ["Sold To:", invoice.buyer.name] + invoice.buyer.address
        for row in 0..<max(fields.count, buyer.count) {
            var pieces: [(Int, String, TextCanvas.Align)] = []
            if row < buyer.count { pieces.append((4, buyer[row], .left)) }
            if row < fields.count {
                if valuesLeft {
                    // "INV-2026-0042    Invoice No.": the value before its label.
                    pieces.append((labelEnd - 4, fields[row].1, .right)); pieces.append((labelEnd, fields[row].0.replacingOccurrences(of: ":", with: ""), .left))
                } else {
                    pieces.append((labelEnd, fields[row].0, .right)); pieces.append((labelEnd + 2, fields[row].1, .left))
                }
            }
            canvas.add(pieces.map { ($0.0, $0.1, $0.2) })
        }
        canvas.blank(2)
        let columns = columns(descriptionWidth: random.int(34...44), sellerSku: false)
        let printed = table(invoice, columns: columns, lines: invoice.lines[...], firstNumber: 1, start: 4, gap: random.int(3...5),
                            blankBetweenRows: random.chance(0.3), twoLineHeader: false, symbolOnAmounts: mention == .symbol,
                            jitter: random.chance(0.5))
        canvas.lines += printed.header
        canvas.add(String(repeating: "-", count: 100), at: 4)
        canvas.lines += printed.rows
        canvas.add(String(repeating: "-", count: 100), at: 4)
        let totalLabel = mention == .totalLabel ? "Total \(invoice.currency)" : random.pick(["Total", "Amount Due", "Invoice Total"])
        canvas.lines += totals(invoice, labelEnd: 88, valueEnd: 106, colon: true, symbol: mention == .symbol, totalLabel: totalLabel)
        canvas.lines += footerLines(invoice)
        return [canvas.text]
    }

    // MARK: Two-column header block

    mutating func twoColumnHeader(_ invoice: GeneratedInvoice) -> [String] {
        var canvas = TextCanvas()
        let mention = currencyMention(invoice)
        let isPO = invoice.documentType == .purchaseOrder
        canvas.add(isPO ? "PURCHASE ORDER" : invoice.title, at: 4)
        canvas.blank()
        if isPO {
            canvas.add(invoice.buyer.name, at: 4)
            for line in invoice.buyer.address { canvas.add(line, at: 4) }
            canvas.blank()
        }
        let leftLabel = isPO ? random.pick(["Vendor:", "Supplier:"]) : random.pick(["From:", "Seller:", "Supplier:", "Exporter:"])
        let rightLabel = isPO ? "Ship To:" : random.pick(["Bill To:", "Buyer:", "Sold To:"])
        let leftBlock = [invoice.supplier.name] + invoice.supplier.address
        let rightParty = isPO ? (invoice.shipTo ?? invoice.buyer) : invoice.buyer
        let rightBlock = [rightParty.name] + rightParty.address
        canvas.add([(4, leftLabel, .left), (58, rightLabel, .left)])
        for row in 0..<max(leftBlock.count, rightBlock.count) {
            var pieces: [(Int, String, TextCanvas.Align)] = []
            if row < leftBlock.count { pieces.append((4, leftBlock[row], .left)) }
            if row < rightBlock.count { pieces.append((58, rightBlock[row], .left)) }
            canvas.add(pieces.map { ($0.0, $0.1, $0.2) })
        }
        canvas.blank()
        var box: [(String, String)] = [(isPO ? "PO Number" : random.pick(["Invoice Number", "Invoice No.", "Invoice #"]), isPO ? invoice.poNumber! : invoice.number),
                                       (isPO ? random.pick(["PO Date", "Order Date", "Date"]) : random.pick(["Invoice Date", "Date"]), invoice.dateText)]
        if !isPO, let po = invoice.poNumber { box.append(("PO Number", po)) }
        if let due = invoice.dueDateText { box.append((random.pick(["Due Date", "Payment Due"]), due)) }
        if let terms = invoice.incotermText { box.append((random.pick(["Terms", "Incoterms", "Trade Terms"]), terms)) }
        if mention == .field { box.append(("Currency", invoice.currency)) }
        var x = 4
        var labels: [(Int, String, TextCanvas.Align)] = []
        var values: [(Int, String, TextCanvas.Align)] = []
        for (label, value) in box {
            labels.append((x, label, .left))
            values.append((x, value, .left))
            x += max(label.count, value.count) + random.int(3...6)
        }
        if random.chance(0.25) {
            // Values printed over their labels, as boxed forms do.
            canvas.add(values.map { ($0.0, $0.1, $0.2) })
            canvas.add(labels.map { ($0.0, $0.1, $0.2) })
        } else {
            canvas.add(labels.map { ($0.0, $0.1, $0.2) })
            canvas.add(values.map { ($0.0, $0.1, $0.2) })
        }
        canvas.blank(2)
        var columns = columns(descriptionWidth: random.int(28...36), sellerSku: invoice.hasSellerSkuColumn)
        if let index = columns.firstIndex(where: { $0.content == .unitPrice }) {
            columns[index].label = withCode(random.pick(["Unit Price", "Unit Cost", "Price Each"]), invoice, mention)
        }
        let twoLine = random.chance(0.35)
        let printed = table(invoice, columns: columns, lines: invoice.lines[...], firstNumber: 1, start: 4, gap: random.int(2...4),
                            blankBetweenRows: false, twoLineHeader: twoLine, symbolOnAmounts: mention == .symbol && random.chance(0.5),
                            jitter: random.chance(0.5))
        canvas.lines += printed.header + printed.rows
        canvas.blank()
        let totalLabel = mention == .totalLabel ? "Total (\(invoice.currency))" : random.pick(["Total", isPO ? "PO Total" : "Total Due", "TOTAL"])
        if random.chance(0.2) {
            // A row of totals labels over a row of amounts.
            var entries: [(String, Decimal)] = [("Subtotal", invoice.subtotal)] + invoice.charges.map { ($0.label, $0.amount) }
            if let label = invoice.taxLabel, let tax = invoice.tax { entries.append((label, tax)) }
            entries.append((totalLabel, invoice.total))
            var x = 30
            var labelRow: [(Int, String, TextCanvas.Align)] = []
            var valueRow: [(Int, String, TextCanvas.Align)] = []
            for (label, value) in entries {
                let printed = (mention == .symbol ? invoice.symbol ?? "" : "") + invoice.money(value)
                let width = max(label.count, printed.count)
                labelRow.append((x + width, label, .right))
                valueRow.append((x + width, printed, .right))
                x += width + 4
            }
            canvas.add(labelRow.map { ($0.0, $0.1, $0.2) })
            canvas.add(valueRow.map { ($0.0, $0.1, $0.2) })
        } else {
            canvas.lines += totals(invoice, labelEnd: 80, valueEnd: 100, colon: random.chance(0.5), symbol: mention == .symbol, totalLabel: totalLabel)
        }
        canvas.lines += footerLines(invoice)
        return [canvas.text]
    }

    // MARK: Multi-page

    mutating func multiPage(_ invoice: GeneratedInvoice) -> [String] {
        let mention = currencyMention(invoice)
        let repeatHeader = random.chance(0.7)
        let continued = random.chance(0.5)
        let footers = random.chance(0.8)
        let pageNumbersOnTop = !footers && random.chance(0.5)
        let pageLength = random.int(52...60)
        var columns = columns(descriptionWidth: random.int(32...40), sellerSku: false)
        if let index = columns.firstIndex(where: { $0.content == .unitPrice }) { columns[index].label = withCode(columns[index].label, invoice, mention) }
        let gap = random.int(2...4)
        let symbolOnAmounts = mention == .symbol && random.chance(0.5)
        let blankRows = random.chance(0.15)

        // First page head, like the classic layout.
        var head = TextCanvas()
        head.add(invoice.title, at: 44)
        head.blank()
        var right: [(String, String)] = [("Invoice No.:", invoice.number), ("Date:", invoice.dateText)]
        if let po = invoice.poNumber { right.append(("PO No.:", po)) }
        if let due = invoice.dueDateText { right.append(("Due Date:", due)) }
        if let terms = invoice.incotermText { right.append(("Terms:", terms)) }
        if mention == .field { right.append(("Currency:", invoice.currency)) }
        let left = [invoice.supplier.name] + invoice.supplier.address
        for row in 0..<max(left.count, right.count) {
            var pieces: [(Int, String, TextCanvas.Align)] = []
            if row < left.count { pieces.append((2, left[row], .left)) }
            if row < right.count { pieces.append((68, right[row].0, .left)); pieces.append((84, right[row].1, .left)) }
            head.add(pieces.map { ($0.0, $0.1, $0.2) })
        }
        head.blank()
        head.add("Bill To:", at: 2)
        head.add(invoice.buyer.name, at: 2)
        for line in invoice.buyer.address { head.add(line, at: 2) }
        head.blank()

        // Rows, page by page.
        var pages: [[String]] = []
        var current = head.lines
        var index = 0
        var firstPage = true
        let totalLabel = mention == .totalLabel ? "Total (\(invoice.currency))" : "Total"
        let totalsBlock = [""] + totals(invoice, labelEnd: 86, valueEnd: 104, colon: false, symbol: mention == .symbol, totalLabel: totalLabel)
            + footerLines(invoice)
        while index < invoice.lines.count {
            if firstPage || repeatHeader {
                let header = table(invoice, columns: columns, lines: invoice.lines[0..<0], firstNumber: 1, start: 2, gap: gap,
                                   blankBetweenRows: false, twoLineHeader: false, symbolOnAmounts: symbolOnAmounts).header
                current += header
            }
            firstPage = false
            while index < invoice.lines.count {
                let rows = table(invoice, columns: columns, lines: invoice.lines[index..<(index + 1)], firstNumber: index + 1, start: 2,
                                 gap: gap, blankBetweenRows: false, twoLineHeader: false, symbolOnAmounts: symbolOnAmounts).rows
                if current.count + rows.count + (blankRows ? 1 : 0) > pageLength - 3 { break }
                if blankRows, index > 0 { current.append("") }
                current += rows
                index += 1
            }
            if index < invoice.lines.count {
                pages.append(current)
                current = []
            }
        }
        if current.count + totalsBlock.count > pageLength - 2 {
            pages.append(current)
            current = []
        }
        current += totalsBlock
        pages.append(current)
        // Page heads after the first page, footers, "continued".
        let count = pages.count
        var texts: [String] = []
        for (number, var lines) in pages.enumerated() {
            if pageNumbersOnTop { lines = [TextCanvas.line([(90, "Page \(number + 1) of \(count)", .left)])] + lines }
            if number > 0 {
                let top = random.chance(0.5)
                    ? TextCanvas.line([(2, invoice.supplier.name, .left), (70, "Invoice No.: \(invoice.number)", .left)])
                    : TextCanvas.line([(2, "Invoice \(invoice.number) (continued)", .left)])
                lines = [top, ""] + lines
            }
            if number < count - 1, continued {
                lines.append("")
                lines.append(TextCanvas.line([(80, random.pick(["Continued on next page", "Continued...", "Carried forward"]), .left)]))
            }
            if footers {
                while lines.count < pageLength - 1 { lines.append("") }
                lines.append(TextCanvas.line([(46, "Page \(number + 1) of \(count)", .left)]))
            }
            texts.append(lines.joined(separator: "\n"))
        }
        return texts
    }

    // MARK: European

    mutating func european(_ invoice: GeneratedInvoice) -> [String] {
        var canvas = TextCanvas()
        let german = random.chance(0.5)
        let mention = currencyMention(invoice)
        canvas.add(invoice.supplier.name, at: 3)
        canvas.add(invoice.supplier.address.joined(separator: " · "), at: 3)
        canvas.blank()
        canvas.add(invoice.buyer.name, at: 3)
        for line in invoice.buyer.address { canvas.add(line, at: 3) }
        canvas.blank()
        canvas.add(german ? "RECHNUNG" : invoice.title.uppercased(), at: 3)
        canvas.blank()
        var fields: [(String, String)] = [(german ? "Rechnungsnummer:" : "Invoice No.:", invoice.number),
                                          (german ? "Rechnungsdatum:" : "Invoice Date:", invoice.dateText)]
        if let po = invoice.poNumber { fields.append((german ? "Ihre Bestellung:" : "Your Order:", po)) }
        if let due = invoice.dueDateText { fields.append((german ? "Fällig am:" : "Due Date:", due)) }
        if let terms = invoice.incotermText { fields.append((german ? "Lieferbedingungen:" : "Delivery Terms:", terms)) }
        if mention == .field { fields.append((german ? "Währung:" : "Currency:", invoice.currency)) }
        for (label, value) in fields { canvas.add([(3, label, .left), (24, value, .left)]) }
        canvas.blank(2)
        var columns = columns(descriptionWidth: random.int(32...42), sellerSku: false, european: true, german: german)
        if let index = columns.firstIndex(where: { $0.content == .unitPrice }) { columns[index].label = withCode(columns[index].label, invoice, mention) }
        let printed = table(invoice, columns: columns, lines: invoice.lines[...], firstNumber: 1, start: 3, gap: random.int(2...4),
                            blankBetweenRows: random.chance(0.2), twoLineHeader: false, symbolOnAmounts: false,
                            jitter: random.chance(0.5))
        canvas.lines += printed.header + printed.rows
        canvas.blank()
        // "1.234,50 €": the symbol after the amount, as continental invoices print it.
        var rows: [(String, Decimal)] = [(german ? "Zwischensumme" : "Subtotal", invoice.subtotal)]
        for charge in invoice.charges { rows.append((charge.label, charge.amount)) }
        if let label = invoice.taxLabel, let tax = invoice.tax { rows.append((label, tax)) }
        let totalLabel = mention == .totalLabel ? (german ? "Gesamtbetrag \(invoice.currency)" : "Total \(invoice.currency)") : (german ? "Gesamtbetrag" : "Total")
        rows.append((totalLabel, invoice.total))
        for (label, value) in rows {
            let printedValue = invoice.money(value) + (mention == .symbol ? " \(invoice.symbol ?? "")" : "")
            canvas.add([(84, label, .right), (106, printedValue, .right)])
        }
        canvas.blank()
        canvas.add(german ? "Zahlungsbedingungen: 30 Tage netto" : "Payment terms: 30 days net", at: 3)
        canvas.add("IBAN: DE\(random.int(10...99)) \(random.int(1000...9999)) \(random.int(1000...9999)) \(random.int(1000...9999)) \(random.int(1000...9999)) \(random.int(10...99))", at: 3)
        return [canvas.text]
    }
}
