import OpsideRender

/// A minimal invoice: supplier name in the accent colour, a large "Invoice", labels right-aligned
/// in their own column, and a table ordered Item No. / Description / Unit Price / Qty / Total.
struct ModernInvoiceLayout {
    let invoice: SampleInvoice
    let accent: RenderColor
    let measurer: TextMeasurer

    func draw() -> [PageCanvas] {
        var sheet = InvoiceSheet(size: InvoiceLayout.pageSize(for: invoice), margin: 48, measurer: measurer)
        let style = invoice.numberStyle
        let top = sheet.y

        var leftY = top + sheet.text(invoice.supplier.name, x: sheet.left, y: top, width: 280, style: TextStyle(size: 12, bold: true, color: accent))
        leftY = sheet.lines(invoice.supplier.addressLines + [invoice.supplier.country, invoice.supplier.email ?? ""], x: sheet.left, y: leftY + 3,
                            width: 280, style: TextStyle(size: 8, color: .gray(0.4)))
        sheet.text("Invoice", x: sheet.right - 200, y: top - 4, width: 200, style: TextStyle(size: 28, color: .gray(0.3), alignment: .right))
        sheet.y = max(leftY, top + 40) + 18
        sheet.page.line(x1: sheet.left, y1: sheet.y, x2: sheet.right, y2: sheet.y, width: 1.2, color: accent)
        sheet.y += 12

        // Right-aligned labels in a column of their own; the bill-to block beside them.
        var particulars = [("Invoice Number", invoice.number), ("Issue Date", invoice.printedIssueDate)]
        if let due = invoice.dueDate { particulars.append(("Due Date", invoice.dateStyle.format(due))) }
        particulars.append(("Currency", invoice.currency))
        if let terms = invoice.paymentTerms { particulars.append(("Payment Terms", terms)) }
        if let incoterm = invoice.incoterm { particulars.append(("Delivery", incoterm.printed)) }
        let metaBottom = sheet.labelledRows(particulars, labelX: sheet.left, labelWidth: 88, valueX: sheet.left + 98, valueWidth: 170, y: sheet.y,
                                            labelStyle: TextStyle(size: 8, color: .gray(0.45)), valueStyle: TextStyle(size: 8.5, bold: true), gap: 3)
        let billX = sheet.left + sheet.width * 0.58
        sheet.text("Billed To", x: billX, y: sheet.y, style: TextStyle(size: 8, color: .gray(0.45)))
        let billBottom = sheet.lines([invoice.billTo.name] + invoice.billTo.addressLines, x: billX, y: sheet.y + 12, width: sheet.right - billX,
                                     style: TextStyle(size: 8.5))
        sheet.y = max(metaBottom, billBottom) + 18

        let fixed = [78.0, 72, 50, 84]
        let columns = [SheetColumn(title: "ITEM NO.", width: fixed[0]),
                       SheetColumn(title: "DESCRIPTION", width: sheet.width - fixed.reduce(0, +)),
                       SheetColumn(title: "UNIT PRICE", width: fixed[1], alignment: .right),
                       SheetColumn(title: "QTY", width: fixed[2], alignment: .right),
                       SheetColumn(title: "TOTAL", width: fixed[3], alignment: .right)]
        let rows = invoice.lines.map { line in
            [line.supplierSku, invoice.descriptionCell(line), style.amount(line.unitPrice), style.quantity(line.quantity), style.amount(line.lineTotal)]
        }
        let continuation: (inout InvoiceSheet) -> Void = { sheet in
            sheet.y += sheet.text("Invoice \(invoice.number) — continued", x: sheet.left, y: sheet.y, style: TextStyle(size: 8, color: .gray(0.45))) + 8
        }
        sheet.table(columns, rows: rows, style: SheetTableStyle(fontSize: 8.5, headerFill: nil, headerTextColor: .gray(0.45), headerSize: 7.5,
                                                                rowRule: .gray(0.85), paddingY: 5), continuation: continuation)
        let totals = [("Subtotal", style.amount(invoice.subtotal), false)] + invoice.chargeRows(freightLabel: "Shipping")
            + [("Total Due", style.money(invoice.total, currency: invoice.currency), true)]
        sheet.totals(totals, labelRight: sheet.right - 110, valueRight: sheet.right - 4, highlight: RenderColor(hex: 0xEEF2F7),
                     continuation: continuation)
        sheet.y += 20
        sheet.ensureSpace(20, continuation: continuation)
        sheet.text("Questions about this invoice? \(invoice.supplier.email ?? invoice.supplier.name)", x: sheet.left, y: sheet.y,
                   width: sheet.width, style: TextStyle(size: 7.5, color: .gray(0.45)))
        return sheet.finish()
    }
}
