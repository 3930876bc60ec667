import Foundation

/// Reads text from images with tesseract.
///
/// Runs `tesseract <image> stdout --psm 3 tsv`: page segmentation mode 3 (fully automatic) finds
/// text blocks of any size wherever they sit (a logo line, the address blocks side by side, the
/// line-item table), where mode 6 assumes one uniform block and garbles mixed font sizes. The TSV
/// output gives each word's box and confidence; ``OCRPageLayout`` then rebuilds rows from the
/// boxes so a line item's description, quantity and price stay on one line, as `pdftotext
/// -layout` does for PDFs. One tesseract run also reads every page of a multi-page TIFF.
package struct ImageOCR: Sendable {
    package var limits: DocumentLimits

    package init(limits: DocumentLimits) {
        self.limits = limits
    }

    /// Words that count as text: a letter or digit read with at least this confidence (0–100).
    /// Tesseract reads speckles on a blank scan as a few words of confidence near 0.
    static let readableWordConfidence = 30.0

    package func read(imageAt url: URL, kind: DocumentKind) async throws(DocumentRejection) -> ParsedDocument {
        let frames = try ImageDimensions.frames(ofFileAt: url, kind: kind)
        try checkDimensions(frames, kind: kind)
        let result = try await recognize(imageAt: url, dotsPerInch: nil)
        guard result.hasReadableWords else {
            throw DocumentRejection(.noText, "No text could be read in the image. Please upload a sharper photo or scan (the whole page, in focus, well lit) or the original PDF.")
        }
        var warnings: [String] = []
        if let confidence = result.meanConfidence, confidence < 0.6 {
            warnings.append(Self.lowConfidenceWarning(confidence))
        }
        let pages = result.pageTexts(pageCount: frames.count)
        return ParsedDocument(kind: kind, method: .ocr, pageCount: pages.count, pages: pages,
                              ocrConfidence: result.meanConfidence, warnings: warnings)
    }

    /// Refuses images too large to OCR within the memory limit, and TIFFs with too many pages.
    package func checkDimensions(_ frames: [ImageDimensions], kind: DocumentKind) throws(DocumentRejection) {
        guard frames.count <= limits.maxPages else {
            throw DocumentRejection(.tooManyPages, "The image has \(frames.count) pages; the limit is \(limits.maxPages) pages per document. Please upload the invoice pages only.")
        }
        for (index, frame) in frames.enumerated() where frame.pixels > limits.maxImagePixels {
            let which = frames.count > 1 ? "Page \(index + 1) of the image" : "The image"
            throw DocumentRejection(.imageTooLarge, "\(which) is \(frame.width) × \(frame.height) pixels (\(ByteCountText.megapixels(frame.pixels))); the limit is \(ByteCountText.megapixels(limits.maxImagePixels)). Please scan at 300 dpi or resize the photo and upload it again.")
        }
    }

    /// Runs tesseract and reads its TSV.
    ///
    /// - Parameter dotsPerInch: The resolution when we rendered the image ourselves; nil lets
    ///   tesseract read it from the file or estimate it.
    package func recognize(imageAt url: URL, dotsPerInch: Int?) async throws(DocumentRejection) -> OCRResult {
        var arguments = [url.path, "stdout", "--psm", "3"]
        if let dotsPerInch { arguments += ["--dpi", String(dotsPerInch)] }
        arguments.append("tsv")
        let tool = ExternalTool.tesseract
        let outcome = try await tool.run(arguments, outputLimit: limits.parseOutputBytes)
        guard outcome.exitedCleanly else {
            let failure = tool.failure(outcome, limits: limits)
            if failure.code == .malformed {
                throw DocumentRejection(.malformed, "The image is damaged and could not be read. Please export or scan it again and upload the new file.")
            }
            throw failure
        }
        return OCRResult(tsv: String(decoding: outcome.output, as: UTF8.self))
    }

    static func lowConfidenceWarning(_ confidence: Double) -> String {
        "The scan is hard to read (OCR confidence \(Int((confidence * 100).rounded()))%); please check the figures against the original."
    }
}
