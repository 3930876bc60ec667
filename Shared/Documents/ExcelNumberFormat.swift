import Foundation

/// How Excel's stored values become the text a person sees: date serials as ISO dates, numbers
/// without binary noise, escaped control characters restored.
enum ExcelNumberFormat {
    /// Excel's built-in number formats that are dates or times (ECMA-376 §18.8.30, plus the
    /// East Asian date formats 27–36 and 50–58).
    static func isBuiltInDateFormat(_ id: Int) -> Bool {
        (14...22).contains(id) || (27...36).contains(id) || (45...47).contains(id) || (50...58).contains(id)
    }

    /// Whether a custom format code shows a date or time: it has d, m, y, h or s outside quoted
    /// text, escapes and [brackets] ("[Red]", "[$-409]"), and is not only "General"-like.
    static func isDateFormat(_ code: String) -> Bool {
        var plain = ""
        var inQuotes = false
        var inBrackets = false
        var escaped = false
        for character in code {
            if escaped { escaped = false; continue }
            switch character {
            case "\\": escaped = true
            case "\"": inQuotes.toggle()
            case "[" where !inQuotes: inBrackets = true
            case "]" where !inQuotes: inBrackets = false
            default: if !inQuotes && !inBrackets { plain.append(character) }
            }
        }
        let lowered = plain.lowercased()
        if lowered.contains("general") { return false }
        return lowered.contains { "dmyhs".contains($0) }
    }

    /// A date serial as "2024-03-15", "2024-03-15 14:30:00", or "14:30:00" for a time alone.
    static func dateText(serial: Double, usesDate1904: Bool) -> String? {
        guard serial.isFinite, serial >= 0, serial < 2_958_466 else { return nil }  // 9999-12-31
        var wholeDays = Int(serial.rounded(.down))
        var seconds = Int(((serial - Double(wholeDays)) * 86_400).rounded())
        if seconds == 86_400 { wholeDays += 1; seconds = 0 }
        let time = String(format: "%02d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
        if wholeDays == 0 && !usesDate1904 { return time }
        // Days from 1970-01-01. Excel's 1900 system counts a 29 February 1900 that never was,
        // so serials before it are one day later than the plain count from 1899-12-30.
        var daysSinceEpoch = usesDate1904 ? wholeDays - 24_107 : wholeDays - 25_569
        if !usesDate1904 && wholeDays < 61 { daysSinceEpoch += 1 }
        let (year, month, day) = civilDate(daysSinceEpoch: daysSinceEpoch)
        let date = String(format: "%04d-%02d-%02d", year, month, day)
        return seconds == 0 ? date : "\(date) \(time)"
    }

    /// A number as Excel shows it in "General": at most 15 significant digits, which removes
    /// binary noise (0.30000000000000004 → 0.3).
    static func numberText(_ raw: String) -> String {
        guard let value = Double(raw), value.isFinite else { return raw }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(format: "%.15g", value)
    }

    /// Undoes OOXML's `_xHHHH_` escapes (ST_Xstring), which carry control characters such as
    /// the carriage return in "_x000D_".
    static func unescapingXString(_ text: String) -> String {
        guard text.contains("_x") else { return text }
        var result = ""
        var rest = text[...]
        while let start = rest.range(of: "_x") {
            result += rest[..<start.lowerBound]
            let candidate = rest[start.upperBound...].prefix(5)
            if candidate.count == 5, candidate.last == "_", let code = UInt32(candidate.prefix(4), radix: 16),
               let scalar = Unicode.Scalar(code) {
                result.unicodeScalars.append(scalar)
                rest = rest[rest.index(start.upperBound, offsetBy: 5)...]
            } else {
                result += "_x"
                rest = rest[start.upperBound...]
            }
        }
        return result + rest
    }

    /// Gregorian year, month, day from days since 1970-01-01 (Howard Hinnant's algorithm).
    private static func civilDate(daysSinceEpoch: Int) -> (Int, Int, Int) {
        let shifted = daysSinceEpoch + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
