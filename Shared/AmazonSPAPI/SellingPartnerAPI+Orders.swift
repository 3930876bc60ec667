import Foundation
import OpsideCore

// MARK: Orders v0 (ordersV0.json)

public struct OrderMoney: Codable, Sendable, Equatable {
    public let CurrencyCode: String?
    public let Amount: String?

    /// As `Money`; nil when a part is absent. Orders write `Amount` as decimal text to the
    /// currency's digits, so a finer amount is an error, not a rounding.
    /// - Throws: `MoneyError` for an unknown currency or an amount that is not decimal text.
    public func money() throws(MoneyError) -> Money? {
        guard let CurrencyCode, let Amount else { return nil }
        return try Money(parsing: Amount, currencyCode: CurrencyCode)
    }
}

public struct Order: Codable, Sendable {
    public let AmazonOrderId: String
    public let SellerOrderId: String?
    public let PurchaseDate: String
    public let LastUpdateDate: String
    public let OrderStatus: String
    public let FulfillmentChannel: String?
    public let SalesChannel: String?
    public let OrderTotal: OrderMoney?
    public let NumberOfItemsShipped: Int?
    public let NumberOfItemsUnshipped: Int?
    public let MarketplaceId: String?
    public let OrderType: String?
    public let IsReplacementOrder: Bool?
    public let ReplacedOrderId: String?
    public let IsBusinessOrder: Bool?
    public let IsPrime: Bool?
}

public struct OrdersPage: Codable, Sendable {
    public let Orders: [Order]
    public let NextToken: String?
    public let LastUpdatedBefore: String?
    public let CreatedBefore: String?
}

public struct OrderItem: Codable, Sendable {
    public let ASIN: String
    public let SellerSKU: String?
    public let OrderItemId: String
    public let Title: String?
    public let QuantityOrdered: Int
    public let QuantityShipped: Int?
    public let ItemPrice: OrderMoney?
    public let ItemTax: OrderMoney?
    public let PromotionDiscount: OrderMoney?
    public let ConditionId: String?
}

public struct OrderItemsPage: Codable, Sendable {
    public let OrderItems: [OrderItem]
    public let NextToken: String?
    public let AmazonOrderId: String
}

/// Filters for `getOrders`; Amazon requires `CreatedAfter` or `LastUpdatedAfter`.
public struct OrdersQuery: Sendable {
    public var marketplaceIDs: [String]
    public var createdAfter: String?
    public var createdBefore: String?
    public var lastUpdatedAfter: String?
    public var lastUpdatedBefore: String?
    public var orderStatuses: [String]
    public var fulfillmentChannels: [String]
    public var maxResultsPerPage: Int?

    public init(marketplaceIDs: [String], createdAfter: String? = nil, createdBefore: String? = nil,
                lastUpdatedAfter: String? = nil, lastUpdatedBefore: String? = nil, orderStatuses: [String] = [],
                fulfillmentChannels: [String] = [], maxResultsPerPage: Int? = nil) {
        self.marketplaceIDs = marketplaceIDs
        self.createdAfter = createdAfter
        self.createdBefore = createdBefore
        self.lastUpdatedAfter = lastUpdatedAfter
        self.lastUpdatedBefore = lastUpdatedBefore
        self.orderStatuses = orderStatuses
        self.fulfillmentChannels = fulfillmentChannels
        self.maxResultsPerPage = maxResultsPerPage
    }

    var parameters: [(String, String)] {
        var query: [(String, String)] = [("MarketplaceIds", marketplaceIDs.joined(separator: ","))]
        if let createdAfter { query.append(("CreatedAfter", createdAfter)) }
        if let createdBefore { query.append(("CreatedBefore", createdBefore)) }
        if let lastUpdatedAfter { query.append(("LastUpdatedAfter", lastUpdatedAfter)) }
        if let lastUpdatedBefore { query.append(("LastUpdatedBefore", lastUpdatedBefore)) }
        if !orderStatuses.isEmpty { query.append(("OrderStatuses", orderStatuses.joined(separator: ","))) }
        if !fulfillmentChannels.isEmpty { query.append(("FulfillmentChannels", fulfillmentChannels.joined(separator: ","))) }
        if let maxResultsPerPage { query.append(("MaxResultsPerPage", String(maxResultsPerPage))) }
        return query
    }
}

extension SellingPartnerAPI {
    /// One page of `getOrders`. Follow-up pages send `NextToken` with the same filters.
    public func getOrders(_ query: OrdersQuery, nextToken: String? = nil) async throws -> OrdersPage {
        var parameters = query.parameters
        if let nextToken { parameters.append(("NextToken", nextToken)) }
        return try await call(SPAPIPayloadResponse<OrdersPage>.self, method: .GET, path: "/orders/v0/orders",
                              query: parameters, operation: SPAPIOperations.ordersV0("getOrders")).payload
    }

    /// Every page of `getOrders` (token in `payload.NextToken`).
    public func allOrders(_ query: OrdersQuery) -> SPAPIPages<OrdersPage> {
        pages(fetch: { try await getOrders(query, nextToken: $0) }, nextToken: { $0.NextToken })
    }

    /// One page of an order's items.
    public func getOrderItems(orderID: String, nextToken: String? = nil) async throws -> OrderItemsPage {
        try await call(SPAPIPayloadResponse<OrderItemsPage>.self, method: .GET,
                       path: "/orders/v0/orders/\(SPAPIPath.encode(orderID))/orderItems",
                       query: nextToken.map { [("NextToken", $0)] } ?? [],
                       operation: SPAPIOperations.ordersV0("getOrderItems")).payload
    }

    /// Every page of an order's items.
    public func allOrderItems(orderID: String) -> SPAPIPages<OrderItemsPage> {
        pages(fetch: { try await getOrderItems(orderID: orderID, nextToken: $0) }, nextToken: { $0.NextToken })
    }
}
