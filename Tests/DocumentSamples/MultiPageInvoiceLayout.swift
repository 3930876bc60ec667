import OpsideRender

/// A long invoice (60–120 lines): a compact header on the first page, a table that continues over
/// the following pages under a "continued" line with its header repeated, totals on the last page,
/// "Page X of Y" on every page.
struct MultiPageInvoiceLayout {
    let invoice: SampleInvoice
    let accent: RenderColor
    let measurer: TextMeasurer

    func draw() -> [PageCanvas] {
        var sheet = InvoiceSheet(size: InvoiceLayout.pageSize(for: invoice), margin: 40, measurer: measurer)
        let style = invoice.numberStyle
        let top = sheet.y

        sheet.page.rectangle(PageRect(x: sheet.left, y: top, width: 6, height: 40), fill: accent)
        let nameBottom = top + sheet.text(invoice.supplier.name, x: sheet.left + 14, y: top, width: 290, style: TextStyle(size: 12, bold: true))
        let addressBottom = sheet.lines([(invoice.supplier.addressLines + [invoice.supplier.country]).joined(separator: ", ")], x: sheet.left + 14,
                                        y: nameBottom + 2, width: 290, style: TextStyle(size: 7.5, color: .gray(0.35)))
        var particulars = [("Invoice No.", invoice.number), ("Invoice Date", invoice.printedIssueDate)]
        if let due = invoice.dueDate { particulars.append(("Due Date", invoice.dateStyle.format(due))) }
        if let incoterm = invoice.incoterm { particulars.append(("Incoterm", incoterm.printed)) }
        let particularsBottom = sheet.labelledRows(particulars, labelX: sheet.right - 210, labelWidth: 90, valueX: sheet.right - 110,
                                                   valueWidth: 110, y: top, labelStyle: TextStyle(size: 8, bold: true),
                                                   valueStyle: TextStyle(size: 8), valueAlignment: .right)
        sheet.y = max(addressBottom, particularsBottom) + 10
        sheet.text("Bill to:", x: sheet.left, y: sheet.y, style: TextStyle(size: 8, bold: true))
        sheet.y = sheet.lines([([invoice.billTo.name] + invoice.billTo.addressLines).joined(separator: ", ")], x: sheet.left + 40, y: sheet.y,
                              width: sheet.width - 40, style: TextStyle(size: 8)) + 12

        let fixed = [24.0, 76, 44, 62, 76]
        let columns = [SheetColumn(title: "#", width: fixed[0], alignment: .right),
                       SheetColumn(title: "SKU", width: fixed[1]),
                       SheetColumn(title: "Description", width: sheet.width - fixed.reduce(0, +)),
                       SheetColumn(title: "Qty", width: fixed[2], alignment: .right),
                       SheetColumn(title: "Unit Price", width: fixed[3], alignment: .right),
                       SheetColumn(title: "Amount", width: fixed[4], alignment: .right)]
        let rows = invoice.lines.enumerated().map { index, line in
            ["\(index + 1)", line.supplierSku, invoice.descriptionCell(line), style.quantity(line.quantity), style.amount(line.unitPrice),
             style.amount(line.lineTotal)]
        }
        let accent = self.accent
        let continuation: (inout InvoiceSheet) -> Void = { sheet in
            sheet.page.rectangle(PageRect(x: sheet.left, y: sheet.y, width: 4, height: 14), fill: accent)
            sheet.y += sheet.text("\(invoice.supplier.name) — Invoice No. \(invoice.number) — continued", x: sheet.left + 10, y: sheet.y + 1,
                                  style: TextStyle(size: 8.5, bold: true)) + 10
        }
        sheet.table(columns, rows: rows, style: SheetTableStyle(fontSize: 8, headerFill: .lightGray, rowRule: .gray(0.82), paddingY: 2.5),
                    continuation: continuation)
        let totals = [("Subtotal", style.amount(invoice.subtotal), false)] + invoice.chargeRows()
            + [("Total \(invoice.currency)", style.money(invoice.total, currency: invoice.currency), true)]
        sheet.totals(totals, labelRight: sheet.right - 100, valueRight: sheet.right, continuation: continuation)
        sheet.y += 10
        sheet.ensureSpace(14, continuation: continuation)
        sheet.text("\(invoice.lines.count) lines · Payment: \(invoice.paymentTerms ?? "on receipt")", x: sheet.left, y: sheet.y,
                   style: TextStyle(size: 7.5, color: .gray(0.35)))
        return sheet.finish(pageNumbers: true)
    }
}
