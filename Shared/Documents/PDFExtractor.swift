import Foundation

/// Reads a PDF with poppler: `pdfinfo` for the page count, encryption and page sizes, then
/// `pdftotext -layout` for the text (columns kept), and OCR for pages that are scans.
package struct PDFExtractor: Sendable {
    package var limits: DocumentLimits
    package var workFolder: URL

    /// A page with fewer letters and digits than this is treated as a scan and OCR'd: a scanned
    /// invoice often carries a stamp or a scanner's footer as real text ("Page 1", a date).
    static let scannedPageCharacterThreshold = 20
    /// Resolution scans are rendered at for OCR: tesseract reads 300 dpi best.
    static let ocrDotsPerInch = 300
    /// Below this a huge page is rendered too coarsely to read reliably: said in a warning.
    static let lowestReadableDotsPerInch = 100

    package init(limits: DocumentLimits, workFolder: URL) {
        self.limits = limits
        self.workFolder = workFolder
    }

    package func extract(fileAt url: URL) async throws(DocumentRejection) -> ParsedDocument {
        let info = try await pdfInfo(url)
        var warnings: [String] = []
        if info.isEncrypted {
            warnings.append("The PDF is protected against changes or copying; its text was read all the same.")
        }
        var pages = try await pageTexts(url, pageCount: info.pageCount)
        var ocrPageNumbers: [Int] = []
        var ocrConfidenceSum = 0.0
        var ocrWordCount = 0
        for pageNumber in 1...info.pageCount where Self.looksScanned(pages[pageNumber - 1]) {
            let result = try await ocr(page: pageNumber, of: url, size: info.pageSizes[pageNumber], warnings: &warnings)
            ocrPageNumbers.append(pageNumber)
            guard result.hasReadableWords else { continue }
            pages[pageNumber - 1] = result.pageTexts(pageCount: 1).first ?? ""
            ocrConfidenceSum += result.confidenceSum
            ocrWordCount += result.words.count
        }
        guard pages.contains(where: { page in page.contains { $0.isLetter || $0.isNumber } }) else {
            throw DocumentRejection(.noText, info.pageCount == 1
                ? "No text could be read in the PDF: its page is blank or the scan is unreadable. Please scan it again (300 dpi, in focus) or upload the original PDF."
                : "No text could be read in the PDF: its \(info.pageCount) pages are blank or the scan is unreadable. Please scan it again (300 dpi, in focus) or upload the original PDF.")
        }
        let ocrConfidence = ocrWordCount > 0 ? ocrConfidenceSum / Double(ocrWordCount) / 100 : nil
        if let ocrConfidence, ocrConfidence < 0.6 { warnings.append(ImageOCR.lowConfidenceWarning(ocrConfidence)) }
        let allScanned = ocrPageNumbers.count == info.pageCount
        if !ocrPageNumbers.isEmpty && !allScanned {
            let list = ocrPageNumbers.map(String.init).joined(separator: ", ")
            warnings.append("Page\(ocrPageNumbers.count > 1 ? "s" : "") \(list) \(ocrPageNumbers.count > 1 ? "are" : "is a") scanned image\(ocrPageNumbers.count > 1 ? "s" : ""), read by OCR.")
        }
        return ParsedDocument(kind: .pdf, method: allScanned ? .ocr : .pdftotext, pageCount: info.pageCount, pages: pages,
                              ocrConfidence: ocrConfidence, ocrPageNumbers: ocrPageNumbers, warnings: warnings)
    }

    static func looksScanned(_ pageText: String) -> Bool {
        pageText.unicodeScalars.lazy.filter { CharacterSet.alphanumerics.contains($0) }.prefix(scannedPageCharacterThreshold).count
            < scannedPageCharacterThreshold
    }

    // MARK: pdfinfo

    struct Info {
        var pageCount: Int
        var isEncrypted: Bool
        /// Width and height in points (1/72 inch), by 1-based page number.
        var pageSizes: [Int: (width: Double, height: Double)]
    }

    private func pdfInfo(_ url: URL) async throws(DocumentRejection) -> Info {
        let tool = ExternalTool.pdfinfo
        // `-l` asks for every page's size; pages past maxPages are never looked at.
        let outcome = try await tool.run(["-enc", "UTF-8", "-f", "1", "-l", String(limits.maxPages), url.path], outputLimit: 4 * 1_048_576)
        guard outcome.exitedCleanly else {
            if outcome.errorText.contains("Incorrect password") {
                throw DocumentRejection(.encrypted, "The PDF is protected by a password, so it cannot be read. Please remove the password (print it to a new PDF) and upload that file.")
            }
            let failure = tool.failure(outcome, limits: limits)
            if failure.code == .malformed {
                throw DocumentRejection(.malformed, "The PDF is damaged and cannot be opened. Please export or save it again from the program that made it and upload the new file.")
            }
            throw failure
        }
        let text = String(decoding: outcome.output, as: UTF8.self)
        var pageCount: Int?
        var isEncrypted = false
        var pageSizes: [Int: (width: Double, height: Double)] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if line.hasPrefix("Pages:"), fields.count >= 2 {
                pageCount = Int(fields[1])
            } else if line.hasPrefix("Encrypted:") {
                isEncrypted = fields.count >= 2 && fields[1] == "yes"
            } else if line.hasPrefix("Page "), fields.count >= 6, fields[2] == "size:",
                      let number = Int(fields[1]), let width = Double(fields[3]), let height = Double(fields[5]) {
                // "Page    1 size: 612 x 792 pts (letter)"
                pageSizes[number] = (width, height)
            }
        }
        guard let pageCount, pageCount > 0 else {
            throw DocumentRejection(.malformed, "The PDF has no pages. Please export it again from the program that made it and upload the new file.")
        }
        guard pageCount <= limits.maxPages else {
            throw DocumentRejection(.tooManyPages, "The PDF has \(pageCount) pages; the limit is \(limits.maxPages) pages per document. Please upload the invoice pages only, or split the file.")
        }
        return Info(pageCount: pageCount, isEncrypted: isEncrypted, pageSizes: pageSizes)
    }

    // MARK: pdftotext

    /// Text of every page, split at the form feeds pdftotext ends each page with.
    private func pageTexts(_ url: URL, pageCount: Int) async throws(DocumentRejection) -> [String] {
        let tool = ExternalTool.pdftotext
        let outcome = try await tool.run(["-layout", "-enc", "UTF-8", "-f", "1", "-l", String(pageCount), url.path, "-"],
                                         outputLimit: limits.parseOutputBytes)
        guard outcome.exitedCleanly else {
            let failure = tool.failure(outcome, limits: limits)
            if failure.code == .malformed {
                throw DocumentRejection(.malformed, "The PDF is damaged and its text cannot be read. Please export or save it again and upload the new file.")
            }
            throw failure
        }
        var pages = String(decoding: outcome.output, as: UTF8.self).components(separatedBy: "\u{0C}")
        if pages.count > pageCount { pages.removeLast(pages.count - pageCount) }
        while pages.count < pageCount { pages.append("") }
        return pages.map { $0.trimmingCharacters(in: .newlines) }
    }

    // MARK: OCR of scanned pages

    private func ocr(page: Int, of url: URL, size: (width: Double, height: Double)?,
                     warnings: inout [String]) async throws(DocumentRejection) -> OCRResult {
        let dotsPerInch = renderingResolution(for: size)
        if dotsPerInch < Self.lowestReadableDotsPerInch {
            warnings.append("Page \(page) is unusually large, so it was read at only \(dotsPerInch) dpi; small print may be missed.")
        }
        let prefix = workFolder.appendingPathComponent("page-\(page)-\(UUID().uuidString)")
        // PGM, not PNG: compressing a noisy 300 dpi page to PNG took pdftoppm about 7 s of the
        // 9 s a scanned page cost; tesseract reads PGM as well.
        let image = prefix.appendingPathExtension("pgm")
        defer { try? FileManager.default.removeItem(at: image) }
        let tool = ExternalTool.pdftoppm
        let outcome = try await tool.run(["-r", String(dotsPerInch), "-gray", "-f", String(page), "-l", String(page),
                                          "-singlefile", url.path, prefix.path], outputLimit: 64 * 1024)
        guard outcome.exitedCleanly, FileManager.default.fileExists(atPath: image.path) else {
            let failure = tool.failure(outcome, limits: limits)
            if failure.code == .malformed {
                throw DocumentRejection(.malformed, "Page \(page) of the PDF is damaged and cannot be drawn. Please export or scan the PDF again and upload the new file.")
            }
            throw failure
        }
        return try await ImageOCR(limits: limits).recognize(imageAt: image, dotsPerInch: dotsPerInch)
    }

    /// 300 dpi, or less for a page so large that 300 dpi would pass ``DocumentLimits/maxImagePixels``.
    func renderingResolution(for size: (width: Double, height: Double)?) -> Int {
        guard let size, size.width > 0, size.height > 0 else { return Self.ocrDotsPerInch }
        let squareInches = (size.width / 72) * (size.height / 72)
        let fitting = (Double(limits.maxImagePixels) / squareInches).squareRoot()
        return max(10, min(Self.ocrDotsPerInch, Int(fitting.rounded(.down))))
    }
}
