import Foundation

// MARK: Product Pricing v0 (productPricingV0.json)

/// Pricing v0's `MoneyType` has the Product Fees shape (`CurrencyCode`, `Amount` as a number).
public typealias PricingMoney = FeesMoney

/// `PriceType`: what a buyer pays for an offer.
public struct PricingPrice: Codable, Sendable {
    public let LandedPrice: PricingMoney?
    public let ListingPrice: PricingMoney
    public let Shipping: PricingMoney?
}

/// One entry of `getPricing` / `getCompetitivePricing`'s payload (`Price`): the item asked for,
/// `status` `Success` or `ClientError` (an identifier Amazon does not know).
public struct ProductPricing: Codable, Sendable {
    public struct Identifiers: Codable, Sendable {
        public struct ASINIdentifier: Codable, Sendable {
            public let MarketplaceId: String
            public let ASIN: String
        }
        public struct SKUIdentifier: Codable, Sendable {
            public let MarketplaceId: String
            public let SellerId: String
            public let SellerSKU: String
        }
        public let MarketplaceASIN: ASINIdentifier
        public let SKUIdentifier: SKUIdentifier?
    }
    /// `CompetitivePriceType`: a price Amazon compares offers by (`CompetitivePriceId` 1 is the
    /// new Buy Box price, 2 the used one).
    public struct CompetitivePrice: Codable, Sendable {
        public let CompetitivePriceId: String
        public let Price: PricingPrice
        public let condition: String?
        public let belongsToRequester: Bool?
    }
    public struct OfferListingCount: Codable, Sendable {
        public let Count: Int
        public let condition: String
    }
    public struct CompetitivePricing: Codable, Sendable {
        public let CompetitivePrices: [CompetitivePrice]
        public let NumberOfOfferListings: [OfferListingCount]
    }
    public struct SalesRank: Codable, Sendable {
        public let ProductCategoryId: String
        public let Rank: Int
    }
    /// `OfferType`: the caller's own offer on the item.
    public struct Offer: Codable, Sendable {
        public let BuyingPrice: PricingPrice
        public let RegularPrice: PricingMoney
        public let FulfillmentChannel: String
        public let ItemCondition: String
        public let ItemSubCondition: String
        public let SellerSKU: String
    }
    public struct Product: Codable, Sendable {
        public let Identifiers: Identifiers
        public let CompetitivePricing: CompetitivePricing?
        public let SalesRankings: [SalesRank]?
        public let Offers: [Offer]?
    }
    public let status: String
    public let SellerSKU: String?
    public let ASIN: String?
    public let Product: Product?
}

/// `GetOffersResult`: the offers on one item (`getItemOffers`), lowest first as Amazon lists them.
public struct ItemOffers: Codable, Sendable {
    public struct LowestPrice: Codable, Sendable {
        public let condition: String
        public let fulfillmentChannel: String
        public let LandedPrice: PricingMoney?
        public let ListingPrice: PricingMoney
        public let Shipping: PricingMoney?
    }
    public struct BuyBoxPrice: Codable, Sendable {
        public let condition: String
        public let LandedPrice: PricingMoney
        public let ListingPrice: PricingMoney
        public let Shipping: PricingMoney
        public let sellerId: String?
    }
    public struct OfferCount: Codable, Sendable {
        public let condition: String?
        public let fulfillmentChannel: String?
        public let OfferCount: Int?
    }
    public struct Summary: Codable, Sendable {
        public let TotalOfferCount: Int
        public let NumberOfOffers: [OfferCount]?
        public let LowestPrices: [LowestPrice]?
        public let BuyBoxPrices: [BuyBoxPrice]?
        public let ListPrice: PricingMoney?
    }
    public struct Offer: Codable, Sendable {
        public let MyOffer: Bool?
        public let SellerId: String?
        public let SubCondition: String
        public let ListingPrice: PricingMoney
        public let Shipping: PricingMoney
        public let IsFulfilledByAmazon: Bool
        public let IsBuyBoxWinner: Bool?
    }
    public let marketplaceId: String
    public let ASIN: String?
    public let SKU: String?
    public let ItemCondition: String
    public let status: String
    public let Summary: Summary
    public let Offers: [Offer]
}

extension SellingPartnerAPI {
    /// The caller's own offers on up to 20 items, by ASIN (`itemType` `Asin`) or SKU (`Sku`).
    public func getPricing(marketplaceID: String, asins: [String] = [], skus: [String] = []) async throws -> [ProductPricing] {
        try await call(SPAPIPayloadResponse<[ProductPricing]>.self, method: .GET, path: "/products/pricing/v0/price",
                       query: Self.pricingQuery(marketplaceID: marketplaceID, asins: asins, skus: skus),
                       operation: SPAPIOperations.pricing("getPricing")).payload
    }

    /// The competitive prices (Buy Box) and offer counts of up to 20 items.
    public func getCompetitivePricing(marketplaceID: String, asins: [String] = [], skus: [String] = []) async throws -> [ProductPricing] {
        try await call(SPAPIPayloadResponse<[ProductPricing]>.self, method: .GET, path: "/products/pricing/v0/competitivePrice",
                       query: Self.pricingQuery(marketplaceID: marketplaceID, asins: asins, skus: skus),
                       operation: SPAPIOperations.pricing("getCompetitivePricing")).payload
    }

    /// Every seller's offers on an ASIN in one condition (`New`, `Used`, …), with the Buy Box.
    public func getItemOffers(asin: String, marketplaceID: String, itemCondition: String = "New") async throws -> ItemOffers {
        try await call(SPAPIPayloadResponse<ItemOffers>.self, method: .GET,
                       path: "/products/pricing/v0/items/\(SPAPIPath.encode(asin))/offers",
                       query: [("MarketplaceId", marketplaceID), ("ItemCondition", itemCondition)],
                       operation: SPAPIOperations.pricing("getItemOffers")).payload
    }

    /// Exactly one of `asins` and `skus`, as the model's `ItemType` says which.
    static func pricingQuery(marketplaceID: String, asins: [String], skus: [String]) -> [(String, String)] {
        var query = [("MarketplaceId", marketplaceID)]
        if skus.isEmpty {
            query += [("Asins", asins.joined(separator: ",")), ("ItemType", "Asin")]
        } else {
            query += [("Skus", skus.joined(separator: ",")), ("ItemType", "Sku")]
        }
        return query
    }
}
