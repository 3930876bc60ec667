// MARK: Listings Items 2021-08-01 and Catalog Items 2022-04-01.

public struct ListingsItem: Codable, Sendable {
    public struct Summary: Codable, Sendable {
        public let marketplaceId: String
        public let asin: String?
        public let productType: String
        public let conditionType: String?
        public let status: [String]
        public let fnSku: String?
        public let itemName: String?
        public let createdDate: String
        public let lastUpdatedDate: String
    }
    public struct Issue: Codable, Sendable {
        /// What Amazon did about an issue (`LISTING_SUPPRESSED`, `ATTRIBUTE_SUPPRESSED`,
        /// `CATALOG_ITEM_REMOVED`, `SEARCH_SUPPRESSED`) and whether the listing is exempt.
        public struct Enforcements: Codable, Sendable {
            public struct Action: Codable, Sendable {
                public let action: String
            }
            public struct Exemption: Codable, Sendable {
                public let status: String
                public let expiryDate: String?
            }
            public let actions: [Action]
            public let exemption: Exemption
        }
        public let code: String
        public let message: String
        /// `ERROR`, `WARNING` or `INFO`.
        public let severity: String
        public let attributeNames: [String]?
        public let categories: [String]
        public let enforcements: Enforcements?
    }
    /// `ItemOfferByMarketplace`; the price's amount is a decimal string.
    public struct Offer: Codable, Sendable {
        public struct Price: Codable, Sendable {
            public let currencyCode: String
            public let amount: String
        }
        public let marketplaceId: String
        public let offerType: String
        public let price: Price
    }
    public struct FulfillmentAvailability: Codable, Sendable {
        public let fulfillmentChannelCode: String
        public let quantity: Int?
    }
    public let sku: String
    public let summaries: [Summary]?
    public let attributes: [String: JSONValue]?
    public let issues: [Issue]?
    public let offers: [Offer]?
    public let fulfillmentAvailability: [FulfillmentAvailability]?
}

public struct ListingsItemPutRequest: Codable, Sendable {
    public var productType: String
    public var requirements: String?
    public var attributes: [String: JSONValue]

    public init(productType: String, requirements: String? = nil, attributes: [String: JSONValue]) {
        self.productType = productType
        self.requirements = requirements
        self.attributes = attributes
    }
}

public struct ListingsPatchOperation: Codable, Sendable {
    public var op: String
    public var path: String
    public var value: [JSONValue]?

    public init(op: String, path: String, value: [JSONValue]?) {
        self.op = op
        self.path = path
        self.value = value
    }
}

public struct ListingsItemPatchRequest: Codable, Sendable {
    public var productType: String
    public var patches: [ListingsPatchOperation]

    public init(productType: String, patches: [ListingsPatchOperation]) {
        self.productType = productType
        self.patches = patches
    }
}

public struct ListingsItemSubmissionResponse: Codable, Sendable {
    public let sku: String
    /// `ACCEPTED`, `INVALID` or `VALID` (preview).
    public let status: String
    public let submissionId: String
    public let issues: [ListingsItem.Issue]?
}

public struct ListingsSearchResults: Codable, Sendable {
    public struct Pagination: Codable, Sendable {
        public let nextToken: String?
        public let previousToken: String?
    }
    public let numberOfResults: Int
    public let pagination: Pagination?
    public let items: [ListingsItem]
}

public struct CatalogItem: Codable, Sendable {
    public struct SummaryByMarketplace: Codable, Sendable {
        public let marketplaceId: String
        public let brand: String?
        public let itemName: String?
        public let manufacturer: String?
        public let modelNumber: String?
    }
    public struct DimensionsByMarketplace: Codable, Sendable {
        public struct Dimension: Codable, Sendable {
            public let unit: String?
            public let value: Double?
        }
        public struct Dimensions: Codable, Sendable {
            public let height: Dimension?
            public let length: Dimension?
            public let weight: Dimension?
            public let width: Dimension?
        }
        public let marketplaceId: String
        public let item: Dimensions?
        public let package: Dimensions?
    }
    public struct IdentifiersByMarketplace: Codable, Sendable {
        public struct Identifier: Codable, Sendable {
            public let identifierType: String
            public let identifier: String
        }
        public let marketplaceId: String
        public let identifiers: [Identifier]
    }
    public let asin: String
    public let summaries: [SummaryByMarketplace]?
    public let dimensions: [DimensionsByMarketplace]?
    public let identifiers: [IdentifiersByMarketplace]?
    public let attributes: [String: JSONValue]?
}

public struct CatalogSearchResults: Codable, Sendable {
    public struct Pagination: Codable, Sendable {
        public let nextToken: String?
        public let previousToken: String?
    }
    public let numberOfResults: Int
    public let pagination: Pagination?
    public let items: [CatalogItem]
}

extension SellingPartnerAPI {
    /// Submissions ask for their issues (the model's default) and, in a preview, validation only.
    private func submissionQuery(_ marketplaceIDs: [String], preview: Bool) -> [(String, String)] {
        var query = [("marketplaceIds", marketplaceIDs.joined(separator: ",")), ("includedData", "issues")]
        if preview { query.append(("mode", "VALIDATION_PREVIEW")) }
        return query
    }

    private func listingPath(_ sellerID: String, _ sku: String) -> String {
        "/listings/2021-08-01/items/\(SPAPIPath.encode(sellerID))/\(SPAPIPath.encode(sku))"
    }

    public func getListingsItem(sellerID: String, sku: String, marketplaceIDs: [String],
                                includedData: [String] = ["summaries", "attributes", "issues", "offers", "fulfillmentAvailability"]) async throws -> ListingsItem {
        try await call(ListingsItem.self, method: .GET, path: listingPath(sellerID, sku),
                       query: [("marketplaceIds", marketplaceIDs.joined(separator: ",")), ("includedData", includedData.joined(separator: ","))],
                       operation: SPAPIOperations.listings("getListingsItem"))
    }

    /// - Parameter preview: `mode=VALIDATION_PREVIEW`: Amazon validates and changes nothing.
    public func putListingsItem(sellerID: String, sku: String, marketplaceIDs: [String],
                                _ request: ListingsItemPutRequest, preview: Bool = false) async throws -> ListingsItemSubmissionResponse {
        try await call(ListingsItemSubmissionResponse.self, method: .PUT, path: listingPath(sellerID, sku),
                       query: submissionQuery(marketplaceIDs, preview: preview), body: request,
                       operation: SPAPIOperations.listings("putListingsItem"))
    }

    public func patchListingsItem(sellerID: String, sku: String, marketplaceIDs: [String],
                                  _ request: ListingsItemPatchRequest, preview: Bool = false) async throws -> ListingsItemSubmissionResponse {
        try await call(ListingsItemSubmissionResponse.self, method: .PATCH, path: listingPath(sellerID, sku),
                       query: submissionQuery(marketplaceIDs, preview: preview), body: request,
                       operation: SPAPIOperations.listings("patchListingsItem"))
    }

    public func deleteListingsItem(sellerID: String, sku: String, marketplaceIDs: [String]) async throws -> ListingsItemSubmissionResponse {
        try await call(ListingsItemSubmissionResponse.self, method: .DELETE, path: listingPath(sellerID, sku),
                       query: [("marketplaceIds", marketplaceIDs.joined(separator: ","))],
                       operation: SPAPIOperations.listings("deleteListingsItem"))
    }

    /// One page of the seller's listings (`pageToken` in, `pagination.nextToken` out).
    public func searchListingsItems(sellerID: String, marketplaceIDs: [String], pageSize: Int = 20,
                                    includedData: [String] = ["summaries"], identifiers: [String] = [], identifiersType: String? = nil,
                                    pageToken: String? = nil) async throws -> ListingsSearchResults {
        var query: [(String, String)] = [("marketplaceIds", marketplaceIDs.joined(separator: ",")), ("pageSize", String(pageSize)),
                                         ("includedData", includedData.joined(separator: ","))]
        if !identifiers.isEmpty { query.append(("identifiers", identifiers.joined(separator: ","))) }
        if let identifiersType { query.append(("identifiersType", identifiersType)) }
        if let pageToken { query.append(("pageToken", pageToken)) }
        return try await call(ListingsSearchResults.self, method: .GET,
                              path: "/listings/2021-08-01/items/\(SPAPIPath.encode(sellerID))", query: query,
                              operation: SPAPIOperations.listings("searchListingsItems"))
    }

    public func allListingsItems(sellerID: String, marketplaceIDs: [String]) -> SPAPIPages<ListingsSearchResults> {
        pages(fetch: { try await searchListingsItems(sellerID: sellerID, marketplaceIDs: marketplaceIDs, pageToken: $0) },
              nextToken: { $0.pagination?.nextToken })
    }

    public func getCatalogItem(asin: String, marketplaceIDs: [String],
                               includedData: [String] = ["summaries", "dimensions"]) async throws -> CatalogItem {
        try await call(CatalogItem.self, method: .GET, path: "/catalog/2022-04-01/items/\(SPAPIPath.encode(asin))",
                       query: [("marketplaceIds", marketplaceIDs.joined(separator: ",")), ("includedData", includedData.joined(separator: ","))],
                       operation: SPAPIOperations.catalog("getCatalogItem"))
    }

    /// One page of catalog search by identifiers (e.g. ASIN, EAN) or keywords.
    public func searchCatalogItems(marketplaceIDs: [String], identifiers: [String] = [], identifiersType: String? = nil,
                                   keywords: [String] = [], sellerID: String? = nil, pageToken: String? = nil) async throws -> CatalogSearchResults {
        var query: [(String, String)] = [("marketplaceIds", marketplaceIDs.joined(separator: ",")), ("includedData", "summaries")]
        if !identifiers.isEmpty { query.append(("identifiers", identifiers.joined(separator: ","))) }
        if let identifiersType { query.append(("identifiersType", identifiersType)) }
        if !keywords.isEmpty { query.append(("keywords", keywords.joined(separator: ","))) }
        if let sellerID { query.append(("sellerId", sellerID)) }
        if let pageToken { query.append(("pageToken", pageToken)) }
        return try await call(CatalogSearchResults.self, method: .GET, path: "/catalog/2022-04-01/items", query: query,
                              operation: SPAPIOperations.catalog("searchCatalogItems"))
    }
}
