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
