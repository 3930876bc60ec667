import Foundation
import OpsideCore

// MARK: Fulfillment Inbound v0 (fulfillmentInboundV0.json): shipped vs received quantities.

public struct InboundShipmentAddress: Codable, Sendable {
    public let Name: String
    public let AddressLine1: String
    public let AddressLine2: String?
    public let City: String
    public let StateOrProvinceCode: String
    public let CountryCode: String
    public let PostalCode: String
}

public struct InboundShipmentInfo: Codable, Sendable {
    public let ShipmentId: String?
    public let ShipmentName: String?
    public let ShipFromAddress: InboundShipmentAddress
    public let DestinationFulfillmentCenterId: String?
    public let ShipmentStatus: String?
    public let LabelPrepType: String?
    public let AreCasesRequired: Bool
    public let ConfirmedNeedByDate: String?
    public let BoxContentsSource: String?
}

public struct InboundShipmentsPage: Codable, Sendable {
    public let ShipmentData: [InboundShipmentInfo]?
    public let NextToken: String?
}

public struct InboundShipmentItem: Codable, Sendable {
    public let ShipmentId: String?
    public let SellerSKU: String
    public let FulfillmentNetworkSKU: String?
    public let QuantityShipped: Int
    public let QuantityReceived: Int?
    public let QuantityInCase: Int?
    public let ReleaseDate: String?
}

public struct InboundShipmentItemsPage: Codable, Sendable {
    public let ItemData: [InboundShipmentItem]?
    public let NextToken: String?
}

extension SellingPartnerAPI {
    /// One page of `getShipments`. The first call filters by status or ids (`QueryType` SHIPMENT)
    /// or by update date (DATE_RANGE); follow-ups send `QueryType=NEXT_TOKEN`.
    public func getInboundShipments(marketplaceID: String, statuses: [String] = [], shipmentIDs: [String] = [],
                                    lastUpdatedAfter: String? = nil, lastUpdatedBefore: String? = nil,
                                    nextToken: String? = nil) async throws -> InboundShipmentsPage {
        var query: [(String, String)] = [("MarketplaceId", marketplaceID)]
        if let nextToken {
            query += [("QueryType", "NEXT_TOKEN"), ("NextToken", nextToken)]
        } else if lastUpdatedAfter != nil || lastUpdatedBefore != nil {
            query.append(("QueryType", "DATE_RANGE"))
            if let lastUpdatedAfter { query.append(("LastUpdatedAfter", lastUpdatedAfter)) }
            if let lastUpdatedBefore { query.append(("LastUpdatedBefore", lastUpdatedBefore)) }
            // Amazon refuses a date range without a status or id list ("At least one of
            // ShipmentStatusList and ShipmentIdList must be provided", docs/amazon-reports-backfill.md
            // §5), so "changed since" with no status named means every status.
            let named = statuses.isEmpty && shipmentIDs.isEmpty ? Self.inboundShipmentStatuses : statuses
            if !named.isEmpty { query.append(("ShipmentStatusList", named.joined(separator: ","))) }
            if !shipmentIDs.isEmpty { query.append(("ShipmentIdList", shipmentIDs.joined(separator: ","))) }
        } else {
            query.append(("QueryType", "SHIPMENT"))
            if !statuses.isEmpty { query.append(("ShipmentStatusList", statuses.joined(separator: ","))) }
            if !shipmentIDs.isEmpty { query.append(("ShipmentIdList", shipmentIDs.joined(separator: ","))) }
        }
        return try await call(SPAPIPayloadResponse<InboundShipmentsPage>.self, method: .GET, path: "/fba/inbound/v0/shipments",
                              query: query, operation: SPAPIOperations.inboundV0("getShipments")).payload
    }

    /// Every page of inbound shipments.
    public func allInboundShipments(marketplaceID: String, statuses: [String] = [], lastUpdatedAfter: String? = nil,
                                    lastUpdatedBefore: String? = nil) -> SPAPIPages<InboundShipmentsPage> {
        pages(fetch: {
            try await getInboundShipments(marketplaceID: marketplaceID, statuses: statuses, lastUpdatedAfter: lastUpdatedAfter,
                                          lastUpdatedBefore: lastUpdatedBefore, nextToken: $0)
        }, nextToken: { $0.NextToken })
    }

    /// Every status `ShipmentStatusList` takes (the v0 model's enum of that parameter).
    public static let inboundShipmentStatuses = ["WORKING", "READY_TO_SHIP", "SHIPPED", "RECEIVING", "CANCELLED", "DELETED", "CLOSED",
                                                 "ERROR", "IN_TRANSIT", "DELIVERED", "CHECKED_IN"]

    /// One page of `getShipmentItems`: the items of every shipment updated between the two
    /// instants (Amazon wants both), each naming its `ShipmentId`; follow-ups send
    /// `QueryType=NEXT_TOKEN`. One call brings a page of many shipments' items, where
    /// `getShipmentItemsByShipmentId` brings one shipment's.
    public func getInboundShipmentItems(marketplaceID: String, lastUpdatedAfter: String, lastUpdatedBefore: String,
                                        nextToken: String? = nil) async throws -> InboundShipmentItemsPage {
        var query: [(String, String)] = [("MarketplaceId", marketplaceID)]
        if let nextToken {
            query += [("QueryType", "NEXT_TOKEN"), ("NextToken", nextToken)]
        } else {
            query += [("QueryType", "DATE_RANGE"), ("LastUpdatedAfter", lastUpdatedAfter), ("LastUpdatedBefore", lastUpdatedBefore)]
        }
        return try await call(SPAPIPayloadResponse<InboundShipmentItemsPage>.self, method: .GET, path: "/fba/inbound/v0/shipmentItems",
                              query: query, operation: SPAPIOperations.inboundV0("getShipmentItems")).payload
    }

    /// Every page of the items updated between the two instants.
    public func allInboundShipmentItems(marketplaceID: String, lastUpdatedAfter: String,
                                        lastUpdatedBefore: String) -> SPAPIPages<InboundShipmentItemsPage> {
        pages(fetch: {
            try await getInboundShipmentItems(marketplaceID: marketplaceID, lastUpdatedAfter: lastUpdatedAfter,
                                              lastUpdatedBefore: lastUpdatedBefore, nextToken: $0)
        }, nextToken: { $0.NextToken })
    }

    /// The items of one shipment with `QuantityShipped` and `QuantityReceived`.
    public func getInboundShipmentItems(shipmentID: String, marketplaceID: String? = nil) async throws -> InboundShipmentItemsPage {
        try await call(SPAPIPayloadResponse<InboundShipmentItemsPage>.self, method: .GET,
                       path: "/fba/inbound/v0/shipments/\(SPAPIPath.encode(shipmentID))/items",
                       query: marketplaceID.map { [("MarketplaceId", $0)] } ?? [],
                       operation: SPAPIOperations.inboundV0("getShipmentItemsByShipmentId")).payload
    }
}

// MARK: Fulfillment Inbound 2024-03-20 (fulfillmentInbound_2024-03-20.json): the inbound plan workflow.

public struct InboundAddress: Codable, Sendable, Equatable {
    public var addressLine1: String
    public var addressLine2: String?
    public var city: String
    public var companyName: String?
    public var countryCode: String
    public var email: String?
    public var name: String
    public var phoneNumber: String?
    public var postalCode: String
    public var stateOrProvinceCode: String?

    public init(name: String, addressLine1: String, addressLine2: String? = nil, city: String, stateOrProvinceCode: String?,
                postalCode: String, countryCode: String, phoneNumber: String?, companyName: String? = nil, email: String? = nil) {
        self.name = name
        self.addressLine1 = addressLine1
        self.addressLine2 = addressLine2
        self.city = city
        self.stateOrProvinceCode = stateOrProvinceCode
        self.postalCode = postalCode
        self.countryCode = countryCode
        self.phoneNumber = phoneNumber
        self.companyName = companyName
        self.email = email
    }
}

public struct InboundPlanItemInput: Codable, Sendable {
    public var msku: String
    public var quantity: Int
    public var labelOwner: String
    public var prepOwner: String
    public var expiration: String?
    public var manufacturingLotCode: String?

    public init(msku: String, quantity: Int, labelOwner: String = "SELLER", prepOwner: String = "SELLER",
                expiration: String? = nil, manufacturingLotCode: String? = nil) {
        self.msku = msku
        self.quantity = quantity
        self.labelOwner = labelOwner
        self.prepOwner = prepOwner
        self.expiration = expiration
        self.manufacturingLotCode = manufacturingLotCode
    }
}

public struct CreateInboundPlanRequest: Codable, Sendable {
    public var destinationMarketplaces: [String]
    public var items: [InboundPlanItemInput]
    public var name: String?
    public var sourceAddress: InboundAddress

    public init(destinationMarketplaces: [String], items: [InboundPlanItemInput], name: String?, sourceAddress: InboundAddress) {
        self.destinationMarketplaces = destinationMarketplaces
        self.items = items
        self.name = name
        self.sourceAddress = sourceAddress
    }
}

public struct CreateInboundPlanResponse: Codable, Sendable {
    public let inboundPlanId: String
    public let operationId: String
}

public struct InboundOperationStatus: Codable, Sendable {
    public struct Problem: Codable, Sendable {
        public let code: String
        public let details: String?
        public let message: String
        public let severity: String
    }
    public let operation: String
    public let operationId: String
    public let operationProblems: [Problem]
    /// `SUCCESS`, `FAILED` or `IN_PROGRESS`.
    public let operationStatus: String
}

public struct InboundPagination: Codable, Sendable {
    public let nextToken: String?
}

public struct InboundPlanSummary: Codable, Sendable {
    public let createdAt: String
    public let inboundPlanId: String
    public let lastUpdatedAt: String
    public let marketplaceIds: [String]
    public let name: String
    public let sourceAddress: InboundAddress
    public let status: String
}

public struct ListInboundPlansResponse: Codable, Sendable {
    public let inboundPlans: [InboundPlanSummary]?
    public let pagination: InboundPagination?
}

public struct InboundPlan: Codable, Sendable {
    public struct OptionSummary: Codable, Sendable {
        public let packingOptionId: String?
        public let placementOptionId: String?
        public let status: String
    }
    public struct ShipmentSummary: Codable, Sendable {
        public let shipmentId: String
        public let status: String
    }
    public let createdAt: String
    public let inboundPlanId: String
    public let lastUpdatedAt: String
    public let marketplaceIds: [String]
    public let name: String
    public let packingOptions: [OptionSummary]?
    public let placementOptions: [OptionSummary]?
    public let shipments: [ShipmentSummary]?
    public let sourceAddress: InboundAddress
    public let status: String
}

public struct InboundPlanItem: Codable, Sendable {
    public struct PrepInstruction: Codable, Sendable {
        /// The model's `Currency` (`InboundCurrency`).
        public typealias Fee = InboundCurrency
        public let fee: Fee?
        public let prepOwner: String?
        public let prepType: String?
    }
    public let asin: String
    public let expiration: String?
    public let fnsku: String
    public let labelOwner: String
    public let manufacturingLotCode: String?
    public let msku: String
    public let prepInstructions: [PrepInstruction]
    public let quantity: Int
}

public struct ListInboundPlanItemsResponse: Codable, Sendable {
    public let items: [InboundPlanItem]
    public let pagination: InboundPagination?
}

extension SellingPartnerAPI {
    /// Starts a plan; Amazon answers at once with an operation to poll.
    public func createInboundPlan(_ request: CreateInboundPlanRequest) async throws -> CreateInboundPlanResponse {
        try await call(CreateInboundPlanResponse.self, method: .POST, path: "/inbound/fba/2024-03-20/inboundPlans", body: request,
                       operation: SPAPIOperations.inbound2024("createInboundPlan"))
    }

    public func getInboundOperationStatus(operationID: String) async throws -> InboundOperationStatus {
        try await call(InboundOperationStatus.self, method: .GET,
                       path: "/inbound/fba/2024-03-20/operations/\(SPAPIPath.encode(operationID))",
                       operation: SPAPIOperations.inbound2024("getInboundOperationStatus"))
    }

    /// Polls an asynchronous inbound operation until it is no longer `IN_PROGRESS`.
    /// Pauses and the timeout run on the client's clock.
    public func waitForInboundOperation(operationID: String, interval: Duration = .seconds(1),
                                        timeout: Duration = .seconds(300)) async throws -> InboundOperationStatus {
        try await pollInboundOperation(operationID: operationID, interval: interval, timeout: timeout, clock: client.clock)
    }

    private func pollInboundOperation(operationID: String, interval: Duration, timeout: Duration,
                                      clock: some Clock<Duration>) async throws -> InboundOperationStatus {
        let deadline = clock.now.advanced(by: timeout)
        var pause = interval
        while true {
            let status = try await getInboundOperationStatus(operationID: operationID)
            if status.operationStatus != "IN_PROGRESS" || clock.now > deadline { return status }
            try await clock.sleep(for: pause)
            pause = min(pause * 2, .seconds(30))
        }
    }

    public func listInboundPlans(status: String? = nil, pageSize: Int? = nil, paginationToken: String? = nil) async throws -> ListInboundPlansResponse {
        var query: [(String, String)] = []
        if let status { query.append(("status", status)) }
        if let pageSize { query.append(("pageSize", String(pageSize))) }
        if let paginationToken { query.append(("paginationToken", paginationToken)) }
        return try await call(ListInboundPlansResponse.self, method: .GET, path: "/inbound/fba/2024-03-20/inboundPlans",
                              query: query, operation: SPAPIOperations.inbound2024("listInboundPlans"))
    }

    /// Every page of inbound plans (token in `pagination.nextToken`, sent back as `paginationToken`).
    public func allInboundPlans(status: String? = nil) -> SPAPIPages<ListInboundPlansResponse> {
        pages(fetch: { try await listInboundPlans(status: status, paginationToken: $0) }, nextToken: { $0.pagination?.nextToken })
    }

    public func getInboundPlan(inboundPlanID: String) async throws -> InboundPlan {
        try await call(InboundPlan.self, method: .GET, path: "/inbound/fba/2024-03-20/inboundPlans/\(SPAPIPath.encode(inboundPlanID))",
                       operation: SPAPIOperations.inbound2024("getInboundPlan"))
    }

    public func listInboundPlanItems(inboundPlanID: String, pageSize: Int? = nil, paginationToken: String? = nil) async throws -> ListInboundPlanItemsResponse {
        var query: [(String, String)] = []
        if let pageSize { query.append(("pageSize", String(pageSize))) }
        if let paginationToken { query.append(("paginationToken", paginationToken)) }
        return try await call(ListInboundPlanItemsResponse.self, method: .GET,
                              path: "/inbound/fba/2024-03-20/inboundPlans/\(SPAPIPath.encode(inboundPlanID))/items",
                              query: query, operation: SPAPIOperations.inbound2024("listInboundPlanItems"))
    }

    /// Every page of a plan's items.
    public func allInboundPlanItems(inboundPlanID: String) -> SPAPIPages<ListInboundPlanItemsResponse> {
        pages(fetch: { try await listInboundPlanItems(inboundPlanID: inboundPlanID, paginationToken: $0) },
              nextToken: { $0.pagination?.nextToken })
    }
}
