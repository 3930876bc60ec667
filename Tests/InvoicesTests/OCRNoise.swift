/// What tesseract does to a clean page: look-alike letters in figures (0→O, 1→l, 5→S), stray or
/// swapped punctuation in amounts, columns shifted by a space or two. Only figures are damaged
/// (amounts, quantities), as the brief's noise model says; words stay, so description truth holds.
struct OCRNoise {
    var random: SeededRandom
    /// Chance that one figure gets a look-alike letter.
    var letterRate = 0.10
    /// Chance that one figure gets stray or swapped punctuation.
    var punctuationRate = 0.05

    mutating func apply(to page: String) -> String {
        page.split(separator: "\n", omittingEmptySubsequences: false).map { noisy(String($0)) }.joined(separator: "\n")
    }

    private func isFigure(_ word: String) -> Bool {
        let digits = word.filter(\.isNumber).count
        return digits >= 2 && word.allSatisfy { $0.isNumber || ".,$€£¥".contains($0) } && word.first?.isNumber == true
            && word.contains(where: { $0 == "." || $0 == "," }) || (digits >= 3 && word.allSatisfy(\.isNumber) && word.count <= 5)
    }

    private mutating func noisy(_ line: String) -> String {
        var characters = Array(line)
        // Words with their positions.
        var index = 0
        var words: [(start: Int, end: Int)] = []
        while index < characters.count {
            if characters[index] == " " { index += 1; continue }
            let start = index
            while index < characters.count, characters[index] != " " { index += 1 }
            words.append((start, index))
        }
        var insertions: [(Int, Character)] = []
        for word in words {
            let text = String(characters[word.start..<word.end])
            guard isFigure(text), !text.contains("/"), !text.contains("-") else { continue }
            if random.chance(letterRate) {
                let swaps: [Character: Character] = ["0": "O", "1": "l", "5": "S", "8": "B"]
                let candidates = (word.start..<word.end).filter { swaps[characters[$0]] != nil }
                if !candidates.isEmpty {
                    let position = random.pick(candidates)
                    characters[position] = swaps[characters[position]]!
                }
            }
            if random.chance(punctuationRate) {
                switch random.int(0...4) {
                case 3:
                    // A space after a separator ("1, 234.50").
                    if let mark = (word.start..<(word.end - 1)).first(where: { characters[$0] == "," || characters[$0] == "." }) {
                        insertions.append((mark + 1, " "))
                    }
                case 4:
                    // The decimal mark lost: unreadable but for the line's arithmetic.
                    if random.chance(0.3), let mark = (word.start..<word.end).last(where: { characters[$0] == "." || characters[$0] == "," }) {
                        characters[mark] = "\u{0}"
                    }
                case 0: insertions.append((word.end, random.pick([".", ",", "'"])))
                case 1:
                    // A thousands comma read as a point.
                    if let comma = (word.start..<word.end).first(where: { characters[$0] == "," }),
                       (word.start..<word.end).contains(where: { characters[$0] == "." }) {
                        characters[comma] = "."
                    }
                default:
                    insertions.append((word.start, random.pick(["'", "`"])))
                }
            }
        }
        for (position, character) in insertions.sorted(by: { $0.0 > $1.0 }) where position <= characters.count {
            characters.insert(character, at: position)
        }
        // Uneven spacing: gaps of three or more spaces grow or shrink by one; a line shifts.
        var result: [Character] = []
        var position = 0
        while position < characters.count {
            if characters[position] == " " {
                var end = position
                while end < characters.count, characters[end] == " " { end += 1 }
                var length = end - position
                if length >= 3, position > 0, random.chance(0.25) { length += random.chance(0.5) ? 1 : -1 }
                // Now and then tesseract keeps a single space where the page had a gap.
                if length == 2, position > 0, random.chance(0.03) { length = 1 }
                result += Array(repeating: " ", count: length)
                position = end
            } else {
                result.append(characters[position])
                position += 1
            }
        }
        if random.chance(0.2) {
            if random.chance(0.5) { result.insert(" ", at: 0) } else if result.first == " " { result.removeFirst() }
        }
        return String(result.filter { $0 != "\u{0}" })
    }
}
