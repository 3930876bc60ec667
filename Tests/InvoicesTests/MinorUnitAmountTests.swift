import Foundation
import Testing
@testable import OpsideInvoices

@Suite struct MinorUnitAmountTests {
    func decimal(_ text: String) -> Decimal { Decimal(string: text)! }

    @Test func halfUpRoundsHalvesAwayFromZero() throws {
        #expect(try MinorUnitAmount(decimal("0.125"), currency: "USD").amountMinor == 13)
        #expect(try MinorUnitAmount(decimal("-0.125"), currency: "usd").amountMinor == -13)
        #expect(try MinorUnitAmount(decimal("12.3449"), currency: "USD").amountMinor == 1234)
        #expect(try MinorUnitAmount(decimal("0.125"), currency: "USD").currency == "USD")
    }

    @Test func halfEvenRoundsHalvesToTheEvenCent() throws {
        #expect(try MinorUnitAmount(decimal("0.125"), currency: "USD", rounding: .halfEven).amountMinor == 12)
        #expect(try MinorUnitAmount(decimal("0.135"), currency: "USD", rounding: .halfEven).amountMinor == 14)
    }

    @Test func digitsComeFromTheCurrency() throws {
        #expect(try MinorUnitAmount(decimal("1234.5"), currency: "JPY").amountMinor == 1235)
        #expect(try MinorUnitAmount(decimal("1.2345"), currency: "KWD").amountMinor == 1235)
        #expect(try MinorUnitAmount(decimal("1.2345"), currency: "XXX", digits: 2).amountMinor == 123)
        #expect(try MinorUnitAmount(decimal("12.34"), currency: "USD").decimalValue == decimal("12.34"))
        #expect(try MinorUnitAmount(decimal("12.3"), currency: "USD").description == "12.30 USD")
    }

    @Test func anUnknownCodeIsAnError() {
        #expect(throws: MinorUnitAmount.ConversionError.unknownCurrency("ABC")) {
            try MinorUnitAmount(1, currency: "ABC")
        }
    }

    @Test func theJSONShapeIsTheSuitesMoney() throws {
        let data = try JSONEncoder().encode(MinorUnitAmount(amountMinor: 1234, currency: "USD"))
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        #expect(object?["amountMinor"] as? Int == 1234)
        #expect(object?["currency"] as? String == "USD")
    }
}
