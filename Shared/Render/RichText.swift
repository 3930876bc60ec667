/// A run of text with one weight and slant.
public struct TextRun: Sendable, Hashable, Codable {
    public var text: String
    public var bold: Bool
    public var italic: Bool

    public init(_ text: String, bold: Bool = false, italic: Bool = false) {
        self.text = text
        self.bold = bold
        self.italic = italic
    }
}

/// Text made of runs, each plain, bold or italic.
///
/// Text is never parsed as Pango markup: runs become attribute ranges over the literal text, so a
/// seller's `<b>` or `&amp;` prints exactly as typed and can never change the document's formatting.
public struct RichText: Sendable, Hashable, Codable, ExpressibleByStringLiteral, ExpressibleByStringInterpolation {
    public var runs: [TextRun]

    public init(runs: [TextRun]) { self.runs = runs }

    /// Plain text in one run.
    public init(_ text: String) { self.runs = [TextRun(text)] }

    public init(stringLiteral value: String) { self.init(value) }

    /// A bold run.
    public static func bold(_ text: String) -> RichText { RichText(runs: [TextRun(text, bold: true)]) }
    /// An italic run.
    public static func italic(_ text: String) -> RichText { RichText(runs: [TextRun(text, italic: true)]) }

    /// The runs of both, one after the other.
    public static func + (lhs: RichText, rhs: RichText) -> RichText { RichText(runs: lhs.runs + rhs.runs) }

    /// The text without styling.
    public var plainText: String { runs.map(\.text).joined() }

    public var isEmpty: Bool { runs.allSatisfy { $0.text.isEmpty } }
}
