import Foundation
import OpsideDocumentSamples
import OpsideRender
import Testing

@Suite("Bad documents")
struct BadDocumentTests {
    @Test func zipBombDeclaresMoreThanAGigabyteInAFileUnderFiveMegabytes() throws {
        let directory = try TemporaryDirectory()
        let file = directory.url.appendingPathComponent("bomb.xlsx")
        let started = Date()
        let declared = try BadDocuments.writeZipBombXLSX(to: file)
        let seconds = Date().timeIntervalSince(started)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int)
        #expect(declared > 1_000_000_000)
        #expect(size < 5_000_000)
        #expect(seconds < 5, "writing the bomb took \(seconds) s")
        // What a reader sees in the central directory, independently of the writer.
        let listing = try ExternalTool.run("unzip", ["-l", file.path])
        let sheetLine = try #require(listing.split(separator: "\n").first { $0.hasSuffix("xl/worksheets/sheet1.xml") })
        let listed = try #require(Int64(sheetLine.split(separator: " ").first ?? ""))
        #expect(listed == declared && listed > 1_000_000_000)
        // It really inflates to that: unzip checks the whole stream and its CRC.
        let test = try ExternalTool.run("unzip", ["-t", file.path])
        #expect(test.contains("No errors detected"))
        let head = try ExternalTool.runData("sh", ["-c", "unzip -p '\(file.path)' xl/worksheets/sheet1.xml | head -c 200"])
        #expect(String(decoding: head, as: UTF8.self).contains("<sheetData><row><c><v>1</v></c></row>"))
    }

    @Test func zipBombBytesAreDeterministic() throws {
        let directory = try TemporaryDirectory()
        let first = directory.url.appendingPathComponent("a.xlsx"), second = directory.url.appendingPathComponent("b.xlsx")
        try BadDocuments.writeZipBombXLSX(to: first, uncompressedSize: 50_000_000)
        try BadDocuments.writeZipBombXLSX(to: second, uncompressedSize: 50_000_000)
        #expect(try Data(contentsOf: first) == Data(contentsOf: second))
        #expect(try ExternalTool.run("unzip", ["-t", first.path]).contains("No errors detected"))
    }

    @Test func truncatedPDFHasAValidHeaderAndNoTrailer() throws {
        var generator = SampleInvoiceGenerator(seed: 8)
        let valid = try SampleDocumentRenderer.textPDF(generator.invoice(layout: .classic), layout: .classic)
        let broken = BadDocuments.malformedPDF(from: valid, damage: .truncated)
        #expect(broken.starts(with: Data("%PDF-1.".utf8)))
        #expect(broken.count < valid.count && broken.count > valid.count / 2)
        #expect(!String(decoding: broken, as: UTF8.self).contains("startxref"))
        let directory = try TemporaryDirectory()
        let file = try directory.write(broken, named: "truncated.pdf")
        #expect(throws: ExternalTool.Failure.self) { try ExternalTool.run("pdfinfo", [file.path]) }
    }

    @Test func brokenXrefPDFPointsItsXrefIntoTheHeader() throws {
        var generator = SampleInvoiceGenerator(seed: 8)
        let invoice = generator.invoice(layout: .classic)
        let valid = try SampleDocumentRenderer.textPDF(invoice, layout: .classic)
        let broken = BadDocuments.malformedPDF(from: valid, damage: .brokenXref)
        #expect(broken.count == valid.count && broken != valid)
        let text = String(decoding: broken, as: UTF8.self)
        #expect(text.hasPrefix("%PDF-1."))
        #expect(text.contains("startxref\n1 "))
        let xref = try #require(text.range(of: "\nxref\n", options: .backwards))
        let lines: [Substring] = text[xref.upperBound...].split(separator: "\n")
        let entries = lines.dropFirst().prefix { $0.count >= 18 && $0.first?.isNumber == true }
        #expect(entries.count > 5 && entries.allSatisfy { $0.hasPrefix("0000000009 ") })
        // Poppler rebuilds the table by scanning the objects, as lenient readers do: the damage is
        // in the structure only, so a reader that repairs finds the invoice intact.
        let directory = try TemporaryDirectory()
        let file = try directory.write(broken, named: "broken.pdf")
        #expect(try ExternalTool.run("pdftotext", [file.path, "-"]).contains(invoice.number))
    }

    @Test func largeFilesAreWrittenWithoutHoldingThemInMemory() throws {
        let directory = try TemporaryDirectory()
        let sparse = directory.url.appendingPathComponent("huge.pdf")
        try BadDocuments.writeLargeFile(at: sparse, byteCount: 3_000_000_000)
        let attributes = try FileManager.default.attributesOfItem(atPath: sparse.path)
        #expect((attributes[.size] as? Int64 ?? Int64(attributes[.size] as? Int ?? 0)) == 3_000_000_000)
        // Sparse: the blocks on disk are a tiny fraction of the size.
        let blocks = try #require(Int(try ExternalTool.run("stat", ["-c", "%b", sparse.path]).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(blocks * 512 < 10_000_000)
        let head = try FileHandle(forReadingFrom: sparse)
        #expect(try head.read(upToCount: 8) == Data("%PDF-1.7".utf8))
        try head.close()

        let filled = directory.url.appendingPathComponent("filled.pdf")
        try BadDocuments.writeLargeFile(at: filled, byteCount: 5 * 1_048_576 + 123, style: .filled)
        let data = try Data(contentsOf: filled)
        #expect(data.count == 5 * 1_048_576 + 123)
        #expect(!data.suffix(1000).contains(0)) // real bytes all the way, no hole
    }

    @Test func blankScanIsNoiseWithoutText() throws {
        let png = try BadDocuments.blankScanPNG(seed: 77)
        let header = try #require(PNGHeader(png))
        #expect(header.width == 1240 && header.colorType == 0)
        let image = try RasterImage(png: png).grayscaled()
        let values = image.pixels
        let mean = values.reduce(0) { $0 + Int($1) } / values.count
        #expect(mean > 170) // paper, not ink
        #expect(Set(values).count > 20) // noise, not a flat page
        let words = try ExternalTool.ocr(png).split(whereSeparator: { !$0.isLetter }).filter { $0.count >= 3 }
        #expect(words.isEmpty, "OCR found words on a blank page: \(words)")
    }
}
