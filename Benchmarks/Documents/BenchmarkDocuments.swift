import Foundation
import OpsideDocumentSamples

/// The pages a benchmark run reads: sample invoices of the five one-page layouts in turn, so
/// every file is one page and pages per second is files per second.
enum BenchmarkDocuments {
    static let onePageLayouts = InvoiceLayout.allCases.filter { $0 != .multiPage }

    /// `count` scanned invoice pages as PNG files in `folder`, each a different invoice.
    static func scannedPages(count: Int, dpi: Double, seed: UInt64, in folder: URL) throws -> [URL] {
        var generator = SampleInvoiceGenerator(seed: seed)
        return try (0..<count).map { index in
            let layout = onePageLayouts[index % onePageLayouts.count]
            let file = folder.appendingPathComponent("scan-\(index)-\(layout.rawValue).png")
            try SampleDocumentRenderer.scannedPNG(generator.invoice(layout: layout), layout: layout, seed: seed &+ UInt64(index), dpi: dpi)
                .write(to: file)
            return file
        }
    }

    /// `count` one-page invoice PDFs with a text layer in `folder`, each a different invoice.
    static func textPDFs(count: Int, seed: UInt64, in folder: URL) throws -> [URL] {
        var generator = SampleInvoiceGenerator(seed: seed)
        return try (0..<count).map { index in
            let layout = onePageLayouts[index % onePageLayouts.count]
            let file = folder.appendingPathComponent("text-\(index)-\(layout.rawValue).pdf")
            try SampleDocumentRenderer.textPDF(generator.invoice(layout: layout), layout: layout).write(to: file)
            return file
        }
    }
}
