import Foundation

/// The parser's side: turns one file of a known kind into a ``ParsedDocument``. It runs inside
/// `opside-document-parser`, under the limits the caller set on that process; a service calls
/// ``DocumentParsing`` instead, never this in its own process.
package struct DocumentExtraction: Sendable {
    package var limits: DocumentLimits
    /// Where rendered pages and converted photos go (the caller's private folder, via TMPDIR).
    package var workFolder: URL

    package init(limits: DocumentLimits, workFolder: URL = FileManager.default.temporaryDirectory) {
        self.limits = limits
        self.workFolder = workFolder
    }

    package func extract(fileAt url: URL, kind: DocumentKind) async throws(DocumentRejection) -> ParsedDocument {
        // Checked again here: the parser may be run by hand or by another caller.
        try limits.checkFileSize(ofFileAt: url)
        switch kind {
        case .pdf:
            return try await PDFExtractor(limits: limits, workFolder: workFolder).extract(fileAt: url)
        case .png, .jpeg, .tiff:
            return try await ImageOCR(limits: limits).read(imageAt: url, kind: kind)
        case .heic:
            return try await readPhoto(at: url)
        case .xlsx:
            return try XLSXReader(limits: limits).read(fileAt: url)
        case .csv:
            return try CSVReader.read(fileAt: url, limits: limits)
        }
    }

    /// HEIC: tesseract cannot read it, so libheif converts it to PNG first; the size is checked
    /// from its `ispe` header before the conversion decodes anything.
    private func readPhoto(at url: URL) async throws(DocumentRejection) -> ParsedDocument {
        let ocr = ImageOCR(limits: limits)
        try ocr.checkDimensions(try ImageDimensions.frames(ofFileAt: url, kind: .heic), kind: .heic)
        let converted = workFolder.appendingPathComponent("photo-\(UUID().uuidString).png")
        defer { try? FileManager.default.removeItem(at: converted) }
        let tool = ExternalTool.heifConvert
        let outcome = try await tool.run([url.path, converted.path], outputLimit: 64 * 1024)
        guard outcome.exitedCleanly, FileManager.default.fileExists(atPath: converted.path) else {
            let failure = tool.failure(outcome, limits: limits)
            if failure.code == .malformed {
                throw DocumentRejection(.malformed, "The HEIC photo is damaged or uses a variant we cannot open. Please export it as JPEG (on an iPhone: Settings › Camera › Formats › Most Compatible) and upload that.")
            }
            throw failure
        }
        var document = try await ocr.read(imageAt: converted, kind: .png)
        document.kind = .heic
        return document
    }
}
