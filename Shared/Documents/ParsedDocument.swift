/// What a seller document turned into: its text page by page and its tables.
///
/// PDFs and images fill `pages` (text in reading order; PDF text keeps its columns through
/// `pdftotext -layout`, OCR text is laid out from word positions the same way). Spreadsheets and
/// CSV fill `tables` and leave `pages` empty; ``plainText`` reads either.
public struct ParsedDocument: Codable, Sendable, Hashable {
    public var kind: DocumentKind
    public var method: ExtractionMethod
    /// PDF pages, image frames (a multi-page TIFF), or sheets of a workbook (1 for CSV).
    public var pageCount: Int
    public var pages: [String]
    public var tables: [ParsedTable]
    /// Mean word confidence from 0 to 1 over the words OCR read; nil when no OCR was used.
    public var ocrConfidence: Double?
    /// 1-based numbers of the PDF pages that were scans and were read by OCR.
    public var ocrPageNumbers: [Int]
    /// Things the seller or a reviewer should know (a hidden sheet, a hard-to-read scan).
    public var warnings: [String]

    public init(kind: DocumentKind, method: ExtractionMethod, pageCount: Int, pages: [String] = [], tables: [ParsedTable] = [],
                ocrConfidence: Double? = nil, ocrPageNumbers: [Int] = [], warnings: [String] = []) {
        self.kind = kind
        self.method = method
        self.pageCount = pageCount
        self.pages = pages
        self.tables = tables
        self.ocrConfidence = ocrConfidence
        self.ocrPageNumbers = ocrPageNumbers
        self.warnings = warnings
    }

    /// All text: the pages separated by form feeds, or each table's rows with tab-separated cells.
    public var plainText: String {
        if !pages.isEmpty { return pages.joined(separator: "\u{0C}") }
        return tables.map { table in table.rows.map { $0.joined(separator: "\t") }.joined(separator: "\n") }
            .joined(separator: "\u{0C}")
    }
}

/// How the text was obtained; OCR text deserves a second look, extracted text does not.
public enum ExtractionMethod: String, Codable, Sendable, Hashable {
    /// The PDF's own text (some pages may still have been OCR'd: see `ocrPageNumbers`).
    case pdftotext
    /// Every page was an image and was read by tesseract.
    case ocr
    case xlsx
    case csv
}
