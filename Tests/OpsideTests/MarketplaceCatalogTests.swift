import Foundation
import OpsideTesting
import OpsideAmazonSPAPI
import OpsideCore
import Testing

/// One table of Amazon's marketplaces serves the client, the sync and the import.
@Suite struct MarketplaceCatalogTests {
    /// Amazon's "Marketplace IDs" page, region by region.
    static let documented: [(country: String, id: String, region: AmazonRegion)] = [
        ("CA", "A2EUQ1WTGCTBG2", .northAmerica), ("US", "ATVPDKIKX0DER", .northAmerica), ("MX", "A1AM78C64UM0Y8", .northAmerica),
        ("BR", "A2Q3Y263D00KWC", .northAmerica),
        ("IE", "A28R8C7NBKEWEA", .europe), ("ES", "A1RKKUPIHCS9HS", .europe), ("GB", "A1F83G8C2ARO7P", .europe),
        ("FR", "A13V1IB3VIYZZH", .europe), ("BE", "AMEN7PMS3EDWL", .europe), ("NL", "A1805IZSGTT6HS", .europe),
        ("DE", "A1PA6795UKMFR9", .europe), ("IT", "APJ6JRA9NG5V4", .europe), ("SE", "A2NODRKZP88ZB9", .europe),
        ("ZA", "AE08WJ6YKNBMC", .europe), ("PL", "A1C3SOZRARQ6R3", .europe), ("EG", "ARBP9OOSHTCHU", .europe),
        ("TR", "A33AVAJ2PDY3EV", .europe), ("SA", "A17E79C6D8DWNP", .europe), ("AE", "A2VIGQ35RCS4UG", .europe),
        ("IN", "A21TJRUUN4KGV", .europe),
        ("SG", "A19VAU5U5O7RUS", .farEast), ("AU", "A39IBJ37TRP1C6", .farEast), ("JP", "A1VC38T7YXB528", .farEast),
    ]

    @Test func everyDocumentedMarketplaceIsInTheCatalogOnce() throws {
        #expect(AmazonMarketplace.all.count == Self.documented.count)
        #expect(Set(AmazonMarketplace.all.map(\.id)).count == AmazonMarketplace.all.count)
        for (country, id, region) in Self.documented {
            let marketplace = try AmazonMarketplace.require(id)
            #expect(marketplace.countryCode == country)
            #expect(marketplace.region == region)
            #expect(marketplace.endpoint == region.productionEndpoint)
            #expect(TimeZone(identifier: marketplace.timeZone) != nil, "\(marketplace.timeZone) is an IANA zone")
            #expect(URL(string: marketplace.sellerCentralURL)?.host?.hasPrefix("sellercentral") == true)
            #expect(AmazonMarketplace.forCountry(country) == marketplace)
        }
        #expect(AmazonMarketplace.forCountry("UK")?.id == "A1F83G8C2ARO7P")
    }

    @Test func currenciesAndDayOrdersAreTheMarketplaces() throws {
        let expected: [String: String] = ["US": "USD", "CA": "CAD", "MX": "MXN", "BR": "BRL", "GB": "GBP", "IE": "EUR", "DE": "EUR",
                                          "BE": "EUR", "SE": "SEK", "PL": "PLN", "ZA": "ZAR", "EG": "EGP", "TR": "TRY", "SA": "SAR",
                                          "AE": "AED", "IN": "INR", "SG": "SGD", "AU": "AUD", "JP": "JPY"]
        for (country, currency) in expected {
            #expect(AmazonMarketplace.forCountry(country)?.currency.code == currency, "\(country)")
        }
        #expect(AmazonMarketplace.forCountry("US")?.dayOrder == .monthFirst)
        #expect(AmazonMarketplace.forCountry("DE")?.dayOrder == .dayFirst)
        #expect(AmazonMarketplace.forCountry("JP")?.dayOrder == .dayFirst)
    }

    @Test func anUnknownMarketplaceIsAnErrorNotDollars() {
        #expect(AmazonMarketplace.withID("A1NOTAMARKET") == nil)
        #expect(throws: UnknownMarketplace(id: "A1NOTAMARKET")) { try AmazonMarketplace.require("A1NOTAMARKET") }
    }
}
