import CPangoCairo
import Foundation

/// Collects the bytes cairo streams out (a PDF or a PNG), so nothing touches the file system.
final class ByteSink {
    var data = Data()
}

/// A cursor over bytes cairo reads from (a PNG being decoded).
final class ByteSource {
    let data: Data
    var offset = 0

    init(_ data: Data) { self.data = data }
}

/// The glue between Swift values and cairo surfaces: stream callbacks, status checks, pixel copies.
enum CairoBridge {
    /// cairo's write callback: appends to the `ByteSink` passed as the closure pointer.
    static let writeToSink: cairo_write_func_t = { closure, bytes, length in
        guard let closure else { return CAIRO_STATUS_WRITE_ERROR }
        let sink = Unmanaged<ByteSink>.fromOpaque(closure).takeUnretainedValue()
        if let bytes, length > 0 { sink.data.append(bytes, count: Int(length)) }
        return CAIRO_STATUS_SUCCESS
    }

    /// cairo's read callback: cairo wants exactly `length` bytes or an error.
    static let readFromSource: cairo_read_func_t = { closure, buffer, length in
        guard let closure, let buffer else { return CAIRO_STATUS_READ_ERROR }
        let source = Unmanaged<ByteSource>.fromOpaque(closure).takeUnretainedValue()
        let wanted = Int(length)
        guard source.offset + wanted <= source.data.count else { return CAIRO_STATUS_READ_ERROR }
        source.data.withUnsafeBytes { raw in
            buffer.update(from: raw.baseAddress!.advanced(by: source.offset).assumingMemoryBound(to: UInt8.self), count: wanted)
        }
        source.offset += wanted
        return CAIRO_STATUS_SUCCESS
    }

    static func check(_ status: cairo_status_t, _ operation: String) throws {
        guard status == CAIRO_STATUS_SUCCESS else {
            throw RenderError.cairo(operation: operation, status: String(cString: cairo_status_to_string(status)))
        }
    }

    static func checkSurface(_ surface: OpaquePointer?, _ operation: String) throws {
        guard let surface else { throw RenderError.cairo(operation: operation, status: "no surface") }
        try check(cairo_surface_status(surface), operation)
    }

    /// Decodes PNG bytes into a cairo image surface for the duration of `body`.
    static func withDecodedPNG<T>(_ png: Data, _ body: (OpaquePointer) throws -> T) throws -> T {
        // The signature check first: cairo would report a bare "read error" for any non-PNG.
        guard png.count > 8, png.prefix(8).elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) else {
            throw RenderError.invalidImage("not PNG data (no PNG signature)")
        }
        let source = ByteSource(png)
        let surface = withExtendedLifetime(source) {
            cairo_image_surface_create_from_png_stream(readFromSource, Unmanaged.passUnretained(source).toOpaque())
        }
        defer { cairo_surface_destroy(surface) }
        guard let surface, cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS else {
            let status = surface.map { String(cString: cairo_status_to_string(cairo_surface_status($0))) } ?? "no surface"
            throw RenderError.invalidImage("cairo could not decode the PNG: \(status)")
        }
        return try body(surface)
    }

    /// A new RGB24 image surface holding the bitmap's pixels (grey replicated to RGB).
    static func makeSurface(from image: RasterImage) throws -> OpaquePointer {
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(image.width), Int32(image.height)) else {
            throw RenderError.cairo(operation: "cairo_image_surface_create", status: "no surface")
        }
        do { try checkSurface(surface, "cairo_image_surface_create") } catch {
            cairo_surface_destroy(surface)
            throw error
        }
        cairo_surface_flush(surface)
        let stride = Int(cairo_image_surface_get_stride(surface))
        let base = cairo_image_surface_get_data(surface)!
        image.pixels.withUnsafeBufferPointer { pixels in
            let source = pixels.baseAddress!
            let channels = image.channels.rawValue
            for y in 0..<image.height {
                // RGB24 is a native-endian 32-bit 0x00RRGGBB: bytes B, G, R, X on little-endian hosts.
                let row = UnsafeMutableRawPointer(base + y * stride).assumingMemoryBound(to: UInt32.self)
                var index = y * image.width * channels
                for x in 0..<image.width {
                    let red: UInt32, green: UInt32, blue: UInt32
                    if channels == 1 {
                        red = UInt32(source[index]); green = red; blue = red
                    } else {
                        red = UInt32(source[index]); green = UInt32(source[index + 1]); blue = UInt32(source[index + 2])
                    }
                    row[x] = (red << 16) | (green << 8) | blue
                    index += channels
                }
            }
        }
        cairo_surface_mark_dirty(surface)
        return surface
    }

    /// The pixels of an image surface (ARGB32 composited over white, or RGB24) as an RGB bitmap.
    static func rasterImage(from surface: OpaquePointer) throws -> RasterImage {
        cairo_surface_flush(surface)
        let width = Int(cairo_image_surface_get_width(surface))
        let height = Int(cairo_image_surface_get_height(surface))
        let stride = Int(cairo_image_surface_get_stride(surface))
        let format = cairo_image_surface_get_format(surface)
        guard let base = cairo_image_surface_get_data(surface), format == CAIRO_FORMAT_RGB24 || format == CAIRO_FORMAT_ARGB32 else {
            throw RenderError.invalidImage("unsupported cairo image format \(format.rawValue)")
        }
        let hasAlpha = format == CAIRO_FORMAT_ARGB32
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        pixels.withUnsafeMutableBufferPointer { buffer in
            let target = buffer.baseAddress!
            var index = 0
            for y in 0..<height {
                let row = UnsafeRawPointer(base + y * stride).assumingMemoryBound(to: UInt32.self)
                for x in 0..<width {
                    let pixel = row[x]
                    var red = (pixel >> 16) & 0xFF, green = (pixel >> 8) & 0xFF, blue = pixel & 0xFF
                    if hasAlpha {
                        // Premultiplied: over white, a colour c with alpha a shows as c + (255 - a).
                        let transparency = 255 - (pixel >> 24)
                        red += transparency; green += transparency; blue += transparency
                    }
                    target[index] = UInt8(min(red, 255)); target[index + 1] = UInt8(min(green, 255)); target[index + 2] = UInt8(min(blue, 255))
                    index += 3
                }
            }
        }
        return try RasterImage(width: width, height: height, channels: .rgb, pixels: pixels)
    }

    /// PNG bytes for a bitmap: a grey image goes through an A8 surface, which cairo writes as
    /// 8-bit greyscale (a third of the RGB size for a scanned page).
    static func pngData(of image: RasterImage) throws -> Data {
        let surface: OpaquePointer
        if image.channels == .gray {
            guard let graySurface = cairo_image_surface_create(CAIRO_FORMAT_A8, Int32(image.width), Int32(image.height)) else {
                throw RenderError.cairo(operation: "cairo_image_surface_create", status: "no surface")
            }
            surface = graySurface
            do { try checkSurface(surface, "cairo_image_surface_create") } catch {
                cairo_surface_destroy(surface)
                throw error
            }
            cairo_surface_flush(surface)
            let stride = Int(cairo_image_surface_get_stride(surface))
            let base = cairo_image_surface_get_data(surface)!
            image.pixels.withUnsafeBufferPointer { pixels in
                for y in 0..<image.height {
                    (base + y * stride).update(from: pixels.baseAddress! + y * image.width, count: image.width)
                }
            }
            cairo_surface_mark_dirty(surface)
        } else {
            surface = try makeSurface(from: image)
        }
        defer { cairo_surface_destroy(surface) }
        let sink = ByteSink()
        let status = withExtendedLifetime(sink) {
            cairo_surface_write_to_png_stream(surface, writeToSink, Unmanaged.passUnretained(sink).toOpaque())
        }
        try check(status, "cairo_surface_write_to_png_stream")
        return sink.data
    }

    /// A cairo image surface for an image on a page, for the duration of `body`.
    static func withSurface<T>(for image: RenderImage, _ body: (OpaquePointer) throws -> T) throws -> T {
        switch image.storage {
        case let .png(data):
            return try withDecodedPNG(data, body)
        case let .raster(raster):
            let surface = try makeSurface(from: raster)
            defer { cairo_surface_destroy(surface) }
            return try body(surface)
        }
    }
}
