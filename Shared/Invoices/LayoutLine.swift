import Foundation

/// A word of layout text and the character columns it occupies (`start..<end`).
struct LayoutWord: Sendable, Equatable {
    var text: String
    var start: Int
    var end: Int
}

/// A run of words separated by single spaces: `pdftotext -layout` keeps columns apart with two
/// or more spaces, so a cell is one column's text on one line.
struct LayoutCell: Sendable, Equatable {
    var words: [LayoutWord]
    var start: Int { words.first?.start ?? 0 }
    var end: Int { words.last?.end ?? 0 }
    var text: String { words.map(\.text).joined(separator: " ") }
    var center: Double { Double(start + end) / 2 }

    init(words: [LayoutWord]) { self.words = words }
}

/// One line of a page, split into words and cells with their columns.
struct LayoutLine: Sendable {
    /// 1-based page (or table number for rendered table rows).
    let page: Int
    /// 0-based line on the page.
    let index: Int
    let text: String
    let words: [LayoutWord]
    let cells: [LayoutCell]
    /// Each word as labels are compared (`LabelVocabulary.normalize`), worked out once.
    let normalizedWords: [String]
    /// The cell of each word.
    let cellOfWord: [Int]

    var isBlank: Bool { words.isEmpty }

    init(page: Int, index: Int, text raw: String) {
        self.page = page
        self.index = index
        let text = Self.clean(raw)
        self.text = text
        var words: [LayoutWord] = []
        var current = ""
        var start = 0
        for (column, character) in text.enumerated() {
            if character == " " {
                if !current.isEmpty { words.append(LayoutWord(text: current, start: start, end: column)) }
                current = ""
            } else {
                if current.isEmpty { start = column }
                current.append(character)
            }
        }
        if !current.isEmpty { words.append(LayoutWord(text: current, start: start, end: text.count)) }
        self.words = words
        var cells: [LayoutCell] = []
        var group: [LayoutWord] = []
        for word in words {
            if let last = group.last, word.start - last.end >= 2 {
                cells.append(LayoutCell(words: group))
                group = []
            }
            group.append(word)
        }
        if !group.isEmpty { cells.append(LayoutCell(words: group)) }
        self.cells = cells
        normalizedWords = words.map { LabelVocabulary.normalize($0.text) }
        var cellOfWord: [Int] = []
        for (cellIndex, cell) in cells.enumerated() { cellOfWord += Array(repeating: cellIndex, count: cell.words.count) }
        self.cellOfWord = cellOfWord
    }

    /// Tabs expanded to 8 columns, OCR table rules (`|` between spaces) and separator rows
    /// (`-----`, `=====`) blanked, so they never pass for text.
    static func clean(_ raw: String) -> String {
        var expanded = ""
        for character in raw where character != "\r" && character != "\u{0C}" {
            if character == "\t" {
                expanded += String(repeating: " ", count: 8 - expanded.count % 8)
            } else if character.isWhitespace {
                expanded.append(" ")
            } else {
                expanded.append(character)
            }
        }
        let characters = Array(expanded)
        var cleaned = characters
        for index in characters.indices where characters[index] == "|" || characters[index] == "¦" {
            let before = index == 0 || characters[index - 1] == " "
            let after = index == characters.count - 1 || characters[index + 1] == " "
            if before && after { cleaned[index] = " " }
        }
        var text = String(cleaned)
        while text.last == " " { text.removeLast() }
        let visible = text.filter { $0 != " " }
        if visible.count >= 3, visible.allSatisfy({ "-=_~*.".contains($0) }) { return "" }
        return text
    }
}

extension String {
    var trimmed: String { trimmingCharacters(in: .whitespaces) }
}

extension LayoutLine {
    /// Whether the line is a page footer or header mark ("Page 2 of 3", "- 2 -", "2/3").
    var isPageMark: Bool {
        if HeaderFieldReader.claimedPageCount(self) != nil {
            return cells.count <= 3
        }
        let text = self.text.trimmed
        let parts = text.split(separator: "/")
        if parts.count == 2, parts.allSatisfy({ Int(String($0).trimmed) != nil }), text.count <= 9 { return true }
        let stripped = text.trimmingCharacters(in: CharacterSet(charactersIn: "- "))
        if text.hasPrefix("-"), Int(stripped) != nil { return true }
        let lower = text.lowercased()
        return lower.hasPrefix("page ") && words.count <= 2
    }
}
