import CPangoCairo
import Foundation

/// Renders documents and pages to PDF bytes through cairo's PDF surface, in memory.
///
/// Output is deterministic: the same model gives the same bytes, in one process or across
/// processes (cairo 1.16 writes no `/ID` array, names font subsets from a hash of their glyphs,
/// and the only clock-derived field, the creation date, is set from the model). A render blocks
/// its thread on C calls: call it off Swift's cooperative pool.
public enum PDFRenderer {
    /// The PDF of a flow-layout document.
    /// - Throws: `RenderError` when the document cannot be laid out or cairo fails.
    public static func render(_ document: RenderDocument) throws -> Data {
        try render(pages: document.paginate(), metadata: document.metadata)
    }

    /// The PDF of pages placed by hand, one PDF page per canvas (each with its own size).
    /// - Throws: `RenderError` when there are no pages or cairo fails.
    public static func render(pages: [PageCanvas], metadata: DocumentMetadata) throws -> Data {
        guard let first = pages.first else { throw RenderError.invalidDocument("a PDF needs at least one page") }
        for page in pages where !(page.size.width > 0 && page.size.height > 0) {
            throw RenderError.invalidDocument("page size \(page.size.width)×\(page.size.height)")
        }
        let sink = ByteSink()
        return try withExtendedLifetime(sink) {
            let surface = cairo_pdf_surface_create_for_stream(CairoBridge.writeToSink, Unmanaged.passUnretained(sink).toOpaque(),
                                                              first.size.width, first.size.height)
            defer { cairo_surface_destroy(surface) }
            try CairoBridge.checkSurface(surface, "cairo_pdf_surface_create_for_stream")
            setMetadata(metadata, on: surface!)

            let cairo = cairo_create(surface)!
            defer { cairo_destroy(cairo) }
            let engine = TextEngine()
            engine.attach(to: cairo)
            let painter = CanvasPainter(engine: engine)
            for page in pages {
                // Must come before anything is drawn on the page.
                cairo_pdf_surface_set_size(surface, page.size.width, page.size.height)
                try painter.draw(page, on: cairo)
                cairo_show_page(cairo)
            }
            try CairoBridge.check(cairo_status(cairo), "rendering PDF pages")
            cairo_surface_finish(surface)
            try CairoBridge.checkSurface(surface, "cairo_surface_finish")
            return sink.data
        }
    }

    private static func setMetadata(_ metadata: DocumentMetadata, on surface: OpaquePointer) {
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, metadata.title)
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_AUTHOR, metadata.author)
        if let subject = metadata.subject { cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_SUBJECT, subject) }
        if let keywords = metadata.keywords { cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_KEYWORDS, keywords) }
        if let creator = metadata.creator { cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, creator) }
        // Without these cairo stamps the current time as /CreationDate.
        let date = metadata.cairoDate
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE, date)
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_MOD_DATE, date)
    }
}
