/// Sizes written the way a seller reads them: "210 MB", "25.3 MB", "640 KB".
///
/// Binary units (1 MB = 1,048,576 bytes) so the limits' round numbers (25 MiB) print as "25 MB".
/// One decimal below 100 so a file just over a limit never reads as equal to it.
enum ByteCountText {
    static func describe<Count: BinaryInteger>(_ byteCount: Count) -> String {
        let bytes = Double(byteCount)
        let units: [(String, Double)] = [("GB", 1_073_741_824), ("MB", 1_048_576), ("KB", 1024)]
        for (unit, size) in units where bytes >= size {
            return "\(roundedFigure(bytes / size)) \(unit)"
        }
        return byteCount == 1 ? "1 byte" : "\(byteCount) bytes"
    }

    /// "25", "25.3" or "210": a decimal only when it says something.
    static func roundedFigure(_ value: Double) -> String {
        if value >= 100 { return String(Int(value.rounded())) }
        let tenths = (value * 10).rounded() / 10
        return tenths == tenths.rounded() ? String(Int(tenths)) : String(tenths)
    }

    /// "60 megapixels" / "62.4 megapixels".
    static func megapixels(_ pixels: Int) -> String {
        "\(roundedFigure(Double(pixels) / 1_000_000)) megapixels"
    }
}
