/// Lays OCR words out as text the way `pdftotext -layout` does: words at the same height form
/// one row even when tesseract put them in different blocks (the "Qty" column is often a block
/// of its own), and each word starts at the column its left edge is at, so columns line up.
struct OCRPageLayout {
    let words: [OCRResult.Word]

    /// Longest run of spaces put between two words: a wide gap on a page is still one gap.
    static let maxGapColumns = 60

    var text: String {
        guard !words.isEmpty else { return "" }
        let characterWidth = Self.medianCharacterWidth(words)
        let lineHeight = Self.median(words.map { Double($0.height) })
        var lines: [String] = []
        var previousRowBottom: Int?
        for row in rows() {
            let top = row.map(\.top).min() ?? 0
            // A gap of more than about two lines becomes a blank line, as on the page.
            if let previousRowBottom, Double(top - previousRowBottom) > 1.5 * lineHeight { lines.append("") }
            previousRowBottom = row.map { $0.top + $0.height }.max()
            var line = ""
            var previousRight: Int?
            for word in row.sorted(by: { $0.left < $1.left }) {
                let column = Int((Double(word.left) / characterWidth).rounded())
                let padding: Int
                if let previousRight {
                    // Ordinary word spacing is one space; a wider gap is a column break, kept
                    // at least two spaces wide so it still reads as one.
                    let isWordSpace = Double(word.left - previousRight) < 1.5 * characterWidth
                    padding = isWordSpace ? 1 : min(max(column - line.count, 2), Self.maxGapColumns)
                } else {
                    padding = column
                }
                line += String(repeating: " ", count: padding) + word.text
                previousRight = word.left + word.width
            }
            lines.append(Self.trimmingTrailingSpaces(line))
        }
        return Self.removingCommonIndent(lines).joined(separator: "\n")
    }

    /// Tesseract's lines, merged into rows when their vertical extents overlap by more than half
    /// of the shorter one, top to bottom.
    private func rows() -> [[OCRResult.Word]] {
        let lines = Dictionary(grouping: words, by: \.line).values.sorted { Self.center($0) < Self.center($1) }
        var rows: [[OCRResult.Word]] = []
        for line in lines {
            if let last = rows.last, Self.overlapRatio(last, line) > 0.5 {
                rows[rows.count - 1].append(contentsOf: line)
            } else {
                rows.append(line)
            }
        }
        return rows
    }

    private static func center(_ words: [OCRResult.Word]) -> Double {
        let top = words.map(\.top).min() ?? 0
        let bottom = words.map { $0.top + $0.height }.max() ?? 0
        return Double(top + bottom) / 2
    }

    private static func overlapRatio(_ first: [OCRResult.Word], _ second: [OCRResult.Word]) -> Double {
        let (firstTop, firstBottom) = (first.map(\.top).min() ?? 0, first.map { $0.top + $0.height }.max() ?? 0)
        let (secondTop, secondBottom) = (second.map(\.top).min() ?? 0, second.map { $0.top + $0.height }.max() ?? 0)
        let overlap = min(firstBottom, secondBottom) - max(firstTop, secondTop)
        let shorter = min(firstBottom - firstTop, secondBottom - secondTop)
        return shorter > 0 ? Double(overlap) / Double(shorter) : 0
    }

    private static func medianCharacterWidth(_ words: [OCRResult.Word]) -> Double {
        let widths = words.filter { !$0.text.isEmpty }.map { Double($0.width) / Double($0.text.count) }
        return max(median(widths), 1)
    }

    private static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 1 }
        let sorted = values.sorted()
        return sorted[sorted.count / 2]
    }

    private static func trimmingTrailingSpaces(_ line: String) -> String {
        String(line.reversed().drop(while: { $0 == " " }).reversed())
    }

    /// The page margin is not content: shift every line left by the smallest indent.
    private static func removingCommonIndent(_ lines: [String]) -> [String] {
        let indent = lines.filter { !$0.isEmpty }.map { $0.prefix(while: { $0 == " " }).count }.min() ?? 0
        return lines.map { $0.isEmpty ? $0 : String($0.dropFirst(indent)) }
    }
}
