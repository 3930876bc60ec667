import OpsideRender

/// The seller's purchase order to its supplier: the seller's letterhead, "PURCHASE ORDER" with the
/// PO number, vendor and ship-to boxes (an FBA fulfilment centre), a terms row, the ordered lines
/// and an authorisation line.
struct PurchaseOrderLayout {
    let invoice: SampleInvoice
    let accent: RenderColor
    let measurer: TextMeasurer

    func draw() -> [PageCanvas] {
        var sheet = InvoiceSheet(size: .letter, margin: 45, measurer: measurer)
        let style = invoice.numberStyle
        let top = sheet.y

        let issuerBottom = sheet.lines([invoice.billTo.name], x: sheet.left, y: top, width: 260, style: TextStyle(size: 14, bold: true))
        sheet.lines(invoice.billTo.addressLines + [invoice.billTo.email ?? ""], x: sheet.left, y: issuerBottom + 2, width: 260,
                    style: TextStyle(size: 8.5, color: .gray(0.3)))
        sheet.text("PURCHASE ORDER", x: sheet.right - 260, y: top, width: 260, style: TextStyle(size: 20, bold: true, color: accent, alignment: .right))
        var particulars = [("PO Number:", invoice.number), ("PO Date:", invoice.printedIssueDate)]
        if let due = invoice.dueDate { particulars.append(("Requested Ship Date:", invoice.dateStyle.format(due))) }
        let particularsBottom = sheet.labelledRows(particulars, labelX: sheet.right - 250, labelWidth: 140, valueX: sheet.right - 104,
                                                   valueWidth: 104, y: top + 30, labelStyle: TextStyle(size: 9, bold: true),
                                                   valueStyle: TextStyle(size: 9), valueAlignment: .right)
        sheet.y = max(particularsBottom, top + 70) + 14

        // Vendor and ship-to boxes with dark title bars.
        let boxWidth = (sheet.width - 16) / 2
        let boxTop = sheet.y
        var boxBottom = boxTop
        for (index, (title, party)) in [("VENDOR", invoice.supplier), ("SHIP TO", invoice.shipTo ?? invoice.billTo)].enumerated() {
            let x = sheet.left + Double(index) * (boxWidth + 16)
            sheet.page.rectangle(PageRect(x: x, y: boxTop, width: boxWidth, height: 15), fill: .gray(0.25))
            sheet.text(title, x: x + 5, y: boxTop + 3, style: TextStyle(size: 8, bold: true, color: .white))
            boxBottom = max(boxBottom, sheet.lines([party.name] + party.addressLines + [party.country], x: x + 5, y: boxTop + 20,
                                                   width: boxWidth - 10, style: TextStyle(size: 9)))
        }
        sheet.y = boxBottom + 12

        // Terms row.
        let terms = [("Payment Terms", invoice.paymentTerms ?? "Net 30"), ("Incoterm", invoice.incoterm?.printed ?? "—"),
                     ("Currency", invoice.currency), ("Buyer", "Purchasing")]
        let termWidth = sheet.width / Double(terms.count)
        for (index, (title, value)) in terms.enumerated() {
            let x = sheet.left + Double(index) * termWidth
            sheet.page.rectangle(PageRect(x: x, y: sheet.y, width: termWidth, height: 30), fill: RenderColor(hex: 0xF2F2F2), stroke: .gray(0.6),
                                 lineWidth: 0.4)
            sheet.text(title, x: x + 5, y: sheet.y + 3, width: termWidth - 10, style: TextStyle(size: 7, bold: true, color: .gray(0.35)))
            sheet.text(value, x: x + 5, y: sheet.y + 14, width: termWidth - 10, style: TextStyle(size: 8.5))
        }
        sheet.y += 44

        let fixed = [80.0, 56, 70, 84]
        let columns = [SheetColumn(title: "Item #", width: fixed[0]),
                       SheetColumn(title: "Description", width: sheet.width - fixed.reduce(0, +)),
                       SheetColumn(title: "Qty", width: fixed[1], alignment: .right),
                       SheetColumn(title: "Unit Cost", width: fixed[2], alignment: .right),
                       SheetColumn(title: "Line Total", width: fixed[3], alignment: .right)]
        let rows = invoice.lines.map { line in
            [line.supplierSku, invoice.descriptionCell(line), style.quantity(line.quantity), style.amount(line.unitPrice), style.amount(line.lineTotal)]
        }
        let continuation: (inout InvoiceSheet) -> Void = { sheet in
            sheet.y += sheet.text("PO Number: \(invoice.number) (continued)", x: sheet.left, y: sheet.y, style: TextStyle(size: 9, bold: true)) + 8
        }
        sheet.table(columns, rows: rows, style: SheetTableStyle(fontSize: 8.5, headerFill: RenderColor(hex: 0xDDE3EA), rowRule: .gray(0.7)),
                    continuation: continuation)
        let totals = [("Subtotal", style.amount(invoice.subtotal), false)] + invoice.chargeRows(taxLabel: "Tax")
            + [("Total", style.money(invoice.total, currency: invoice.currency), true)]
        sheet.totals(totals, labelRight: sheet.right - 110, valueRight: sheet.right, continuation: continuation)
        sheet.y += 16
        sheet.ensureSpace(70, continuation: continuation)
        sheet.y = sheet.lines(["Please reference the PO number on your invoice and packing list.",
                               "Label every carton with its FBA box label; do not mix SKUs in a carton."],
                              x: sheet.left, y: sheet.y, width: sheet.width, style: TextStyle(size: 8, color: .gray(0.3))) + 22
        sheet.page.line(x1: sheet.left, y1: sheet.y, x2: sheet.left + 200, y2: sheet.y, width: 0.5)
        sheet.page.line(x1: sheet.left + 260, y1: sheet.y, x2: sheet.left + 380, y2: sheet.y, width: 0.5)
        sheet.text("Authorized by", x: sheet.left, y: sheet.y + 3, style: TextStyle(size: 7.5))
        sheet.text("Date", x: sheet.left + 260, y: sheet.y + 3, style: TextStyle(size: 7.5))
        return sheet.finish()
    }
}
