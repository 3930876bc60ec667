/// What the document parser produced for one supplier document: the input of `InvoiceExtractor`.
///
/// `pages` is text per page, as `pdftotext -layout` prints it (columns kept apart by runs of
/// spaces) or as tesseract reads a scan (noisier: `O` for `0`, `l` for `1`, uneven spacing).
/// `tables` is one entry per CSV file or spreadsheet sheet, row by row, cells as text.
public struct InvoiceDocument: Sendable, Equatable {
    public var pages: [String]
    public var tables: [[[String]]]

    public init(pages: [String] = [], tables: [[[String]]] = []) {
        self.pages = pages
        self.tables = tables
    }
}
