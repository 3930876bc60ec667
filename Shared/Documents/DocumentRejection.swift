/// Why a seller's document was refused, in words the seller can act on.
///
/// `code` is stable (services, the dashboard and metrics switch on it); `message` names the limit
/// and the document's own figure, e.g. "The file is 210 MB; the limit is 25 MB per file.".
public struct DocumentRejection: Error, Codable, Sendable, Hashable, CustomStringConvertible {
    /// A stable, machine-readable reason. The raw values are part of the JSON contract between
    /// `opside-document-parser` and its callers, so they never change once shipped.
    public enum Code: String, Codable, Sendable, CaseIterable {
        /// The file (or the whole request) is bigger than allowed, or its extracted content is.
        case tooLarge = "too_large"
        /// More files in one request than allowed.
        case tooManyFiles = "too_many_files"
        /// The bytes are not one of the accepted kinds (PDF, PNG, JPEG, TIFF, HEIC, XLSX, CSV).
        case unsupportedType = "unsupported_type"
        case tooManyPages = "too_many_pages"
        /// Parsing took longer than the wall-clock or processor-time limit.
        case timedOut = "timed_out"
        case outOfMemory = "out_of_memory"
        /// The file claims to be a kind it is but is damaged or not readable as that kind.
        case malformed
        /// A spreadsheet that would expand far beyond its size when unpacked.
        case zipBomb = "zip_bomb"
        /// Nothing readable was found (a blank page, an empty sheet).
        case noText = "no_text"
        case imageTooLarge = "image_too_large"
        /// The PDF needs a password to open.
        case encrypted
        /// Our side failed (the parser program is missing or could not start): not the seller's fault.
        case parserUnavailable = "parser_unavailable"
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
