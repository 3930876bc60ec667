import Foundation
import OpsideRender
import Testing

@Suite("Raster rendering and scan effects")
struct RasterRenderTests {
    static func textPage(_ lines: [String], size: PageSize = .a4) -> PageCanvas {
        var page = PageCanvas(size: size)
        for (index, line) in lines.enumerated() {
            page.text(RichText(line), x: 60, y: 80 + Double(index) * 30, style: TextStyle(size: 16, bold: index == 0))
        }
        return page
    }

    @Test func pngHasTheSignatureAndThePageSizeAtTheDPI() throws {
        let page = Self.textPage(["Hello"])
        let png = try RasterRenderer.png(page, dpi: 100)
        let header = try #require(PNGHeader(png))
        #expect(header.width == 827 && header.height == 1169) // 210 × 297 mm at 100 dpi
        #expect(header.colorType == 2 && header.bitDepth == 8)
        let letter = try #require(PNGHeader(try RasterRenderer.png(Self.textPage(["x"], size: .letter), dpi: 150)))
        #expect(letter.width == 1275 && letter.height == 1650)
        var random = DeterministicRandom(seed: 1)
        let gray = try #require(PNGHeader(try RasterRenderer.png(page, dpi: 50, effects: .scan(using: &random), seed: 1)))
        #expect(gray.colorType == 0)
    }

    @Test func pngRoundTripsThePixels() throws {
        let image = try RasterRenderer.render(Self.textPage(["Round trip"]), dpi: 40)
        let decoded = try RasterImage(png: image.pngData())
        #expect(decoded == image)
        let gray = image.grayscaled()
        let decodedGray = try RasterImage(png: gray.pngData())
        // Decoding always gives RGB; grey pixels come back with equal channels.
        #expect(decodedGray.grayscaled().pixels == gray.pixels)
    }

    @Test func tesseractReadsTextFromACleanRaster() throws {
        let page = Self.textPage(["INVOICE HY-2025-0314", "Total due 1,234.50 USD", "Silicone baking mat 2-pack"])
        let text = try ExternalTool.ocr(try RasterRenderer.png(page, dpi: 200))
        #expect(text.contains("HY-2025-0314"))
        #expect(text.contains("1,234.50"))
        #expect(text.contains("Silicone baking mat"))
    }

    @Test func scannedRasterIsRotatedNoisyAndStillReadable() throws {
        let page = Self.textPage(["INVOICE HY-2025-0314", "Total due 1,234.50 USD"])
        let clean = try RasterRenderer.render(page, dpi: 200)
        let effects = ScanEffects(grayscale: true, rotationDegrees: 1.5, noise: 10, specklesPerMegapixel: 60, blurRadius: 1,
                                  contrast: 0.85, background: .gray(0.5))
        let scanned = try clean.applying(effects, seed: 3)
        #expect(scanned.channels == .gray)
        // Rotation uncovers the corners, which show the background grey (128 ± noise).
        #expect(abs(Int(scanned.pixels[0]) - 128) < 50)
        #expect(abs(Int(scanned.pixels[scanned.width * scanned.height - 1]) - 128) < 50)
        // Noise: the white middle of the page is no longer uniformly white.
        let middle = (scanned.height / 2) * scanned.width
        let row = scanned.pixels[middle..<(middle + scanned.width)]
        #expect(Set(row).count > 10)
        let text = try ExternalTool.ocr(try scanned.pngData())
        #expect(text.contains("HY-2025-0314"))
    }

    @Test func photoEffectDarkensOneSideAndTintsThePaper() throws {
        let blank = RasterImage(width: 400, height: 300, filledWith: .white)
        let effects = ScanEffects(lighting: 0.4, lightingAngleDegrees: 0, paperTint: RenderColor(red: 1, green: 0.95, blue: 0.85))
        let photo = try blank.applying(effects, seed: 1)
        let leftRed = Int(photo.pixels[(150 * 400 + 2) * 3]), rightRed = Int(photo.pixels[(150 * 400 + 397) * 3])
        #expect(leftRed > 240 && rightRed < 170) // light falls off to the right
        let blue = Int(photo.pixels[(150 * 400 + 2) * 3 + 2])
        #expect(blue < leftRed - 25) // warm tint
    }

    @Test func scannedPDFHasTheRasterAndNoText() throws {
        let page = Self.textPage(["INVOICE HY-2025-0314"])
        var random = DeterministicRandom(seed: 5)
        let raster = try RasterRenderer.render(page, dpi: 100, effects: .scan(using: &random), seed: 5)
        let pdf = try PDFRenderer.render(rasterPages: [raster, raster], pageSize: .a4, metadata: RenderFixtures.metadata)
        #expect(try ExternalTool.pdfInfo(pdf)["Pages"] == "2")
        #expect(try ExternalTool.pdfText(pdf).trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
        let directory = try TemporaryDirectory()
        let file = try directory.write(pdf, named: "scan.pdf")
        let images = try ExternalTool.run("pdfimages", ["-list", file.path])
        #expect(images.contains("  827  1169  gray") || images.contains("  827  1169  rgb"))
    }
}
