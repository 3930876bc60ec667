/// An amount of one currency, counted in its minor units (cents; yen): never floating point.
///
/// Amounts of different currencies never mix: `+` and `-` throw `MoneyError.currencyMismatch`
/// rather than add yen to dollars. JSON shape (the suite's style): `{"amountMinor": 1234,
/// "currency": "USD"}`.
///
/// Amazon writes amounts as decimal text (`"12.34"`, `"-0.5"`, `"1,234.50"`); `init(parsing:)`
/// reads that text digit by digit, so no amount ever passes through `Double`.
public struct Money: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The amount in minor units of `currency` (1234 is 12.34 USD, or 1234 JPY).
    public let amountMinor: Int64
    public let currency: Currency

    public init(amountMinor: Int64, currency: Currency) {
        self.amountMinor = amountMinor
        self.currency = currency
    }

    /// Nothing, in `currency`.
    public static func zero(_ currency: Currency) -> Money { Money(amountMinor: 0, currency: currency) }

    public var isZero: Bool { amountMinor == 0 }
    public var isNegative: Bool { amountMinor < 0 }

    /// `12.34 USD`.
    public var description: String { "\(decimalString) \(currency.code)" }

    // MARK: Arithmetic that refuses to mix currencies

    /// - Throws: `currencyMismatch` for two currencies, `overflow` past Int64.
    public static func + (lhs: Money, rhs: Money) throws(MoneyError) -> Money {
        try lhs.sameCurrency(rhs)
        let (sum, overflow) = lhs.amountMinor.addingReportingOverflow(rhs.amountMinor)
        guard !overflow else { throw .overflow }
        return Money(amountMinor: sum, currency: lhs.currency)
    }

    /// - Throws: `currencyMismatch` for two currencies, `overflow` past Int64.
    public static func - (lhs: Money, rhs: Money) throws(MoneyError) -> Money {
        try lhs.sameCurrency(rhs)
        let (difference, overflow) = lhs.amountMinor.subtractingReportingOverflow(rhs.amountMinor)
        guard !overflow else { throw .overflow }
        return Money(amountMinor: difference, currency: lhs.currency)
    }

    /// - Throws: `overflow` for `Int64.min`.
    public func negated() throws(MoneyError) -> Money {
        guard amountMinor != .min else { throw .overflow }
        return Money(amountMinor: -amountMinor, currency: currency)
    }

    /// The amount times a whole quantity (a per-unit amount times units).
    /// - Throws: `overflow` past Int64.
    public func multiplied(by quantity: Int64) throws(MoneyError) -> Money {
        let (product, overflow) = amountMinor.multipliedReportingOverflow(by: quantity)
        guard !overflow else { throw .overflow }
        return Money(amountMinor: product, currency: currency)
    }

    /// The sum of `amounts`, zero of `currency` when there are none.
    /// - Throws: `currencyMismatch` when one of them is in another currency; `overflow`.
    public static func sum(_ amounts: some Sequence<Money>, currency: Currency) throws(MoneyError) -> Money {
        var total = Money.zero(currency)
        for amount in amounts { total = try total + amount }
        return total
    }

    /// Orders amounts of one currency.
    /// - Throws: `currencyMismatch` for two currencies.
    public func isLess(than other: Money) throws(MoneyError) -> Bool {
        try sameCurrency(other)
        return amountMinor < other.amountMinor
    }

    private func sameCurrency(_ other: Money) throws(MoneyError) {
        guard currency == other.currency else { throw .currencyMismatch(currency, other.currency) }
    }

    // MARK: Decimal text

    /// Reads an amount written as decimal text: an optional sign (`+`/`-`), digits with optional
    /// thousands separators (`1,234,567`, groups of three only), an optional `.` and fraction
    /// (`12.34`, `-0.5`, `.5`, `+3.10`, `1234`). Blanks around it are ignored.
    ///
    /// More fraction digits than the currency has are an error with `.exact` (the default:
    /// Amazon's reports and order amounts are written to the currency's digits, so more is a
    /// file to look at, not a value to guess), unless the extra digits are zeros (`12.340` USD).
    /// `.halfEven` rounds them to the nearest minor unit, ties to even (banker's rounding), for
    /// the SP-API values Amazon publishes as JSON numbers (Finances, Product Fees), which may
    /// carry binary-floating-point tails such as `-1.1400000000000001`.
    /// - Throws: `notAnAmount`, `tooManyFractionDigits` or `overflow`.
    public init(parsing text: some StringProtocol, currency: Currency, rounding: MoneyRounding = .exact) throws(MoneyError) {
        self.init(amountMinor: try Self.minorUnits(String(text), digits: currency.minorUnitDigits, rounding: rounding), currency: currency)
    }

    /// As `init(parsing:currency:rounding:)` with an ISO 4217 code.
    /// - Throws: also `unknownCurrency`.
    public init(parsing text: some StringProtocol, currencyCode: String, rounding: MoneyRounding = .exact) throws(MoneyError) {
        try self.init(parsing: text, currency: try Currency(code: currencyCode), rounding: rounding)
    }

    /// The amount as decimal text with exactly the currency's digits: `12.34`, `-0.50`, `1234`
    /// (JPY). No thousands separators; `init(parsing:)` reads it back to the same value.
    public var decimalString: String {
        let digits = currency.minorUnitDigits
        let magnitude = amountMinor.magnitude
        let scale = UInt64(currency.minorUnitsPerMajor)
        var text = amountMinor < 0 ? "-" : ""
        text += String(magnitude / scale)
        if digits > 0 {
            let fraction = String(magnitude % scale)
            text += "." + String(repeating: "0", count: digits - fraction.count) + fraction
        }
        return text
    }

    /// Checks that `text` is decimal text `init(parsing:)` reads, whatever the currency.
    /// - Throws: `notAnAmount` (or `overflow` for more than 18 whole digits).
    public static func checkDecimalText(_ text: String) throws(MoneyError) {
        _ = try minorUnits(text, digits: 0, rounding: .halfEven)
    }

    /// The amount in minor units: the work of `init(parsing:)`, byte by byte.
    static func minorUnits(_ text: String, digits: Int, rounding: MoneyRounding) throws(MoneyError) -> Int64 {
        let bytes = Array(text.utf8)
        var start = 0, end = bytes.count
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        var index = start
        var negative = false
        if index < end, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        // Whole part, with thousands separators checked: after a comma come exactly three digits.
        var whole: [UInt8] = []
        var groupLength = 0, sawComma = false
        while index < end {
            let byte = bytes[index]
            if (0x30...0x39).contains(byte) {
                whole.append(byte - 0x30)
                groupLength += 1
                if sawComma, groupLength > 3 { throw .notAnAmount(text) }
            } else if byte == UInt8(ascii: ",") {
                // A first group of one to three digits, later groups of three.
                guard groupLength > 0, groupLength <= 3, !sawComma || groupLength == 3 else { throw .notAnAmount(text) }
                sawComma = true
                groupLength = 0
            } else {
                break
            }
            index += 1
        }
        if sawComma, groupLength != 3 { throw .notAnAmount(text) }
        var fraction: [UInt8] = []
        if index < end, bytes[index] == UInt8(ascii: ".") {
            index += 1
            while index < end, (0x30...0x39).contains(bytes[index]) {
                fraction.append(bytes[index] - 0x30)
                index += 1
            }
            guard !fraction.isEmpty else { throw .notAnAmount(text) }
        }
        guard index == end, !(whole.isEmpty && fraction.isEmpty) else { throw .notAnAmount(text) }

        var magnitude: Int64 = 0
        func push(_ digit: UInt8) throws(MoneyError) {
            let (shifted, overflowA) = magnitude.multipliedReportingOverflow(by: 10)
            let (next, overflowB) = shifted.addingReportingOverflow(Int64(digit))
            guard !overflowA, !overflowB else { throw .overflow }
            magnitude = next
        }
        for digit in whole { try push(digit) }
        for position in 0..<digits { try push(position < fraction.count ? fraction[position] : 0) }
        let extra = fraction.count > digits ? fraction[digits...] : []
        if extra.contains(where: { $0 != 0 }) {
            guard rounding == .halfEven else { throw .tooManyFractionDigits(text, digits: digits) }
            let first = extra.first!
            let rest = extra.dropFirst().contains { $0 != 0 }
            let roundsUp = first > 5 || (first == 5 && (rest || magnitude % 2 == 1))
            if roundsUp {
                let (next, overflow) = magnitude.addingReportingOverflow(1)
                guard !overflow else { throw .overflow }
                magnitude = next
            }
        }
        return negative ? -magnitude : magnitude
    }

    // MARK: Codable: {"amountMinor": 1234, "currency": "USD"}

    enum CodingKeys: String, CodingKey {
        case amountMinor, currency
    }
}

/// What to do with digits past the currency's minor unit.
public enum MoneyRounding: Sendable, Equatable {
    /// They are an error (unless zeros).
    case exact
    /// Round to the nearest minor unit, ties to the even one.
    case halfEven
}

/// Why an amount could not be made or combined.
public enum MoneyError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownCurrency(String)
    case currencyMismatch(Currency, Currency)
    case notAnAmount(String)
    case tooManyFractionDigits(String, digits: Int)
    case overflow

    public var description: String {
        switch self {
        case .unknownCurrency(let code): "\"\(code)\" is not an ISO 4217 currency code"
        case .currencyMismatch(let some, let other): "cannot combine amounts in \(some.code) and \(other.code)"
        case .notAnAmount(let text): "\"\(text)\" is not an amount (expected decimal text such as 1234.56, -0.50 or 1,234.50)"
        case .tooManyFractionDigits(let text, let digits):
            "\"\(text)\" has more than \(digits) digit\(digits == 1 ? "" : "s") after the decimal point for its currency"
        case .overflow: "the amount is too large"
        }
    }
}

extension Money {
    /// `1,234.56 USD`: the amount with thousands grouped and its currency's code, never a symbol
    /// (a dollar sign would not say which dollar).
    public var displayText: String {
        let plain = decimalString
        let negative = plain.hasPrefix("-")
        let unsigned = negative ? String(plain.dropFirst()) : plain
        let parts = unsigned.split(separator: ".", maxSplits: 1)
        var whole = String(parts[0])
        var grouped = ""
        while whole.count > 3 {
            grouped = "," + whole.suffix(3) + grouped
            whole = String(whole.dropLast(3))
        }
        grouped = whole + grouped
        let fraction = parts.count > 1 ? "." + parts[1] : ""
        return (negative ? "-" : "") + grouped + fraction + " " + currency.code
    }
}
