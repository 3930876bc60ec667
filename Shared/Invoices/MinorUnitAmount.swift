import Foundation

/// An amount in integer minor units of an ISO 4217 currency: how the suite stores money
/// (`{"amountMinor": 1234, "currency": "USD"}`, the JSON shape of OpsideCore's `Money`).
///
/// Rounding: half-up (half away from zero) by default. Supplier invoices, customs forms and
/// Seller Central's cost pages all round that way, so a person checking a converted unit cost by
/// hand against the invoice gets the same cent. `.halfEven` (banker's rounding) is there for
/// code that converts many amounts and then adds them, where always rounding halves up would
/// bias the sum.
public struct MinorUnitAmount: Codable, Sendable, Hashable, CustomStringConvertible {
    public enum Rounding: String, Codable, Sendable {
        /// Half away from zero: 0.125 → 0.13, −0.125 → −0.13.
        case halfUp
        /// Half to even (banker's): 0.125 → 0.12, 0.135 → 0.14.
        case halfEven
    }

    public enum ConversionError: Error, Equatable, CustomStringConvertible {
        case unknownCurrency(String)
        case overflow(Decimal)

        public var description: String {
            switch self {
            case .unknownCurrency(let code): "'\(code)' is not an ISO 4217 currency code"
            case .overflow(let amount): "\(amount) does not fit in 64-bit minor units"
            }
        }
    }

    public let amountMinor: Int64
    /// ISO 4217 code, upper case.
    public let currency: String

    public init(amountMinor: Int64, currency: String) {
        self.amountMinor = amountMinor
        self.currency = currency
    }

    /// Converts a decimal amount to minor units of `currency`.
    /// - Parameters:
    ///   - amount: As read from a document (`12.3456`).
    ///   - currency: ISO 4217 code (case ignored).
    ///   - digits: The currency's minor-unit digits; nil looks them up (`CurrencyDigits`).
    ///   - rounding: `.halfUp` unless the caller sums many conversions.
    /// - Throws: `unknownCurrency` when `digits` is nil and the code is not ISO 4217's;
    ///   `overflow` past Int64.
    public init(_ amount: Decimal, currency: String, digits: Int? = nil, rounding: Rounding = .halfUp) throws(ConversionError) {
        let code = currency.uppercased()
        guard let exponent = digits ?? CurrencyDigits.digits(for: code) else { throw .unknownCurrency(currency) }
        var scaled = amount
        for _ in 0..<exponent { scaled *= 10 }
        let rounded = DecimalArithmetic.rounded(scaled, scale: 0, rounding: rounding)
        guard let minor = Int64(rounded.description), rounded.isFinite else { throw .overflow(amount) }
        self.init(amountMinor: minor, currency: code)
    }

    /// The amount back as a decimal (1234 USD minor units → 12.34).
    public var decimalValue: Decimal {
        let exponent = CurrencyDigits.digits(for: currency) ?? 2
        return Decimal(sign: amountMinor < 0 ? .minus : .plus, exponent: -exponent, significand: Decimal(amountMinor.magnitude))
    }

    /// `12.34 USD`.
    public var description: String {
        let exponent = CurrencyDigits.digits(for: currency) ?? 2
        return "\(DecimalArithmetic.text(decimalValue, fractionDigits: exponent, grouping: false)) \(currency)"
    }
}

/// ISO 4217 minor-unit exponents (JPY 0, USD 2, KWD 3).
public enum CurrencyDigits {
    /// The exponent of `code`, nil for a code ISO 4217 does not list.
    public static func digits(for code: String) -> Int? {
        let upper = code.uppercased()
        if zero.contains(upper) { return 0 }
        if three.contains(upper) { return 3 }
        if four.contains(upper) { return 4 }
        return two.contains(upper) ? 2 : nil
    }

    /// Whether `code` is an active ISO 4217 code.
    public static func isKnown(_ code: String) -> Bool { digits(for: code) != nil }

    static let zero: Set<String> = ["BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND",
                                    "VUV", "XAF", "XOF", "XPF"]
    static let three: Set<String> = ["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"]
    static let four: Set<String> = ["CLF", "UYW"]
    static let two: Set<String> = [
        "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BGN", "BMD", "BND", "BOB",
        "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF", "CHE", "CHF", "CHW", "CNY", "COP", "COU", "CRC", "CUP",
        "CVE", "CZK", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GTQ",
        "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IRR", "JMD", "KES", "KGS", "KHR", "KPW", "KYD", "KZT", "LAK",
        "LBP", "LKR", "LRD", "LSL", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MXV",
        "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "QAR", "RON", "RSD",
        "RUB", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB",
        "TJS", "TMT", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "USD", "USN", "UYU", "UZS", "VED", "VES", "WST", "XCD", "YER",
        "ZAR", "ZMW", "ZWG",
    ]
}
