import CPangoCairo
import Foundation

extension RasterImage {
    /// This image with `effects` applied, their randomness drawn from `seed`.
    /// - Throws: `RenderError` when cairo fails to rotate the image.
    public func applying(_ effects: ScanEffects, seed: UInt64) throws -> RasterImage {
        var random = DeterministicRandom(seed: seed)
        var image = self
        if effects.rotationDegrees != 0 {
            image = try image.rotated(degrees: effects.rotationDegrees, background: effects.background)
        }
        if effects.grayscale { image = image.grayscaled() }
        if effects.blurRadius > 0 { image.boxBlur(radius: effects.blurRadius) }
        image.applyTone(effects, random: &random)
        if effects.specklesPerMegapixel > 0 {
            let count = Int(effects.specklesPerMegapixel * Double(width * height) / 1_000_000)
            image.addSpeckles(count: count, random: &random)
        }
        return image
    }

    /// This image turned about its centre by `degrees` (clockwise), corners filled with
    /// `background`. Bilinear interpolation through cairo.
    public func rotated(degrees: Double, background: RenderColor = .white) throws -> RasterImage {
        let source = try CairoBridge.makeSurface(from: self)
        defer { cairo_surface_destroy(source) }
        let target = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(width), Int32(height))
        defer { cairo_surface_destroy(target) }
        try CairoBridge.checkSurface(target, "cairo_image_surface_create")
        let cairo = cairo_create(target)!
        defer { cairo_destroy(cairo) }
        cairo_set_source_rgb(cairo, background.red, background.green, background.blue)
        cairo_paint(cairo)
        cairo_translate(cairo, Double(width) / 2, Double(height) / 2)
        cairo_rotate(cairo, degrees * Double.pi / 180)
        cairo_translate(cairo, -Double(width) / 2, -Double(height) / 2)
        cairo_set_source_surface(cairo, source, 0, 0)
        cairo_pattern_set_filter(cairo_get_source(cairo), CAIRO_FILTER_BILINEAR)
        cairo_paint(cairo)
        try CairoBridge.check(cairo_status(cairo), "rotating an image")
        let rotated = try CairoBridge.rasterImage(from: target!)
        return channels == .gray ? rotated.grayscaled() : rotated
    }

    /// This image in 8-bit grey (Rec. 601 luma).
    public func grayscaled() -> RasterImage {
        guard channels == .rgb else { return self }
        let count = width * height
        var gray = [UInt8](repeating: 0, count: count)
        pixels.withUnsafeBufferPointer { source in
            gray.withUnsafeMutableBufferPointer { target in
                let rgb = source.baseAddress!
                let luma = target.baseAddress!
                for index in 0..<count {
                    let red = UInt32(rgb[3 * index]), green = UInt32(rgb[3 * index + 1]), blue = UInt32(rgb[3 * index + 2])
                    luma[index] = UInt8((77 &* red &+ 150 &* green &+ 29 &* blue) >> 8)
                }
            }
        }
        var result = self
        result.channels = .gray
        result.pixels = gray
        return result
    }

    // The pixel loops below are `while` loops over raw pointers with no generic calls: tests and
    // the sample corpus run them in debug builds, where `for … in` ranges and `min`/`max` cost
    // several times more per pixel.

    /// A separable box blur of `radius` pixels, edges clamped.
    mutating func boxBlur(radius: Int) {
        let channelCount = channels.rawValue
        let (width, height) = (self.width, self.height)
        var scratch = [UInt8](repeating: 0, count: pixels.count)
        let window = UInt32(2 * radius + 1)
        pixels.withUnsafeMutableBufferPointer { pixelBuffer in
            scratch.withUnsafeMutableBufferPointer { scratchBuffer in
                let image = pixelBuffer.baseAddress!
                let temp = scratchBuffer.baseAddress!
                // Horizontal, image → temp: a running sum along each row of each channel.
                Self.blurLines(source: image, target: temp, lineCount: height * channelCount, length: width, radius: radius, window: window,
                               lineStart: { line in (line / channelCount) * width * channelCount + line % channelCount },
                               step: channelCount)
                // Vertical, temp → image: the same along each column.
                let rowLength = width * channelCount
                Self.blurLines(source: temp, target: image, lineCount: rowLength, length: height, radius: radius, window: window,
                               lineStart: { column in column }, step: rowLength)
            }
        }
    }

    /// Box-blurs `lineCount` lines of `length` samples, `step` apart, starting at `lineStart(line)`.
    private static func blurLines(source: UnsafeMutablePointer<UInt8>, target: UnsafeMutablePointer<UInt8>, lineCount: Int, length: Int,
                                  radius: Int, window: UInt32, lineStart: (Int) -> Int, step: Int) {
        let last = length - 1
        var line = 0
        while line < lineCount {
            let input = source + lineStart(line)
            let output = target + lineStart(line)
            var sum: UInt32 = 0
            var offset = -radius
            while offset <= radius {
                let index = offset < 0 ? 0 : (offset > last ? last : offset)
                sum &+= UInt32(input[index * step])
                offset += 1
            }
            var position = 0
            while position < length {
                output[position * step] = UInt8(truncatingIfNeeded: sum / window)
                var outgoing = position - radius
                if outgoing < 0 { outgoing = 0 }
                var incoming = position + radius + 1
                if incoming > last { incoming = last }
                sum = sum &- UInt32(input[outgoing * step]) &+ UInt32(input[incoming * step])
                position += 1
            }
            line += 1
        }
    }

    /// Contrast, brightness, uneven lighting, paper tint and noise, in one pass over the pixels.
    mutating func applyTone(_ effects: ScanEffects, random: inout DeterministicRandom) {
        let channelCount = channels.rawValue
        let (width, height) = (self.width, self.height)
        let contrast = effects.contrast
        let offset = 128 * (1 - contrast) + effects.brightness
        let tint = effects.paperTint
        let (tintRed, tintGreen, tintBlue) = channelCount == 1
            ? (0.299 * tint.red + 0.587 * tint.green + 0.114 * tint.blue, 0.0, 0.0)
            : (tint.red, tint.green, tint.blue)
        let noise = effects.noise
        let lighting = effects.lighting
        guard !(contrast == 1 && offset == 0 && noise == 0 && lighting == 0 && tint == .white) else { return }
        // The light falls off linearly along the angle: t runs from 0 on the lit side to 1 opposite,
        // so light = 1 − lighting·t is linear in x and y: start per row, add a step per pixel.
        let angle = effects.lightingAngleDegrees * Double.pi / 180
        let (cosine, sine) = (cos(angle), sin(angle))
        let halfExtent = 0.5 * (abs(cosine) * Double(width) + abs(sine) * Double(height))
        let lightStep = -lighting * cosine / (2 * halfExtent)
        // Noise as the sum of four 16-bit uniforms (Irwin–Hall), scaled to a unit standard deviation.
        let noiseScale = noise / 0.577_350_269 / 65536
        var state = random
        pixels.withUnsafeMutableBufferPointer { buffer in
            var pointer = buffer.baseAddress!
            var y = 0
            while y < height {
                let t0 = ((-Double(width) / 2) * cosine + (Double(y) - Double(height) / 2) * sine) / (2 * halfExtent) + 0.5
                var light = 1 - lighting * t0
                var x = 0
                while x < width {
                    var grain = 0.0
                    if noise > 0 {
                        let bits = state.next()
                        let sum = Double(bits & 0xFFFF) + Double((bits >> 16) & 0xFFFF) + Double((bits >> 32) & 0xFFFF) + Double(bits >> 48)
                        grain = (sum - 2 * 65536) * noiseScale
                    }
                    var value = (Double(pointer[0]) * contrast + offset) * light * tintRed + grain
                    pointer[0] = value < 0 ? 0 : (value > 255 ? 255 : UInt8(value))
                    if channelCount == 3 {
                        value = (Double(pointer[1]) * contrast + offset) * light * tintGreen + grain
                        pointer[1] = value < 0 ? 0 : (value > 255 ? 255 : UInt8(value))
                        value = (Double(pointer[2]) * contrast + offset) * light * tintBlue + grain
                        pointer[2] = value < 0 ? 0 : (value > 255 ? 255 : UInt8(value))
                    }
                    pointer += channelCount
                    light += lightStep
                    x += 1
                }
                y += 1
            }
        }
        random = state
    }

    /// Small dark blobs of 1–5 pixels across, anywhere on the page.
    mutating func addSpeckles(count: Int, random: inout DeterministicRandom) {
        let channelCount = channels.rawValue
        let (width, height) = (self.width, self.height)
        pixels.withUnsafeMutableBufferPointer { buffer in
            let image = buffer.baseAddress!
            for _ in 0..<count {
                let centerX = random.below(width), centerY = random.below(height)
                let radius = random.uniform(0.5, 2.5)
                let darkness = UInt8(random.between(20, 140))
                let reach = Int(radius.rounded(.up))
                for dy in -reach...reach {
                    for dx in -reach...reach where Double(dx * dx + dy * dy) <= radius * radius {
                        let x = centerX + dx, y = centerY + dy
                        guard x >= 0, x < width, y >= 0, y < height else { continue }
                        let base = (y * width + x) * channelCount
                        for channel in 0..<channelCount where image[base + channel] > darkness {
                            image[base + channel] = darkness
                        }
                    }
                }
            }
        }
    }
}
