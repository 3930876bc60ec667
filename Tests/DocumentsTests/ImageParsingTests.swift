import Foundation
import Testing
@testable import OpsideDocuments

@Suite("Images read by OCR")
struct ImageParsingTests {
    @Test(arguments: [TestImages.Format.png, .jpeg, .tiff])
    func invoiceImageIsReadWithConfidence(format: TestImages.Format) async throws {
        let folder = try TestFolder()
        let image = try TestImages.render(TestImages.invoicePDF(in: folder), as: format, dotsPerInch: 150, in: folder, named: "photo")

        let document = try await TestParser.parsing().parse(fileAt: image)

        #expect(document.kind == DocumentKind(rawValue: format.rawValue))
        #expect(document.method == .ocr)
        #expect(document.pageCount == 1)
        let text = try #require(document.pages.first)
        #expect(text.contains("INVOICE"))
        #expect(text.contains("4711"))
        #expect(text.contains("Total"))
        // Rows are rebuilt from word boxes: the total's amount stays on the total's line.
        #expect(text.split(separator: "\n").contains { $0.contains("Total") && $0.contains("42") })
        let confidence = try #require(document.ocrConfidence)
        #expect(confidence > 0.6 && confidence <= 1)
    }

    @Test func everyPageOfAMultiPageTIFFIsRead() async throws {
        let folder = try TestFolder()
        let tiff = try TestImages.multiPageTIFF(pages: [
            TestImages.pgm(of: TestParser.invoiceLines, in: folder),
            TestImages.pgm(of: ["DELIVERY NOTE 8822", "Pallets 3"], in: folder),
        ])
        let file = try folder.write(tiff, named: "fax.tif")
        #expect(try ImageDimensions.frames(ofFileAt: file, kind: .tiff).count == 2)

        let document = try await TestParser.parsing().parse(fileAt: file)

        #expect(document.kind == .tiff)
        #expect(document.pageCount == 2)
        #expect(document.pages.count == 2)
        #expect(document.pages.first?.contains("INVOICE") == true)
        #expect(document.pages.first?.contains("8822") == false)
        #expect(document.pages.last?.contains("8822") == true)
    }

    @Test func heicPhotoIsConvertedAndRead() async throws {
        let folder = try TestFolder()
        let png = try TestImages.render(TestImages.invoicePDF(in: folder), as: .png, dotsPerInch: 120, in: folder, named: "photo")
        let heic = folder.file("photo.heic")
        try TestTool.run("heif-enc", ["-q", "90", png.path, "-o", heic.path])
        #expect(try DocumentKind.sniff(fileAt: heic) == .heic)

        let document = try await TestParser.parsing().parse(fileAt: heic)

        #expect(document.kind == .heic)
        #expect(document.method == .ocr)
        #expect(document.pages.first?.contains("INVOICE") == true)
    }

    @Test func blankImageIsRefusedAsHavingNoText() async throws {
        let folder = try TestFolder()
        let blankPage = try folder.write(TestPDF.text(pages: [[]]), named: "blank.pdf")
        let image = try TestImages.render(blankPage, as: .png, dotsPerInch: 100, in: folder, named: "blank")

        let rejection = await #expect(throws: DocumentRejection.self) { try await TestParser.parsing().parse(fileAt: image) }

        #expect(rejection?.code == .noText)
    }

    @Test func hugeImageIsRefusedFromItsHeaderBeforeOCR() async throws {
        let folder = try TestFolder()
        // Only a PNG signature and IHDR claiming 20000 × 20000: the pixels are never needed.
        var header = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13])
        header.append(Data("IHDR".utf8))
        header.append(contentsOf: [0x00, 0x00, 0x4E, 0x20, 0x00, 0x00, 0x4E, 0x20, 8, 0, 0, 0, 0])
        let file = try folder.write(header, named: "poster.png")

        let rejection = await #expect(throws: DocumentRejection.self) { try await TestParser.parsing().parse(fileAt: file) }

        #expect(rejection?.code == .imageTooLarge)
        #expect(rejection?.message == "The image is 20000 × 20000 pixels (400 megapixels); the limit is 60 megapixels. Please scan at 300 dpi or resize the photo and upload it again.")
    }

    @Test func dimensionsAreReadFromEachFormatsHeader() throws {
        let folder = try TestFolder()
        let source = try TestImages.invoicePDF(in: folder)
        // Letter size at 50 dpi: 425 × 550.
        for format in [TestImages.Format.png, .jpeg, .tiff] {
            let image = try TestImages.render(source, as: format, dotsPerInch: 50, in: folder, named: "small-\(format.rawValue)")
            let kind = try #require(DocumentKind(rawValue: format.rawValue))
            #expect(try ImageDimensions.frames(ofFileAt: image, kind: kind) == [ImageDimensions(width: 425, height: 550)])
        }
    }
}

/// Rows rebuilt from tesseract's word boxes, on boxes written by hand: a tilted page, a large
/// title in the same tesseract line as the small address line beside its foot, a title's wide
/// word spacing.
@Suite("OCR words laid out as rows")
struct OCRPageLayoutTests {
    /// One TSV word row: `block.line`, left, top, width, height, text.
    static func tsv(_ words: [(line: (Int, Int), left: Int, top: Int, width: Int, height: Int, text: String)]) -> String {
        words.map { word in
            "5\t1\t\(word.line.0)\t1\t\(word.line.1)\t1\t\(word.left)\t\(word.top)\t\(word.width)\t\(word.height)\t95\t\(word.text)"
        }.joined(separator: "\n")
    }

    @Test func aTallTitleKeepsTheLinesBesideItApartAndATiltedPageStaysInRows() {
        // A page tilted by 3 % (feet 3 px lower every 100 px to the right), the way a photo is.
        func tilted(_ line: (Int, Int), _ left: Int, _ baseline: Int, _ width: Int, _ height: Int, _ text: String)
            -> (line: (Int, Int), left: Int, top: Int, width: Int, height: Int, text: String) {
            (line, left, baseline + (left + width / 2) * 3 / 100 - height, width, height, text)
        }
        let words = [
            // The seller's name in a 40 px font; "Co.," a wide title space away.
            tilted((1, 1), 100, 150, 160, 40, "Acme"), tilted((1, 1), 290, 150, 250, 40, "Trading"), tilted((1, 1), 590, 150, 70, 40, "Co.,"),
            // Tesseract's next line holds the 60 px "INVOICE" and the address under the name.
            tilted((1, 2), 1300, 170, 400, 60, "INVOICE"),
            tilted((1, 2), 100, 190, 30, 20, "12"), tilted((1, 2), 140, 190, 80, 20, "Main"), tilted((1, 2), 230, 190, 90, 20, "Street"),
            // Two lines of a table, its figures far to the right.
            tilted((2, 1), 100, 400, 150, 20, "Description"), tilted((2, 1), 1400, 400, 50, 20, "Qty"), tilted((2, 1), 1600, 400, 120, 20, "Amount"),
            tilted((2, 2), 100, 430, 90, 20, "Spatula"), tilted((2, 2), 1400, 430, 60, 20, "300"), tilted((2, 2), 1600, 430, 100, 20, "555.00"),
        ]
        let text = OCRResult(tsv: Self.tsv(words)).pageTexts(pageCount: 1)[0]
        let rows = text.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
        #expect(rows.contains("Acme Trading Co.,"), "\(text)")
        #expect(rows.contains { $0.hasPrefix("12 Main Street") }, "the address keeps its own row: \(text)")
        #expect(!rows.contains { $0.contains("Acme") && $0.contains("Main") }, "\(text)")
        #expect(rows.contains("Description Qty Amount") && rows.contains("Spatula 300 555.00"), "a tilted row stays one row: \(text)")
        #expect(text.contains("Acme Trading Co.,"), "a title's wide spaces are word spaces: \(text)")
    }
}
