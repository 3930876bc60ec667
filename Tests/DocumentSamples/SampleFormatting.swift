import Foundation

/// How amounts and quantities are written on a document.
public enum SampleNumberStyle: String, Sendable, Hashable, Codable, CaseIterable {
    /// `1,234.50`
    case us
    /// `1.234,50` (continental Europe)
    case european

    /// An amount with two decimals and thousands grouping.
    public func amount(_ value: Decimal) -> String {
        let cents = SampleMoney.cents(value)
        let negative = cents < 0
        let magnitude = abs(cents)
        let units = group(String(magnitude / 100))
        let fraction = SampleDate.two(Int(magnitude % 100))
        let text = self == .us ? "\(units).\(fraction)" : "\(units),\(fraction)"
        return negative ? "-\(text)" : text
    }

    /// A whole quantity with thousands grouping (`1,200` / `1.200`).
    public func quantity(_ value: Int) -> String { (value < 0 ? "-" : "") + group(String(abs(value))) }

    /// An amount with its currency as this style writes it: `$1,234.50`, `USD 1,234.50`, `1.234,50 €`.
    public func money(_ value: Decimal, currency: String) -> String {
        switch (self, currency) {
        case (.us, "USD"): "$" + amount(value)
        case (.us, "GBP"): "£" + amount(value)
        case (.us, _): "\(currency) " + amount(value)
        case (.european, "EUR"): amount(value) + " €"
        case (.european, _): amount(value) + " " + currency
        }
    }

    /// An amount without grouping, as spreadsheets and CSV exports write it (`1234.50` / `1234,50`).
    public func plainAmount(_ value: Decimal) -> String {
        amount(value).replacingOccurrences(of: self == .us ? "," : ".", with: "")
    }

    private func group(_ digits: String) -> String {
        let separator: Character = self == .us ? "," : "."
        var result = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { result.append(separator) }
            result.append(character)
        }
        return result
    }
}

/// How dates are written on a document.
public enum SampleDateStyle: String, Sendable, Hashable, Codable, CaseIterable {
    /// `2025-03-14`
    case iso
    /// `03/14/2025`
    case usSlashes
    /// `Mar 14, 2025`
    case usLong
    /// `14.03.2025`
    case europeanDots
    /// `14-Mar-2025`
    case dayMonthAbbreviation

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    public func format(_ date: SampleDate) -> String {
        let month = Self.months[(date.month - 1) % 12]
        return switch self {
        case .iso: date.iso
        case .usSlashes: "\(SampleDate.two(date.month))/\(SampleDate.two(date.day))/\(date.year)"
        case .usLong: "\(month) \(date.day), \(date.year)"
        case .europeanDots: "\(SampleDate.two(date.day)).\(SampleDate.two(date.month)).\(date.year)"
        case .dayMonthAbbreviation: "\(SampleDate.two(date.day))-\(month)-\(date.year)"
        }
    }
}

/// Exact money arithmetic in integer cents, converted to `Decimal` for the truth.
enum SampleMoney {
    /// `value` in cents, rounded half away from zero.
    static func cents(_ value: Decimal) -> Int64 {
        var scaled = value * 100
        var rounded = Decimal()
        NSDecimalRound(&rounded, &scaled, 0, .plain)
        return NSDecimalNumber(decimal: rounded).int64Value
    }

    static func decimal(cents: Int64) -> Decimal { Decimal(cents) / 100 }
}
