/// The font families OpsideRender draws with. All come from fontconfig (Debian's
/// fonts-dejavu-core) and are embedded, subset, in every PDF.
public enum FontFamily: String, Sendable, Hashable, Codable, CaseIterable {
    case sans = "DejaVu Sans"
    case serif = "DejaVu Serif"
    case mono = "DejaVu Sans Mono"
}

/// Horizontal alignment of text within its box.
public enum TextAlignment: String, Sendable, Hashable, Codable {
    case left, center, right
}

/// How a piece of text looks: family, size in points, weight, slant, colour, alignment.
public struct TextStyle: Sendable, Hashable, Codable {
    public var family: FontFamily
    public var size: Double
    public var bold: Bool
    public var italic: Bool
    public var color: RenderColor
    public var alignment: TextAlignment
    /// Extra space between lines, in points (0: the font's own line height).
    public var lineSpacing: Double

    public init(family: FontFamily = .sans, size: Double = 10, bold: Bool = false, italic: Bool = false,
                color: RenderColor = .black, alignment: TextAlignment = .left, lineSpacing: Double = 0) {
        self.family = family
        self.size = size
        self.bold = bold
        self.italic = italic
        self.color = color
        self.alignment = alignment
        self.lineSpacing = lineSpacing
    }

    /// The body text style: DejaVu Sans 10 pt.
    public static let body = TextStyle()

    /// This style with another size.
    public func sized(_ size: Double) -> TextStyle { var copy = self; copy.size = size; return copy }
    /// This style in bold.
    public func bolded(_ bold: Bool = true) -> TextStyle { var copy = self; copy.bold = bold; return copy }
    /// This style with another alignment.
    public func aligned(_ alignment: TextAlignment) -> TextStyle { var copy = self; copy.alignment = alignment; return copy }
    /// This style in another colour.
    public func colored(_ color: RenderColor) -> TextStyle { var copy = self; copy.color = color; return copy }
    /// This style in another family.
    public func family(_ family: FontFamily) -> TextStyle { var copy = self; copy.family = family; return copy }
}
