/// Decides whether a document writes `1,234.50` or `1.234,50` from the numbers it prints: a
/// number with both marks, a mark followed by one, two or four digits, or repeated groups of
/// three each say which mark is the decimal one.
enum NumberFormatDetector {
    static func detect(_ words: some Sequence<String>) -> NumberFormat {
        var point = 0, comma = 0
        for raw in words {
            let text = raw.filter { $0.isNumber || $0 == "." || $0 == "," }
            guard text.count >= 3, text.first?.isNumber == true, text.last?.isNumber == true,
                  raw.filter({ $0.isLetter }).count <= 3 else { continue }
            let marks = text.filter { $0 == "." || $0 == "," }
            guard !marks.isEmpty else { continue }
            let groups = text.split(whereSeparator: { $0 == "." || $0 == "," }).map(\.count)
            if Set(marks).count == 2 {
                // Both: the last is the decimal mark.
                if marks.last == "," { comma += 2 } else { point += 2 }
                continue
            }
            let mark = marks.first!
            if marks.count == 1 {
                if [1, 2, 4].contains(groups.last!) {
                    if mark == "," { comma += 1 } else { point += 1 }
                }
            } else if groups.dropFirst().allSatisfy({ $0 == 3 }), groups[0] <= 3 {
                // Repeated groups of three: this mark groups thousands.
                if mark == "," { point += 1 } else { comma += 1 }
            }
        }
        return comma > point ? .commaDecimal : .pointDecimal
    }
}
