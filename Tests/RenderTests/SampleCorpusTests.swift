import Foundation
import OpsideDocumentSamples
import OpsideRender
import Testing

@Suite("Sample corpus and determinism")
struct SampleCorpusTests {
    @Test func generationIsDeterministicForASeed() throws {
        for layout in InvoiceLayout.allCases {
            var first = SampleInvoiceGenerator(seed: 99), second = SampleInvoiceGenerator(seed: 99)
            let invoice = first.invoice(layout: layout)
            #expect(invoice == second.invoice(layout: layout))
            #expect(try SampleDocumentRenderer.textPDF(invoice, layout: layout) == SampleDocumentRenderer.textPDF(invoice, layout: layout))
            #expect(try SampleSpreadsheetWriter.xlsx(invoice, seed: 5).data == SampleSpreadsheetWriter.xlsx(invoice, seed: 5).data)
            #expect(SampleSpreadsheetWriter.csv(invoice, seed: 5).data == SampleSpreadsheetWriter.csv(invoice, seed: 5).data)
        }
        let invoice = SampleInvoiceTests.invoice(.commercial)
        let scan = try SampleDocumentRenderer.scannedPNG(invoice, layout: .commercial, seed: 1, dpi: 72)
        #expect(try scan == SampleDocumentRenderer.scannedPNG(invoice, layout: .commercial, seed: 1, dpi: 72))
        #expect(try scan != SampleDocumentRenderer.scannedPNG(invoice, layout: .commercial, seed: 2, dpi: 72))
        #expect(try SampleDocumentRenderer.photoPNG(invoice, layout: .commercial, seed: 1, dpi: 72)
            == SampleDocumentRenderer.photoPNG(invoice, layout: .commercial, seed: 1, dpi: 72))
        var other = SampleInvoiceGenerator(seed: 100)
        #expect(other.invoice(layout: .classic) != SampleInvoiceTests.invoice(.classic, seed: 99))
    }

    @Test func corpusIsByteIdenticalForTheSameSeed() throws {
        let counts = SampleCorpus.Counts(textPDFs: 3, scannedPDFs: 1, scannedPNGs: 1, photoPNGs: 1, csvs: 2, xlsxs: 2, malformedPDFs: 2,
                                         blankScans: 1, zipBombs: 1, largeFiles: 1, largeFileBytes: 20_000_000)
        let first = try TemporaryDirectory(), second = try TemporaryDirectory()
        try SampleCorpus.write(to: first.url, seed: 5, counts: counts, scanDPI: 72)
        try SampleCorpus.write(to: second.url, seed: 5, counts: counts, scanDPI: 72)
        let names = try FileManager.default.contentsOfDirectory(atPath: first.url.path).sorted()
        #expect(names.count == counts.total + 1)
        #expect(names == (try FileManager.default.contentsOfDirectory(atPath: second.url.path).sorted()))
        for name in names where !name.contains("largeFile") {
            #expect(try Data(contentsOf: first.url.appendingPathComponent(name)) == Data(contentsOf: second.url.appendingPathComponent(name)),
                    "\(name) differs between two runs")
        }
    }

    @Test func manifestMapsEveryFileToItsTruth() throws {
        let directory = try TemporaryDirectory()
        let counts = SampleCorpus.Counts(textPDFs: 6, scannedPDFs: 1, scannedPNGs: 2, csvs: 1, xlsxs: 1, malformedPDFs: 2, blankScans: 1)
        let written = try SampleCorpus.write(to: directory.url, seed: 12, counts: counts, scanDPI: 100)
        let manifest = try SampleCorpus.manifest(in: directory.url)
        #expect(manifest == written)
        #expect(manifest.entries.count == counts.total)
        #expect(Set(manifest.entries.map(\.file)).count == counts.total)
        var kinds: [SampleDocumentKind: Int] = [:]
        for entry in manifest.entries {
            kinds[entry.kind, default: 0] += 1
            let file = directory.url.appendingPathComponent(entry.file)
            #expect(FileManager.default.fileExists(atPath: file.path), "\(entry.file) missing")
            #expect(entry.scanned == [.scannedPDF, .scannedPNG, .photoPNG, .blankScan].contains(entry.kind))
            #expect((entry.truth == nil) == [.blankScan, .zipBombXLSX, .largeFile].contains(entry.kind))
            #expect((entry.spreadsheet != nil) == [.csv, .xlsx].contains(entry.kind))
            if entry.kind == .textPDF, let truth = entry.truth {
                let text = try ExternalTool.pdfText(try Data(contentsOf: file))
                #expect(text.contains(truth.number) && text.contains(truth.printedTotal), "\(entry.file)")
            }
        }
        #expect(kinds[.textPDF] == 6 && kinds[.scannedPNG] == 2 && kinds[.malformedPDF] == 2)
        // Every layout appears among the six text PDFs.
        #expect(Set(manifest.entries.filter { $0.kind == .textPDF }.compactMap(\.layout)) == Set(InvoiceLayout.allCases))
        #expect(manifest.catalog.count == 12)
    }

    @Test func hundredMixedDocumentsTiming() throws {
        let directory = try TemporaryDirectory()
        let started = Date()
        let manifest = try SampleCorpus.write(to: directory.url, seed: 2025, counts: .mixed(100))
        let seconds = Date().timeIntervalSince(started)
        let bytes = try manifest.entries.reduce(0) { total, entry in
            total + ((try FileManager.default.attributesOfItem(atPath: directory.url.appendingPathComponent(entry.file).path)[.size] as? Int) ?? 0)
        }
        // A timing line for people, not an assertion: it depends on the machine and the build.
        print("Generated 100 mixed sample documents in \(String(format: "%.1f", seconds)) s (\(bytes / 1_000_000) MB)")
        #expect(manifest.entries.count == 100)
        #expect(Set(manifest.entries.map(\.kind)) == [.textPDF, .scannedPDF, .scannedPNG, .photoPNG, .csv, .xlsx, .malformedPDF, .blankScan])
    }
}
