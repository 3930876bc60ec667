import Foundation

/// The few decimal operations the extractor and the costing code need, kept exact: no amount
/// ever passes through `Double`.
public enum DecimalArithmetic {
    /// `value` rounded to `scale` fraction digits.
    public static func rounded(_ value: Decimal, scale: Int, rounding: MinorUnitAmount.Rounding = .halfUp) -> Decimal {
        var input = value
        var result = Decimal()
        NSDecimalRound(&result, &input, scale, rounding == .halfUp ? .plain : .bankers)
        return result
    }

    /// An exact decimal from integer digits and a count of fraction digits: `make(12345, 2)` is 123.45.
    public static func make(_ significand: UInt64, fractionDigits: Int, negative: Bool = false) -> Decimal {
        Decimal(sign: negative ? .minus : .plus, exponent: -fractionDigits, significand: Decimal(significand))
    }

    /// Decimal text with exactly `fractionDigits` digits, grouped by thousands with commas when
    /// `grouping`: `1,234.50`. Rounds half-up to those digits.
    public static func text(_ value: Decimal, fractionDigits: Int, grouping: Bool = true) -> String {
        let rounded = rounded(value, scale: fractionDigits)
        let negative = rounded < 0
        let plain = (negative ? -rounded : rounded).description // "1234.5"
        let parts = plain.split(separator: ".", omittingEmptySubsequences: false)
        var whole = String(parts[0])
        var fraction = parts.count > 1 ? String(parts[1]) : ""
        if fraction.count < fractionDigits { fraction += String(repeating: "0", count: fractionDigits - fraction.count) }
        if grouping, whole.count > 3 {
            var grouped = ""
            for (offset, character) in whole.enumerated() {
                if offset > 0, (whole.count - offset) % 3 == 0 { grouped.append(",") }
                grouped.append(character)
            }
            whole = grouped
        }
        return (negative ? "-" : "") + whole + (fractionDigits > 0 ? "." + fraction : "")
    }

    /// The number of fraction digits `value` needs to be written exactly (12.50 → 1, 12.345 → 3).
    public static func fractionDigits(of value: Decimal) -> Int {
        let text = value.description
        guard let point = text.firstIndex(of: ".") else { return 0 }
        return text.distance(from: text.index(after: point), to: text.endIndex)
    }
}
