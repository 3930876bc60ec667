import OpsideRender

/// A column of a hand-drawn invoice table.
struct SheetColumn {
    var title: String
    var width: Double
    var alignment: TextAlignment = .left
}

/// How a hand-drawn invoice table looks.
struct SheetTableStyle {
    var fontSize = 8.5
    var headerFill: RenderColor? = .lightGray
    var headerTextColor: RenderColor = .black
    var headerSize: Double?
    /// Vertical lines between columns and a box around the table (a commercial invoice's grid).
    var grid = false
    var rowRule: RenderColor? = .gray(0.75)
    var zebra: RenderColor?
    var paddingX = 4.0
    var paddingY = 3.5
}

/// The pen a sample layout draws with: absolute positions on pages of one size, text measured
/// as the renderer will draw it, and a table that continues on new pages with its header repeated.
struct InvoiceSheet {
    let measurer: TextMeasurer
    let size: PageSize
    let margin: Double
    /// Space kept free at the foot of each page (footer text, page numbers).
    let footerReserve: Double
    private(set) var pages: [PageCanvas] = []
    var page: PageCanvas
    var y: Double

    init(size: PageSize, margin: Double, footerReserve: Double = 30, measurer: TextMeasurer) {
        self.size = size
        self.margin = margin
        self.footerReserve = footerReserve
        self.measurer = measurer
        page = PageCanvas(size: size)
        y = margin
    }

    var left: Double { margin }
    var right: Double { size.width - margin }
    var width: Double { right - left }
    var bottomLimit: Double { size.height - margin - footerReserve }

    // MARK: Text

    func height(_ text: String, style: TextStyle, width: Double?) -> Double {
        measurer.measure(RichText(text), style: style, width: width).height
    }

    func textWidth(_ text: String, style: TextStyle) -> Double {
        measurer.measure(RichText(text), style: style, width: nil).width
    }

    /// Draws text with its top-left at (x, y); returns its height.
    @discardableResult
    mutating func text(_ text: String, x: Double, y: Double, width: Double? = nil, style: TextStyle) -> Double {
        guard !text.isEmpty else { return 0 }
        page.text(RichText(text), x: x, y: y, width: width, style: style)
        return height(text, style: style, width: width)
    }

    /// Draws lines of text one under another from (x, y); returns the y below the last.
    @discardableResult
    mutating func lines(_ lines: [String], x: Double, y: Double, width: Double? = nil, style: TextStyle, gap: Double = 1) -> Double {
        var cursor = y
        for line in lines where !line.isEmpty { cursor += text(line, x: x, y: cursor, width: width, style: style) + gap }
        return cursor
    }

    /// Label and value rows: labels right-aligned in `labelBox`, values after `valueX`. Returns the y below.
    @discardableResult
    mutating func labelledRows(_ rows: [(String, String)], labelX: Double, labelWidth: Double, valueX: Double, valueWidth: Double,
                               y: Double, labelStyle: TextStyle, valueStyle: TextStyle, valueAlignment: TextAlignment = .left,
                               gap: Double = 2) -> Double {
        var cursor = y
        for (label, value) in rows {
            let labelHeight = text(label, x: labelX, y: cursor, width: labelWidth, style: labelStyle.aligned(.right))
            let valueHeight = text(value, x: valueX, y: cursor, width: valueWidth, style: valueStyle.aligned(valueAlignment))
            cursor += max(labelHeight, valueHeight) + gap
        }
        return cursor
    }

    // MARK: Pages

    mutating func newPage() {
        pages.append(page)
        page = PageCanvas(size: size)
        y = margin
    }

    /// Starts a new page (drawing `continuation` at its top) unless `height` fits.
    mutating func ensureSpace(_ height: Double, continuation: (inout InvoiceSheet) -> Void) {
        if y + height > bottomLimit {
            newPage()
            continuation(&self)
        }
    }

    /// All pages, numbered "Page X of Y" at the foot when there is more than one (or `always`).
    mutating func finish(pageNumbers always: Bool = false, footerStyle: TextStyle = TextStyle(size: 7.5, color: .gray(0.35))) -> [PageCanvas] {
        pages.append(page)
        page = PageCanvas(size: size)
        let count = pages.count
        if always || count > 1 {
            for index in pages.indices {
                pages[index].text(RichText(PageFooter.pageLabel(index + 1, of: count)), x: left, y: size.height - margin - 10,
                                  width: width, style: footerStyle.aligned(.right))
            }
        }
        return pages
    }

    // MARK: Tables

    /// Draws a table from the current `y`, breaking pages as rows need: each new page gets
    /// `continuation` (a slim "continued" header) and the column header again.
    mutating func table(_ columns: [SheetColumn], rows: [[String]], style: SheetTableStyle,
                        continuation: (inout InvoiceSheet) -> Void) {
        let cellStyle = TextStyle(size: style.fontSize)
        let headerStyle = TextStyle(size: style.headerSize ?? style.fontSize, bold: true, color: style.headerTextColor)

        // The nested functions must not capture `self`: they are handed the sheet `inout`.
        let measurer = self.measurer
        func rowHeight(_ cells: [String], _ textStyle: TextStyle) -> Double {
            var tallest = textStyle.size * 1.2
            for (index, cell) in cells.enumerated() where index < columns.count && !cell.isEmpty {
                tallest = max(tallest, measurer.measure(RichText(cell), style: textStyle, width: columns[index].width - 2 * style.paddingX).height)
            }
            return tallest + 2 * style.paddingY
        }

        var segmentTop = y
        func closeGrid(_ sheet: inout InvoiceSheet) {
            guard style.grid else { return }
            var x = sheet.left
            sheet.page.line(x1: x, y1: segmentTop, x2: x, y2: sheet.y, width: 0.6)
            for column in columns {
                x += column.width
                sheet.page.line(x1: x, y1: segmentTop, x2: x, y2: sheet.y, width: 0.6)
            }
            sheet.page.line(x1: sheet.left, y1: sheet.y, x2: x, y2: sheet.y, width: 0.6)
        }
        func drawCells(_ cells: [String], _ textStyle: TextStyle, _ rowHeight: Double, fill: RenderColor?, _ sheet: inout InvoiceSheet) {
            if let fill {
                sheet.page.rectangle(PageRect(x: sheet.left, y: sheet.y, width: columns.reduce(0) { $0 + $1.width }, height: rowHeight), fill: fill)
            }
            var x = sheet.left
            for (index, column) in columns.enumerated() {
                if index < cells.count && !cells[index].isEmpty {
                    sheet.text(cells[index], x: x + style.paddingX, y: sheet.y + style.paddingY, width: column.width - 2 * style.paddingX,
                               style: textStyle.aligned(column.alignment))
                }
                x += column.width
            }
        }
        func header(_ sheet: inout InvoiceSheet) {
            segmentTop = sheet.y
            let titles = columns.map(\.title)
            let headerHeight = rowHeight(titles, headerStyle)
            drawCells(titles, headerStyle, headerHeight, fill: style.headerFill, &sheet)
            if style.grid { sheet.page.line(x1: sheet.left, y1: sheet.y, x2: sheet.left + columns.reduce(0) { $0 + $1.width }, y2: sheet.y, width: 0.6) }
            sheet.y += headerHeight
            sheet.page.line(x1: sheet.left, y1: sheet.y, x2: sheet.left + columns.reduce(0) { $0 + $1.width }, y2: sheet.y,
                            width: style.grid ? 0.6 : 0.8, color: style.grid ? .black : .gray(0.25))
        }

        let firstHeight = rowHeight(columns.map(\.title), headerStyle) + (rows.first.map { rowHeight($0, cellStyle) } ?? 0)
        ensureSpace(firstHeight, continuation: continuation)
        header(&self)
        for (index, cells) in rows.enumerated() {
            let height = rowHeight(cells, cellStyle)
            if y + height > bottomLimit {
                closeGrid(&self)
                newPage()
                continuation(&self)
                header(&self)
            }
            drawCells(cells, cellStyle, height, fill: index % 2 == 1 ? style.zebra : nil, &self)
            y += height
            if let rule = style.rowRule, !style.grid || index < rows.count - 1 {
                page.line(x1: left, y1: y, x2: left + columns.reduce(0) { $0 + $1.width }, y2: y, width: style.grid ? 0.3 : 0.3, color: rule)
            }
        }
        closeGrid(&self)
    }

    /// Totals: each label right-aligned to `labelRight`, each value right-aligned to `valueRight`.
    mutating func totals(_ entries: [(label: String, value: String, bold: Bool)], labelRight: Double, valueRight: Double, size: Double = 9,
                         valueWidth: Double = 110, highlight: RenderColor? = nil, continuation: (inout InvoiceSheet) -> Void) {
        let rowHeight = size * 1.25 + 3
        ensureSpace(rowHeight * Double(entries.count) + 6, continuation: continuation)
        y += 6
        for entry in entries {
            let style = TextStyle(size: entry.bold ? size + 1 : size, bold: entry.bold)
            if entry.bold, let highlight {
                page.rectangle(PageRect(x: labelRight - 150, y: y - 2, width: valueRight - labelRight + 156, height: rowHeight + 2), fill: highlight)
            }
            text(entry.label, x: labelRight - 220, y: y, width: 220, style: style.aligned(.right))
            text(entry.value, x: valueRight - valueWidth, y: y, width: valueWidth, style: style.aligned(.right))
            y += rowHeight
        }
    }
}

extension SampleInvoice {
    /// The description cell of a line: the description, then the seller SKU or ASIN when printed.
    func descriptionCell(_ line: SampleInvoiceLine) -> String {
        var cell = line.description
        if let sku = line.sellerSku { cell += "\nSeller SKU: \(sku)" }
        if let asin = line.asin { cell += "\nASIN: \(asin)" }
        return cell
    }

    /// Freight, duty, other charges and tax as total rows (those that apply).
    func chargeRows(freightLabel: String = "Freight", dutyLabel: String = "Duty", taxLabel: String = "Tax",
                    showZeroFreightAndDuty: Bool = false) -> [(label: String, value: String, bold: Bool)] {
        var rows: [(label: String, value: String, bold: Bool)] = []
        if freight != 0 || showZeroFreightAndDuty { rows.append((freightLabel, numberStyle.amount(freight), false)) }
        if duty != 0 || showZeroFreightAndDuty { rows.append((dutyLabel, numberStyle.amount(duty), false)) }
        for charge in otherCharges { rows.append((charge.label, numberStyle.amount(charge.amount), false)) }
        if taxRate != 0 {
            let rate = numberStyle == .european
                ? "\(taxRate)".replacingOccurrences(of: ".", with: ",") : "\(taxRate)"
            rows.append(("\(taxLabel) (\(rate)%)", numberStyle.amount(tax), false))
        }
        return rows
    }

    /// Initials for a logo: the first letters of the company name's distinctive words.
    var supplierInitials: String {
        let skip: Set<String> = ["Shenzhen", "Yiwu", "Ningbo", "Guangzhou", "Dongguan", "Xiamen", "Co.,", "Ltd.", "LLC", "Inc.", "GmbH", "&"]
        let words = supplier.name.split(separator: " ").map(String.init).filter { !skip.contains($0) }
        return String(words.prefix(2).compactMap(\.first)).uppercased()
    }
}
