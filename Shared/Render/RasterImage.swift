import Foundation

/// A bitmap: rows of 8-bit grey or RGB pixels, top to bottom, no row padding.
///
/// What `RasterRenderer` produces and its scan effects work on; encodes to PNG through cairo.
public struct RasterImage: Sendable, Hashable {
    /// The pixel layout.
    public enum Channels: Int, Sendable, Hashable {
        case gray = 1
        case rgb = 3
    }

    public let width: Int
    public let height: Int
    public var channels: Channels
    /// `width * height * channels.rawValue` bytes.
    public var pixels: [UInt8]

    /// - Throws: `RenderError.invalidImage` when the byte count does not match the size.
    public init(width: Int, height: Int, channels: Channels, pixels: [UInt8]) throws {
        guard width > 0, height > 0, pixels.count == width * height * channels.rawValue else {
            throw RenderError.invalidImage("\(pixels.count) bytes for \(width)×\(height)×\(channels.rawValue)")
        }
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// An image of one colour.
    public init(width: Int, height: Int, filledWith color: RenderColor) {
        self.width = max(1, width)
        self.height = max(1, height)
        self.channels = .rgb
        let rgb = [color.red, color.green, color.blue].map { UInt8(($0 * 255).rounded()) }
        var pixels = [UInt8](repeating: 0, count: self.width * self.height * 3)
        for index in stride(from: 0, to: pixels.count, by: 3) {
            pixels[index] = rgb[0]
            pixels[index + 1] = rgb[1]
            pixels[index + 2] = rgb[2]
        }
        self.pixels = pixels
    }

    /// This image as PNG bytes (8-bit greyscale or 8-bit RGB), encoded by cairo's libpng writer,
    /// which writes no timestamp: the same pixels always give the same bytes.
    public func pngData() throws -> Data {
        try CairoBridge.pngData(of: self)
    }

    /// The image decoded from PNG bytes.
    /// - Throws: `RenderError.invalidImage` when cairo cannot decode them.
    public init(png: Data) throws {
        self = try CairoBridge.withDecodedPNG(png) { surface in try CairoBridge.rasterImage(from: surface) }
    }
}
