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
            var previousCharacterWidth = 0.0
            var previousHeight = 0
            for word in row.sorted(by: { $0.left < $1.left }) {
                let column = Int((Double(word.left) / characterWidth).rounded())
                let padding: Int
                if let previousRight {
                    // Ordinary word spacing is one space; a wider gap is a column break, kept
                    // at least two spaces wide so it still reads as one. A title's spaces are as
                    // much wider as its letters: between two words of a large font the gap is
                    // measured in their own character width.
                    let gap = Double(word.left - previousRight)
                    let large = Double(word.height) >= 1.3 * lineHeight && Double(previousHeight) >= 1.3 * lineHeight
                    let isWordSpace = gap < 1.5 * characterWidth
                        || large && gap < 1.7 * max(previousCharacterWidth, Self.characterWidth(word))
                    padding = isWordSpace ? 1 : min(max(column - line.count, 2), Self.maxGapColumns)
                } else {
                    padding = column
                }
                line += String(repeating: " ", count: padding) + word.text
                previousRight = word.left + word.width
                previousCharacterWidth = Self.characterWidth(word)
                previousHeight = word.height
            }
            lines.append(Self.trimmingTrailingSpaces(line))
        }
        return Self.removingCommonIndent(lines).joined(separator: "\n")
    }

    /// Rows of words, top to bottom. A scan or photo is rarely level: the words' boxes are first
    /// turned level by the page's skew (measured along tesseract's own lines), then each of
    /// tesseract's lines is split where its word heights jump, then lines whose baselines (the
    /// median foot of their words) lie within half a line height of a row's first line join it.
    /// Going by baselines rather than overlapping boxes keeps a tall title from gluing the two
    /// lines it stands beside into one row.
    private func rows() -> [[OCRResult.Word]] {
        let slope = Self.skew(of: words)
        let level = words.map { word -> OCRResult.Word in
            var level = word
            level.top = word.top - Int((slope * Double(word.left + word.width / 2)).rounded())
            return level
        }
        let lines = Dictionary(grouping: level, by: \.line).values.flatMap(Self.splitByHeight).sorted { Self.center($0) < Self.center($1) }
        var rows: [(baseline: Double, height: Double, words: [OCRResult.Word])] = []
        for line in lines {
            let baseline = Self.baseline(line), height = Self.median(line.map { Double($0.height) })
            if let last = rows.last, abs(baseline - last.baseline) < 0.5 * min(height, last.height) {
                rows[rows.count - 1].words.append(contentsOf: line)
            } else {
                rows.append((baseline, height, line))
            }
        }
        return rows.map(\.words)
    }

    /// The page's skew, as the rise of a word's foot per pixel to the right: the median over
    /// tesseract's lines of three words or more of their least-squares slope, within ±0.1 (6°).
    static func skew(of words: [OCRResult.Word]) -> Double {
        var slopes: [Double] = []
        for line in Dictionary(grouping: words, by: \.line).values where line.count >= 3 {
            let points = line.map { (x: Double($0.left) + Double($0.width) / 2, y: Double($0.top + $0.height)) }
            let meanX = points.map(\.x).reduce(0, +) / Double(points.count), meanY = points.map(\.y).reduce(0, +) / Double(points.count)
            let spread = points.map { ($0.x - meanX) * ($0.x - meanX) }.reduce(0, +)
            guard spread > 0 else { continue }
            slopes.append(points.map { ($0.x - meanX) * ($0.y - meanY) }.reduce(0, +) / spread)
        }
        guard !slopes.isEmpty else { return 0 }
        return min(max(median(slopes), -0.1), 0.1)
    }

    /// Where a line's words stand: the median of their feet.
    private static func baseline(_ words: [OCRResult.Word]) -> Double {
        median(words.map { Double($0.top + $0.height) })
    }

    /// One tesseract line as the rows its words really stand on: split where the word heights
    /// jump (sorted, one more than 1.6 times the one before), so a title's letters and the small
    /// line beside their foot part, while a skewed photo's line of one font stays whole however
    /// far its ends drift apart vertically.
    static func splitByHeight(_ line: [OCRResult.Word]) -> [[OCRResult.Word]] {
        let byHeight = line.sorted { $0.height < $1.height }
        var groups: [[OCRResult.Word]] = []
        for word in byHeight {
            if let previous = groups.last?.last, Double(word.height) <= 1.6 * Double(max(previous.height, 1)) {
                groups[groups.count - 1].append(word)
            } else {
                groups.append([word])
            }
        }
        return groups
    }

    private static func center(_ words: [OCRResult.Word]) -> Double {
        let top = words.map(\.top).min() ?? 0
        let bottom = words.map { $0.top + $0.height }.max() ?? 0
        return Double(top + bottom) / 2
    }

    private static func characterWidth(_ word: OCRResult.Word) -> Double {
        word.text.isEmpty ? 0 : Double(word.width) / Double(word.text.count)
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
