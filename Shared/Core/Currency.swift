/// An ISO 4217 currency and its minor-unit exponent: how many digits follow the decimal point
/// in an amount of it (JPY 0, USD 2, KWD 3).
///
/// Only codes in ISO 4217's list of active currencies are accepted: a misspelt or invented code
/// is an error where it enters the suite, never an amount counted in the wrong unit.
public struct Currency: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    /// The three-letter code, upper case (`USD`).
    public let code: String
    /// Digits after the decimal point; an amount is stored as an integer of 10^-digits units.
    public let minorUnitDigits: Int

    /// - Throws: `MoneyError.unknownCurrency` for a code ISO 4217 does not list (case is ignored).
    public init(code: String) throws(MoneyError) {
        let upper = code.uppercased()
        guard let digits = Self.exponents[upper] else { throw .unknownCurrency(code) }
        self.code = upper
        self.minorUnitDigits = digits
    }

    private init(known code: String) {
        self.code = code
        self.minorUnitDigits = Self.exponents[code]!
    }

    public var description: String { code }
    public static func < (lhs: Currency, rhs: Currency) -> Bool { lhs.code < rhs.code }

    /// Minor units in one major unit: 100 for USD, 1 for JPY, 1000 for KWD.
    public var minorUnitsPerMajor: Int64 {
        var scale: Int64 = 1
        for _ in 0..<minorUnitDigits { scale *= 10 }
        return scale
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do throws(MoneyError) {
            try self.init(code: text)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(code)
    }

    // MARK: The currencies of Amazon's marketplaces

    public static let usd = Currency(known: "USD")
    public static let cad = Currency(known: "CAD")
    public static let mxn = Currency(known: "MXN")
    public static let brl = Currency(known: "BRL")
    public static let gbp = Currency(known: "GBP")
    public static let eur = Currency(known: "EUR")
    public static let sek = Currency(known: "SEK")
    public static let pln = Currency(known: "PLN")
    public static let egp = Currency(known: "EGP")
    /// TRY (`try` is a keyword).
    public static let turkishLira = Currency(known: "TRY")
    public static let sar = Currency(known: "SAR")
    public static let aed = Currency(known: "AED")
    public static let inr = Currency(known: "INR")
    public static let zar = Currency(known: "ZAR")
    public static let sgd = Currency(known: "SGD")
    public static let aud = Currency(known: "AUD")
    public static let jpy = Currency(known: "JPY")

    /// ISO 4217 (list one, active codes) exponents: every code not named below has two digits.
    static let exponents: [String: Int] = {
        let zero = ["BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV",
                    "XAF", "XOF", "XPF"]
        let three = ["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"]
        let four = ["CLF", "UYW"]
        let two = ["AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BGN", "BMD",
                   "BND", "BOB", "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF", "CHE", "CHF", "CHW", "CNY",
                   "COP", "COU", "CRC", "CUP", "CVE", "CZK", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP",
                   "GBP", "GEL", "GHS", "GIP", "GMD", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IRR",
                   "JMD", "KES", "KGS", "KHR", "KPW", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "MAD", "MDL", "MGA",
                   "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MXV", "MYR", "MZN", "NAD", "NGN", "NIO",
                   "NOK", "NPR", "NZD", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "QAR", "RON", "RSD", "RUB", "SAR", "SBD",
                   "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS",
                   "TMT", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "USD", "USN", "UYU", "UZS", "VED", "VES", "WST", "XCD",
                   "XCG", "YER", "ZAR", "ZMW", "ZWG"]
        var table: [String: Int] = [:]
        for code in two { table[code] = 2 }
        for code in zero { table[code] = 0 }
        for code in three { table[code] = 3 }
        for code in four { table[code] = 4 }
        return table
    }()

    /// Every currency this type knows, in code order.
    public static var all: [Currency] { exponents.keys.sorted().map { Currency(known: $0) } }
}
