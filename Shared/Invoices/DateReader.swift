/// A date as printed, before day/month order is settled.
enum DateReading: Sendable, Equatable {
    /// Only one reading exists (ISO order, a month name, or a part above 12).
    case exact(InvoiceDate)
    /// `05/03/2026`: 5 March (day first) or 3 May (month first).
    case ambiguous(dayFirst: InvoiceDate, monthFirst: InvoiceDate)
    /// Numeric with a part above 12 that fixes the order: evidence for the document's other dates.
    case ordered(InvoiceDate, dayFirst: Bool)

    var exactValue: InvoiceDate? {
        switch self {
        case .exact(let date), .ordered(let date, _): date
        case .ambiguous: nil
        }
    }
}

/// A date found inside a line: which words it spans and how it reads.
struct DateMatch: Sendable, Equatable {
    var reading: DateReading
    var firstWord: Int
    var lastWord: Int
    var text: String
    /// The separator of a numeric date (`.` in `05.03.2026` hints at day-first Europe).
    var numericSeparator: Character?

    /// A four-digit year or a month name: a date even without a label beside it.
    var isWellFormed: Bool {
        text.contains(where: \.isLetter) || text.split(whereSeparator: { !$0.isNumber }).contains { $0.count == 4 }
    }
}

/// Reads dates the way suppliers print them: `2026-03-05`, `2026/3/5`, `2026年3月5日`,
/// `5 Mar 2026`, `05-Mar-26`, `5th March 2026`, `March 5, 2026`, `Mar. 5 2026`, `5. März 2026`,
/// `05/03/2026`, `5.3.2026`, `03-05-26`.
enum DateReader {
    /// Reads `text` as exactly one date (surrounding punctuation allowed).
    static func read(_ text: String) -> DateMatch? {
        let words = text.split(separator: " ").map(String.init)
        guard !words.isEmpty, words.count <= 4 else { return nil }
        let matches = find(in: words)
        guard let match = matches.first, match.firstWord == 0, match.lastWord == words.count - 1 else { return nil }
        return match
    }

    /// Every date inside a sequence of words, longest first at each position, not overlapping.
    static func find(in words: [String]) -> [DateMatch] {
        var matches: [DateMatch] = []
        var index = 0
        while index < words.count {
            var found: DateMatch?
            for length in stride(from: min(4, words.count - index), through: 1, by: -1) {
                let slice = words[index..<(index + length)]
                if let (reading, separator) = parse(slice.joined(separator: " ")) {
                    found = DateMatch(reading: reading, firstWord: index, lastWord: index + length - 1,
                                      text: slice.joined(separator: " "), numericSeparator: separator)
                    break
                }
            }
            if let found {
                matches.append(found)
                index = found.lastWord + 1
            } else {
                index += 1
            }
        }
        return matches
    }

    private enum Part: Equatable {
        case number(Int, digits: Int)
        case month(Int)
    }

    /// One candidate string as a date, or nil.
    private static func parse(_ raw: String) -> (DateReading, Character?)? {
        // OCR's stray quotes and backticks are no part of a date.
        var text = raw.filter { !"'`\"´".contains($0) }
        while let last = text.last, ".,;:)".contains(last) { text.removeLast() }
        while let first = text.first, "(:".contains(first) { text.removeFirst() }
        guard text.count >= 6, text.count <= 24, text.contains(where: \.isNumber) else { return nil }
        // 2026年3月5日
        if text.contains("年") {
            let parts = text.split(whereSeparator: { "年月日".contains($0) })
            guard parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
                  let date = InvoiceDate(year: year, month: month, day: day) else { return nil }
            return (.exact(date), nil)
        }
        var parts: [Part] = []
        var separators: [Character] = []
        var token = ""
        func flush() -> Bool {
            guard !token.isEmpty else { return true }
            defer { token = "" }
            // OCR look-alikes in a figure: "2O26", "l5".
            if token.contains(where: \.isNumber), !token.allSatisfy(\.isNumber),
               token.allSatisfy({ $0.isNumber || NumberReader.ocrDigits[$0] != nil }), token.count <= 4 {
                token = String(token.map { $0.isNumber ? $0 : NumberReader.ocrDigits[$0]! })
            }
            if token.allSatisfy(\.isNumber) {
                guard token.count <= 4, let value = Int(token) else { return false }
                parts.append(.number(value, digits: token.count))
                return true
            }
            // Ordinals: 5th, 1st, 22nd, 3rd.
            let lower = token.lowercased()
            for suffix in ["st", "nd", "rd", "th"] where lower.hasSuffix(suffix) {
                let digits = lower.dropLast(2)
                if !digits.isEmpty, digits.allSatisfy(\.isNumber), let value = Int(digits), digits.count <= 2 {
                    parts.append(.number(value, digits: digits.count))
                    return true
                }
            }
            guard let month = monthNumbers[lower] else { return false }
            parts.append(.month(month))
            return true
        }
        for character in text {
            if character == " " || character == "," || character == "-" || character == "/" || character == "." {
                guard flush() else { return nil }
                if character != " " && character != "," { separators.append(character) }
            } else if character.isLetter || character.isNumber {
                token.append(character)
            } else {
                return nil
            }
        }
        guard flush(), parts.count == 3 else { return nil }
        func year(_ value: Int, _ digits: Int) -> Int? {
            if digits == 4 { return (1990...2100).contains(value) ? value : nil }
            if digits == 2 { return 2000 + value }
            return nil
        }
        switch (parts[0], parts[1], parts[2]) {
        case let (.number(a, aDigits), .number(b, _), .number(c, cDigits)):
            guard Set(separators).count == 1, separators.count == 2 else { return nil }
            let separator = separators[0]
            if aDigits == 4 {
                guard let date = InvoiceDate(year: a, month: b, day: c), year(a, 4) != nil else { return nil }
                return (.exact(date), separator)
            }
            guard aDigits <= 2, let fullYear = year(c, cDigits) else { return nil }
            let dayFirst = InvoiceDate(year: fullYear, month: b, day: a)
            let monthFirst = InvoiceDate(year: fullYear, month: a, day: b)
            switch (dayFirst, monthFirst) {
            case let (day?, month?): return (day == month ? .exact(day) : .ambiguous(dayFirst: day, monthFirst: month), separator)
            case let (day?, nil): return (.ordered(day, dayFirst: true), separator)
            case let (nil, month?): return (.ordered(month, dayFirst: false), separator)
            default: return nil
            }
        case let (.number(day, dayDigits), .month(month), .number(y, yDigits)) where dayDigits <= 2:
            guard let fullYear = year(y, yDigits), let date = InvoiceDate(year: fullYear, month: month, day: day) else { return nil }
            return (.exact(date), nil)
        case let (.month(month), .number(day, dayDigits), .number(y, yDigits)) where dayDigits <= 2:
            guard let fullYear = year(y, yDigits), let date = InvoiceDate(year: fullYear, month: month, day: day) else { return nil }
            return (.exact(date), nil)
        case let (.number(y, 4), .month(month), .number(day, dayDigits)) where dayDigits <= 2:
            guard let fullYear = year(y, 4), let date = InvoiceDate(year: fullYear, month: month, day: day) else { return nil }
            return (.exact(date), nil)
        default:
            return nil
        }
    }

    /// Month names and abbreviations in English, German, French, Spanish and Italian.
    static let monthNumbers: [String: Int] = {
        let names: [[String]] = [
            ["january", "jan", "januar", "jän", "janvier", "janv", "enero", "ene", "gennaio", "gen"],
            ["february", "feb", "febr", "februar", "février", "fevrier", "févr", "fevr", "febrero", "febbraio"],
            ["march", "mar", "märz", "maerz", "mär", "mrz", "mars", "marzo"],
            ["april", "apr", "avril", "avr", "abril", "abr", "aprile"],
            ["may", "mai", "mayo", "maggio", "mag"],
            ["june", "jun", "juni", "juin", "junio", "giugno", "giu"],
            ["july", "jul", "juli", "juillet", "juil", "julio", "luglio", "lug"],
            ["august", "aug", "août", "aout", "agosto", "ago"],
            ["september", "sep", "sept", "septembre", "septiembre", "setiembre", "settembre", "set"],
            ["october", "oct", "oktober", "okt", "octobre", "octubre", "ottobre", "ott"],
            ["november", "nov", "novembre", "noviembre"],
            ["december", "dec", "dezember", "dez", "décembre", "decembre", "déc", "diciembre", "dic", "dicembre"],
        ]
        var table: [String: Int] = [:]
        for (index, group) in names.enumerated() {
            for name in group { table[name] = index + 1 }
        }
        return table
    }()
}
