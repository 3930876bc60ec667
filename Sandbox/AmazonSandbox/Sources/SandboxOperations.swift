import Foundation
import Hummingbird

/// Orders v0 over a seller history.
enum SandboxOrders {
    static func money(_ minor: Int64, _ currency: String) -> [String: Any] {
        ["CurrencyCode": currency, "Amount": decimalString(minor, currency: currency)]
    }

    static func getOrders(_ request: Request, _ caller: SPAPICaller) throws -> Response {
        guard let history = caller.history else { throw SandboxInputError(message: "Grantless access is not allowed for getOrders") }
        let query = request.uri.queryParameters
        guard query.get("MarketplaceIds") != nil else { throw SandboxInputError(message: "MarketplaceIds is required") }
        let createdAfter = Date(iso: query.get("CreatedAfter"))
        let updatedAfter = Date(iso: query.get("LastUpdatedAfter"))
        guard createdAfter != nil || updatedAfter != nil else {
            throw SandboxInputError(message: "Either CreatedAfter or LastUpdatedAfter must be specified")
        }
        let createdBefore = Date(iso: query.get("CreatedBefore")) ?? caller.now.addingTimeInterval(-120)
        let lower = createdAfter ?? updatedAfter!
        let pageSize = min(100, max(1, Int(query.get("MaxResultsPerPage") ?? "100") ?? 100))
        let offset = try PageToken.offset(query.get("NextToken"))
        let matching = history.orders.filter { $0.purchased >= lower && $0.purchased < createdBefore && $0.purchased <= caller.now }
            .sorted { $0.purchased < $1.purchased }
        let page = matching.dropFirst(offset).prefix(pageSize)
        var payload: [String: Any] = [
            "Orders": page.map { order -> [String: Any] in
                [
                    "AmazonOrderId": order.id, "PurchaseDate": order.purchased.iso, "LastUpdateDate": order.purchased.addingTimeInterval(86_400).iso,
                    "OrderStatus": "Shipped", "FulfillmentChannel": "AFN", "SalesChannel": "Amazon.com",
                    "OrderTotal": money(order.priceMinor, history.currency), "NumberOfItemsShipped": order.quantity,
                    "NumberOfItemsUnshipped": 0, "MarketplaceId": history.marketplaceID, "OrderType": "StandardOrder",
                    "IsReplacementOrder": false, "IsBusinessOrder": false, "IsPrime": true,
                ]
            },
            "CreatedBefore": createdBefore.iso,
        ]
        if offset + pageSize < matching.count { payload["NextToken"] = PageToken.make(offset + pageSize) }
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

    static func listFinancialEvents(_ request: Request, _ caller: SPAPICaller, orderID: String?) throws -> Response {
        guard let history = caller.history else { throw SandboxInputError(message: "Grantless access is not allowed") }
        let query = request.uri.queryParameters
        let postedAfter = Date(iso: query.get("PostedAfter"))
        let postedBefore = Date(iso: query.get("PostedBefore")) ?? caller.now.addingTimeInterval(-120)
        if orderID == nil {
            guard let postedAfter else { throw SandboxInputError(message: "PostedAfter is required") }
            guard postedBefore > postedAfter else { throw SandboxInputError(message: "PostedBefore must be after PostedAfter") }
            if postedBefore.timeIntervalSince(postedAfter) > 180 * 86_400 {
                return SandboxResponse.json(["payload": ["FinancialEvents": [String: Any]()]])
            }
        }
        let pageSize = min(100, max(1, Int(query.get("MaxResultsPerPage") ?? "100") ?? 100))
        let offset = try PageToken.offset(query.get("NextToken"))
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
            case .adjustment(let type, let date, let productIndex, let quantity, let perUnit):
                let product = history.products[productIndex]
                let total = Int64(quantity) * perUnit
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
                let revenue = Int64(removal.quantity) * product.unitCostMinor / 4
                removalShipments.append([
                    "PostedDate": date.iso, "OrderId": removal.orderID, "MerchantOrderId": removal.orderID,
                    "TransactionType": "WHOLESALE_LIQUIDATION", "StoreName": "Sandbox store",
                    "RemovalShipmentItemList": [[
                        "RemovalShipmentItemId": removal.orderID + "-1", "TaxCollectionModel": "MarketplaceFacilitator",
                        "FulfillmentNetworkSKU": product.fnsku, "Quantity": removal.quantity,
                        "Revenue": currency(revenue, code), "FeeAmount": currency(-Int64(removal.quantity) * 50, code),
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
        if offset + pageSize < matching.count { payload["NextToken"] = PageToken.make(offset + pageSize) }
        return SandboxResponse.json(["payload": payload])
    }

    /// Settlement groups every 14 days since the history began.
    static func listGroups(_ request: Request, _ caller: SPAPICaller) throws -> Response {
        guard let history = caller.history else { throw SandboxInputError(message: "Grantless access is not allowed") }
        let query = request.uri.queryParameters
        let after = Date(iso: query.get("FinancialEventGroupStartedAfter")) ?? caller.now.addingTimeInterval(-180 * 86_400)
        let before = Date(iso: query.get("FinancialEventGroupStartedBefore")) ?? caller.now
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
        return SandboxResponse.json(["payload": ["FinancialEventGroupList": groups]])
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
        let balances = history.balances(at: caller.now)
        let offset = try PageToken.offset(query.get("nextToken"))
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
        if offset + pageSize < history.products.count { body["pagination"] = ["nextToken": PageToken.make(offset + pageSize)] }
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
        let ids = Set((query.get("ShipmentIdList") ?? "").split(separator: ",").map(String.init))
        let statuses = Set((query.get("ShipmentStatusList") ?? "").split(separator: ",").map(String.init))
        let after = Date(iso: query.get("LastUpdatedAfter"))
        let before = Date(iso: query.get("LastUpdatedBefore")) ?? caller.now
        let offset = type == "NEXT_TOKEN" ? try PageToken.offset(query.get("NextToken")) : 0
        let matching = history.shipments.filter { shipment in
            guard shipment.created <= caller.now else { return false }
            let status = status(of: shipment, at: caller.now)
            if !ids.isEmpty, !ids.contains(shipment.id) { return false }
            if !statuses.isEmpty, !statuses.contains(status) { return false }
            if let after, shipment.receivedAt < after { return false }
            return shipment.created <= before
        }
        let page = matching.dropFirst(offset).prefix(50).map { shipment -> [String: Any] in
            [
                "ShipmentId": shipment.id, "ShipmentName": shipment.name, "ShipFromAddress": address(),
                "DestinationFulfillmentCenterId": shipment.fulfillmentCenter, "ShipmentStatus": status(of: shipment, at: caller.now),
                "LabelPrepType": "SELLER_LABEL", "AreCasesRequired": false, "BoxContentsSource": "INTERACTIVE",
            ]
        }
        var payload: [String: Any] = ["ShipmentData": page]
        if offset + 50 < matching.count { payload["NextToken"] = PageToken.make(offset + 50) }
        return SandboxResponse.json(["payload": payload])
    }

    static func status(of shipment: InboundShipmentRecord, at now: Date) -> String {
        if now < shipment.receivedAt { return now < shipment.created.addingTimeInterval(86_400) ? "WORKING" : "IN_TRANSIT" }
        return now < shipment.receivedAt.addingTimeInterval(10 * 86_400) ? "RECEIVING" : "CLOSED"
    }

    static func shipmentItems(_ shipmentID: String, _ caller: SPAPICaller) throws -> Response {
        guard let history = caller.history, let shipment = history.shipments.first(where: { $0.id == shipmentID && $0.created <= caller.now }) else {
            return SandboxResponse.error(.notFound, code: "NotFound", message: "Shipment \(shipmentID) was not found.")
        }
        let product = history.products[shipment.product]
        let received = caller.now >= shipment.receivedAt ? shipment.received : 0
        return SandboxResponse.json(["payload": ["ItemData": [[
            "ShipmentId": shipment.id, "SellerSKU": product.sku, "FulfillmentNetworkSKU": product.fnsku,
            "QuantityShipped": shipment.shipped, "QuantityReceived": received, "QuantityInCase": 0,
        ]]]])
    }
}
