import Foundation
import OpsideTesting
import OpsideAmazonSPAPI
import OpsideCore
import Testing

/// Money is integer minor units of one ISO 4217 currency: Amazon's decimal text is read digit by
/// digit, currencies never mix, and the JSON shape is the suite's.
@Suite struct MoneyTests {
    static func currency(_ code: String) throws -> Currency { try Currency(code: code) }

    @Test func minorUnitExponentsFollowISO4217() throws {
        #expect(try Self.currency("JPY").minorUnitDigits == 0)
        #expect(try Self.currency("KRW").minorUnitDigits == 0)
        #expect(try Self.currency("USD").minorUnitDigits == 2)
        #expect(try Self.currency("eur").code == "EUR")
        #expect(try Self.currency("BHD").minorUnitDigits == 3)
        #expect(try Self.currency("KWD").minorUnitDigits == 3)
        #expect(try Self.currency("CLF").minorUnitDigits == 4)
        #expect(throws: MoneyError.unknownCurrency("XYZ")) { try Currency(code: "XYZ") }
        #expect(throws: MoneyError.unknownCurrency("US")) { try Currency(code: "US") }
    }

    @Test func everyMarketplaceCurrencyIsKnown() throws {
        for marketplace in AmazonMarketplace.all {
            #expect(try Currency(code: marketplace.currency.code) == marketplace.currency, "\(marketplace.countryCode)")
        }
    }

    @Test func amazonDecimalTextParsesToMinorUnits() throws {
        let usd = Currency.usd, jpy = Currency.jpy, kwd = try Self.currency("KWD")
        let cases: [(String, Currency, Int64)] = [
            ("12.34", usd, 1234), ("-0.5", usd, -50), ("1234", usd, 123_400), ("+3.10", usd, 310), ("1,234.50", usd, 123_450),
            ("1,234,567.01", usd, 123_456_701), (".5", usd, 50), ("0", usd, 0), ("-0.00", usd, 0), ("  7.25\t", usd, 725),
            ("12.340", usd, 1234), ("1500", jpy, 1500), ("-1,500", jpy, -1500), ("1500.0", jpy, 1500), ("1.234", kwd, 1234),
            ("92233720368547758.07", usd, Int64.max),
        ]
        for (text, currency, minor) in cases {
            #expect(try Money(parsing: text, currency: currency) == Money(amountMinor: minor, currency: currency), "\(text)")
        }
    }

    @Test func textThatIsNotAnAmountIsRefusedByName() {
        for text in ["", "-", "+", "abc", "12.", "1.2.3", "12,34", "1,2345", ",123", "1,,234", "12 34", "1e3", "0x10", "--1",
                     "12.34 USD", "$12.34", "１２"] {
            #expect(throws: MoneyError.notAnAmount(text), "\(text)") { try Money(parsing: text, currency: .usd) }
        }
        #expect(throws: MoneyError.overflow) { try Money(parsing: "92233720368547758.08", currency: .usd) }
    }

    @Test func digitsFinerThanTheCurrencyAreAnErrorUnlessRoundingIsAskedFor() throws {
        #expect(throws: MoneyError.tooManyFractionDigits("12.345", digits: 2)) { try Money(parsing: "12.345", currency: .usd) }
        #expect(throws: MoneyError.tooManyFractionDigits("1500.5", digits: 0)) { try Money(parsing: "1500.5", currency: .jpy) }
        // Half-even: ties go to the even minor unit, anything past a tie away from it.
        let cases: [(String, Int64)] = [
            ("12.345", 1234), ("12.355", 1236), ("12.3451", 1235), ("-12.345", -1234), ("-12.355", -1236),
            ("-1.1400000000000001", -114), ("0.005", 0), ("0.015", 2), ("2.9899999999999998", 299),
        ]
        for (text, minor) in cases {
            #expect(try Money(parsing: text, currency: .usd, rounding: .halfEven).amountMinor == minor, "\(text)")
        }
        #expect(try Money(parsing: "1500.5", currency: .jpy, rounding: .halfEven).amountMinor == 1500)
        #expect(try Money(parsing: "1501.5", currency: .jpy, rounding: .halfEven).amountMinor == 1502)
    }

    @Test func formattingWritesTheCurrencysDigits() throws {
        #expect(Money(amountMinor: 1234, currency: .usd).decimalString == "12.34")
        #expect(Money(amountMinor: -50, currency: .usd).decimalString == "-0.50")
        #expect(Money(amountMinor: 5, currency: .usd).decimalString == "0.05")
        #expect(Money(amountMinor: 1500, currency: .jpy).decimalString == "1500")
        #expect(Money(amountMinor: -1, currency: try Self.currency("KWD")).decimalString == "-0.001")
        #expect(Money(amountMinor: .min, currency: .usd).decimalString == "-92233720368547758.08")
        #expect(Money(amountMinor: 1234, currency: .usd).description == "12.34 USD")
    }

    /// parse(format(x)) == x for amounts spread over the whole Int64 range and every currency,
    /// from a seeded generator (the same amounts every run), with thousands separators added
    /// to the text half of the time.
    @Test func formattedAmountsParseBackToThemselves() throws {
        var random = SplitMix64(seed: 0x5EED_0F_0DD5)
        let currencies = Currency.all
        for _ in 0..<20_000 {
            let currency = currencies[Int(random.next() % UInt64(currencies.count))]
            let magnitude: Int64 = switch random.next() % 4 {
            case 0: Int64(random.next() % 1_000)
            case 1: Int64(random.next() % 10_000_000)
            case 2: Int64(random.next() % UInt64(Int64.max))
            default: Int64.max - Int64(random.next() % 1_000)
            }
            let money = Money(amountMinor: random.next() % 2 == 0 ? magnitude : -magnitude, currency: currency)
            var text = money.decimalString
            #expect(try Money(parsing: text, currency: currency) == money, "\(text) \(currency)")
            if random.next() % 2 == 0 { text = Self.grouped(text) }
            #expect(try Money(parsing: text, currency: currency) == money, "\(text) \(currency)")
            let json = try JSONEncoder().encode(money)
            #expect(try JSONDecoder().decode(Money.self, from: json) == money)
        }
    }

    /// `-1234567.89` as `-1,234,567.89`.
    static func grouped(_ text: String) -> String {
        let negative = text.hasPrefix("-")
        let body = negative ? String(text.dropFirst()) : text
        let parts = body.split(separator: ".", omittingEmptySubsequences: false)
        var whole = Array(parts[0])
        var index = whole.count - 3
        while index > 0 {
            whole.insert(",", at: index)
            index -= 3
        }
        return (negative ? "-" : "") + String(whole) + (parts.count > 1 ? "." + parts[1] : "")
    }

    @Test func arithmeticRefusesToMixCurrencies() throws {
        let dollars = Money(amountMinor: 1000, currency: .usd), yen = Money(amountMinor: 1000, currency: .jpy)
        #expect(try dollars + Money(amountMinor: 234, currency: .usd) == Money(amountMinor: 1234, currency: .usd))
        #expect(try dollars - Money(amountMinor: 1234, currency: .usd) == Money(amountMinor: -234, currency: .usd))
        #expect(throws: MoneyError.currencyMismatch(.usd, .jpy)) { try dollars + yen }
        #expect(throws: MoneyError.currencyMismatch(.jpy, .usd)) { try yen - dollars }
        #expect(throws: MoneyError.currencyMismatch(.usd, .jpy)) { try Money.sum([dollars, yen], currency: .usd) }
        #expect(throws: MoneyError.currencyMismatch(.usd, .jpy)) { try dollars.isLess(than: yen) }
        #expect(try Money.sum([dollars, dollars], currency: .usd).amountMinor == 2000)
        #expect(try Money.sum([Money](), currency: .jpy) == .zero(.jpy))
        #expect(try dollars.multiplied(by: -3).amountMinor == -3000)
        #expect(throws: MoneyError.overflow) { try Money(amountMinor: .max, currency: .usd) + Money(amountMinor: 1, currency: .usd) }
        #expect(throws: MoneyError.overflow) { try Money(amountMinor: .min, currency: .usd).negated() }
        #expect(throws: MoneyError.overflow) { try Money(amountMinor: .max / 2 + 1, currency: .usd).multiplied(by: 2) }
    }

    @Test func jsonShapeIsAmountMinorAndCurrency() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(Money(amountMinor: 1234, currency: .usd)), as: UTF8.self)
        #expect(json == #"{"amountMinor":1234,"currency":"USD"}"#)
        #expect(try JSONDecoder().decode(Money.self, from: Data(#"{"amountMinor":-5,"currency":"jpy"}"#.utf8))
                == Money(amountMinor: -5, currency: .jpy))
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(Money.self, from: Data(#"{"amountMinor":1,"currency":"DOLLAR"}"#.utf8))
        }
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(Money.self, from: Data(#"{"amountMinor":1.5,"currency":"USD"}"#.utf8))
        }
    }

    @Test func spAPIAmountsBecomeMoney() throws {
        // Orders: decimal text to the currency's digits.
        let order = try JSONDecoder().decode(OrderMoney.self, from: Data(#"{"CurrencyCode":"JPY","Amount":"1980"}"#.utf8))
        #expect(try order.money() == Money(amountMinor: 1980, currency: .jpy))
        let fine = try JSONDecoder().decode(OrderMoney.self, from: Data(#"{"CurrencyCode":"USD","Amount":"1.999"}"#.utf8))
        #expect(throws: MoneyError.tooManyFractionDigits("1.999", digits: 2)) { try fine.money() }
        // Finances: a JSON number, read from its text, with the floating-point tails Amazon sends.
        let finance = try JSONDecoder().decode(FinancesCurrency.self,
                                               from: Data(#"{"CurrencyCode":"USD","CurrencyAmount":-1.1400000000000001}"#.utf8))
        #expect(try finance.money() == Money(amountMinor: -114, currency: .usd))
        let big = try JSONDecoder().decode(FinancesCurrency.self,
                                           from: Data(#"{"CurrencyCode":"USD","CurrencyAmount":90071992547409.93}"#.utf8))
        #expect(try big.money()?.amountMinor == 9_007_199_254_740_993, "beyond Double's 2^53: no float on the way")
        let unknown = try JSONDecoder().decode(FinancesCurrency.self, from: Data(#"{"CurrencyCode":"XXQ","CurrencyAmount":1}"#.utf8))
        #expect(throws: MoneyError.unknownCurrency("XXQ")) { try unknown.money() }
    }
}

