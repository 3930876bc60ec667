import OpsideCore

/// One Amazon marketplace: the suite's only table of them, read by the SP-API client (region and
/// endpoint), integrations (consent pages), inventory-sync (currency of report amounts without
/// one) and the import (day order and time zone of Seller Central downloads).
public struct AmazonMarketplace: Sendable, Hashable, Codable {
    public let id: String
    /// ISO 3166 country code (`GB` for the United Kingdom, which Amazon writes `UK`).
    public let countryCode: String
    public let region: AmazonRegion
    /// The currency Amazon prices the marketplace in (`defaultCurrencyCode`).
    public let currency: Currency
    /// IANA time zone of the marketplace's local dates (the ledger's `Date`, report days).
    public let timeZone: String
    /// The Seller Central site that hosts the consent page.
    public let sellerCentralURL: String
    /// How the marketplace's Seller Central writes a day as digits: `03/05/2026` is March 5 in
    /// the US and 3 May in Germany. Only decides dates whose first two numbers are both 12 or
    /// less; `13/05/2026` is day-first wherever it comes from. Year-first dates (`2026/03/05`,
    /// Japan's) need no order.
    public let dayOrder: DayOrder

    /// The SP-API production endpoint that serves the marketplace (the region's).
    public var endpoint: String { region.productionEndpoint }

    public enum DayOrder: String, Sendable, Hashable, Codable {
        /// `MM/DD/YYYY` (US, CA).
        case monthFirst
        /// `DD/MM/YYYY` or `DD.MM.YYYY`.
        case dayFirst
    }

    /// Every marketplace of Amazon's "Marketplace IDs" page
    /// (https://developer-docs.amazon.com/sp-api/docs/marketplace-ids; amazon-spapi.md §2.2 and its
    /// note on IE, BE and ZA). IN, and the Middle East and Africa, are served from the EU endpoint.
    public static let all: [AmazonMarketplace] = [
        // North America
        .init(id: "A2EUQ1WTGCTBG2", countryCode: "CA", region: .northAmerica, currency: .cad, timeZone: "America/Toronto",
              sellerCentralURL: "https://sellercentral.amazon.ca", dayOrder: .monthFirst),
        .init(id: "ATVPDKIKX0DER", countryCode: "US", region: .northAmerica, currency: .usd, timeZone: "America/Los_Angeles",
              sellerCentralURL: "https://sellercentral.amazon.com", dayOrder: .monthFirst),
        .init(id: "A1AM78C64UM0Y8", countryCode: "MX", region: .northAmerica, currency: .mxn, timeZone: "America/Mexico_City",
              sellerCentralURL: "https://sellercentral.amazon.com.mx", dayOrder: .dayFirst),
        .init(id: "A2Q3Y263D00KWC", countryCode: "BR", region: .northAmerica, currency: .brl, timeZone: "America/Sao_Paulo",
              sellerCentralURL: "https://sellercentral.amazon.com.br", dayOrder: .dayFirst),
        // Europe, Middle East, Africa, India
        .init(id: "A28R8C7NBKEWEA", countryCode: "IE", region: .europe, currency: .eur, timeZone: "Europe/Dublin",
              sellerCentralURL: "https://sellercentral.amazon.ie", dayOrder: .dayFirst),
        .init(id: "A1RKKUPIHCS9HS", countryCode: "ES", region: .europe, currency: .eur, timeZone: "Europe/Madrid",
              sellerCentralURL: "https://sellercentral-europe.amazon.com", dayOrder: .dayFirst),
        .init(id: "A1F83G8C2ARO7P", countryCode: "GB", region: .europe, currency: .gbp, timeZone: "Europe/London",
              sellerCentralURL: "https://sellercentral-europe.amazon.com", dayOrder: .dayFirst),
        .init(id: "A13V1IB3VIYZZH", countryCode: "FR", region: .europe, currency: .eur, timeZone: "Europe/Paris",
              sellerCentralURL: "https://sellercentral-europe.amazon.com", dayOrder: .dayFirst),
        .init(id: "AMEN7PMS3EDWL", countryCode: "BE", region: .europe, currency: .eur, timeZone: "Europe/Brussels",
              sellerCentralURL: "https://sellercentral.amazon.com.be", dayOrder: .dayFirst),
        .init(id: "A1805IZSGTT6HS", countryCode: "NL", region: .europe, currency: .eur, timeZone: "Europe/Amsterdam",
              sellerCentralURL: "https://sellercentral.amazon.nl", dayOrder: .dayFirst),
        .init(id: "A1PA6795UKMFR9", countryCode: "DE", region: .europe, currency: .eur, timeZone: "Europe/Berlin",
              sellerCentralURL: "https://sellercentral-europe.amazon.com", dayOrder: .dayFirst),
        .init(id: "APJ6JRA9NG5V4", countryCode: "IT", region: .europe, currency: .eur, timeZone: "Europe/Rome",
              sellerCentralURL: "https://sellercentral-europe.amazon.com", dayOrder: .dayFirst),
        .init(id: "A2NODRKZP88ZB9", countryCode: "SE", region: .europe, currency: .sek, timeZone: "Europe/Stockholm",
              sellerCentralURL: "https://sellercentral.amazon.se", dayOrder: .dayFirst),
        .init(id: "AE08WJ6YKNBMC", countryCode: "ZA", region: .europe, currency: .zar, timeZone: "Africa/Johannesburg",
              sellerCentralURL: "https://sellercentral.amazon.co.za", dayOrder: .dayFirst),
        .init(id: "A1C3SOZRARQ6R3", countryCode: "PL", region: .europe, currency: .pln, timeZone: "Europe/Warsaw",
              sellerCentralURL: "https://sellercentral.amazon.pl", dayOrder: .dayFirst),
        .init(id: "ARBP9OOSHTCHU", countryCode: "EG", region: .europe, currency: .egp, timeZone: "Africa/Cairo",
              sellerCentralURL: "https://sellercentral.amazon.eg", dayOrder: .dayFirst),
        .init(id: "A33AVAJ2PDY3EV", countryCode: "TR", region: .europe, currency: .turkishLira, timeZone: "Europe/Istanbul",
              sellerCentralURL: "https://sellercentral.amazon.com.tr", dayOrder: .dayFirst),
        .init(id: "A17E79C6D8DWNP", countryCode: "SA", region: .europe, currency: .sar, timeZone: "Asia/Riyadh",
              sellerCentralURL: "https://sellercentral.amazon.sa", dayOrder: .dayFirst),
        .init(id: "A2VIGQ35RCS4UG", countryCode: "AE", region: .europe, currency: .aed, timeZone: "Asia/Dubai",
              sellerCentralURL: "https://sellercentral.amazon.ae", dayOrder: .dayFirst),
        .init(id: "A21TJRUUN4KGV", countryCode: "IN", region: .europe, currency: .inr, timeZone: "Asia/Kolkata",
              sellerCentralURL: "https://sellercentral.amazon.in", dayOrder: .dayFirst),
        // Far East
        .init(id: "A19VAU5U5O7RUS", countryCode: "SG", region: .farEast, currency: .sgd, timeZone: "Asia/Singapore",
              sellerCentralURL: "https://sellercentral.amazon.sg", dayOrder: .dayFirst),
        .init(id: "A39IBJ37TRP1C6", countryCode: "AU", region: .farEast, currency: .aud, timeZone: "Australia/Sydney",
              sellerCentralURL: "https://sellercentral.amazon.com.au", dayOrder: .dayFirst),
        .init(id: "A1VC38T7YXB528", countryCode: "JP", region: .farEast, currency: .jpy, timeZone: "Asia/Tokyo",
              sellerCentralURL: "https://sellercentral.amazon.co.jp", dayOrder: .dayFirst),
    ]

    private static let byID: [String: AmazonMarketplace] = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0) })

    /// The marketplace with this id, if Amazon's table lists it.
    public static func withID(_ id: String) -> AmazonMarketplace? { byID[id] }

    /// The time zone a marketplace's days are counted in: its own, or UTC for an id Amazon's
    /// table lacks (a day must still be had for it).
    public static func timeZone(ofID id: String) -> String { byID[id]?.timeZone ?? "UTC" }

    /// The marketplace with this id.
    /// - Throws: `UnknownMarketplace` for an id Amazon's table lacks: never a guessed currency.
    public static func require(_ id: String) throws(UnknownMarketplace) -> AmazonMarketplace {
        guard let marketplace = byID[id] else { throw UnknownMarketplace(id: id) }
        return marketplace
    }

    /// The marketplace for an ISO country code (`UK` is accepted for `GB`).
    public static func forCountry(_ code: String) -> AmazonMarketplace? {
        let wanted = code.uppercased() == "UK" ? "GB" : code.uppercased()
        return all.first { $0.countryCode == wanted }
    }
}

/// A marketplace id that is not in Amazon's table.
public struct UnknownMarketplace: Error, Sendable, Equatable, CustomStringConvertible {
    public let id: String
    public init(id: String) { self.id = id }
    public var description: String { "'\(id)' is not an Amazon marketplace id (e.g. ATVPDKIKX0DER)" }
}
