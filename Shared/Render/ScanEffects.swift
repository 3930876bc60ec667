/// Degradations applied to a rendered bitmap so it looks scanned or photographed.
///
/// Everything random comes from a `DeterministicRandom` seeded by the caller: the same effects and
/// seed give the same pixels, so sample documents are reproducible byte for byte.
public struct ScanEffects: Sendable, Hashable, Codable {
    /// Convert to 8-bit grey (a scanner in greyscale mode).
    public var grayscale: Bool
    /// Rotation about the page centre, degrees, positive clockwise (a page laid askew).
    public var rotationDegrees: Double
    /// Standard deviation of per-pixel noise, in 0–255 levels.
    public var noise: Double
    /// Dark specks (dust, toner) per million pixels.
    public var specklesPerMegapixel: Double
    /// Box blur radius in pixels; 0 for none.
    public var blurRadius: Int
    /// Contrast around mid-grey: 1 unchanged, below 1 a washed-out scan.
    public var contrast: Double
    /// Levels added after contrast (negative darkens).
    public var brightness: Double
    /// Uneven light, 0 for none: 0.3 makes the far side 30% darker than the lit side.
    public var lighting: Double
    /// Direction the light falls off towards, degrees (0: to the right, 90: downwards).
    public var lightingAngleDegrees: Double
    /// Multiplies every pixel: a warm, yellowish paper in a photo.
    public var paperTint: RenderColor
    /// What shows where rotation uncovers the corners.
    public var background: RenderColor

    public init(grayscale: Bool = false, rotationDegrees: Double = 0, noise: Double = 0, specklesPerMegapixel: Double = 0,
                blurRadius: Int = 0, contrast: Double = 1, brightness: Double = 0, lighting: Double = 0,
                lightingAngleDegrees: Double = 0, paperTint: RenderColor = .white, background: RenderColor = .white) {
        self.grayscale = grayscale
        self.rotationDegrees = rotationDegrees
        self.noise = noise
        self.specklesPerMegapixel = specklesPerMegapixel
        self.blurRadius = blurRadius
        self.contrast = contrast
        self.brightness = brightness
        self.lighting = lighting
        self.lightingAngleDegrees = lightingAngleDegrees
        self.paperTint = paperTint
        self.background = background
    }

    /// No change.
    public static let none = ScanEffects()

    /// A typical office scan: grey, up to ±1.5° askew, light noise and specks, sometimes soft.
    public static func scan(using random: inout DeterministicRandom) -> ScanEffects {
        let magnitude = random.uniform(0.3, 1.5)
        return ScanEffects(grayscale: true, rotationDegrees: random.chance(0.5) ? magnitude : -magnitude,
                           noise: random.uniform(6, 12), specklesPerMegapixel: random.uniform(20, 90),
                           blurRadius: random.chance(0.35) ? 1 : 0, contrast: random.uniform(0.82, 0.95),
                           brightness: random.uniform(-4, 10), background: .gray(random.uniform(0.85, 1)))
    }

    /// A phone photo of a printed page: colour, light falling off across the page, a warm paper
    /// tint, slight rotation, noise and softness.
    public static func photo(using random: inout DeterministicRandom) -> ScanEffects {
        let magnitude = random.uniform(0.3, 1.5)
        return ScanEffects(grayscale: false, rotationDegrees: random.chance(0.5) ? magnitude : -magnitude,
                           noise: random.uniform(5, 9), specklesPerMegapixel: random.uniform(0, 15),
                           blurRadius: 1, contrast: random.uniform(0.78, 0.9), brightness: random.uniform(-12, 4),
                           lighting: random.uniform(0.2, 0.38), lightingAngleDegrees: random.uniform(0, 360),
                           paperTint: RenderColor(red: 1, green: random.uniform(0.94, 0.98), blue: random.uniform(0.84, 0.92)),
                           background: RenderColor(red: 0.35, green: 0.32, blue: 0.28))
    }
}
