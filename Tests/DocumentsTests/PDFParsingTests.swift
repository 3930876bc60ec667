import Foundation
import Testing
@testable import OpsideDocuments

@Suite("PDF documents")
struct PDFParsingTests {
    @Test func textPDFIsParsedWithItsText() async throws {
        let folder = try TestFolder()
        let file = try folder.write(TestPDF.text(pages: [["INVOICE 4711", "Widget blue   12 x 3.50 EUR", "Total (incl. VAT) 42.00 EUR"]]), named: "invoice.pdf")

        let document = try await TestParser.parsing().parse(fileAt: file)

        #expect(document.kind == .pdf)
        #expect(document.method == .pdftotext)
        #expect(document.pageCount == 1)
        #expect(document.pages.count == 1)
        #expect(document.pages.first?.contains("INVOICE 4711") == true)
        #expect(document.pages.first?.contains("Total (incl. VAT) 42.00 EUR") == true)
        #expect(document.ocrConfidence == nil)
        #expect(document.ocrPageNumbers.isEmpty)
    }

    @Test func multiPagePDFKeepsEachPagesTextInOrder() async throws {
        let folder = try TestFolder()
        let pages = (1...4).map { ["Invoice page \($0) of 4", "Line items continued on page \($0)"] }
        let file = try folder.write(TestPDF.text(pages: pages), named: "long.pdf")

        let document = try await TestParser.parsing().parse(fileAt: file, kind: .pdf)

        #expect(document.pageCount == 4)
        #expect(document.pages.count == 4)
        for number in 1...4 {
            #expect(document.pages[number - 1].contains("Invoice page \(number) of 4"))
        }
    }

    @Test func pdfWithMorePagesThanAllowedIsRefused() async throws {
        let folder = try TestFolder()
        let file = try folder.write(TestPDF.text(pages: (1...6).map { ["Page \($0)"] }), named: "catalogue.pdf")
        var limits = DocumentLimits()
        limits.maxPages = 5

        let rejection = await #expect(throws: DocumentRejection.self) { try await TestParser.parsing(limits).parse(fileAt: file, kind: .pdf) }

        #expect(rejection?.code == .tooManyPages)
        #expect(rejection?.message.hasPrefix("The PDF has 6 pages; the limit is 5 pages per document.") == true)
    }

    @Test func damagedPDFsAreRefusedWhileAGoodOneParsesAlongside() async throws {
        let folder = try TestFolder()
        let good = TestPDF.text(pages: [["Supplier invoice 99", "Amount due 10.00 EUR"]])
        let truncated = try folder.write(good.prefix(40), named: "truncated.pdf")
        let garbage = try folder.write(Data("%PDF-1.7\n".utf8) + Data((0..<4000).map { UInt8(truncatingIfNeeded: $0 &* 97 &+ 13) }), named: "garbage.pdf")
        let goodFile = try folder.write(good, named: "good.pdf")
        let parsing = TestParser.parsing()

        async let truncatedResult = Self.outcome { () async throws(DocumentRejection) in try await parsing.parse(fileAt: truncated) }
        async let garbageResult = Self.outcome { () async throws(DocumentRejection) in try await parsing.parse(fileAt: garbage) }
        async let goodResult = Self.outcome { () async throws(DocumentRejection) in try await parsing.parse(fileAt: goodFile) }
        let (truncatedOutcome, garbageOutcome, goodOutcome) = await (truncatedResult, garbageResult, goodResult)

        #expect(truncatedOutcome.rejection?.code == .malformed)
        #expect(garbageOutcome.rejection?.code == .malformed)
        #expect(garbageOutcome.rejection?.message.contains("The PDF is damaged") == true)
        #expect(goodOutcome.document?.pages.first?.contains("Amount due 10.00 EUR") == true)
        // The same parser keeps working after the failures.
        let again = try await parsing.parse(fileAt: goodFile)
        #expect(again.pages.first?.contains("Supplier invoice 99") == true)
    }

    @Test func passwordProtectedPDFIsRefusedAsEncrypted() async throws {
        let folder = try TestFolder()
        let file = try folder.write(TestPDF.passwordProtected(), named: "locked.pdf")

        let rejection = await #expect(throws: DocumentRejection.self) { try await TestParser.parsing().parse(fileAt: file) }

        #expect(rejection?.code == .encrypted)
        #expect(rejection?.message.contains("password") == true)
    }

    @Test func scannedPDFPageIsReadByOCR() async throws {
        let folder = try TestFolder()
        // A text page rendered to pixels and wrapped back into a PDF with no text layer.
        let source = try TestImages.invoicePDF(in: folder)
        let pixels = folder.file("scan")
        try TestTool.run("pdftoppm", ["-r", "100", "-gray", "-singlefile", source.path, pixels.path])
        let scan = try folder.write(TestPDF.scanned(pgm: Data(contentsOf: pixels.appendingPathExtension("pgm"))), named: "scan.pdf")

        let document = try await TestParser.parsing().parse(fileAt: scan)

        #expect(document.method == .ocr)
        #expect(document.ocrPageNumbers == [1])
        #expect(document.pages.first?.contains("INVOICE") == true)
        #expect(document.pages.first?.contains("4711") == true)
        let confidence = try #require(document.ocrConfidence)
        #expect(confidence > 0.5 && confidence <= 1)
    }

    static func outcome(_ parse: () async throws(DocumentRejection) -> ParsedDocument) async -> (document: ParsedDocument?, rejection: DocumentRejection?) {
        do {
            return (try await parse(), nil)
        } catch {
            return (nil, error)
        }
    }
}
