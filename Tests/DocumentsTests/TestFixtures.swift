import Foundation
@testable import OpsideDocuments

/// The parser as the services run it: the `opside-document-parser` built beside the test binary.
enum TestParser {
    static func parsing(_ limits: DocumentLimits = .standard) -> DocumentParsing {
        DocumentParsing(parserExecutable: DocumentParsing.parserExecutableBesideRunningExecutable(environment: [:]), limits: limits)
    }

    /// Sample invoice lines, large enough for OCR to read reliably at 150 dpi and up.
    static let invoiceLines = ["INVOICE 4711", "Acme Supplies Ltd", "Widget blue 12 x 3.50 EUR", "Total 42.00 EUR"]
}

/// Images made from PDFs with pdftoppm, as a scanner or a phone would deliver them.
enum TestImages {
    enum Format: String {
        case png, jpeg, tiff

        var fileExtension: String {
            switch self {
            case .png: "png"
            case .jpeg: "jpg"
            case .tiff: "tif"
            }
        }
    }

    /// Renders the first page of `pdf` at `dotsPerInch` into `folder`.
    static func render(_ pdf: URL, as format: Format, dotsPerInch: Int, gray: Bool = false, in folder: TestFolder, named name: String) throws -> URL {
        let prefix = folder.file(name)
        try TestTool.run("pdftoppm", ["-r", String(dotsPerInch), "-\(format.rawValue)"] + (gray ? ["-gray"] : []) + ["-singlefile", pdf.path, prefix.path])
        return prefix.appendingPathExtension(format.fileExtension)
    }

    /// An invoice page as a PDF file in `folder`, for rendering.
    static func invoicePDF(in folder: TestFolder, fontSize: Int = 28) throws -> URL {
        try folder.write(TestPDF.text(pages: [TestParser.invoiceLines], fontSize: fontSize), named: "invoice-source-\(UUID().uuidString).pdf")
    }
}

extension TestImages {
    /// A multi-page TIFF (uncompressed 8-bit gray, little-endian), one page per PGM, written
    /// by hand because pdftoppm writes one page per TIFF.
    static func multiPageTIFF(pages pgms: [Data]) throws -> Data {
        var tiff = Data([0x49, 0x49, 42, 0, 8, 0, 0, 0])
        func append16(_ value: Int) { tiff.append(contentsOf: [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)]) }
        func append32(_ value: Int) { for shift in stride(from: 0, to: 32, by: 8) { tiff.append(UInt8(value >> shift & 0xFF)) } }
        for (index, pgm) in pgms.enumerated() {
            let (width, height, pixels) = try TestPDF.parsePGM(pgm)
            let entries: [(tag: Int, type: Int, value: Int)] = [
                (256, 4, width), (257, 4, height), (258, 3, 8), (259, 3, 1), (262, 3, 1),
                (273, 4, tiff.count + 2 + 9 * 12 + 4), (277, 3, 1), (278, 4, height), (279, 4, pixels.count),
            ]
            append16(entries.count)
            for entry in entries {
                append16(entry.tag)
                append16(entry.type)
                append32(1)
                if entry.type == 3 { append16(entry.value); append16(0) } else { append32(entry.value) }
            }
            let isLast = index == pgms.count - 1
            append32(isLast ? 0 : tiff.count + 4 + pixels.count)
            tiff.append(pixels)
        }
        return tiff
    }

    /// A page of text as an 8-bit binary PGM from pdftoppm.
    static func pgm(of lines: [String], fontSize: Int = 28, dotsPerInch: Int = 100, in folder: TestFolder) throws -> Data {
        let pdf = try folder.write(TestPDF.text(pages: [lines], fontSize: fontSize), named: "pgm-source-\(UUID().uuidString).pdf")
        let prefix = folder.file("pgm-\(UUID().uuidString)")
        try TestTool.run("pdftoppm", ["-r", String(dotsPerInch), "-gray", "-singlefile", pdf.path, prefix.path])
        return try Data(contentsOf: prefix.appendingPathExtension("pgm"))
    }
}

extension Result {
    /// The error of a failed result, for asserting on it.
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
