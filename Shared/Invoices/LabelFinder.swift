import Foundation

/// A page line and its place in the document.
struct LineKey: Hashable, Sendable, Comparable {
    var page: Int
    var index: Int

    static func < (lhs: LineKey, rhs: LineKey) -> Bool { (lhs.page, lhs.index) < (rhs.page, rhs.index) }
}

extension LayoutLine {
    var key: LineKey { LineKey(page: page, index: index) }
}

/// A label found on a line.
struct LabelMatch<Role: Sendable>: Sendable {
    var role: Role
    /// Word indices on the line (inclusive).
    var firstWord: Int
    var lastWord: Int
    var cell: Int
    var start: Int
    var end: Int
    var text: String
    /// The label ends with a colon (or is followed by one): a value follows.
    var colon: Bool
    /// The label opens its cell.
    var atCellStart: Bool
}

/// Finds labels of a vocabulary on a line and the values they announce: in the same cell after
/// the label, in the next cell to the right, in the cell below, or (last) to the left.
enum LabelFinder {
    static func matches<Role>(in line: LayoutLine, vocabulary: [String: Role]) -> [LabelMatch<Role>] {
        let words = line.words
        guard !words.isEmpty else { return [] }
        let cellOf = line.cellOfWord
        let normalized = line.normalizedWords
        let dropped = normalized.map { $0.isEmpty || LabelVocabulary.droppedWords.contains($0) || $0.allSatisfy { $0.isNumber || $0 == "%" } }
        var result: [LabelMatch<Role>] = []
        var index = 0
        while index < words.count {
            guard !dropped[index] else { index += 1; continue }
            // Up to six label words in the same cell, skipping dropped ones ("Total (USD)").
            var chosen: [Int] = []
            var cursor = index
            while cursor < words.count, cellOf[cursor] == cellOf[index], chosen.count < LabelVocabulary.longestPhrase {
                if !dropped[cursor] { chosen.append(cursor) }
                // A colon ends a label.
                if words[cursor].text.hasSuffix(":") { break }
                cursor += 1
            }
            var found: LabelMatch<Role>?
            for length in stride(from: chosen.count, through: 1, by: -1) {
                let phrase = chosen.prefix(length).map { normalized[$0] }.joined(separator: " ")
                guard let role = vocabulary[phrase] else { continue }
                var last = chosen[length - 1]
                // Dropped words right after the label belong to it ("Total (USD):").
                while last + 1 < words.count, cellOf[last + 1] == cellOf[index], dropped[last + 1],
                      !words[last].text.hasSuffix(":"), !words[last + 1].text.contains(where: \.isNumber) {
                    last += 1
                }
                let colon = words[last].text.hasSuffix(":")
                    || (last + 1 < words.count && cellOf[last + 1] == cellOf[index] && words[last + 1].text.hasPrefix(":"))
                let atCellStart = index == 0 || cellOf[index - 1] != cellOf[index]
                found = LabelMatch(role: role, firstWord: index, lastWord: last, cell: cellOf[index], start: words[index].start,
                                   end: words[last].end, text: words[index...last].map(\.text).joined(separator: " "),
                                   colon: colon, atCellStart: atCellStart)
                break
            }
            if let found {
                result.append(found)
                index = found.lastWord + 1
            } else {
                index += 1
            }
        }
        return result
    }

    /// Where a value was found relative to its label.
    enum Place: String, Sendable {
        case sameCell = "after it in the same cell"
        case right = "to its right"
        case below = "below it"
        case above = "above it"
        case left = "to its left"
    }

    /// A value candidate: text, the line it is on, and where.
    struct Candidate: Sendable {
        var text: String
        var line: LayoutLine
        var place: Place
    }

    /// The texts that may be the value of `match`, nearest first.
    static func candidates<Role>(for match: LabelMatch<Role>, on line: LayoutLine, page: [LayoutLine],
                                 places: [Place] = [.sameCell, .right, .below, .above, .left],
                                 isLabel: (String) -> Bool) -> [Candidate] {
        var result: [Candidate] = []
        let cellOf = line.cellOfWord
        for place in places {
            switch place {
            case .sameCell:
                var words: [String] = []
                var index = match.lastWord + 1
                while index < line.words.count, cellOf[index] == match.cell {
                    let text = line.words[index].text
                    if words.isEmpty, [":", "#", "-", "–", ":#"].contains(text) { index += 1; continue }
                    // "Invoice No: 123 Date: 5 Mar 2026": stop at the next label.
                    if !words.isEmpty, text.hasSuffix(":") { break }
                    words.append(text)
                    index += 1
                }
                var text = words.joined(separator: " ")
                if text.hasPrefix(":") { text.removeFirst() }
                text = text.trimmingCharacters(in: .whitespaces)
                if !text.isEmpty { result.append(Candidate(text: text, line: line, place: .sameCell)) }
            case .right:
                if match.cell + 1 < line.cells.count {
                    let cell = line.cells[match.cell + 1]
                    if !isLabel(cell.text) { result.append(Candidate(text: cell.text, line: line, place: .right)) }
                }
            case .below:
                var skipped = 0
                var position = page.firstIndex { $0.index == line.index }.map { $0 + 1 } ?? page.count
                while position < page.count, skipped < 3 {
                    let below = page[position]
                    position += 1
                    if below.isBlank { skipped += 1; continue }
                    let labelEnd = max(match.end, line.cells[match.cell].end)
                    let best = below.cells.max { lhs, rhs in
                        overlap(lhs, match.start, labelEnd) < overlap(rhs, match.start, labelEnd)
                    }
                    if let best, overlap(best, match.start, labelEnd) > 0, !isLabel(best.text) {
                        result.append(Candidate(text: best.text, line: below, place: .below))
                    }
                    break
                }
            case .above:
                // Values printed over their labels (boxed forms).
                guard let index = page.firstIndex(where: { $0.index == line.index }), index > 0 else { continue }
                var position = index - 1
                while position >= 0, page[position].isBlank, index - position <= 2 { position -= 1 }
                guard position >= 0, !page[position].isBlank else { continue }
                let above = page[position]
                let labelEnd = max(match.end, line.cells[match.cell].end)
                if let best = above.cells.max(by: { overlap($0, match.start, labelEnd) < overlap($1, match.start, labelEnd) }),
                   overlap(best, match.start, labelEnd) > 0, !isLabel(best.text) {
                    result.append(Candidate(text: best.text, line: above, place: .above))
                }
            case .left:
                if match.cell > 0, match.atCellStart, match.cell == line.cells.count - 1 {
                    let cell = line.cells[match.cell - 1]
                    if !isLabel(cell.text) { result.append(Candidate(text: cell.text, line: line, place: .left)) }
                }
            }
        }
        return result
    }

    private static func overlap(_ cell: LayoutCell, _ start: Int, _ end: Int) -> Int {
        max(0, min(cell.end, end) - max(cell.start, start))
    }
}
