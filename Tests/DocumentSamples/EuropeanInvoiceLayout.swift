import OpsideRender

/// A European supplier's invoice (DIN 5008-like): sender line over the address window, an
/// information block on the right, "Pos. / Art.-Nr." columns, comma decimals with €, day-first
/// dates, VAT, and the register and bank details in the footer. German suppliers label in both
/// languages.
struct EuropeanInvoiceLayout {
    let invoice: SampleInvoice
    let accent: RenderColor
    let measurer: TextMeasurer

    func draw() -> [PageCanvas] {
        var sheet = InvoiceSheet(size: .a4, margin: 50, footerReserve: 52, measurer: measurer)
        let style = invoice.numberStyle
        let german = invoice.supplier.countryCode == "DE"
        func label(_ english: String, _ deutsch: String) -> String { german ? "\(deutsch) / \(english)" : english }
        let euro = { (value) in style.amount(value) + (invoice.currency == "EUR" ? " €" : " \(invoice.currency)") }

        // Letterhead: name right, sender line above the address window.
        let top = sheet.y
        sheet.text(invoice.supplier.name, x: sheet.right - 260, y: top, width: 260, style: TextStyle(size: 14, bold: true, color: accent, alignment: .right))
        sheet.lines(invoice.supplier.addressLines + [invoice.supplier.country, invoice.supplier.phone ?? "", invoice.supplier.email ?? ""],
                    x: sheet.right - 260, y: top + 20, width: 260, style: TextStyle(size: 8, color: .gray(0.35), alignment: .right))
        let windowTop = top + 90
        let sender = ([invoice.supplier.name] + invoice.supplier.addressLines).joined(separator: " · ")
        sheet.text(sender, x: sheet.left, y: windowTop, width: 250, style: TextStyle(size: 6.5, color: .gray(0.35)))
        sheet.page.line(x1: sheet.left, y1: windowTop + 10, x2: sheet.left + 250, y2: windowTop + 10, width: 0.3, color: .gray(0.5))
        let addressBottom = sheet.lines([invoice.billTo.name] + invoice.billTo.addressLines + [invoice.billTo.country.uppercased()],
                                        x: sheet.left, y: windowTop + 15, width: 250, style: TextStyle(size: 9.5))

        // Information block.
        var info = [(label("Invoice No.", "Rechnungsnr."), invoice.number), (label("Date", "Datum"), invoice.printedIssueDate)]
        if let due = invoice.dueDate { info.append((label("Due", "Fällig"), invoice.dateStyle.format(due))) }
        if let taxID = invoice.supplier.taxID { info.append((label("VAT ID", "USt-IdNr."), taxID)) }
        if let incoterm = invoice.incoterm { info.append((label("Delivery terms", "Lieferbedingung"), incoterm.printed)) }
        let infoBottom = sheet.labelledRows(info, labelX: sheet.right - 250, labelWidth: 140, valueX: sheet.right - 104, valueWidth: 104,
                                            y: windowTop + 4, labelStyle: TextStyle(size: 8, color: .gray(0.35)),
                                            valueStyle: TextStyle(size: 8.5, bold: true), valueAlignment: .right, gap: 3)
        sheet.y = max(addressBottom, infoBottom) + 24
        sheet.y += sheet.text(german ? "Rechnung / Invoice \(invoice.number)" : "Invoice \(invoice.number)", x: sheet.left, y: sheet.y,
                              style: TextStyle(size: 15, bold: true)) + 10

        let fixed = [30.0, 70, 48, 76, 80]
        let columns = [SheetColumn(title: "Pos.", width: fixed[0], alignment: .right),
                       SheetColumn(title: "Art.-Nr.", width: fixed[1]),
                       SheetColumn(title: label("Description", "Bezeichnung"), width: sheet.width - fixed.reduce(0, +)),
                       SheetColumn(title: label("Qty", "Menge"), width: fixed[2], alignment: .right),
                       SheetColumn(title: label("Unit price", "Einzelpreis"), width: fixed[3], alignment: .right),
                       SheetColumn(title: label("Amount", "Gesamt"), width: fixed[4], alignment: .right)]
        let rows = invoice.lines.enumerated().map { index, line in
            ["\(index + 1)", line.supplierSku, invoice.descriptionCell(line), style.quantity(line.quantity), euro(line.unitPrice), euro(line.lineTotal)]
        }
        let continuation: (inout InvoiceSheet) -> Void = { sheet in
            sheet.y += sheet.text(label("Invoice", "Rechnung") + " \(invoice.number) – " + (german ? "Fortsetzung" : "continued"), x: sheet.left,
                                  y: sheet.y, style: TextStyle(size: 8.5, bold: true)) + 8
        }
        sheet.table(columns, rows: rows, style: SheetTableStyle(fontSize: 8.5, headerFill: RenderColor(hex: 0xE8ECEF), rowRule: .gray(0.8)),
                    continuation: continuation)
        var totals = [(label("Net amount", "Nettobetrag"), euro(invoice.subtotal), false)]
        totals += invoice.chargeRows(freightLabel: label("Shipping", "Versand"), dutyLabel: label("Duty", "Zoll"),
                                     taxLabel: label("VAT", "MwSt.")).map { ($0.label, $0.value + (invoice.currency == "EUR" ? " €" : ""), $0.bold) }
        totals.append((label("Total", "Gesamtbetrag"), euro(invoice.total), true))
        sheet.totals(totals, labelRight: sheet.right - 110, valueRight: sheet.right, continuation: continuation)
        sheet.y += 14
        sheet.ensureSpace(30, continuation: continuation)
        sheet.text(invoice.paymentTerms ?? "", x: sheet.left, y: sheet.y, width: sheet.width, style: TextStyle(size: 8.5))

        // Register and bank details at the foot of every page, as letterheads print them.
        var pages = sheet.finish()
        let footerY = sheet.size.height - sheet.margin - 46
        for index in pages.indices {
            pages[index].line(x1: sheet.left, y1: footerY - 4, x2: sheet.right, y2: footerY - 4, width: 0.4, color: .gray(0.6))
            let column = sheet.width / 3
            let footer = TextStyle(size: 6.5, color: .gray(0.35))
            pages[index].text(RichText(([invoice.supplier.name] + invoice.supplier.addressLines).joined(separator: "\n")), x: sheet.left, y: footerY,
                              width: column - 6, style: footer)
            pages[index].text(RichText("IBAN \(invoice.supplier.countryCode)89 3704 0044 0532 0130 00\nBIC COBADEFFXXX"), x: sheet.left + column,
                              y: footerY, width: column - 6, style: footer)
            let register = german ? "Amtsgericht Stuttgart HRB 12345" : "Company reg. no. 4471 2093"
            pages[index].text(RichText("\(invoice.supplier.taxID.map { "VAT ID \($0)" } ?? "")\n\(register)"), x: sheet.left + 2 * column,
                              y: footerY, width: column - 6, style: footer)
        }
        return pages
    }
}
