/// Text placed at an absolute position.
public struct CanvasText: Sendable, Hashable {
    public var text: RichText
    public var style: TextStyle
    /// The top-left corner of the text box.
    public var origin: PagePoint
    /// The box width: text wraps at it and aligns within it. `nil`: no wrapping, left at `origin.x`.
    public var width: Double?
    /// Only these lines of the wrapped text, the first one's top at `origin.y`: a paragraph split
    /// across a page break.
    public var lines: Range<Int>?

    public init(_ text: RichText, style: TextStyle = .body, origin: PagePoint, width: Double? = nil, lines: Range<Int>? = nil) {
        self.text = text
        self.style = style
        self.origin = origin
        self.width = width
        self.lines = lines
    }
}

/// One thing drawn on a page.
public enum CanvasElement: Sendable, Hashable {
    case text(CanvasText)
    case line(from: PagePoint, to: PagePoint, width: Double, color: RenderColor)
    case rectangle(PageRect, fill: RenderColor?, stroke: RenderColor?, lineWidth: Double)
    case ellipse(PageRect, fill: RenderColor?, stroke: RenderColor?, lineWidth: Double)
    /// An image scaled to fill the rectangle.
    case image(RenderImage, PageRect)
}

/// A page whose contents sit at absolute positions: what the flow layout produces, and what a
/// hand-made layout (a sample invoice) draws directly. Renders to PDF or to a bitmap.
public struct PageCanvas: Sendable, Hashable {
    public var size: PageSize
    public var elements: [CanvasElement]

    public init(size: PageSize, elements: [CanvasElement] = []) {
        self.size = size
        self.elements = elements
    }

    public mutating func add(_ element: CanvasElement) { elements.append(element) }

    /// Adds text with its top-left corner at (`x`, `y`).
    public mutating func text(_ text: RichText, x: Double, y: Double, width: Double? = nil, style: TextStyle = .body) {
        elements.append(.text(CanvasText(text, style: style, origin: PagePoint(x: x, y: y), width: width)))
    }

    /// Adds a straight line.
    public mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, width: Double = 0.5, color: RenderColor = .black) {
        elements.append(.line(from: PagePoint(x: x1, y: y1), to: PagePoint(x: x2, y: y2), width: width, color: color))
    }

    /// Adds a rectangle, filled, stroked or both.
    public mutating func rectangle(_ rect: PageRect, fill: RenderColor? = nil, stroke: RenderColor? = nil, lineWidth: Double = 0.5) {
        elements.append(.rectangle(rect, fill: fill, stroke: stroke, lineWidth: lineWidth))
    }
}
