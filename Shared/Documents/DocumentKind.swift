/// The kinds of seller document Opside reads, always decided from the bytes (``sniff(fileAt:)``),
/// never from the uploader's file name or Content-Type, which the uploader controls.
public enum DocumentKind: String, Codable, Sendable, Hashable, CaseIterable {
    case pdf
    case png
    case jpeg
    case tiff
    /// HEIC/HEIF, what iPhones save photos as.
    case heic
    case xlsx
    case csv

    /// The kind in words for a seller ("a PDF", "a PNG image").
    public var displayName: String {
        switch self {
        case .pdf: "a PDF"
        case .png: "a PNG image"
        case .jpeg: "a JPEG image"
        case .tiff: "a TIFF image"
        case .heic: "a HEIC photo"
        case .xlsx: "an Excel workbook (.xlsx)"
        case .csv: "a CSV file"
        }
    }

    /// The media type the file is stored and served with.
    public var contentType: String {
        switch self {
        case .pdf: "application/pdf"
        case .png: "image/png"
        case .jpeg: "image/jpeg"
        case .tiff: "image/tiff"
        case .heic: "image/heic"
        case .xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        case .csv: "text/csv"
        }
    }

    /// Whether the kind is read by OCR (after conversion to PNG for HEIC).
    public var isImage: Bool {
        switch self {
        case .png, .jpeg, .tiff, .heic: true
        case .pdf, .xlsx, .csv: false
        }
    }
}
