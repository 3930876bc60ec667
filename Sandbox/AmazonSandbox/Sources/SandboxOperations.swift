import Foundation
import Hummingbird

/// Orders v0 over a seller history.
enum SandboxOrders {
    /// Every sandbox order has shipped from Amazon's warehouses, through one sales channel.
    static let status = "Shipped"
    static let salesChannel = "Amazon.com"

    /// An order's last change: its shipment, a day after it was placed.
    static func lastUpdate(_ order: SandboxOrder) -> Date { order.purchased.addingTimeInterval(86_400) }

    static func money(_ minor: Int64, _ currency: String) -> [String: Any] {
        ["CurrencyCode": currency, "Amount": decimalString(minor, currency: currency)]
    }

    /// `MarketplaceIds` is required on every call. The first call needs `CreatedAfter` or
    /// `LastUpdatedAfter`; a call with `NextToken` continues that query and needs nothing else
    /// (the token overrides any other criteria sent with it).
    static func getOrders(_ request: Request, _ caller: SPAPICaller) throws -> Response {
        guard let history = caller.history else { throw SandboxInputError(message: "Grantless access is not allowed for getOrders") }
        let query = request.uri.queryParameters
        guard query.get("MarketplaceIds") != nil else { throw SandboxInputError(message: "MarketplaceIds is required") }
        var paged = try PagedQuery(request, operation: "getOrders", seller: caller.sellingPartnerID, tokenParameter: "NextToken",
                                   criteria: ["CreatedAfter", "CreatedBefore", "LastUpdatedAfter", "LastUpdatedBefore", "MaxResultsPerPage"])
        let createdAfter = Date(iso: paged["CreatedAfter"])
        let updatedAfter = Date(iso: paged["LastUpdatedAfter"])
        guard createdAfter != nil || updatedAfter != nil else {
            throw SandboxInputError(message: "Either CreatedAfter or LastUpdatedAfter must be specified")
        }
        paged.pin("CreatedBefore", caller.now.addingTimeInterval(-120))
        let createdBefore = Date(iso: paged["CreatedBefore"]) ?? caller.now.addingTimeInterval(-120)
        let lower = createdAfter ?? updatedAfter!
        let pageSize = min(100, max(1, Int(paged["MaxResultsPerPage"] ?? "100") ?? 100))
        let offset = paged.offset
        let matching = history.orders.filter { $0.purchased >= lower && $0.purchased < createdBefore && $0.purchased <= caller.now }
            .sorted { $0.purchased < $1.purchased }
        let page = matching.dropFirst(offset).prefix(pageSize)
        var payload: [String: Any] = [
            "Orders": page.map { order -> [String: Any] in
                [
                    "AmazonOrderId": order.id, "PurchaseDate": order.purchased.iso, "LastUpdateDate": lastUpdate(order).iso,
                    "OrderStatus": status, "FulfillmentChannel": "AFN", "SalesChannel": salesChannel,
                    "OrderTotal": money(order.priceMinor, history.currency), "NumberOfItemsShipped": order.quantity,
                    "NumberOfItemsUnshipped": 0, "MarketplaceId": history.marketplaceID, "OrderType": "StandardOrder",
                    "IsReplacementOrder": false, "IsBusinessOrder": false, "IsPrime": true,
                ]
            },
            "CreatedBefore": createdBefore.iso,
        ]
        if offset + pageSize < matching.count { payload["NextToken"] = paged.token(at: offset + pageSize) }
        return SandboxResponse.json(["payload": payload])
    }

    static func getOrderItems(_ orderID: String, _ caller: SPAPICaller) throws -> Response {
        guard let history = caller.history, let order = history.orders.first(where: { $0.id == orderID && $0.purchased <= caller.now }) else {
            return SandboxResponse.error(.notFound, code: "InvalidInput", message: "Invalid AmazonOrderId \(orderID)")
        }
        let product = history.products[order.product]
        return SandboxResponse.json(["payload": [
            "AmazonOrderId": order.id,
            "OrderItems": [[
                "ASIN": product.asin, "SellerSKU": product.sku, "OrderItemId": order.itemID, "Title": product.title,
                "QuantityOrdered": order.quantity, "QuantityShipped": order.quantity,
                "ItemPrice": money(order.priceMinor, history.currency), "ItemTax": money(0, history.currency),
                "PromotionDiscount": money(0, history.currency), "ConditionId": "New",
            ]],
        ]])
    }
}

/// Finances v0 over a seller history.
enum SandboxFinances {
    static func currency(_ minor: Int64, _ code: String) -> [String: Any] {
        ["CurrencyCode": code, "CurrencyAmount": decimalAmount(minor, currency: code)]
    }

    /// `PostedAfter` is required on the first call of `listFinancialEvents`; a call with
    /// `NextToken` continues the query that produced it (the arguments Amazon asks callers to
    /// repeat are taken from the token, so the token alone is enough).
    static func listFinancialEvents(_ request: Request, _ caller: SPAPICaller, orderID: String?) throws -> Response {
        guard let history = caller.history else { throw SandboxInputError(message: "Grantless access is not allowed") }
        let operation = orderID == nil ? "listFinancialEvents" : "listFinancialEventsByOrderId"
        var paged = try PagedQuery(request, operation: operation, seller: caller.sellingPartnerID, tokenParameter: "NextToken",
                                   criteria: ["PostedAfter", "PostedBefore", "MaxResultsPerPage"])
        paged.pin("AmazonOrderId", orderID ?? "")
        guard paged["AmazonOrderId"] == (orderID ?? "") else {
            throw SandboxInputError(message: "Invalid NextToken: it was issued for the financial events of another order.")
        }
        paged.pin("PostedBefore", caller.now.addingTimeInterval(-120))
        let postedAfter = Date(iso: paged["PostedAfter"])
        let postedBefore = Date(iso: paged["PostedBefore"]) ?? caller.now.addingTimeInterval(-120)
        if orderID == nil {
            guard let postedAfter else { throw SandboxInputError(message: "PostedAfter is required") }
            guard postedBefore > postedAfter else { throw SandboxInputError(message: "PostedBefore must be after PostedAfter") }
            if postedBefore.timeIntervalSince(postedAfter) > 180 * 86_400 {
                return SandboxResponse.json(["payload": ["FinancialEvents": [String: Any]()]])
            }
        }
        let pageSize = min(100, max(1, Int(paged["MaxResultsPerPage"] ?? "100") ?? 100))
        let offset = paged.offset
        let matching = history.finances.filter { event in
            guard event.date <= caller.now, event.date < postedBefore else { return false }
            if let postedAfter, event.date < postedAfter { return false }
            if let orderID {
                switch event {
                case .shipment(let order, _), .refund(let order, _, _), .safetReimbursement(let order, _, _):
                    return history.orders[order].id == orderID
                default: return false
                }
            }
            return true
        }
        var shipments: [[String: Any]] = []
        var refunds: [[String: Any]] = []
        var adjustments: [[String: Any]] = []
        var serviceFees: [[String: Any]] = []
        var safetReimbursements: [[String: Any]] = []
        var removalShipments: [[String: Any]] = []
        let code = history.currency
        for event in matching.dropFirst(offset).prefix(pageSize) {
            switch event {
            case .shipment(let index, let date):
                let order = history.orders[index]
                let product = history.products[order.product]
                shipments.append([
                    "AmazonOrderId": order.id, "MarketplaceName": "Amazon.com", "PostedDate": date.iso,
                    "ShipmentItemList": [[
                        "SellerSKU": product.sku, "OrderItemId": order.itemID, "QuantityShipped": order.quantity,
                        "ItemChargeList": [["ChargeType": "Principal", "ChargeAmount": currency(order.priceMinor, code)]],
                        "ItemFeeList": [
                            ["FeeType": "FBAPerUnitFulfillmentFee", "FeeAmount": currency(-order.feeMinor, code)],
                            ["FeeType": "Commission", "FeeAmount": currency(-order.commissionMinor, code)],
                        ],
                    ]],
                ])
            case .refund(let index, let date, let amount):
                let order = history.orders[index]
                let product = history.products[order.product]
                refunds.append([
                    "AmazonOrderId": order.id, "MarketplaceName": "Amazon.com", "PostedDate": date.iso,
                    "ShipmentItemAdjustmentList": [[
                        "SellerSKU": product.sku, "OrderAdjustmentItemId": order.itemID, "QuantityShipped": order.quantity,
                        "ItemChargeAdjustmentList": [["ChargeType": "Principal", "ChargeAmount": currency(-amount, code)]],
                        "ItemFeeAdjustmentList": [["FeeType": "Commission", "FeeAmount": currency(order.commissionMinor, code)]],
                    ]],
                ])
            case .adjustment(let type, let date, let productIndex, let quantity, let perUnit, _, let moneyOnlyAmount):
                let product = history.products[productIndex]
                let total = FinanceEvent.adjustmentTotal(quantity: quantity, perUnitMinor: perUnit, moneyOnlyAmountMinor: moneyOnlyAmount)
                adjustments.append([
                    "AdjustmentType": type, "PostedDate": date.iso, "StoreName": "Sandbox store",
                    "AdjustmentAmount": currency(total, code),
                    "AdjustmentItemList": [[
                        "Quantity": String(quantity), "PerUnitAmount": currency(perUnit, code), "TotalAmount": currency(total, code),
                        "SellerSKU": product.sku, "FnSKU": product.fnsku, "ProductDescription": product.title, "ASIN": product.asin,
                    ]],
                ])
            case .serviceFee(_, let productIndex, let feeType, let amount):
                let product = history.products[productIndex]
                serviceFees.append([
                    "FeeReason": "Storage", "SellerSKU": product.sku, "FnSKU": product.fnsku, "ASIN": product.asin,
                    "FeeDescription": "FBA storage fee", "FeeList": [["FeeType": feeType, "FeeAmount": currency(-amount, code)]],
                ])
            case .safetReimbursement(let index, let date, let amount):
                let order = history.orders[index]
                let product = history.products[order.product]
                safetReimbursements.append([
                    "PostedDate": date.iso, "SAFETClaimId": "SAFET-" + order.id, "ReasonCode": "BuyerAbuse",
                    "ReimbursedAmount": currency(amount, code),
                    "SAFETReimbursementItemList": [[
                        "productDescription": product.title, "quantity": String(order.quantity),
                        "itemChargeList": [["ChargeType": "Principal", "ChargeAmount": currency(amount, code)]],
                    ]],
                ])
            case .removalShipment(let index, let date):
                let removal = history.removals[index]
                let product = history.products[removal.product]
                removalShipments.append([
                    "PostedDate": date.iso, "OrderId": removal.orderID, "MerchantOrderId": removal.orderID,
                    "TransactionType": "WHOLESALE_LIQUIDATION", "StoreName": "Sandbox store",
                    "RemovalShipmentItemList": [[
                        "RemovalShipmentItemId": removal.orderID + "-1", "TaxCollectionModel": "MarketplaceFacilitator",
                        "FulfillmentNetworkSKU": product.fnsku, "Quantity": removal.quantity,
                        "Revenue": currency(liquidationRevenue(removal, product), code), "FeeAmount": currency(-liquidationFee(removal), code),
                        "TaxAmount": currency(0, code), "TaxWithheld": currency(0, code),
                    ]],
                ])
            }
        }
        var payload: [String: Any] = ["FinancialEvents": [
            "ShipmentEventList": shipments, "RefundEventList": refunds, "AdjustmentEventList": adjustments,
            "ServiceFeeEventList": serviceFees, "SAFETReimbursementEventList": safetReimbursements,
            "RemovalShipmentEventList": removalShipments,
        ]]
        if offset + pageSize < matching.count { payload["NextToken"] = paged.token(at: offset + pageSize) }
        return SandboxResponse.json(["payload": payload])
    }

    /// What a liquidator pays for a removal's units, and the fee Amazon keeps.
    static func liquidationRevenue(_ removal: RemovalLine, _ product: SandboxProduct) -> Int64 { Int64(removal.quantity) * product.unitCostMinor / 4 }
    static func liquidationFee(_ removal: RemovalLine) -> Int64 { Int64(removal.quantity) * 50 }

    /// Settlement groups every 14 days since the history began. `MaxResultsPerPage` 1-100
    /// (default 10); a call with `NextToken` continues the query that produced it.
    static func listGroups(_ request: Request, _ caller: SPAPICaller) throws -> Response {
        guard let history = caller.history else { throw SandboxInputError(message: "Grantless access is not allowed") }
        var paged = try PagedQuery(request, operation: "listFinancialEventGroups", seller: caller.sellingPartnerID, tokenParameter: "NextToken",
                                   criteria: ["FinancialEventGroupStartedAfter", "FinancialEventGroupStartedBefore", "MaxResultsPerPage"])
        paged.pin("FinancialEventGroupStartedAfter", caller.now.addingTimeInterval(-180 * 86_400))
        paged.pin("FinancialEventGroupStartedBefore", caller.now)
        let after = Date(iso: paged["FinancialEventGroupStartedAfter"]) ?? caller.now.addingTimeInterval(-180 * 86_400)
        let before = Date(iso: paged["FinancialEventGroupStartedBefore"]) ?? caller.now
        let pageSize: Int
        if let text = paged["MaxResultsPerPage"] {
            guard let size = Int(text), (1...100).contains(size) else { throw SandboxInputError(message: "MaxResultsPerPage must be 1 to 100") }
            pageSize = size
        } else {
            pageSize = 10
        }
        var groups: [[String: Any]] = []
        var groupStart = history.start
        var index = 0
        while groupStart < min(before, caller.now) {
            let groupEnd = groupStart.addingTimeInterval(14 * 86_400)
            if groupStart >= after {
                let total = history.finances.filter { $0.date >= groupStart && $0.date < groupEnd }.count
                let closed = groupEnd <= caller.now
                var group: [String: Any] = [
                    "FinancialEventGroupId": "G\(history.sellingPartnerID.prefix(6))\(index)", "ProcessingStatus": closed ? "Closed" : "Open",
                    "FinancialEventGroupStart": groupStart.iso, "OriginalTotal": currency(Int64(total) * 1000, history.currency),
                ]
                if closed {
                    group["FinancialEventGroupEnd"] = groupEnd.iso
                    group["FundTransferStatus"] = "Succeeded"
                    group["FundTransferDate"] = groupEnd.addingTimeInterval(86_400).iso
                }
                groups.append(group)
            }
            groupStart = groupEnd
            index += 1
        }
        var payload: [String: Any] = ["FinancialEventGroupList": Array(groups.dropFirst(paged.offset).prefix(pageSize))]
        if paged.offset + pageSize < groups.count { payload["NextToken"] = paged.token(at: paged.offset + pageSize) }
        return SandboxResponse.json(["payload": payload])
    }
}

/// FBA Inventory and Fulfillment Inbound v0.
enum SandboxInventory {
    static func summaries(_ request: Request, _ caller: SPAPICaller) throws -> Response {
        guard let history = caller.history else { throw SandboxInputError(message: "Grantless access is not allowed") }
        let query = request.uri.queryParameters
        guard query.get("granularityType") == "Marketplace", let marketplace = query.get("granularityId") else {
            throw SandboxInputError(message: "granularityType=Marketplace and granularityId are required")
        }
        guard query.get("marketplaceIds")?.isEmpty == false else { throw SandboxInputError(message: "marketplaceIds is required") }
        // granularityType, granularityId and marketplaceIds are required on every call, with the
        // token too; the token carries the rest of the first call's query.
        let paged = try PagedQuery(request, operation: "getInventorySummaries", seller: caller.sellingPartnerID, tokenParameter: "nextToken",
                                   criteria: ["granularityId", "startDateTime", "sellerSkus", "sellerSku", "details"])
        guard paged["granularityId"] == marketplace else {
            throw SandboxInputError(message: "Invalid nextToken: it was issued for granularityId \(paged["granularityId"] ?? "")")
        }
        let balances = history.balances(at: caller.now)
        let offset = paged.offset
        let pageSize = 50
        let items = history.products.indices.dropFirst(offset).prefix(pageSize).map { index -> [String: Any] in
            let product = history.products[index]
            return [
                "asin": product.asin, "fnSku": product.fnsku, "sellerSku": product.sku, "condition": "NewItem",
                "productName": product.title, "lastUpdatedTime": caller.now.iso, "totalQuantity": max(0, balances[index]),
                "inventoryDetails": [
                    "fulfillableQuantity": max(0, balances[index]), "inboundWorkingQuantity": 0, "inboundShippedQuantity": 0,
                    "inboundReceivingQuantity": 0,
                    "reservedQuantity": ["totalReservedQuantity": 0, "pendingCustomerOrderQuantity": 0, "pendingTransshipmentQuantity": 0, "fcProcessingQuantity": 0],
                    "researchingQuantity": ["totalResearchingQuantity": 0],
                    "unfulfillableQuantity": ["totalUnfulfillableQuantity": 0],
                ] as [String: Any],
            ]
        }
        var body: [String: Any] = ["payload": ["granularity": ["granularityType": "Marketplace", "granularityId": marketplace],
                                               "inventorySummaries": items]]
        if offset + pageSize < history.products.count { body["pagination"] = ["nextToken": paged.token(at: offset + pageSize)] }
        return SandboxResponse.json(body)
    }

    static func address() -> [String: Any] {
        ["Name": "Sandbox Seller", "AddressLine1": "1 Main St", "City": "Seattle", "StateOrProvinceCode": "WA", "CountryCode": "US", "PostalCode": "98101"]
    }

    static func shipments(_ request: Request, _ caller: SPAPICaller) throws -> Response {
        guard let history = caller.history else { throw SandboxInputError(message: "Grantless access is not allowed") }
        let query = request.uri.queryParameters
        guard query.get("MarketplaceId") != nil, let type = query.get("QueryType") else {
            throw SandboxInputError(message: "MarketplaceId and QueryType are required")
        }
        guard ["SHIPMENT", "DATE_RANGE", "NEXT_TOKEN"].contains(type) else {
            throw SandboxInputError(message: "QueryType must be SHIPMENT, DATE_RANGE or NEXT_TOKEN")
        }
        // QueryType=NEXT_TOKEN continues the query that produced the token, from the token alone.
        if type == "NEXT_TOKEN", query.get("NextToken") == nil { throw SandboxInputError(message: "NextToken is required with QueryType NEXT_TOKEN") }
        if type != "NEXT_TOKEN", query.get("NextToken") != nil { throw SandboxInputError(message: "NextToken needs QueryType NEXT_TOKEN") }
        // Amazon wants a status or id list even with a date range (docs/amazon-reports-backfill.md §5).
        if type != "NEXT_TOKEN", (query.get("ShipmentStatusList") ?? "").isEmpty, (query.get("ShipmentIdList") ?? "").isEmpty {
            throw SandboxInputError(message: "At least one of ShipmentStatusList and ShipmentIdList must be provided")
        }
        var paged = try PagedQuery(request, operation: "getShipments", seller: caller.sellingPartnerID, tokenParameter: "NextToken",
                                   criteria: ["ShipmentIdList", "ShipmentStatusList", "LastUpdatedAfter", "LastUpdatedBefore"])
        paged.pin("LastUpdatedBefore", caller.now)
        let ids = Set((paged["ShipmentIdList"] ?? "").split(separator: ",").map(String.init))
        let statuses = Set((paged["ShipmentStatusList"] ?? "").split(separator: ",").map(String.init))
        let after = Date(iso: paged["LastUpdatedAfter"])
        let before = Date(iso: paged["LastUpdatedBefore"]) ?? caller.now
        let offset = paged.offset
        let matching = history.shipments.filter { shipment in
            guard shipment.created <= caller.now else { return false }
            let status = status(of: shipment, at: caller.now)
            if !ids.isEmpty, !ids.contains(shipment.id) { return false }
            if !statuses.isEmpty, !statuses.contains(status) { return false }
            // Amazon filters on when the shipment last changed: a closure ten days after receipt is a change.
            let updated = lastUpdated(shipment, at: caller.now)
            if let after, updated < after { return false }
            return updated <= before
        }
        let page = matching.dropFirst(offset).prefix(50).map { shipment -> [String: Any] in
            [
                "ShipmentId": shipment.id, "ShipmentName": shipment.name, "ShipFromAddress": address(),
                "DestinationFulfillmentCenterId": shipment.fulfillmentCenter, "ShipmentStatus": status(of: shipment, at: caller.now),
                "LabelPrepType": "SELLER_LABEL", "AreCasesRequired": false, "BoxContentsSource": "INTERACTIVE",
            ]
        }
        var payload: [String: Any] = ["ShipmentData": page]
        if offset + 50 < matching.count { payload["NextToken"] = paged.token(at: offset + 50) }
        return SandboxResponse.json(["payload": payload])
    }

    static func status(of shipment: InboundShipmentRecord, at now: Date) -> String {
        if now < shipment.receivedAt { return now < shipment.created.addingTimeInterval(86_400) ? "WORKING" : "IN_TRANSIT" }
        return now < closedAt(shipment) ? "RECEIVING" : "CLOSED"
    }

    /// When the shipment's status last changed by `now`: created (WORKING), a day later
    /// (IN_TRANSIT), received (RECEIVING), closed (CLOSED).
    static func lastUpdated(_ shipment: InboundShipmentRecord, at now: Date) -> Date {
        [shipment.created, shipment.created.addingTimeInterval(86_400), shipment.receivedAt, closedAt(shipment)].filter { $0 <= now }.max()
            ?? shipment.created
    }

    /// A shipment closes ten days after its units were received.
    static func closedAt(_ shipment: InboundShipmentRecord) -> Date { shipment.receivedAt.addingTimeInterval(10 * 86_400) }

    static func shipmentItems(_ shipmentID: String, _ caller: SPAPICaller) throws -> Response {
        guard let history = caller.history, let shipment = history.shipments.first(where: { $0.id == shipmentID && $0.created <= caller.now }) else {
            return SandboxResponse.error(.notFound, code: "NotFound", message: "Shipment \(shipmentID) was not found.")
        }
        return SandboxResponse.json(["payload": ["ItemData": items(of: shipment, in: history, at: caller.now)]])
    }

    /// `getShipmentItems`: the items of every shipment updated in a date range, 50 a page, each
    /// naming its shipment. Amazon wants both ends of the range, or a token (§5 of
    /// docs/amazon-reports-backfill.md).
    static func shipmentItemsUpdated(_ request: Request, _ caller: SPAPICaller) throws -> Response {
        guard let history = caller.history else { throw SandboxInputError(message: "Grantless access is not allowed") }
        let query = request.uri.queryParameters
        guard query.get("MarketplaceId") != nil, let type = query.get("QueryType") else {
            throw SandboxInputError(message: "MarketplaceId and QueryType are required")
        }
        guard ["DATE_RANGE", "NEXT_TOKEN"].contains(type) else { throw SandboxInputError(message: "QueryType must be DATE_RANGE or NEXT_TOKEN") }
        if type == "NEXT_TOKEN", query.get("NextToken") == nil { throw SandboxInputError(message: "NextToken is required with QueryType NEXT_TOKEN") }
        if type == "DATE_RANGE" {
            guard query.get("NextToken") == nil, query.get("ShipmentId") == nil else {
                throw SandboxInputError(message: "A date range goes without NextToken or ShipmentId")
            }
            guard query.get("LastUpdatedAfter") != nil, query.get("LastUpdatedBefore") != nil else {
                throw SandboxInputError(message: "Either the ShipmentId or a pair of LastUpdatedAfter and LastUpdatedBefore must be passed in input")
            }
        }
        let paged = try PagedQuery(request, operation: "getShipmentItems", seller: caller.sellingPartnerID, tokenParameter: "NextToken",
                                   criteria: ["LastUpdatedAfter", "LastUpdatedBefore"])
        guard let after = Date(iso: paged["LastUpdatedAfter"]), let before = Date(iso: paged["LastUpdatedBefore"]) else {
            throw SandboxInputError(message: "LastUpdatedAfter and LastUpdatedBefore must be ISO 8601 date-times")
        }
        guard after <= before else { throw SandboxInputError(message: "LastUpdatedAfter must be before LastUpdatedBefore") }
        let matching = history.shipments.filter { shipment in
            guard shipment.created <= caller.now else { return false }
            let updated = itemsLastUpdated(shipment, at: caller.now)
            return after <= updated && updated <= before
        }
        let offset = paged.offset
        let page = matching.dropFirst(offset).prefix(50).flatMap { items(of: $0, in: history, at: caller.now) }
        var payload: [String: Any] = ["ItemData": page]
        if offset + 50 < matching.count { payload["NextToken"] = paged.token(at: offset + 50) }
        return SandboxResponse.json(["payload": payload])
    }

    /// A shipment's items as Amazon lists them: units received once the shipment is.
    static func items(of shipment: InboundShipmentRecord, in history: SellerHistory, at now: Date) -> [[String: Any]] {
        let product = history.products[shipment.product]
        let received = now >= shipment.receivedAt ? shipment.received : 0
        return [[
            "ShipmentId": shipment.id, "SellerSKU": product.sku, "FulfillmentNetworkSKU": product.fnsku,
            "QuantityShipped": shipment.shipped, "QuantityReceived": received, "QuantityInCase": 0,
        ]]
    }

    /// When a shipment's items last changed by `now`: created, then received (the received count).
    static func itemsLastUpdated(_ shipment: InboundShipmentRecord, at now: Date) -> Date {
        now >= shipment.receivedAt ? shipment.receivedAt : shipment.created
    }
}
