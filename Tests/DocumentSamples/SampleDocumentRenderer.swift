import Foundation
import OpsideRender

/// Renders a sample invoice in a layout: as a text PDF, as a "scanned" PNG or PDF (a noisy,
/// slightly rotated greyscale raster with no text layer), or as a "photo-like" PNG. Every output
/// is deterministic for the invoice, layout and seed. Blocking: call it off the cooperative pool.
public enum SampleDocumentRenderer {
    /// The DPI scans are made at: tesseract reads 10 pt text reliably from 200 dpi.
    public static let scanDPI = 200.0

    /// The PDF's information dictionary: title from the document, author the supplier, dated the issue day.
    public static func metadata(for invoice: SampleInvoice) -> DocumentMetadata {
        let title = switch invoice.kind {
        case .invoice: "Invoice \(invoice.number)"
        case .commercialInvoice: "Commercial Invoice \(invoice.number)"
        case .purchaseOrder: "Purchase Order \(invoice.number)"
        }
        let author = invoice.kind == .purchaseOrder ? invoice.billTo.name : invoice.supplier.name
        return DocumentMetadata(title: title, author: author, creator: "Opside sample documents", date: invoice.issueDate.noonUTC)
    }

    /// A PDF with a text layer, as accounting software exports it.
    public static func textPDF(_ invoice: SampleInvoice, layout: InvoiceLayout) throws -> Data {
        try PDFRenderer.render(pages: layout.pages(for: invoice), metadata: metadata(for: invoice))
    }

    /// Every page as a scanned greyscale bitmap: up to ±1.5° askew, noise, specks, sometimes soft.
    public static func scannedPages(_ invoice: SampleInvoice, layout: InvoiceLayout, seed: UInt64, dpi: Double = scanDPI) throws -> [RasterImage] {
        var random = DeterministicRandom(seed: seed)
        return try layout.pages(for: invoice).map { page in
            let effects = ScanEffects.scan(using: &random)
            return try RasterRenderer.render(page, dpi: dpi, effects: effects, seed: random.next())
        }
    }

    /// The first page scanned, as PNG.
    public static func scannedPNG(_ invoice: SampleInvoice, layout: InvoiceLayout, seed: UInt64, dpi: Double = scanDPI) throws -> Data {
        var random = DeterministicRandom(seed: seed)
        let page = layout.pages(for: invoice)[0]
        let effects = ScanEffects.scan(using: &random)
        return try RasterRenderer.png(page, dpi: dpi, effects: effects, seed: random.next())
    }

    /// All pages scanned, each embedded as an image in a PDF page: no text layer.
    public static func scannedPDF(_ invoice: SampleInvoice, layout: InvoiceLayout, seed: UInt64, dpi: Double = scanDPI) throws -> Data {
        let rasters = try scannedPages(invoice, layout: layout, seed: seed, dpi: dpi)
        var metadata = metadata(for: invoice)
        metadata.creator = "Opside sample scanner"
        return try PDFRenderer.render(rasterPages: rasters, pageSize: InvoiceLayout.pageSize(for: invoice, layout: layout), metadata: metadata)
    }

    /// The first page as a phone photo: colour, light falling off across it, warm paper, askew.
    public static func photoPNG(_ invoice: SampleInvoice, layout: InvoiceLayout, seed: UInt64, dpi: Double = scanDPI) throws -> Data {
        var random = DeterministicRandom(seed: seed)
        let page = layout.pages(for: invoice)[0]
        let effects = ScanEffects.photo(using: &random)
        return try RasterRenderer.png(page, dpi: dpi, effects: effects, seed: random.next())
    }
}

extension InvoiceLayout {
    /// The page size this layout prints the invoice on.
    static func pageSize(for invoice: SampleInvoice, layout: InvoiceLayout) -> PageSize {
        switch layout {
        case .commercial, .europe: .a4
        case .purchaseOrder: .letter
        case .classic, .modern, .multiPage: pageSize(for: invoice)
        }
    }
}
