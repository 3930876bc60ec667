import Foundation

/// Reads a delivery term: an Incoterms rule (code or full name) and the named place after it.
enum IncotermReader {
    static let fullNames: [(String, Incoterm.Rule)] = [
        ("ex works", .EXW), ("free carrier", .FCA), ("free alongside ship", .FAS), ("free on board", .FOB),
        ("cost and freight", .CFR), ("cost & freight", .CFR), ("cost insurance and freight", .CIF),
        ("cost, insurance and freight", .CIF), ("carriage paid to", .CPT), ("carriage and insurance paid to", .CIP),
        ("delivered at place unloaded", .DPU), ("delivered at place", .DAP), ("delivered duty paid", .DDP),
        ("delivered at terminal", .DAT), ("delivered duty unpaid", .DDU),
    ]

    /// Words that end a named place.
    static let placeEnd: Set<String> = ["incoterms", "incoterm", "incoterms®", "incoterms®2020", "price", "prices", "value",
                                        "cost", "amount", "total", "terms", "basis", "payment", "port"]

    /// The term in a value text that starts with it ("FOB Shenzhen, China (Incoterms 2020)").
    static func read(_ text: String) -> Incoterm? {
        guard let found = find(in: text, mustStart: true) else { return nil }
        return found
    }

    /// The first term anywhere in `text` (a code as an upper-case word of its own).
    static func find(in text: String, mustStart: Bool = false) -> Incoterm? {
        let words = text.split(separator: " ").map(String.init)
        let lowerText = words.joined(separator: " ").lowercased()
        for (name, rule) in fullNames where lowerText.hasPrefix(name) || (!mustStart && lowerText.contains(" " + name)) {
            guard let range = lowerText.range(of: name) else { continue }
            let after = lowerText.distance(from: lowerText.startIndex, to: range.upperBound)
            let rest = String(words.joined(separator: " ").dropFirst(after))
            let placeWords = rest.split(separator: " ").map(String.init).filter { !["(\(rule.rawValue))", "-", "–"].contains($0) }
            return Incoterm(rule: rule, place: place(from: ArraySlice(placeWords)))
        }
        for (index, raw) in words.enumerated() {
            if mustStart, index > 0 { break }
            let word = raw.trimmingCharacters(in: CharacterSet(charactersIn: ",.;:()[]"))
            guard word.count == 3, word == word.uppercased(), let rule = Incoterm.Rule(rawValue: word) else { continue }
            // "FOB-200" or "CIF2" are codes of goods, not terms.
            guard raw.trimmingCharacters(in: CharacterSet(charactersIn: ",.;:()[]")).count == 3 else { continue }
            return Incoterm(rule: rule, place: place(from: words[(index + 1)...]))
        }
        return nil
    }

    /// The named place: the words after the rule up to "Incoterms", a year or a bracket.
    private static func place(from words: ArraySlice<String>) -> String? {
        var kept: [String] = []
        for word in words {
            let lower = word.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "(),.;:"))
            if placeEnd.contains(lower) || word.hasPrefix("(") || lower.hasPrefix("incoterm") { break }
            if lower.count == 4, Int(lower) != nil { break }
            if kept.isEmpty, [":", "-", "–", "@"].contains(word) { continue }
            kept.append(word)
        }
        let text = kept.joined(separator: " ").trimmingCharacters(in: CharacterSet(charactersIn: " ,;:-"))
        guard text.contains(where: \.isLetter) else { return nil }
        return text
    }
}
