import Foundation
import OpsideRender

/// What a file in a sample corpus is.
public enum SampleDocumentKind: String, Sendable, Hashable, Codable, CaseIterable {
    case textPDF, scannedPDF, scannedPNG, photoPNG, csv, xlsx
    case malformedPDF, zipBombXLSX, blankScan, largeFile
}

/// One file of a corpus and its truth.
public struct SampleManifestEntry: Sendable, Hashable, Codable {
    /// The file name, relative to the corpus folder.
    public var file: String
    public var kind: SampleDocumentKind
    public var layout: InvoiceLayout?
    /// True for rasters of a page (no text layer).
    public var scanned: Bool
    /// The document's planted truth; `nil` for documents of nothing (blank scan, zip bomb, large file).
    public var truth: SampleInvoice?
    /// Where things are in a CSV or XLSX.
    public var spreadsheet: SampleSpreadsheetLayout?
    /// The damage of a malformed PDF.
    public var damage: BadDocuments.PDFDamage?
    /// The seed the file's randomness (scan noise, spreadsheet shape) came from.
    public var seed: UInt64
}

/// The `truth.json` of a corpus.
public struct SampleManifest: Sendable, Hashable, Codable {
    public var seed: UInt64
    public var catalog: [SellerCatalogItem]
    public var entries: [SampleManifestEntry]
}

/// Writes a folder of sample supplier documents with a `truth.json` manifest mapping each file to
/// its truth: for tests, benchmarks and the demo. Deterministic: the same seed, counts and catalog
/// give the same files, byte for byte.
public enum SampleCorpus {
    /// How many documents of each kind.
    public struct Counts: Sendable, Hashable, Codable {
        public var textPDFs: Int
        public var scannedPDFs: Int
        public var scannedPNGs: Int
        public var photoPNGs: Int
        public var csvs: Int
        public var xlsxs: Int
        public var malformedPDFs: Int
        public var blankScans: Int
        /// Each about 2.7 MB on disk, 1.1 GB inflated.
        public var zipBombs: Int
        /// Sparse files of `largeFileBytes` each.
        public var largeFiles: Int
        public var largeFileBytes: Int64

        public init(textPDFs: Int = 0, scannedPDFs: Int = 0, scannedPNGs: Int = 0, photoPNGs: Int = 0, csvs: Int = 0, xlsxs: Int = 0,
                    malformedPDFs: Int = 0, blankScans: Int = 0, zipBombs: Int = 0, largeFiles: Int = 0, largeFileBytes: Int64 = 2_000_000_000) {
            self.textPDFs = textPDFs
            self.scannedPDFs = scannedPDFs
            self.scannedPNGs = scannedPNGs
            self.photoPNGs = photoPNGs
            self.csvs = csvs
            self.xlsxs = xlsxs
            self.malformedPDFs = malformedPDFs
            self.blankScans = blankScans
            self.zipBombs = zipBombs
            self.largeFiles = largeFiles
            self.largeFileBytes = largeFileBytes
        }

        /// `total` documents in a realistic mix: mostly text PDFs, a third rasters, some
        /// spreadsheets, a few bad documents (no zip bombs or large files: ask for those).
        public static func mixed(_ total: Int) -> Counts {
            let share = { (percent: Int) in total * percent / 100 }
            var counts = Counts(scannedPDFs: share(10), scannedPNGs: share(12), photoPNGs: share(8), csvs: share(10), xlsxs: share(10),
                                malformedPDFs: share(4), blankScans: share(2))
            counts.textPDFs = total - counts.scannedPDFs - counts.scannedPNGs - counts.photoPNGs - counts.csvs - counts.xlsxs
                - counts.malformedPDFs - counts.blankScans
            return counts
        }

        /// The number of documents.
        public var total: Int {
            textPDFs + scannedPDFs + scannedPNGs + photoPNGs + csvs + xlsxs + malformedPDFs + blankScans + zipBombs + largeFiles
        }
    }

    /// Writes the documents and `truth.json` into `directory` (created if missing).
    /// - Parameters:
    ///   - seed: Determines every document.
    ///   - catalog: The seller's catalog the invoice lines refer to; a sample catalog when empty.
    ///   - scanDPI: Resolution of scanned and photographed pages.
    /// - Returns: The manifest written as `truth.json`.
    /// - Throws: when a file cannot be rendered or written.
    @discardableResult
    public static func write(to directory: URL, seed: UInt64, counts: Counts, catalog: [SellerCatalogItem] = [],
                             scanDPI: Double = SampleDocumentRenderer.scanDPI) throws -> SampleManifest {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var generator = SampleInvoiceGenerator(seed: seed, catalog: catalog)
        var random = DeterministicRandom(seed: seed ^ 0xC0_4B05)
        var entries: [SampleManifestEntry] = []
        let layouts = InvoiceLayout.allCases
        // Kinds interleaved, so a corpus cut short still has a bit of everything.
        var plan: [SampleDocumentKind] = []
        let perKind: [(SampleDocumentKind, Int)] = [(.textPDF, counts.textPDFs), (.scannedPDF, counts.scannedPDFs), (.scannedPNG, counts.scannedPNGs),
                                                    (.photoPNG, counts.photoPNGs), (.csv, counts.csvs), (.xlsx, counts.xlsxs),
                                                    (.malformedPDF, counts.malformedPDFs), (.blankScan, counts.blankScans),
                                                    (.zipBombXLSX, counts.zipBombs), (.largeFile, counts.largeFiles)]
        var remaining = perKind
        while remaining.contains(where: { $0.1 > 0 }) {
            for index in remaining.indices where remaining[index].1 > 0 {
                plan.append(remaining[index].0)
                remaining[index].1 -= 1
            }
        }

        var perKindIndex: [SampleDocumentKind: Int] = [:]
        for (index, kind) in plan.enumerated() {
            let fileSeed = random.next()
            // Layouts cycle within each kind, so every kind gets every layout in turn.
            let kindIndex = perKindIndex[kind, default: 0]
            perKindIndex[kind] = kindIndex + 1
            let number = String(index + 1).leftPadded(to: 4)
            // Multi-page documents are slow to scan; rasters use the one-page layouts.
            let rasterLayouts = layouts.filter { $0 != .multiPage }
            let layout: InvoiceLayout? = switch kind {
            case .textPDF, .malformedPDF: layouts[kindIndex % layouts.count]
            case .scannedPDF, .scannedPNG, .photoPNG: rasterLayouts[kindIndex % rasterLayouts.count]
            case .csv, .xlsx: [InvoiceLayout.classic, .purchaseOrder, .europe][kindIndex % 3]
            case .blankScan, .zipBombXLSX, .largeFile: nil
            }
            let truth = layout.map { generator.invoice(layout: $0) }
            var entry = SampleManifestEntry(file: "", kind: kind, layout: layout, scanned: false, truth: truth, spreadsheet: nil,
                                            damage: nil, seed: fileSeed)
            let stem = "\(number)-\(kind.rawValue)" + (layout.map { "-\($0.rawValue)" } ?? "")
            switch kind {
            case .textPDF:
                entry.file = stem + ".pdf"
                try SampleDocumentRenderer.textPDF(truth!, layout: layout!).write(to: directory.appendingPathComponent(entry.file))
            case .scannedPDF:
                entry.file = stem + ".pdf"
                entry.scanned = true
                try SampleDocumentRenderer.scannedPDF(truth!, layout: layout!, seed: fileSeed, dpi: scanDPI)
                    .write(to: directory.appendingPathComponent(entry.file))
            case .scannedPNG:
                entry.file = stem + ".png"
                entry.scanned = true
                try SampleDocumentRenderer.scannedPNG(truth!, layout: layout!, seed: fileSeed, dpi: scanDPI)
                    .write(to: directory.appendingPathComponent(entry.file))
            case .photoPNG:
                entry.file = stem + ".png"
                entry.scanned = true
                try SampleDocumentRenderer.photoPNG(truth!, layout: layout!, seed: fileSeed, dpi: scanDPI)
                    .write(to: directory.appendingPathComponent(entry.file))
            case .csv:
                entry.file = stem + ".csv"
                let sheet = SampleSpreadsheetWriter.csv(truth!, seed: fileSeed)
                entry.spreadsheet = sheet.layout
                try sheet.data.write(to: directory.appendingPathComponent(entry.file))
            case .xlsx:
                entry.file = stem + ".xlsx"
                let sheet = try SampleSpreadsheetWriter.xlsx(truth!, seed: fileSeed)
                entry.spreadsheet = sheet.layout
                try sheet.data.write(to: directory.appendingPathComponent(entry.file))
            case .malformedPDF:
                let damage = BadDocuments.PDFDamage.allCases[kindIndex % BadDocuments.PDFDamage.allCases.count]
                entry.file = stem + "-\(damage.rawValue).pdf"
                entry.damage = damage
                let valid = try SampleDocumentRenderer.textPDF(truth!, layout: layout!)
                try BadDocuments.malformedPDF(from: valid, damage: damage).write(to: directory.appendingPathComponent(entry.file))
            case .blankScan:
                entry.file = stem + ".png"
                entry.scanned = true
                try BadDocuments.blankScanPNG(seed: fileSeed, dpi: min(scanDPI, 150)).write(to: directory.appendingPathComponent(entry.file))
            case .zipBombXLSX:
                entry.file = stem + ".xlsx"
                try BadDocuments.writeZipBombXLSX(to: directory.appendingPathComponent(entry.file))
            case .largeFile:
                entry.file = stem + ".pdf"
                try BadDocuments.writeLargeFile(at: directory.appendingPathComponent(entry.file), byteCount: counts.largeFileBytes)
            }
            entries.append(entry)
        }
        let manifest = SampleManifest(seed: seed, catalog: generator.catalog, entries: entries)
        try manifestEncoder.encode(manifest).write(to: directory.appendingPathComponent("truth.json"))
        return manifest
    }

    /// Sorted keys and a fixed layout, so the manifest's bytes depend only on its content.
    public static var manifestEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// Reads a corpus's `truth.json`.
    public static func manifest(in directory: URL) throws -> SampleManifest {
        try JSONDecoder().decode(SampleManifest.self, from: Data(contentsOf: directory.appendingPathComponent("truth.json")))
    }
}

extension String {
    func leftPadded(to length: Int) -> String { String(repeating: "0", count: max(0, length - count)) + self }
}
