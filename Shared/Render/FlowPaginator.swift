/// Places a `RenderDocument`'s blocks on pages: measures every piece of text with Pango, breaks
/// pages where the next piece does not fit, repeats table headers, and adds the footers once the
/// page count is known.
struct FlowPaginator {
    private let document: RenderDocument
    private let engine: TextEngine
    private var pages: [PageCanvas] = []
    private var current: PageCanvas
    private var y: Double
    private let left: Double
    private let width: Double
    private let top: Double
    private let bottom: Double

    init(document: RenderDocument, engine: TextEngine) throws {
        let size = document.pageSize
        let margins = document.margins
        guard size.width > 0, size.height > 0 else { throw RenderError.invalidDocument("page size \(size.width)×\(size.height)") }
        width = size.width - margins.left - margins.right
        guard width >= 72, size.height - margins.top - margins.bottom >= 72 else {
            throw RenderError.invalidDocument("margins leave less than an inch for content")
        }
        self.document = document
        self.engine = engine
        left = margins.left
        top = margins.top
        bottom = size.height - margins.bottom
        current = PageCanvas(size: size)
        y = top
    }

    // MARK: Pages

    private var pageIsEmpty: Bool { current.elements.isEmpty }

    private mutating func newPage() {
        pages.append(current)
        current = PageCanvas(size: document.pageSize)
        y = top
    }

    /// Starts a new page unless `height` fits below the cursor or the page is still empty (an
    /// element taller than a page goes on a page of its own rather than looping forever).
    private mutating func makeRoom(_ height: Double) {
        if y + height > bottom + 0.01 && !pageIsEmpty { newPage() }
    }

    mutating func run() -> [PageCanvas] {
        for block in document.blocks { place(block) }
        pages.append(current)
        addFooters()
        return pages
    }

    // MARK: Blocks

    private var body: TextStyle { document.bodyStyle }

    private mutating func place(_ block: RenderBlock) {
        switch block {
        case let .heading(text, level):
            let style = body.sized(Self.headingSize(level: level, body: body.size)).bolded()
            if !pageIsEmpty { y += level <= 1 ? 10 : 7 }
            let metrics = engine.measure(RichText(text), style: style, width: width)
            // Keep with next: a heading alone at the foot of a page reads as a mistake.
            makeRoom(metrics.height + body.size * 3)
            current.add(.text(CanvasText(RichText(text), style: style, origin: PagePoint(x: left, y: y), width: width)))
            y += metrics.height + 4
        case let .paragraph(text):
            placeSplittable(text, style: body, padding: 0, background: nil)
            y += body.size * 0.6
        case let .keyValues(pairs):
            placeKeyValues(pairs)
            y += body.size * 0.6
        case let .table(table):
            placeTable(table)
            y += body.size * 0.8
        case let .monospace(text):
            placeSplittable(RichText(text), style: body.family(.mono).sized(max(6, body.size - 1.5)), padding: 5,
                            background: .lightGray)
            y += body.size * 0.6
        case .rule:
            makeRoom(9)
            current.line(x1: left, y1: y + 4, x2: left + width, y2: y + 4, width: 0.6, color: .gray(0.55))
            y += 9
        case let .image(image, requestedWidth):
            var imageWidth = min(requestedWidth ?? width, width)
            var imageHeight = imageWidth * image.aspectRatio
            if imageHeight > bottom - top {
                imageHeight = bottom - top
                imageWidth = imageHeight / image.aspectRatio
            }
            makeRoom(imageHeight)
            current.add(.image(image, PageRect(x: left, y: y, width: imageWidth, height: imageHeight)))
            y += imageHeight + body.size * 0.6
        case let .spacer(height):
            if y + height > bottom { newPage() } else { y += height }
        case .pageBreak:
            if !pageIsEmpty { newPage() }
        }
    }

    static func headingSize(level: Int, body: Double) -> Double {
        switch level {
        case ...1: body * 1.8
        case 2: body * 1.4
        case 3: body * 1.2
        default: body * 1.05
        }
    }

    /// Text that may break between lines across pages, optionally on a padded background box.
    private mutating func placeSplittable(_ text: RichText, style: TextStyle, padding: Double, background: RenderColor?) {
        let textWidth = width - 2 * padding
        let metrics = engine.measure(text, style: style, width: textWidth)
        let lineCount = metrics.lines.count
        var start = 0
        while start < lineCount {
            let available = bottom - y - 2 * padding
            var end = start
            while end < lineCount && metrics.height(ofLines: start..<(end + 1)) <= available + 0.01 { end += 1 }
            if end == start {
                if pageIsEmpty { end = start + 1 } else { newPage(); continue }
            }
            let fragmentHeight = metrics.height(ofLines: start..<end)
            if let background {
                current.rectangle(PageRect(x: left, y: y, width: width, height: fragmentHeight + 2 * padding), fill: background)
            }
            let lines: Range<Int>? = start == 0 && end == lineCount ? nil : start..<end
            current.add(.text(CanvasText(text, style: style, origin: PagePoint(x: left + padding, y: y + padding), width: textWidth, lines: lines)))
            y += fragmentHeight + 2 * padding
            start = end
            if start < lineCount { newPage() }
        }
    }

    private mutating func placeKeyValues(_ pairs: [KeyValuePair]) {
        let keyStyle = body.bolded()
        let widestKey = pairs.map { engine.measure(RichText($0.key), style: keyStyle, width: nil).width }.max() ?? 0
        let keyWidth = min(widestKey + 12, width * 0.4)
        let valueWidth = width - keyWidth
        for pair in pairs {
            let keyHeight = engine.measure(RichText(pair.key), style: keyStyle, width: keyWidth - 6).height
            let valueHeight = engine.measure(pair.value, style: body, width: valueWidth).height
            let rowHeight = max(keyHeight, valueHeight)
            makeRoom(rowHeight)
            current.add(.text(CanvasText(RichText(pair.key), style: keyStyle, origin: PagePoint(x: left, y: y), width: keyWidth - 6)))
            current.add(.text(CanvasText(pair.value, style: body, origin: PagePoint(x: left + keyWidth, y: y), width: valueWidth)))
            y += rowHeight + 2.5
        }
    }

    // MARK: Tables

    private static let cellPaddingX = 4.0
    private static let cellPaddingY = 3.0

    private func columnWidths(_ columns: [TableColumn]) -> [Double] {
        let fixed = columns.reduce(0.0) { total, column in
            if case let .points(points) = column.width { return total + points }
            return total
        }
        let shares = columns.reduce(0.0) { total, column in
            if case let .relative(share) = column.width { return total + max(share, 0) }
            return total
        }
        let remaining = max(width - fixed, 0)
        return columns.map { column in
            switch column.width {
            case let .points(points): points
            case let .relative(share): shares > 0 ? remaining * max(share, 0) / shares : 0
            }
        }
    }

    /// The height of a row whose cells are `cells`, each wrapped in its column.
    private func rowHeight(_ cells: [RichText], widths: [Double], style: TextStyle) -> Double {
        var height = style.size * 1.2
        for (index, cell) in cells.enumerated() where index < widths.count {
            height = max(height, engine.measure(cell, style: style, width: max(widths[index] - 2 * Self.cellPaddingX, 4)).height)
        }
        return height + 2 * Self.cellPaddingY
    }

    private mutating func drawRow(_ cells: [RichText], columns: [TableColumn], widths: [Double], style: TextStyle, height: Double,
                                  fill: RenderColor?) {
        if let fill { current.rectangle(PageRect(x: left, y: y, width: width, height: height), fill: fill) }
        var x = left
        for (index, column) in columns.enumerated() {
            let cell = index < cells.count ? cells[index] : RichText("")
            if !cell.isEmpty {
                current.add(.text(CanvasText(cell, style: style.aligned(column.alignment),
                                             origin: PagePoint(x: x + Self.cellPaddingX, y: y + Self.cellPaddingY),
                                             width: max(widths[index] - 2 * Self.cellPaddingX, 4))))
            }
            x += widths[index]
        }
    }

    private mutating func placeTable(_ table: RenderTable) {
        guard !table.columns.isEmpty else { return }
        let widths = columnWidths(table.columns)
        let cellStyle = body.sized(table.fontSize ?? max(6, body.size - 1))
        let headerStyle = cellStyle.bolded()
        let headerCells = table.columns.map { RichText($0.title) }
        let headerHeight = rowHeight(headerCells, widths: widths, style: headerStyle)

        func header(_ paginator: inout FlowPaginator) {
            paginator.drawRow(headerCells, columns: table.columns, widths: widths, style: headerStyle, height: headerHeight, fill: .lightGray)
            paginator.y += headerHeight
            paginator.current.line(x1: paginator.left, y1: paginator.y, x2: paginator.left + paginator.width, y2: paginator.y,
                                   width: 0.8, color: .gray(0.3))
        }

        let firstRowHeight = table.rows.first.map { rowHeight($0.cells, widths: widths, style: $0.bold ? headerStyle : cellStyle) } ?? 0
        makeRoom(headerHeight + firstRowHeight)
        header(&self)
        for row in table.rows {
            let style = row.bold ? headerStyle : cellStyle
            let height = rowHeight(row.cells, widths: widths, style: style)
            if y + height > bottom + 0.01 {
                newPage()
                header(&self)
            }
            drawRow(row.cells, columns: table.columns, widths: widths, style: style, height: height,
                    fill: row.highlighted ? table.highlightColor : nil)
            y += height
            current.line(x1: left, y1: y, x2: left + width, y2: y, width: 0.25, color: .gray(0.7))
        }
    }

    // MARK: Footer

    private mutating func addFooters() {
        guard let footer = document.footer else { return }
        let count = pages.count
        let lineY = bottom + min(12, document.margins.bottom / 3)
        for index in pages.indices {
            pages[index].line(x1: left, y1: lineY, x2: left + width, y2: lineY, width: 0.4, color: .gray(0.6))
            if let text = footer.text {
                pages[index].text(RichText(text), x: left, y: lineY + 3, width: width * 0.7, style: footer.style)
            }
            if footer.showsPageNumbers {
                pages[index].text(RichText(PageFooter.pageLabel(index + 1, of: count)), x: left + width * 0.7, y: lineY + 3,
                                  width: width * 0.3, style: footer.style.aligned(.right))
            }
        }
    }
}
