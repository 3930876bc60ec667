import OpsideDocumentSamples

/// The kinds of rendered document whose accuracy is reported apart: each reaches the extractor
/// through a different reader (pdftotext, OCR of a scan, OCR of a photo, the CSV and XLSX readers).
enum DocumentFamily: String, CaseIterable, Sendable, Comparable {
    case textPDF = "text PDF"
    case scanned
    case photo
    case csv = "CSV"
    case xlsx = "XLSX"

    /// The family of a corpus file; nil for the bad documents, which have no fields to compare.
    init?(_ kind: SampleDocumentKind) {
        switch kind {
        case .textPDF: self = .textPDF
        case .scannedPDF, .scannedPNG: self = .scanned
        case .photoPNG: self = .photo
        case .csv: self = .csv
        case .xlsx: self = .xlsx
        case .malformedPDF, .zipBombXLSX, .blankScan, .largeFile: return nil
        }
    }

    /// Spreadsheets print only some header fields, and never an incoterm: see `ExpectedFields`.
    var isSpreadsheet: Bool { self == .csv || self == .xlsx }

    static func < (lhs: DocumentFamily, rhs: DocumentFamily) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
