import OpsideRender

/// Logo-ish header, INVOICE title with number and dates on the right, bill-to block, a table of
/// Description / SKU / Qty / Unit Price / Amount on an accent-coloured header, totals, bank details.
struct ClassicInvoiceLayout {
    let invoice: SampleInvoice
    let accent: RenderColor
    let measurer: TextMeasurer

    func draw() -> [PageCanvas] {
        var sheet = InvoiceSheet(size: InvoiceLayout.pageSize(for: invoice), margin: 42, footerReserve: 46, measurer: measurer)
        let style = invoice.numberStyle
        let top = sheet.y

        // Logo: a disc with the supplier's initials, the name beside it.
        sheet.page.add(.ellipse(PageRect(x: sheet.left, y: top, width: 44, height: 44), fill: accent, stroke: nil, lineWidth: 0))
        sheet.text(invoice.supplierInitials, x: sheet.left, y: top + 13, width: 44, style: TextStyle(size: 14, bold: true, color: .white, alignment: .center))
        var leftY = top + sheet.text(invoice.supplier.name, x: sheet.left + 54, y: top, width: 250, style: TextStyle(size: 13, bold: true))
        leftY = sheet.lines(invoice.supplier.addressLines + [invoice.supplier.country] + [invoice.supplier.phone.map { "Tel: \($0)" } ?? "", invoice.supplier.email ?? ""],
                            x: sheet.left + 54, y: leftY + 2, width: 250, style: TextStyle(size: 8, color: .gray(0.3)))

        // Title and the invoice's particulars, right-aligned.
        sheet.text("INVOICE", x: sheet.right - 220, y: top, width: 220, style: TextStyle(size: 24, bold: true, color: accent, alignment: .right))
        var particulars = [("Invoice #", invoice.number), ("Date", invoice.printedIssueDate)]
        if let due = invoice.dueDate { particulars.append(("Due Date", invoice.dateStyle.format(due))) }
        if let terms = invoice.paymentTerms { particulars.append(("Terms", terms)) }
        let rightY = sheet.labelledRows(particulars, labelX: sheet.right - 230, labelWidth: 70, valueX: sheet.right - 155, valueWidth: 155,
                                        y: top + 36, labelStyle: TextStyle(size: 8.5, bold: true), valueStyle: TextStyle(size: 8.5),
                                        valueAlignment: .right)
        sheet.y = max(leftY, rightY) + 16

        // Bill to / ship to.
        let blockTop = sheet.y
        sheet.text("BILL TO", x: sheet.left, y: blockTop, style: TextStyle(size: 8, bold: true, color: accent))
        var blockBottom = sheet.lines([invoice.billTo.name] + invoice.billTo.addressLines + [invoice.billTo.email ?? ""], x: sheet.left,
                                      y: blockTop + 12, width: 230, style: TextStyle(size: 9))
        if let shipTo = invoice.shipTo {
            let x = sheet.left + sheet.width / 2
            sheet.text("SHIP TO", x: x, y: blockTop, style: TextStyle(size: 8, bold: true, color: accent))
            blockBottom = max(blockBottom, sheet.lines([shipTo.name] + shipTo.addressLines, x: x, y: blockTop + 12, width: 230, style: TextStyle(size: 9)))
        }
        sheet.y = blockBottom + 6
        if let incoterm = invoice.incoterm {
            sheet.y += sheet.text("Terms of delivery: \(incoterm.printed)", x: sheet.left, y: sheet.y, style: TextStyle(size: 8.5)) + 4
        }
        sheet.y += 8

        let fixed = [86.0, 50, 72, 82]
        let columns = [SheetColumn(title: "Description", width: sheet.width - fixed.reduce(0, +)),
                       SheetColumn(title: "SKU", width: fixed[0]),
                       SheetColumn(title: "Qty", width: fixed[1], alignment: .right),
                       SheetColumn(title: "Unit Price", width: fixed[2], alignment: .right),
                       SheetColumn(title: "Amount", width: fixed[3], alignment: .right)]
        let rows = invoice.lines.map { line in
            [invoice.descriptionCell(line), line.supplierSku, style.quantity(line.quantity), style.amount(line.unitPrice), style.amount(line.lineTotal)]
        }
        let continuation: (inout InvoiceSheet) -> Void = { sheet in
            sheet.y += sheet.text("\(invoice.supplier.name) · Invoice # \(invoice.number) (continued)", x: sheet.left, y: sheet.y,
                                  style: TextStyle(size: 8.5, bold: true)) + 8
        }
        sheet.table(columns, rows: rows, style: SheetTableStyle(fontSize: 8.5, headerFill: accent, headerTextColor: .white,
                                                                rowRule: .gray(0.8), zebra: RenderColor(hex: 0xF5F5F5)),
                    continuation: continuation)

        let totals = [("Subtotal", style.amount(invoice.subtotal), false)]
            + invoice.chargeRows(freightLabel: "Shipping & freight", taxLabel: "Sales tax")
            + [("Total (\(invoice.currency))", style.money(invoice.total, currency: invoice.currency), true)]
        sheet.totals(totals, labelRight: sheet.right - 120, valueRight: sheet.right, continuation: continuation)

        // Payment details at the foot of the last page.
        sheet.ensureSpace(50, continuation: continuation)
        sheet.y += 14
        sheet.page.line(x1: sheet.left, y1: sheet.y, x2: sheet.right, y2: sheet.y, width: 0.5, color: .gray(0.6))
        sheet.y += 6
        let bank = invoice.supplier.countryCode == "CN"
            ? "Beneficiary bank: Bank of China, \(invoice.supplier.addressLines.last?.split(separator: ",").first ?? "") Branch · SWIFT: BKCHCNBJ92A"
            : "Remit to: First Commerce Bank · ABA 021000021 · Acct ending 4410"
        sheet.lines(["Payment: \(invoice.paymentTerms ?? "on receipt") · \(bank)", "Thank you for your business!"], x: sheet.left, y: sheet.y,
                    width: sheet.width, style: TextStyle(size: 8, color: .gray(0.3)))
        return sheet.finish()
    }
}
