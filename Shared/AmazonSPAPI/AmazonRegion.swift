/// An SP-API region. Authorization is regional: one refresh token covers every marketplace of
/// the region it was granted in.
public enum AmazonRegion: String, Sendable, Codable, CaseIterable {
    case northAmerica = "na"
    case europe = "eu"
    case farEast = "fe"

    /// Amazon's production endpoint for the region.
    public var productionEndpoint: String {
        switch self {
        case .northAmerica: "https://sellingpartnerapi-na.amazon.com"
        case .europe: "https://sellingpartnerapi-eu.amazon.com"
        case .farEast: "https://sellingpartnerapi-fe.amazon.com"
        }
    }

    /// Amazon's static sandbox endpoint for the region.
    public var amazonSandboxEndpoint: String {
        switch self {
        case .northAmerica: "https://sandbox.sellingpartnerapi-na.amazon.com"
        case .europe: "https://sandbox.sellingpartnerapi-eu.amazon.com"
        case .farEast: "https://sandbox.sellingpartnerapi-fe.amazon.com"
        }
    }

    /// The marketplaces served from this region's endpoint.
    public var marketplaces: [AmazonMarketplace] {
        AmazonMarketplace.all.filter { $0.region == self }
    }
}

/// A marketplace: its id, country, region, currency and the Seller Central site that hosts the
/// consent page.
public struct AmazonMarketplace: Sendable, Hashable, Codable {
    public let id: String
    public let countryCode: String
    public let region: AmazonRegion
    public let currency: String
    public let sellerCentralURL: String

    /// Every marketplace in the developer guide's table (amazon-spapi.md §2.2). IN is served from
    /// the EU endpoint.
    public static let all: [AmazonMarketplace] = [
        .init(id: "ATVPDKIKX0DER", countryCode: "US", region: .northAmerica, currency: "USD", sellerCentralURL: "https://sellercentral.amazon.com"),
        .init(id: "A2EUQ1WTGCTBG2", countryCode: "CA", region: .northAmerica, currency: "CAD", sellerCentralURL: "https://sellercentral.amazon.ca"),
        .init(id: "A1AM78C64UM0Y8", countryCode: "MX", region: .northAmerica, currency: "MXN", sellerCentralURL: "https://sellercentral.amazon.com.mx"),
        .init(id: "A2Q3Y263D00KWC", countryCode: "BR", region: .northAmerica, currency: "BRL", sellerCentralURL: "https://sellercentral.amazon.com.br"),
        .init(id: "A1F83G8C2ARO7P", countryCode: "GB", region: .europe, currency: "GBP", sellerCentralURL: "https://sellercentral-europe.amazon.com"),
        .init(id: "A1PA6795UKMFR9", countryCode: "DE", region: .europe, currency: "EUR", sellerCentralURL: "https://sellercentral-europe.amazon.com"),
        .init(id: "A13V1IB3VIYZZH", countryCode: "FR", region: .europe, currency: "EUR", sellerCentralURL: "https://sellercentral-europe.amazon.com"),
        .init(id: "APJ6JRA9NG5V4", countryCode: "IT", region: .europe, currency: "EUR", sellerCentralURL: "https://sellercentral-europe.amazon.com"),
        .init(id: "A1RKKUPIHCS9HS", countryCode: "ES", region: .europe, currency: "EUR", sellerCentralURL: "https://sellercentral-europe.amazon.com"),
        .init(id: "A1805IZSGTT6HS", countryCode: "NL", region: .europe, currency: "EUR", sellerCentralURL: "https://sellercentral.amazon.nl"),
        .init(id: "A2NODRKZP88ZB9", countryCode: "SE", region: .europe, currency: "SEK", sellerCentralURL: "https://sellercentral.amazon.se"),
        .init(id: "A1C3SOZRARQ6R3", countryCode: "PL", region: .europe, currency: "PLN", sellerCentralURL: "https://sellercentral.amazon.pl"),
        .init(id: "ARBP9OOSHTCHU", countryCode: "EG", region: .europe, currency: "EGP", sellerCentralURL: "https://sellercentral.amazon.eg"),
        .init(id: "A33AVAJ2PDY3EV", countryCode: "TR", region: .europe, currency: "TRY", sellerCentralURL: "https://sellercentral.amazon.com.tr"),
        .init(id: "A17E79C6D8DWNP", countryCode: "SA", region: .europe, currency: "SAR", sellerCentralURL: "https://sellercentral.amazon.sa"),
        .init(id: "A2VIGQ35RCS4UG", countryCode: "AE", region: .europe, currency: "AED", sellerCentralURL: "https://sellercentral.amazon.ae"),
        .init(id: "A21TJRUUN4KGV", countryCode: "IN", region: .europe, currency: "INR", sellerCentralURL: "https://sellercentral.amazon.in"),
        .init(id: "A19VAU5U5O7RUS", countryCode: "SG", region: .farEast, currency: "SGD", sellerCentralURL: "https://sellercentral.amazon.sg"),
        .init(id: "A39IBJ37TRP1C6", countryCode: "AU", region: .farEast, currency: "AUD", sellerCentralURL: "https://sellercentral.amazon.com.au"),
        .init(id: "A1VC38T7YXB528", countryCode: "JP", region: .farEast, currency: "JPY", sellerCentralURL: "https://sellercentral.amazon.co.jp"),
    ]

    /// The marketplace with this id, if Amazon's table lists it.
    public static func withID(_ id: String) -> AmazonMarketplace? {
        all.first { $0.id == id }
    }

    /// The marketplace for an ISO country code (`UK` is accepted for `GB`).
    public static func forCountry(_ code: String) -> AmazonMarketplace? {
        let wanted = code.uppercased() == "UK" ? "GB" : code.uppercased()
        return all.first { $0.countryCode == wanted }
    }
}
