// MARK: Sellers v1 (sellers.json)

public struct MarketplaceParticipation: Codable, Sendable {
    public struct Marketplace: Codable, Sendable {
        public let id: String
        public let name: String
        public let countryCode: String
        public let defaultCurrencyCode: String
        public let defaultLanguageCode: String
        public let domainName: String
    }
    public struct Participation: Codable, Sendable {
        public let isParticipating: Bool
        public let hasSuspendedListings: Bool
    }
    public let marketplace: Marketplace
    public let participation: Participation
    public let storeName: String
}

extension SellingPartnerAPI {
    /// The marketplaces the seller can sell in (Sellers `getMarketplaceParticipations`).
    public func getMarketplaceParticipations() async throws -> [MarketplaceParticipation] {
        try await call(SPAPIPayloadResponse<[MarketplaceParticipation]>.self, method: .GET,
                       path: "/sellers/v1/marketplaceParticipations",
                       operation: SPAPIOperations.sellers("getMarketplaceParticipations")).payload
    }
}
