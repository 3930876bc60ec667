// MARK: FBA Inventory v1 (fbaInventory.json)

public struct InventorySummary: Codable, Sendable {
    public struct Details: Codable, Sendable {
        public struct Researching: Codable, Sendable {
            public let totalResearchingQuantity: Int?
        }
        public struct Unfulfillable: Codable, Sendable {
            public let totalUnfulfillableQuantity: Int?
            public let customerDamagedQuantity: Int?
            public let warehouseDamagedQuantity: Int?
            public let distributorDamagedQuantity: Int?
            public let carrierDamagedQuantity: Int?
            public let defectiveQuantity: Int?
            public let expiredQuantity: Int?
        }
        public struct Reserved: Codable, Sendable {
            public let totalReservedQuantity: Int?
            public let pendingCustomerOrderQuantity: Int?
            public let pendingTransshipmentQuantity: Int?
            public let fcProcessingQuantity: Int?
        }
        public let fulfillableQuantity: Int?
        public let inboundWorkingQuantity: Int?
        public let inboundShippedQuantity: Int?
        public let inboundReceivingQuantity: Int?
        public let reservedQuantity: Reserved?
        public let researchingQuantity: Researching?
        public let unfulfillableQuantity: Unfulfillable?
    }
    public let asin: String?
    public let fnSku: String?
    public let sellerSku: String?
    public let condition: String?
    public let inventoryDetails: Details?
    public let lastUpdatedTime: String?
    public let productName: String?
    public let totalQuantity: Int?
}

public struct InventorySummariesPage: Codable, Sendable {
    public struct Granularity: Codable, Sendable {
        public let granularityType: String?
        public let granularityId: String?
    }
    public struct Result: Codable, Sendable {
        public let granularity: Granularity
        public let inventorySummaries: [InventorySummary]
    }
    public struct Pagination: Codable, Sendable {
        public let nextToken: String?
    }
    public let payload: Result?
    public let pagination: Pagination?
}

extension SellingPartnerAPI {
    /// One page of `getInventorySummaries` for a marketplace (token in `pagination.nextToken`).
    public func getInventorySummaries(marketplaceID: String, details: Bool = true, startDateTime: String? = nil,
                                      sellerSkus: [String] = [], nextToken: String? = nil) async throws -> InventorySummariesPage {
        var query: [(String, String)] = [("granularityType", "Marketplace"), ("granularityId", marketplaceID),
                                         ("marketplaceIds", marketplaceID), ("details", details ? "true" : "false")]
        if let startDateTime { query.append(("startDateTime", startDateTime)) }
        if !sellerSkus.isEmpty { query.append(("sellerSkus", sellerSkus.joined(separator: ","))) }
        if let nextToken { query.append(("nextToken", nextToken)) }
        return try await call(InventorySummariesPage.self, method: .GET, path: "/fba/inventory/v1/summaries", query: query,
                              operation: SPAPIOperations.fbaInventory("getInventorySummaries"))
    }

    /// Every page of inventory summaries.
    public func allInventorySummaries(marketplaceID: String, startDateTime: String? = nil) -> SPAPIPages<InventorySummariesPage> {
        pages(fetch: { try await getInventorySummaries(marketplaceID: marketplaceID, startDateTime: startDateTime, nextToken: $0) },
              nextToken: { $0.pagination?.nextToken })
    }
}
