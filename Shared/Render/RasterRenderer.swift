import CPangoCairo
import Foundation

/// Renders pages to bitmaps with cairo's image surfaces, optionally degraded to look scanned or
/// photographed, and encodes them as PNG. Blocking: call it off Swift's cooperative pool.
public enum RasterRenderer {
    /// The bitmap size of a page at `dpi`.
    public static func pixelSize(of size: PageSize, dpi: Double) -> (width: Int, height: Int) {
        (Int((size.width * dpi / 72).rounded()), Int((size.height * dpi / 72).rounded()))
    }

    /// The page drawn on white at `dpi`, as an RGB bitmap.
    /// - Throws: `RenderError` for a DPI outside 18–1200 or when cairo fails.
    public static func render(_ page: PageCanvas, dpi: Double) throws -> RasterImage {
        guard dpi >= 18, dpi <= 1200 else { throw RenderError.invalidDocument("dpi \(dpi) outside 18–1200") }
        let (width, height) = pixelSize(of: page.size, dpi: dpi)
        guard width > 0, height > 0 else { throw RenderError.invalidDocument("page size \(page.size.width)×\(page.size.height)") }
        let surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(width), Int32(height))
        defer { cairo_surface_destroy(surface) }
        try CairoBridge.checkSurface(surface, "cairo_image_surface_create")
        let cairo = cairo_create(surface)!
        defer { cairo_destroy(cairo) }
        cairo_set_source_rgb(cairo, 1, 1, 1)
        cairo_paint(cairo)
        cairo_scale(cairo, dpi / 72, dpi / 72)
        let engine = TextEngine()
        engine.attach(to: cairo)
        try CanvasPainter(engine: engine).draw(page, on: cairo)
        return try CairoBridge.rasterImage(from: surface!)
    }

    /// The page at `dpi` with `effects` applied, their randomness drawn from `seed`.
    public static func render(_ page: PageCanvas, dpi: Double, effects: ScanEffects, seed: UInt64) throws -> RasterImage {
        try render(page, dpi: dpi).applying(effects, seed: seed)
    }

    /// PNG bytes of the page at `dpi` with `effects`.
    public static func png(_ page: PageCanvas, dpi: Double, effects: ScanEffects = .none, seed: UInt64 = 0) throws -> Data {
        try render(page, dpi: dpi, effects: effects, seed: seed).pngData()
    }
}

extension PDFRenderer {
    /// A PDF whose pages are only bitmaps, each filling a page of `pageSize`: a scanned document,
    /// with no text layer for a PDF text extractor to find.
    public static func render(rasterPages: [RasterImage], pageSize: PageSize, metadata: DocumentMetadata) throws -> Data {
        let pages = rasterPages.map { raster in
            PageCanvas(size: pageSize, elements: [.image(RenderImage(raster: raster),
                                                         PageRect(x: 0, y: 0, width: pageSize.width, height: pageSize.height))])
        }
        return try render(pages: pages, metadata: metadata)
    }
}
