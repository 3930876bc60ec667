import CPangoCairo
import Foundation

/// An image to place on a page: PNG bytes, or a bitmap rendered earlier (a scanned page).
public struct RenderImage: Sendable, Hashable {
    enum Storage: Sendable, Hashable {
        case png(Data)
        case raster(RasterImage)
    }

    let storage: Storage
    public let pixelWidth: Int
    public let pixelHeight: Int

    /// An image from PNG bytes, decoded once here so a bad image fails when the model is built,
    /// not halfway through a render.
    /// - Throws: `RenderError.invalidImage` when cairo cannot decode the bytes.
    public init(png: Data) throws {
        let size = try CairoBridge.withDecodedPNG(png) { surface in
            (Int(cairo_image_surface_get_width(surface)), Int(cairo_image_surface_get_height(surface)))
        }
        self.storage = .png(png)
        self.pixelWidth = size.0
        self.pixelHeight = size.1
    }

    /// An image from a bitmap.
    public init(raster: RasterImage) {
        self.storage = .raster(raster)
        self.pixelWidth = raster.width
        self.pixelHeight = raster.height
    }

    /// Height over width.
    public var aspectRatio: Double { Double(pixelHeight) / Double(max(1, pixelWidth)) }
}
