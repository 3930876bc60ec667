/// Builds lines the way `pdftotext -layout` prints a page: text placed at character columns,
/// runs of spaces between, trailing spaces trimmed.
struct TextCanvas {
    var lines: [String] = []

    enum Align { case left, right }

    /// Places `pieces` on one line; a piece that would touch the previous one moves right so two
    /// spaces always separate columns (as pdftotext keeps them).
    static func line(_ pieces: [(column: Int, text: String, align: Align)]) -> String {
        var characters: [Character] = []
        var lastEnd = -2
        for piece in pieces.sorted(by: { start($0) < start($1) }) where !piece.text.isEmpty {
            var begin = max(0, start(piece))
            if begin < lastEnd + 2, lastEnd >= 0 { begin = lastEnd + 2 }
            if characters.count < begin { characters += Array(repeating: " ", count: begin - characters.count) }
            let text = Array(piece.text)
            for (offset, character) in text.enumerated() {
                let position = begin + offset
                if position < characters.count { characters[position] = character } else { characters.append(character) }
            }
            lastEnd = begin + text.count
        }
        var result = String(characters)
        while result.last == " " { result.removeLast() }
        return result
    }

    private static func start(_ piece: (column: Int, text: String, align: Align)) -> Int {
        piece.align == .left ? piece.column : piece.column - piece.text.count
    }

    mutating func add(_ pieces: [(column: Int, text: String, align: Align)]) { lines.append(Self.line(pieces)) }
    mutating func add(_ text: String, at column: Int = 0) { lines.append(Self.line([(column, text, .left)])) }
    mutating func blank(_ count: Int = 1) { lines += Array(repeating: "", count: count) }
    var text: String { lines.joined(separator: "\n") }
}

/// Words wrapped to a width.
func wrap(_ text: String, width: Int) -> [String] {
    var result: [String] = []
    var current = ""
    for word in text.split(separator: " ") {
        if current.isEmpty {
            current = String(word)
        } else if current.count + 1 + word.count <= width {
            current += " " + word
        } else {
            result.append(current)
            current = String(word)
        }
    }
    if !current.isEmpty { result.append(current) }
    return result
}
