/// An opaque sRGB colour with components in 0...1.
public struct RenderColor: Sendable, Hashable, Codable {
    public var red: Double
    public var green: Double
    public var blue: Double

    public init(red: Double, green: Double, blue: Double) {
        self.red = min(max(red, 0), 1)
        self.green = min(max(green, 0), 1)
        self.blue = min(max(blue, 0), 1)
    }

    /// A colour from `0xRRGGBB`.
    public init(hex: UInt32) {
        self.init(red: Double((hex >> 16) & 0xFF) / 255, green: Double((hex >> 8) & 0xFF) / 255, blue: Double(hex & 0xFF) / 255)
    }

    /// A grey, 0 black to 1 white.
    public static func gray(_ level: Double) -> RenderColor { RenderColor(red: level, green: level, blue: level) }

    public static let black = RenderColor(hex: 0x000000)
    public static let white = RenderColor(hex: 0xFFFFFF)
    /// The pale yellow of a highlighter: marks the matched invoice lines in a proof packet.
    public static let highlight = RenderColor(hex: 0xFFF1A8)
    /// Table header and monospace block background.
    public static let lightGray = RenderColor(hex: 0xEDEDED)
}
