/// A point on a page, in PDF points (1/72 inch) from the top-left corner.
public struct PagePoint: Sendable, Hashable, Codable {
    public var x: Double
    public var y: Double

    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }
}

/// A rectangle on a page, in points from the top-left corner.
public struct PageRect: Sendable, Hashable, Codable {
    public var x: Double
    public var y: Double
    public var width: Double
    public var height: Double

    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    public var maxX: Double { x + width }
    public var maxY: Double { y + height }
}

/// A page size in points.
public struct PageSize: Sendable, Hashable, Codable {
    public var width: Double
    public var height: Double

    public init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    /// ISO A4, 210 × 297 mm.
    public static let a4 = PageSize(width: 595.2756, height: 841.8898)
    /// US Letter, 8.5 × 11 in.
    public static let letter = PageSize(width: 612, height: 792)

    /// Points per millimetre, for layouts specified in millimetres.
    public static let pointsPerMillimetre = 72.0 / 25.4
}

/// Page margins in points.
public struct PageMargins: Sendable, Hashable, Codable {
    public var top: Double
    public var right: Double
    public var bottom: Double
    public var left: Double

    public init(top: Double, right: Double, bottom: Double, left: Double) {
        self.top = top
        self.right = right
        self.bottom = bottom
        self.left = left
    }

    /// The same margin on every side.
    public init(all margin: Double) { self.init(top: margin, right: margin, bottom: margin, left: margin) }

    /// 18 mm at the sides and top, 22 mm at the bottom (room for the footer).
    public static let standard = PageMargins(top: 51, right: 51, bottom: 62, left: 51)
}
