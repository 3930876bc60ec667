import Foundation
import Subprocess

/// One of the Debian tools the parser drives (poppler-utils, tesseract-ocr, libheif-examples),
/// found on PATH. They run in the parser's process group and under its limits, so the caller's
/// deadline and kill reach them too.
package struct ExternalTool: Sendable {
    package let name: String
    /// Who the tool is in a seller's words, for failure messages: "the PDF reader".
    package let role: String

    package static let pdfinfo = ExternalTool(name: "pdfinfo", role: "the PDF reader")
    package static let pdftotext = ExternalTool(name: "pdftotext", role: "the PDF reader")
    package static let pdftoppm = ExternalTool(name: "pdftoppm", role: "the PDF page renderer")
    package static let tesseract = ExternalTool(name: "tesseract", role: "the OCR engine")
    package static let heifConvert = ExternalTool(name: "heif-convert", role: "the HEIC photo converter")

    /// Runs the tool to completion.
    ///
    /// - Parameter outputLimit: Most bytes of standard output kept; more is a `too_large` failure.
    /// - Returns: The outcome whatever the exit status; see ``failure(_:limits:)``.
    /// - Throws: `parser_unavailable` when the tool is not installed or cannot start.
    package func run(_ arguments: [String], outputLimit: Int) async throws(DocumentRejection) -> BoundedProcess.Outcome {
        var process = BoundedProcess(executable: .name(name), arguments: arguments, outputLimit: outputLimit)
        process.errorLimit = 256 * 1024
        do {
            return try await process.run()
        } catch {
            throw DocumentRejection(.parserUnavailable, "We could not read the document because \(role) (\(name)) could not be started on our side. Please try again later.")
        }
    }

    /// The rejection for a run that did not exit cleanly: a limit, a memory failure, or a crash.
    package func failure(_ outcome: BoundedProcess.Outcome, limits: DocumentLimits) -> DocumentRejection {
        ParserFailure(outcome: outcome, limits: limits, subject: role).rejection
    }
}
