import OpsideRender

/// A Chinese exporter's commercial invoice: a centred title, a boxed grid with "Invoice No."
/// beside "Date", shipper and consignee boxes, the delivery terms line ("FOB Shenzhen"), a fully
/// ruled table, freight and duty lines, a stamp and a signature line.
struct CommercialInvoiceLayout {
    let invoice: SampleInvoice
    let measurer: TextMeasurer

    func draw() -> [PageCanvas] {
        var sheet = InvoiceSheet(size: .a4, margin: 36, measurer: measurer)
        let style = invoice.numberStyle
        let label = TextStyle(size: 7, bold: true, color: .gray(0.3))
        let value = TextStyle(size: 9)

        sheet.y += sheet.text(invoice.supplier.name, x: sheet.left, y: sheet.y, width: sheet.width, style: TextStyle(size: 12, bold: true, alignment: .center))
        sheet.y = sheet.lines([invoice.supplier.addressLines.joined(separator: ", ") + ", " + invoice.supplier.country,
                               [invoice.supplier.phone.map { "Tel: \($0)" }, invoice.supplier.email.map { "E-mail: \($0)" }].compactMap { $0 }.joined(separator: "   ")],
                              x: sheet.left, y: sheet.y + 2, width: sheet.width, style: TextStyle(size: 7.5, alignment: .center))
        sheet.y += 6
        sheet.y += sheet.text("COMMERCIAL INVOICE", x: sheet.left, y: sheet.y, width: sheet.width, style: TextStyle(size: 17, bold: true, alignment: .center)) + 8

        // The boxed grid: each row of cells is as tall as its tallest cell.
        func boxRow(_ cells: [(String, [String])], _ sheet: inout InvoiceSheet) {
            let cellWidth = sheet.width / Double(cells.count)
            var tallest = 0.0
            for (_, lines) in cells {
                let text = lines.joined(separator: "\n")
                tallest = max(tallest, 11 + sheet.height(text, style: value, width: cellWidth - 8))
            }
            let height = tallest + 8
            for (index, (title, lines)) in cells.enumerated() {
                let x = sheet.left + Double(index) * cellWidth
                sheet.page.rectangle(PageRect(x: x, y: sheet.y, width: cellWidth, height: height), stroke: .black, lineWidth: 0.6)
                sheet.text(title, x: x + 4, y: sheet.y + 3, style: label)
                sheet.text(lines.joined(separator: "\n"), x: x + 4, y: sheet.y + 13, width: cellWidth - 8, style: value)
            }
            sheet.y += height
        }
        boxRow([("Invoice No.", [invoice.number]), ("Date", [invoice.printedIssueDate])], &sheet)
        boxRow([("Shipper / Exporter", [invoice.supplier.name] + invoice.supplier.addressLines + [invoice.supplier.country]),
                ("Consignee", [invoice.billTo.name] + invoice.billTo.addressLines + [invoice.billTo.country])], &sheet)
        let city = invoice.supplier.addressLines.last ?? ""
        let port = SampleVocabulary.chineseCities.first { city.hasPrefix($0.name) }?.port ?? "Shenzhen"
        boxRow([("Terms of Delivery", [invoice.incoterm?.printed ?? "FOB \(port)"]), ("Payment Terms", [invoice.paymentTerms ?? "T/T"]),
                ("Port of Loading", ["\(port), China"]), ("Port of Discharge", ["Los Angeles, USA"])], &sheet)
        sheet.y += 10

        let fixed = [26.0, 74, 56, 68, 80]
        let columns = [SheetColumn(title: "No.", width: fixed[0], alignment: .right),
                       SheetColumn(title: "Item Code", width: fixed[1]),
                       SheetColumn(title: "Description of Goods", width: sheet.width - fixed.reduce(0, +)),
                       SheetColumn(title: "Qty (pcs)", width: fixed[2], alignment: .right),
                       SheetColumn(title: "Unit Price (\(invoice.currency))", width: fixed[3], alignment: .right),
                       SheetColumn(title: "Amount (\(invoice.currency))", width: fixed[4], alignment: .right)]
        let rows = invoice.lines.enumerated().map { index, line in
            ["\(index + 1)", line.supplierSku, invoice.descriptionCell(line), style.quantity(line.quantity), style.amount(line.unitPrice),
             style.amount(line.lineTotal)]
        }
        let continuation: (inout InvoiceSheet) -> Void = { sheet in
            sheet.y += sheet.text("COMMERCIAL INVOICE No. \(invoice.number) (continued)", x: sheet.left, y: sheet.y, style: TextStyle(size: 9, bold: true)) + 8
        }
        sheet.table(columns, rows: rows, style: SheetTableStyle(fontSize: 8.5, headerFill: .lightGray, grid: true, rowRule: .gray(0.5)),
                    continuation: continuation)

        let totals = [("Subtotal", style.amount(invoice.subtotal), false)]
            + invoice.chargeRows(freightLabel: invoice.incoterm?.term == "FOB" ? "Inland freight to port" : "Ocean freight",
                                 dutyLabel: "Import duty (prepaid)", showZeroFreightAndDuty: true)
            + [("TOTAL \(invoice.currency)", style.amount(invoice.total), true)]
        sheet.totals(totals, labelRight: sheet.right - 90, valueRight: sheet.right - 4, continuation: continuation)
        sheet.y += 8
        sheet.ensureSpace(100, continuation: continuation)
        sheet.text("TOTAL AMOUNT: \(invoice.currency) \(style.amount(invoice.total))", x: sheet.left, y: sheet.y, style: TextStyle(size: 9, bold: true))
        sheet.y += 16
        sheet.text("Country of origin: China. We hereby certify that this invoice is true and correct.", x: sheet.left, y: sheet.y,
                   width: sheet.width, style: TextStyle(size: 8, italic: true))
        sheet.y += 20
        // A company stamp over the signature line.
        let stampX = sheet.right - 150
        sheet.page.add(.ellipse(PageRect(x: stampX, y: sheet.y, width: 110, height: 62), fill: nil, stroke: RenderColor(hex: 0xC62828), lineWidth: 1.6))
        sheet.text(invoice.supplierInitials + " · SEAL", x: stampX, y: sheet.y + 24, width: 110,
                   style: TextStyle(size: 9, bold: true, color: RenderColor(hex: 0xC62828), alignment: .center))
        sheet.page.line(x1: stampX - 20, y1: sheet.y + 70, x2: sheet.right, y2: sheet.y + 70, width: 0.5)
        sheet.text("Authorized signature", x: stampX - 20, y: sheet.y + 73, style: TextStyle(size: 7.5))
        sheet.y += 90
        return sheet.finish()
    }
}
