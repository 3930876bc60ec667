import Foundation

/// A number read from document text, with what it took to read it.
struct NumberReading: Sendable, Equatable {
    var value: Decimal
    /// Fraction digits as printed (`12.50` → 2): a rounded unit price is only exact to these.
    var fractionDigits: Int
    /// Other readings of the separators (`12,345` in a point-decimal document may be 12.345 that
    /// OCR read with a comma): the goods-table reader keeps the one that makes the line add up.
    var alternatives: [(value: Decimal, fractionDigits: Int)]
    /// The printed digits with the decimal mark elsewhere (OCR loses and moves marks): only a
    /// line's arithmetic or the totals may pick one.
    var shifted: [(value: Decimal, fractionDigits: Int)] = []
    /// OCR letters mapped to digits, stray punctuation dropped, or a separator read against the
    /// document's number format.
    var repaired: Bool
    /// The currency symbol or code printed with it (`$`, `USD`, `€`).
    var currencyMarker: String?
    var isPercent: Bool

    static func == (lhs: NumberReading, rhs: NumberReading) -> Bool {
        lhs.value == rhs.value && lhs.fractionDigits == rhs.fractionDigits && lhs.repaired == rhs.repaired
            && lhs.currencyMarker == rhs.currencyMarker && lhs.isPercent == rhs.isPercent
            && lhs.alternatives.map(\.value) == rhs.alternatives.map(\.value)
    }
}

/// Reads amounts and quantities as suppliers print them: `1,234.50`, `1.234,50 €`, `USD 12.3450`,
/// `(45.00)`, `1 234,50`, `1'234.50`, and the OCR damage tesseract does to them (`l,2S4.5O`).
enum NumberReader {
    /// Currency markers, longest first so `US$` wins over `$`.
    static let currencyMarkers: [String] = [
        "USD$", "US$", "U$S", "CA$", "CAD$", "C$", "AU$", "AUD$", "A$", "NZ$", "HK$", "S$", "SG$", "MX$", "R$", "RMB¥",
        "RMB", "CN¥", "JP¥", "Rs.", "Rs", "zł", "Kč", "kr.", "kr", "Fr.", "$", "€", "£", "¥", "￥", "₹", "₩", "₺", "₱",
        "円", "元",
    ]

    /// Letters OCR prints for digits, and the digit meant.
    static let ocrDigits: [Character: Character] = [
        "O": "0", "o": "0", "Q": "0", "D": "0", "l": "1", "I": "1", "|": "1", "i": "1", "!": "1", "S": "5", "s": "5",
        "B": "8", "Z": "2", "z": "2", "G": "6", "g": "9",
    ]

    /// Reads `raw` as a number in a document written in `format`; nil when it is not one.
    static func read(_ raw: String, format: NumberFormat) -> NumberReading? {
        var text = raw.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty, text.count <= 40 else { return nil }
        // Words are no numbers: a figure carries at most a currency code or mark besides the
        // letters OCR prints for digits.
        var otherLetters = 0
        for character in text where character.isLetter && ocrDigits[character] == nil {
            otherLetters += 1
            if otherLetters > 4 { return nil }
        }
        var negative = false
        var percent = false
        var marker: String?
        var repaired = false
        // Peel signs, brackets, percent and currency markers from both ends until nothing changes.
        var changed = true
        while changed, !text.isEmpty {
            changed = false
            if text.hasSuffix("%") { percent = true; text.removeLast(); changed = true }
            if let first = text.first, "-−–".contains(first) { negative = true; text.removeFirst(); changed = true }
            if text.count > 1, text.last == "-" { negative = true; text.removeLast(); changed = true }
            if text.hasPrefix("("), text.hasSuffix(")"), text.count > 2 {
                negative = true; text.removeFirst(); text.removeLast(); changed = true
            }
            if let found = strippedMarker(&text) { marker = marker ?? found; changed = true }
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if trimmed != text { text = trimmed; changed = true }
            // Stray punctuation OCR leaves at the ends (a trailing `.` or `,`, a leading quote).
            if let last = text.last, ".,:;'`\"*~_".contains(last), text.count > 1 {
                text.removeLast(); repaired = true; changed = true
            }
            if let first = text.first, ":;'`\"*~_,".contains(first), text.count > 1 {
                text.removeFirst(); repaired = true; changed = true
            }
        }
        guard !text.isEmpty else { return nil }
        // Spaces: OCR's stray spaces beside a separator go; others must be thousands groups.
        var characters = Array(text)
        var compact: [Character] = []
        for (index, character) in characters.enumerated() {
            if character == " " {
                let previous = index > 0 ? characters[index - 1] : " "
                let next = index + 1 < characters.count ? characters[index + 1] : " "
                if ".,'".contains(previous) || ".,'".contains(next) { repaired = true; continue }
                compact.append("\u{2009}") // a thin-space grouping mark, checked below
            } else {
                compact.append(character)
            }
        }
        characters = compact
        var realDigits = 0
        var mapped: [Character] = []
        for character in characters {
            if character.isASCII, character.isNumber {
                realDigits += 1
                mapped.append(character)
            } else if ".,'\u{2009}".contains(character) {
                mapped.append(character == "\u{2009}" ? "'" : character)
            } else if let digit = ocrDigits[character] {
                mapped.append(digit)
                repaired = true
            } else {
                return nil
            }
        }
        let letters = mapped.count - realDigits - mapped.filter { ".,'".contains($0) }.count
        guard realDigits > 0, letters <= realDigits + 1 else { return nil }
        guard let readings = interpret(mapped, format: format, repaired: &repaired), let primary = readings.first else { return nil }
        var shifted: [(value: Decimal, fractionDigits: Int)] = []
        let allDigits = String(mapped.filter(\.isNumber))
        if allDigits.count >= 3, allDigits.count <= 18, !percent, let whole = UInt64(allDigits) {
            // OCR may lose or misplace a decimal mark ("2342" for 23.42, "10,61215" for 10,612.15).
            for shift in [2, 3, 4, 1, 0] where shift < allDigits.count {
                let value = DecimalArithmetic.make(whole, fractionDigits: shift)
                if !readings.contains(where: { $0.value == value }) { shifted.append((value, shift)) }
            }
        }
        func signed(_ value: Decimal) -> Decimal { negative ? -value : value }
        return NumberReading(value: signed(primary.value), fractionDigits: primary.fractionDigits,
                             alternatives: readings.dropFirst().map { (signed($0.value), $0.fractionDigits) },
                             shifted: shifted.map { (signed($0.value), $0.fractionDigits) },
                             repaired: repaired, currencyMarker: marker, isPercent: percent)
    }

    /// Reads a whole quantity ("1,200", "500 pcs", "5OO"), nil when it is not a whole number.
    static func quantity(_ raw: String, format: NumberFormat) -> (value: Int, repaired: Bool)? {
        var text = raw.trimmingCharacters(in: .whitespaces)
        // Drop a unit printed with the number ("500 pcs", "12sets").
        let lower = text.lowercased()
        for unit in unitWordsLongestFirst where lower.last?.isLetter == true && lower.hasSuffix(unit) && lower.count > unit.count {
            let cut = text.index(text.endIndex, offsetBy: -unit.count)
            let before = text[..<cut]
            if let last = before.last, last.isNumber || last == " " || ocrDigits[last] != nil && before.count > 1 {
                text = String(before).trimmingCharacters(in: .whitespaces)
                break
            }
        }
        if text.lowercased().hasPrefix("x") { text.removeFirst() }
        guard let reading = read(text, format: format), !reading.isPercent else { return nil }
        for candidate in [(reading.value, reading.fractionDigits)] + reading.alternatives {
            var value = candidate.0
            var whole = Decimal()
            NSDecimalRound(&whole, &value, 0, .plain)
            if whole == value, let integer = Int(whole.description), abs(integer) < 100_000_000 {
                return (integer, reading.repaired || candidate.0 != reading.value)
            }
        }
        return nil
    }

    static let unitWords: [String] = [
        "pcs", "pc", "pce", "pces", "units", "unit", "sets", "set", "ea", "each", "pairs", "pair", "prs", "rolls", "roll",
        "boxes", "box", "bags", "bag", "ctns", "ctn", "cartons", "packs", "pack", "pks", "pk", "lots", "lot", "stk",
        "stück", "st", "pz", "uds", "u", "pièces", "pieces", "piece", "dozen", "doz", "kgs", "kg", "meters", "m",
    ]

    static let unitWordsLongestFirst = unitWords.sorted { $0.count > $1.count }

    /// Takes one currency marker (or an ISO code) off either end of `text`.
    private static func strippedMarker(_ text: inout String) -> String? {
        for marker in currencyMarkers {
            if text.hasPrefix(marker) { text.removeFirst(marker.count); return marker }
            if text.hasSuffix(marker), text.count > marker.count {
                // "kr" and "Rs" only as suffix/prefix words, never eating an OCR letter.
                text.removeLast(marker.count); return marker
            }
        }
        if text.count > 3 {
            let prefix = String(text.prefix(3))
            if prefix.allSatisfy({ $0.isUppercase && $0.isASCII }), CurrencyDigits.isKnown(prefix) {
                let rest = text.dropFirst(3)
                if let next = rest.first, next == " " || next.isNumber || next == "$" || next == "-" {
                    text = String(rest); return prefix
                }
            }
            let suffix = String(text.suffix(3))
            if suffix.allSatisfy({ $0.isUppercase && $0.isASCII }), CurrencyDigits.isKnown(suffix) {
                let rest = text.dropLast(3)
                if let last = rest.last, last == " " || last.isNumber {
                    text = String(rest); return suffix
                }
            }
        }
        return nil
    }

    /// The readings of a digit string with separators: the primary one first.
    private static func interpret(_ characters: [Character], format: NumberFormat, repaired: inout Bool)
        -> [(value: Decimal, fractionDigits: Int)]? {
        var groups: [String] = [""]
        var separators: [Character] = []
        for character in characters {
            if character.isNumber {
                groups[groups.count - 1].append(character)
            } else {
                separators.append(character)
                groups.append("")
            }
        }
        func make(_ digitGroups: [String], fraction: String) -> (value: Decimal, fractionDigits: Int)? {
            let digits = digitGroups.joined() + fraction
            guard !digits.isEmpty, digits.count <= 18, let significand = UInt64(digits) else { return nil }
            return (DecimalArithmetic.make(significand, fractionDigits: fraction.count), fraction.count)
        }
        if separators.isEmpty { return make(groups, fraction: "").map { [$0] } }
        // Empty groups: only a leading ".5" is a number.
        if groups.dropFirst().contains(where: \.isEmpty) { return nil }
        if groups[0].isEmpty {
            guard separators.count == 1, separators[0] != "'" else { return nil }
            return make([], fraction: groups[1]).map { [$0] }
        }
        let decimalMark: Character = format == .pointDecimal ? "." : ","
        let groupsValid = groups[0].count <= 3 && groups.dropFirst().allSatisfy { $0.count == 3 }
        let kinds = Set(separators)
        var readings: [(value: Decimal, fractionDigits: Int)] = []
        if kinds.count > 1 {
            // Mixed: the last mark is the decimal one, the others group thousands.
            let last = separators.last!
            guard separators.dropLast().allSatisfy({ $0 != last }) else { return nil }
            let whole = Array(groups.dropLast())
            guard whole[0].count <= 3, whole.dropFirst().allSatisfy({ $0.count == 3 }) else { return nil }
            if last == "'" { return nil }
            if last != decimalMark { repaired = true }
            return make(whole, fraction: groups.last!).map { [$0] }
        }
        let mark = separators[0]
        if mark == "'" {
            guard groupsValid else { return nil }
            return make(groups, fraction: "").map { [$0] }
        }
        let lastGroup = groups.last!
        if separators.count == 1 {
            let asDecimal = make([groups[0]], fraction: lastGroup)
            let asGrouping = groupsValid ? make(groups, fraction: "") : nil
            if mark == decimalMark {
                if let asDecimal { readings.append(asDecimal) }
                if let asGrouping { readings.append(asGrouping) }
            } else if let asGrouping {
                readings.append(asGrouping)
                if let asDecimal { readings.append(asDecimal) }
            } else if let asDecimal {
                // `12,50` in a point-decimal document: a comma meant as a decimal mark.
                repaired = true
                readings.append(asDecimal)
            }
            return readings.isEmpty ? nil : readings
        }
        if groupsValid {
            if let asGrouping = make(groups, fraction: "") { readings.append(asGrouping) }
            if mark == decimalMark, let lastDecimal = make(Array(groups.dropLast()), fraction: lastGroup) {
                readings.append(lastDecimal)
            }
            return readings.isEmpty ? nil : readings
        }
        // `1.234.50`: OCR turned a grouping mark into the decimal one or back.
        let whole = Array(groups.dropLast())
        guard whole[0].count <= 3, whole.dropFirst().allSatisfy({ $0.count == 3 }), lastGroup.count != 3 else { return nil }
        repaired = true
        return make(whole, fraction: lastGroup).map { [$0] }
    }
}
