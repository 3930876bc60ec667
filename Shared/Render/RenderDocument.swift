import Foundation

/// A document in flow layout: blocks placed top to bottom, broken into pages automatically.
///
/// Render it with `PDFRenderer.render(_:)`, or `paginate()` it and rasterise a page with
/// `RasterRenderer`. All text, including any that came from a seller or a supplier, is drawn
/// literally: nothing is interpreted as markup.
public struct RenderDocument: Sendable, Hashable {
    public var pageSize: PageSize
    public var margins: PageMargins
    public var metadata: DocumentMetadata
    /// The paragraph style; headings, tables and the footer derive their sizes from it.
    public var bodyStyle: TextStyle
    /// Drawn in the bottom margin of every page; `nil` for none.
    public var footer: PageFooter?
    public var blocks: [RenderBlock]

    public init(pageSize: PageSize = .a4, margins: PageMargins = .standard, metadata: DocumentMetadata,
                bodyStyle: TextStyle = .body, footer: PageFooter? = PageFooter(), blocks: [RenderBlock] = []) {
        self.pageSize = pageSize
        self.margins = margins
        self.metadata = metadata
        self.bodyStyle = bodyStyle
        self.footer = footer
        self.blocks = blocks
    }

    public mutating func append(_ block: RenderBlock) { blocks.append(block) }

    /// The pages this document breaks into, every element at its final position.
    /// - Throws: `RenderError.invalidDocument` when the margins leave no room for content.
    public func paginate() throws -> [PageCanvas] {
        var paginator = try FlowPaginator(document: self, engine: TextEngine())
        return paginator.run()
    }
}

/// The line at the foot of each page.
public struct PageFooter: Sendable, Hashable {
    /// Left-aligned text, such as the packet's reference.
    public var text: String?
    /// "Page X of Y", right-aligned.
    public var showsPageNumbers: Bool
    public var style: TextStyle

    public init(text: String? = nil, showsPageNumbers: Bool = true, style: TextStyle = TextStyle(size: 8, color: .gray(0.35))) {
        self.text = text
        self.showsPageNumbers = showsPageNumbers
        self.style = style
    }

    /// The page label, "Page 2 of 3".
    public static func pageLabel(_ page: Int, of count: Int) -> String { "Page \(page) of \(count)" }
}

/// One block of a flow-layout document.
public enum RenderBlock: Sendable, Hashable {
    /// A heading; level 1 is the largest. Kept on the same page as what follows it.
    case heading(String, level: Int)
    /// Wrapped text; splits across pages between lines.
    case paragraph(RichText)
    /// Labels and values in two aligned columns.
    case keyValues([KeyValuePair])
    /// A table whose header row repeats on every page it spans.
    case table(RenderTable)
    /// Fixed-width text on a grey ground, for arithmetic; long lines wrap at characters.
    case monospace(String)
    /// A thin horizontal line across the content width.
    case rule
    /// An image scaled to `width` points (the content width when `nil`, and never wider), aspect kept.
    case image(RenderImage, width: Double?)
    /// Vertical space in points.
    case spacer(Double)
    /// Starts a new page (ignored at the top of an empty page).
    case pageBreak
}

/// A label and its value.
public struct KeyValuePair: Sendable, Hashable {
    public var key: String
    public var value: RichText

    public init(_ key: String, _ value: RichText) {
        self.key = key
        self.value = value
    }
}

/// How wide a table column is.
public enum ColumnWidth: Sendable, Hashable {
    /// A fixed width in points.
    case points(Double)
    /// A share of the width the fixed columns leave.
    case relative(Double)
}

/// A table column: header title, width, alignment of its cells.
public struct TableColumn: Sendable, Hashable {
    public var title: String
    public var width: ColumnWidth
    public var alignment: TextAlignment

    public init(_ title: String, width: ColumnWidth = .relative(1), alignment: TextAlignment = .left) {
        self.title = title
        self.width = width
        self.alignment = alignment
    }
}

/// A table row.
public struct TableRow: Sendable, Hashable {
    public var cells: [RichText]
    /// Drawn on the table's highlight colour: the invoice lines a claim matched.
    public var highlighted: Bool
    /// All cells bold (a totals row).
    public var bold: Bool

    public init(_ cells: [RichText], highlighted: Bool = false, bold: Bool = false) {
        self.cells = cells
        self.highlighted = highlighted
        self.bold = bold
    }

    /// A row of plain strings.
    public init(strings: [String], highlighted: Bool = false, bold: Bool = false) {
        self.init(strings.map { RichText($0) }, highlighted: highlighted, bold: bold)
    }
}

/// A table: columns, rows, the colour highlighted rows are drawn on.
public struct RenderTable: Sendable, Hashable {
    public var columns: [TableColumn]
    public var rows: [TableRow]
    public var highlightColor: RenderColor
    /// Cell text size; the body size minus one when `nil`.
    public var fontSize: Double?

    public init(columns: [TableColumn], rows: [TableRow], highlightColor: RenderColor = .highlight, fontSize: Double? = nil) {
        self.columns = columns
        self.rows = rows
        self.highlightColor = highlightColor
        self.fontSize = fontSize
    }
}
