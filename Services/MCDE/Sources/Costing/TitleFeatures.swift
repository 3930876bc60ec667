import Foundation

/// A product title or invoice description reduced to what matching compares: normalized words,
/// numeric attributes ("12 pack" → count 12, "500ml" → 500 ml, "1L" → 1000 ml, "3 tier"),
/// and character trigrams.
struct TitleFeatures: Sendable {
    /// Normalized words, without stop words and without the words of attributes.
    var words: Set<String>
    /// Numeric attributes by dimension: "count", "ml", "g", "oz", "lb", "mm", "inch", "w", or
    /// the word after the number ("tier", "pattern", "level").
    var attributes: [String: Decimal]
    var trigrams: Set<String>
    /// The words of each comma-, dash- or bracket-separated part of the text ("Matte Black",
    /// "Premium Quality"), in the same normalized form as `words`.
    var segments: [Set<String>]

    init(_ text: String) {
        // Parts split at punctuation and at "for", "with", "and": "Matte Black for Home and
        // Office" is a colour and a marketing phrase, not one part.
        var parts: [Set<String>] = []
        for piece in text.replacingOccurrences(of: " - ", with: ",").split(whereSeparator: { ",–—()[]|;".contains($0) }) {
            var current: Set<String> = []
            for token in Self.tokens(String(piece)) {
                if ["for", "with", "and"].contains(token) {
                    if !current.isEmpty { parts.append(current) }
                    current = []
                } else if !Self.stopWords.contains(token), Self.number(token) == nil, Self.unit(token) == nil {
                    current.insert(Self.singular(token))
                }
            }
            if !current.isEmpty { parts.append(current) }
        }
        segments = parts
        let tokens = Self.tokens(text)
        var words: Set<String> = []
        var attributes: [String: Decimal] = [:]
        var index = 0
        while index < tokens.count {
            let token = tokens[index]
            // "pack of 12", "set of 3", "case of 24".
            if ["pack", "set", "case", "box", "bag", "pk"].contains(token), index + 2 < tokens.count, tokens[index + 1] == "of",
               let value = Decimal(string: tokens[index + 2], locale: nil), tokens[index + 2].allSatisfy({ $0.isNumber }) {
                attributes["count"] = value
                if token == "set" { words.insert("set") }
                index += 3
                continue
            }
            if let value = Self.number(token) {
                if index + 1 < tokens.count, let (dimension, factor) = Self.unit(tokens[index + 1]) {
                    attributes[dimension] = value * factor
                    index += 2
                    continue
                }
                if index + 1 < tokens.count, Self.number(tokens[index + 1]) == nil, !Self.stopWords.contains(tokens[index + 1]),
                   tokens[index + 1].count >= 3 {
                    // "3 tier", "8 pattern": a number named by the word after it.
                    attributes[Self.singular(tokens[index + 1])] = value
                    words.insert(Self.singular(tokens[index + 1]))
                    index += 2
                    continue
                }
                words.insert(token)
                index += 1
                continue
            }
            if !Self.stopWords.contains(token) { words.insert(Self.singular(token)) }
            index += 1
        }
        self.words = words
        self.attributes = attributes
        let joined = " " + words.sorted().joined(separator: " ") + " "
        let characters = Array(joined)
        var trigrams: Set<String> = []
        if characters.count >= 3 {
            for start in 0...(characters.count - 3) { trigrams.insert(String(characters[start..<(start + 3)])) }
        }
        self.trigrams = trigrams
    }

    // MARK: Words

    static let stopWords: Set<String> = [
        "with", "and", "for", "the", "a", "an", "of", "in", "to", "by", "on", "oem", "odm", "custom", "logo", "printed",
        "export", "carton", "ctn", "packing", "packaging", "polybag", "polybagged", "individually", "label", "barcode", "new",
        "item", "model", "product", "qty", "ea", "each", "x",
    ]

    static let synonyms: [String: [String]] = [
        "blk": ["black"], "wht": ["white"], "gry": ["grey"], "gray": ["grey"], "nvy": ["navy"], "pnk": ["pink"],
        "grn": ["green"], "blu": ["blue"], "ss": ["stainless", "steel"], "stainles": ["stainless"], "alu": ["aluminum"],
        "alum": ["aluminum"], "aluminium": ["aluminum"], "colour": ["color"], "organiser": ["organizer"], "lg": ["large"],
        "sm": ["small"], "med": ["medium"], "btl": ["bottle"], "bttl": ["bottle"], "w": ["with"], "ltr": ["l"],
        "litre": ["l"], "liter": ["l"], "&": ["and"],
    ]

    /// Lower-case tokens: letters and digits (a decimal point kept inside numbers), "500ml" cut
    /// into "500" and "ml", abbreviations expanded.
    static func tokens(_ text: String) -> [String] {
        var raw: [String] = []
        var current = ""
        let characters = Array(text.lowercased().replacingOccurrences(of: "w/", with: "with "))
        for (index, character) in characters.enumerated() {
            let isDecimalPoint = character == "." && !current.isEmpty && current.last!.isNumber
                && index + 1 < characters.count && characters[index + 1].isNumber
            if character.isLetter || character.isNumber || isDecimalPoint {
                current.append(character)
            } else {
                if !current.isEmpty { raw.append(current) }
                current = ""
                if character == "&" { raw.append("&") }
                if character == "\"" { raw.append("inch") }
            }
        }
        if !current.isEmpty { raw.append(current) }
        var result: [String] = []
        for token in raw {
            // "500ml" → "500", "ml"; "12pk" → "12", "pk".
            if let first = token.first, first.isNumber, token.contains(where: \.isLetter) {
                let number = String(token.prefix { $0.isNumber || $0 == "." })
                let rest = String(token.dropFirst(number.count))
                if !number.isEmpty, rest.allSatisfy(\.isLetter) {
                    result.append(number)
                    result += synonyms[rest] ?? [rest]
                    continue
                }
            }
            result += synonyms[token] ?? [token]
        }
        return result
    }

    static func singular(_ word: String) -> String {
        if word.count > 3, word.hasSuffix("s"), !word.hasSuffix("ss"), !word.hasSuffix("us") { return String(word.dropLast()) }
        return word
    }

    static func number(_ token: String) -> Decimal? {
        guard let first = token.first, first.isNumber, token.allSatisfy({ $0.isNumber || $0 == "." }) else { return nil }
        return Decimal(string: token, locale: nil)
    }

    /// A unit word's dimension and factor to that dimension's base unit.
    static func unit(_ word: String) -> (String, Decimal)? {
        switch word {
        case "pack", "packs", "pk", "pks", "pck", "pcs", "pc", "piece", "pieces", "ct", "count", "cnt", "pair", "pairs", "pcs/set":
            return ("count", 1)
        case "ml", "milliliter", "millilitre": return ("ml", 1)
        case "l": return ("ml", 1000)
        case "oz", "ounce", "ounces", "floz": return ("oz", 1)
        case "g", "gram", "grams": return ("g", 1)
        case "kg": return ("g", 1000)
        case "lb", "lbs", "pound", "pounds": return ("lb", 1)
        case "mm": return ("mm", 1)
        case "cm": return ("mm", 10)
        case "in", "inch", "inches": return ("inch", 1)
        case "w", "watt", "watts": return ("w", 1)
        default: return nil
        }
    }

    // MARK: Comparison

    /// Whether two items can be the same product: every dimension both state agrees, and a pack
    /// count stated on one side only is 1 on the other (a 6-pack is never the single item).
    func conflict(with other: TitleFeatures) -> String? {
        for (dimension, value) in attributes {
            if let otherValue = other.attributes[dimension], otherValue != value {
                return "\(dimension == "count" ? "pack size" : dimension) \(value) ≠ \(otherValue)"
            }
        }
        let mine = attributes["count"] ?? 1, theirs = other.attributes["count"] ?? 1
        if mine != theirs { return "pack size \(mine) ≠ \(theirs)" }
        return nil
    }

    /// Words of title parts the line matches in part but that the line lacks ("matte" when the
    /// line says "Black" and the title "Matte Black"): what tells two close candidates apart.
    func residual(against line: TitleFeatures) -> Int {
        segments.filter { !$0.isDisjoint(with: line.words) }.reduce(0) { $0 + $1.subtracting(line.words).count }
    }

    /// The attributes both state and that agree ("500 ml", "pack size 12").
    func agreements(with other: TitleFeatures) -> [String] {
        attributes.keys.sorted().compactMap { dimension in
            guard let value = attributes[dimension], other.attributes[dimension] == value else { return nil }
            return dimension == "count" ? "pack size \(value)" : "\(value) \(dimension)"
        }
    }
}
