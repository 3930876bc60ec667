import AmazonSandbox
import Foundation
import NIOHTTP1
import OpsideAmazonSPAPI
import OpsideCore
import OpsideTesting
import Synchronization
import Testing

/// The sandbox must answer with the JSON shapes of Amazon's official models: every operation it
/// serves is called once and its body validated against the model's schema for that status.
@Suite("Sandbox responses match Amazon's models")
struct SchemaConformanceTests {
    static let us = "ATVPDKIKX0DER"

    /// Calls operations through the real client and validates each 2xx body.
    final class Checker: Sendable {
        let models = Mutex<[String: SwaggerModel]>([:])
        let checked = Mutex<[String: Int]>([:])
        let validated = Mutex<Set<String>>([])

        func model(_ api: String) throws -> SwaggerModel {
            if let model = models.withLock({ $0[api] }) { return model }
            let model = try SwaggerModel(api: api)
            models.withLock { $0[api] = model }
            return model
        }

        /// Sends one request and validates its body against the model's response for its status.
        /// - Returns: the body, for ids later calls need.
        @discardableResult
        func call(_ api: SellingPartnerAPI, _ operation: SPAPIOperation, _ method: HTTPMethod, _ path: String,
                  query: [(String, String)] = [], body: JSONValue? = nil) async throws -> JSONValue {
            let bytes = try body.map { Array(try JSONEncoder().encode($0)) }
            let response = try await api.send(method: method, path: path, query: query, body: bytes, operation: operation)
            checked.withLock { $0[operation.id] = response.status }
            let model = try model(operation.api)
            let responses = try #require(model.responses(operationID: operation.name), "\(operation) is not in \(operation.api).json")
            let declared = try #require(responses[String(response.status)], "\(operation) answered \(response.status), which the model does not declare")
            guard let schema = declared["schema"] else {
                #expect(response.body.isEmpty, "\(operation) declares no body for \(response.status) but sent one")
                return .null
            }
            let decoded = try JSONDecoder().decode(JSONValue.self, from: Data(response.body))
            let violations = model.validator.validate(decoded, against: schema)
            validated.withLock { _ = $0.insert(operation.id) }
            #expect(violations.isEmpty, "\(operation): \(violations.prefix(8).map(\.description).joined(separator: "; "))")
            return decoded
        }
    }

    static func string(_ value: JSONValue?) -> String? {
        if case .string(let text)? = value { return text }
        return nil
    }

    static func first(_ value: JSONValue?) -> JSONValue? { element(value, 0) }

    static func element(_ value: JSONValue?, _ index: Int) -> JSONValue? {
        if case .array(let elements)? = value, elements.indices.contains(index) { return elements[index] }
        return nil
    }

    static func number(_ value: JSONValue?) -> Double? {
        if case .number(let number)? = value { return number }
        return nil
    }

    @Test func everyServedOperationAnswersWithItsModelsSchema() async throws {
        // A report waits long enough in the queue to be cancelled even on a loaded machine (0.3 s
        // was shorter than twenty create-and-cancel round trips during a CI run beside a running suite).
        let settings = SandboxSettings(port: 0, timeScale: 50, reportProcessingSeconds: 1.5, inboundOperationSeconds: 0.2)
        try await SandboxHarness.with(settings) { harness in
            let seller = try await harness.createSeller(seed: 601, skus: 15, months: 6)
            let (client, _) = harness.client()
            let api = client.api(for: harness.connection(for: seller))
            let grantless = client.api(for: .grantless(region: .northAmerica, scopes: [notificationsGrantlessScope]))
            let check = Checker()
            let sellerID = seller.sellingPartnerId
            let yearAgo = Date().addingTimeInterval(-300 * 86_400).formatted(.iso8601)

            // Sellers, orders, finances, inventory, inbound v0.
            try await check.call(api, SPAPIOperations.sellers("getMarketplaceParticipations"), .GET, "/sellers/v1/marketplaceParticipations")
            let orders = try await check.call(api, SPAPIOperations.ordersV0("getOrders"), .GET, "/orders/v0/orders",
                                              query: [("MarketplaceIds", Self.us), ("CreatedAfter", yearAgo)])
            let orderID = try #require(Self.string(Self.first(orders["payload"]?["Orders"])?["AmazonOrderId"]))
            try await check.call(api, SPAPIOperations.ordersV0("getOrderItems"), .GET, "/orders/v0/orders/\(orderID)/orderItems")
            try await check.call(api, SPAPIOperations.financesV0("listFinancialEvents"), .GET, "/finances/v0/financialEvents",
                                 query: [("PostedAfter", Date().addingTimeInterval(-170 * 86_400).formatted(.iso8601))])
            try await check.call(api, SPAPIOperations.financesV0("listFinancialEventsByOrderId"), .GET, "/finances/v0/orders/\(orderID)/financialEvents")
            try await check.call(api, SPAPIOperations.financesV0("listFinancialEventGroups"), .GET, "/finances/v0/financialEventGroups")
            let inventory = try await check.call(api, SPAPIOperations.fbaInventory("getInventorySummaries"), .GET, "/fba/inventory/v1/summaries",
                                                 query: [("granularityType", "Marketplace"), ("granularityId", Self.us), ("marketplaceIds", Self.us),
                                                         ("details", "true")])
            let firstProduct = Self.first(inventory["payload"]?["inventorySummaries"])
            let sku = try #require(Self.string(firstProduct?["sellerSku"]))
            let asin = try #require(Self.string(firstProduct?["asin"]))
            let shipments = try await check.call(api, SPAPIOperations.inboundV0("getShipments"), .GET, "/fba/inbound/v0/shipments",
                                                 query: [("MarketplaceId", Self.us), ("QueryType", "SHIPMENT"), ("ShipmentStatusList", "WORKING,IN_TRANSIT,RECEIVING,CLOSED")])
            let shipmentID = try #require(Self.string(Self.first(shipments["payload"]?["ShipmentData"])?["ShipmentId"]))
            try await check.call(api, SPAPIOperations.inboundV0("getShipmentItemsByShipmentId"), .GET, "/fba/inbound/v0/shipments/\(shipmentID)/items",
                                 query: [("MarketplaceId", Self.us)])
            try await check.call(api, SPAPIOperations.inboundV0("getShipmentItems"), .GET, "/fba/inbound/v0/shipmentItems",
                                 query: [("MarketplaceId", Self.us), ("QueryType", "DATE_RANGE"), ("LastUpdatedAfter", yearAgo),
                                         ("LastUpdatedBefore", Date().formatted(.iso8601))])

            // Reports and schedules.
            let created = try await check.call(api, SPAPIOperations.reports("createReport"), .POST, "/reports/2021-06-30/reports",
                                               body: .object(["reportType": .string("GET_FBA_REIMBURSEMENTS_DATA"), "marketplaceIds": .array([.string(Self.us)])]))
            let reportID = try #require(Self.string(created["reportId"]))
            var report = JSONValue.null
            for _ in 0..<300 {
                report = try await check.call(api, SPAPIOperations.reports("getReport"), .GET, "/reports/2021-06-30/reports/\(reportID)")
                if Self.string(report["processingStatus"]) == "DONE" { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            let documentID = try #require(Self.string(report["reportDocumentId"]))
            try await check.call(api, SPAPIOperations.reports("getReportDocument"), .GET, "/reports/2021-06-30/documents/\(documentID)")
            try await check.call(api, SPAPIOperations.reports("getReports"), .GET, "/reports/2021-06-30/reports",
                                 query: [("reportTypes", "GET_FBA_REIMBURSEMENTS_DATA")])
            // Only an IN_QUEUE report can be cancelled, and a loaded machine may take longer than
            // the sandbox's queue time between the two calls: try a fresh report a few times.
            for attempt in 1...20 {
                let queued = try await check.call(api, SPAPIOperations.reports("createReport"), .POST, "/reports/2021-06-30/reports",
                                                  body: .object(["reportType": .string("GET_LEDGER_DETAIL_VIEW_DATA"), "marketplaceIds": .array([.string(Self.us)])]))
                do {
                    try await check.call(api, SPAPIOperations.reports("cancelReport"), .DELETE, "/reports/2021-06-30/reports/\(Self.string(queued["reportId"]) ?? "")")
                    break
                } catch where attempt < 20 {
                    continue
                }
            }
            let schedule = try await check.call(api, SPAPIOperations.reports("createReportSchedule"), .POST, "/reports/2021-06-30/schedules",
                                                body: .object(["reportType": .string("GET_LEDGER_SUMMARY_VIEW_DATA"), "period": .string("P1D"),
                                                               "marketplaceIds": .array([.string(Self.us)])]))
            let scheduleID = try #require(Self.string(schedule["reportScheduleId"]))
            try await check.call(api, SPAPIOperations.reports("getReportSchedules"), .GET, "/reports/2021-06-30/schedules",
                                 query: [("reportTypes", "GET_LEDGER_SUMMARY_VIEW_DATA")])
            try await check.call(api, SPAPIOperations.reports("getReportSchedule"), .GET, "/reports/2021-06-30/schedules/\(scheduleID)")
            try await check.call(api, SPAPIOperations.reports("cancelReportSchedule"), .DELETE, "/reports/2021-06-30/schedules/\(scheduleID)")
            try await check.call(api, SPAPIOperations.tokens("createRestrictedDataToken"), .POST, "/tokens/2021-03-01/restrictedDataToken",
                                 body: .object(["restrictedResources": .array([.object([
                                     "method": .string("GET"), "path": .string("/orders/v0/orders/\(orderID)/address")])])]))

            // Fulfillment Inbound 2024-03-20.
            let address: JSONValue = .object(["name": .string("Warehouse"), "addressLine1": .string("1 Dock Rd"), "city": .string("Reno"),
                                              "stateOrProvinceCode": .string("NV"), "postalCode": .string("89501"), "countryCode": .string("US"),
                                              "phoneNumber": .string("7755550100")])
            let plan = try await check.call(api, SPAPIOperations.inbound2024("createInboundPlan"), .POST, "/inbound/fba/2024-03-20/inboundPlans",
                                            body: .object(["destinationMarketplaces": .array([.string(Self.us)]), "sourceAddress": address,
                                                           "items": .array([.object(["msku": .string(sku), "quantity": .number(10),
                                                                                     "labelOwner": .string("SELLER"), "prepOwner": .string("SELLER"),
                                                                                     "expiration": .string("2027-01-31")])])]))
            let planID = try #require(Self.string(plan["inboundPlanId"]))
            // The plan's operation finishes in the background: ask until it has.
            var status = JSONValue.null
            for _ in 0..<50 {
                status = try await check.call(api, SPAPIOperations.inbound2024("getInboundOperationStatus"), .GET,
                                              "/inbound/fba/2024-03-20/operations/\(Self.string(plan["operationId"]) ?? "")")
                if Self.string(status["operationStatus"]) != "IN_PROGRESS" { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(Self.string(status["operationStatus"]) == "SUCCESS")
            try await check.call(api, SPAPIOperations.inbound2024("listInboundPlans"), .GET, "/inbound/fba/2024-03-20/inboundPlans")
            try await check.call(api, SPAPIOperations.inbound2024("getInboundPlan"), .GET, "/inbound/fba/2024-03-20/inboundPlans/\(planID)")
            try await check.call(api, SPAPIOperations.inbound2024("listInboundPlanItems"), .GET, "/inbound/fba/2024-03-20/inboundPlans/\(planID)/items")
            try await Self.checkInboundWorkflow(check, api, harness, planID: planID, sku: sku, address: address)

            // Listings: reads, every kind of submission, and issue-bearing reads (a generated
            // listing priced five times over is suppressed: its issue carries enforcements).
            let market = [("marketplaceIds", Self.us)]
            let everything = ("includedData", "summaries,attributes,issues,offers,fulfillmentAvailability,productTypes")
            try await check.call(api, SPAPIOperations.listings("getListingsItem"), .GET, "/listings/2021-08-01/items/\(sellerID)/\(sku)",
                                 query: market + [everything])
            try await check.call(api, SPAPIOperations.listings("searchListingsItems"), .GET, "/listings/2021-08-01/items/\(sellerID)",
                                 query: market + [everything, ("pageSize", "5")])
            let invalid = try await check.call(api, SPAPIOperations.listings("putListingsItem"), .PUT, "/listings/2021-08-01/items/\(sellerID)/NEW-0",
                                               query: market, body: .object(["productType": .string("PRODUCT"), "attributes": .object([
                                                   "item_name": .array([.object(["value": .string("New")])])])]))
            #expect(Self.string(invalid["status"]) == "INVALID")
            let listing: JSONValue = .object(["productType": .string("PRODUCT"),
                                              "attributes": .object(ListingIssuesAndPricingTests.attributes(image: false))])
            let preview = try await check.call(api, SPAPIOperations.listings("putListingsItem"), .PUT, "/listings/2021-08-01/items/\(sellerID)/\(sku)",
                                               query: market + [("mode", "VALIDATION_PREVIEW"), ("includedData", "identifiers,issues")], body: listing)
            #expect(Self.string(Self.first(preview["identifiers"])?["asin"]) == asin)
            let accepted = try await check.call(api, SPAPIOperations.listings("putListingsItem"), .PUT, "/listings/2021-08-01/items/\(sellerID)/NEW-1",
                                                query: market, body: listing)
            #expect(Self.string(Self.first(accepted["issues"])?["severity"]) == "WARNING")
            try await check.call(api, SPAPIOperations.listings("patchListingsItem"), .PATCH, "/listings/2021-08-01/items/\(sellerID)/NEW-1", query: market,
                                 body: .object(["productType": .string("PRODUCT"), "patches": .array([.object([
                                     "op": .string("replace"), "path": .string("/attributes/item_name"), "value": .array([.object(["value": .string("Newer")])])])])]))
            let overpriced = try #require(Self.string(Self.element(inventory["payload"]?["inventorySummaries"], 1)?["sellerSku"]))
            let generated = try await check.call(api, SPAPIOperations.listings("getListingsItem"), .GET,
                                                 "/listings/2021-08-01/items/\(sellerID)/\(overpriced)", query: market + [("includedData", "offers")])
            let price = try Money(parsing: try #require(Self.string(Self.first(generated["offers"])?["price"]?["amount"])), currency: .usd)
            let fivefold = try #require(Double(Money(amountMinor: price.amountMinor * 5, currency: .usd).decimalString))
            try await check.call(api, SPAPIOperations.listings("patchListingsItem"), .PATCH, "/listings/2021-08-01/items/\(sellerID)/\(overpriced)",
                                 query: market, body: .object(["productType": .string("PRODUCT"), "patches": .array([.object([
                                     "op": .string("replace"), "path": .string("/attributes/purchasable_offer"),
                                     "value": ListingIssuesAndPricingTests.offer(.number(fivefold))])])]))
            let suppressed = try await check.call(api, SPAPIOperations.listings("getListingsItem"), .GET,
                                                  "/listings/2021-08-01/items/\(sellerID)/\(overpriced)", query: market + [everything])
            #expect(Self.first(suppressed["issues"])?["enforcements"] != nil)
            let withIssues = try await check.call(api, SPAPIOperations.listings("searchListingsItems"), .GET, "/listings/2021-08-01/items/\(sellerID)",
                                                  query: market + [everything, ("withIssueSeverity", "ERROR,WARNING"), ("issueLocale", "en_US")])
            #expect(Self.number(withIssues["numberOfResults"]) ?? 0 >= 2)
            try await check.call(api, SPAPIOperations.listings("deleteListingsItem"), .DELETE, "/listings/2021-08-01/items/\(sellerID)/NEW-1", query: market)

            // Product Pricing: the seller's offers, an unknown ASIN's ClientError entry, competitors and the Buy Box.
            let pricingMarket = [("MarketplaceId", Self.us)]
            let prices = try await check.call(api, SPAPIOperations.pricing("getPricing"), .GET, "/products/pricing/v0/price",
                                              query: pricingMarket + [("ItemType", "Asin"), ("Asins", "\(asin),B0NOTHERE0")])
            #expect(Self.string(Self.element(prices["payload"], 1)?["status"]) == "ClientError")
            try await check.call(api, SPAPIOperations.pricing("getPricing"), .GET, "/products/pricing/v0/price",
                                 query: pricingMarket + [("ItemType", "Sku"), ("Skus", "\(sku),\(overpriced)"), ("ItemCondition", "New")])
            try await check.call(api, SPAPIOperations.pricing("getCompetitivePricing"), .GET, "/products/pricing/v0/competitivePrice",
                                 query: pricingMarket + [("ItemType", "Asin"), ("Asins", asin)])
            try await check.call(api, SPAPIOperations.pricing("getCompetitivePricing"), .GET, "/products/pricing/v0/competitivePrice",
                                 query: pricingMarket + [("ItemType", "Sku"), ("Skus", sku)])
            let offers = try await check.call(api, SPAPIOperations.pricing("getItemOffers"), .GET, "/products/pricing/v0/items/\(asin)/offers",
                                              query: pricingMarket + [("ItemCondition", "New")])
            #expect(Self.number(offers["payload"]?["Summary"]?["TotalOfferCount"]) ?? 0 >= 1)
            try await check.call(api, SPAPIOperations.pricing("getListingOffers"), .GET, "/products/pricing/v0/listings/\(sku)/offers",
                                 query: pricingMarket + [("ItemCondition", "New")])

            // Catalog and fees.
            try await check.call(api, SPAPIOperations.catalog("getCatalogItem"), .GET, "/catalog/2022-04-01/items/\(asin)",
                                 query: market + [("includedData", "summaries,dimensions,identifiers,attributes,productTypes")])
            try await check.call(api, SPAPIOperations.catalog("searchCatalogItems"), .GET, "/catalog/2022-04-01/items",
                                 query: market + [("keywords", "sandbox"), ("includedData", "summaries,dimensions")])
            let feeRequest: JSONValue = .object(["FeesEstimateRequest": .object([
                "MarketplaceId": .string(Self.us), "IsAmazonFulfilled": .bool(true), "Identifier": .string("r1"),
                "PriceToEstimateFees": .object(["ListingPrice": .object(["CurrencyCode": .string("USD"), "Amount": .number(24.99)])])])])
            try await check.call(api, SPAPIOperations.productFees("getMyFeesEstimateForSKU"), .POST, "/products/fees/v0/listings/\(sku)/feesEstimate",
                                 body: feeRequest)
            try await check.call(api, SPAPIOperations.productFees("getMyFeesEstimateForASIN"), .POST, "/products/fees/v0/items/\(asin)/feesEstimate",
                                 body: feeRequest)

            // Notifications.
            let destination = try await check.call(grantless, SPAPIOperations.notifications("createDestination"), .POST, "/notifications/v1/destinations",
                                                   body: .object(["name": .string("q"), "resourceSpecification": .object([
                                                       "sqs": .object(["arn": .string("arn:aws:sqs:us-east-1:123456789012:q")])])]))
            let destinationID = try #require(Self.string(destination["payload"]?["destinationId"]))
            try await check.call(grantless, SPAPIOperations.notifications("getDestinations"), .GET, "/notifications/v1/destinations")
            try await check.call(grantless, SPAPIOperations.notifications("getDestination"), .GET, "/notifications/v1/destinations/\(destinationID)")
            let subscription = try await check.call(api, SPAPIOperations.notifications("createSubscription"), .POST,
                                                    "/notifications/v1/subscriptions/ANY_OFFER_CHANGED",
                                                    body: .object(["payloadVersion": .string("1.0"), "destinationId": .string(destinationID),
                                                                   "processingDirective": .object(["eventFilter": .object([
                                                                       "eventFilterType": .string("ANY_OFFER_CHANGED"),
                                                                       "aggregationSettings": .object(["aggregationTimePeriod": .string("FiveMinutes")]),
                                                                       "marketplaceIds": .array([.string(Self.us)])])])]))
            let subscriptionID = try #require(Self.string(subscription["payload"]?["subscriptionId"]))
            try await check.call(api, SPAPIOperations.notifications("getSubscription"), .GET, "/notifications/v1/subscriptions/ANY_OFFER_CHANGED")
            try await check.call(grantless, SPAPIOperations.notifications("getSubscriptionById"), .GET,
                                 "/notifications/v1/subscriptions/ANY_OFFER_CHANGED/\(subscriptionID)")
            try await check.call(grantless, SPAPIOperations.notifications("deleteSubscriptionById"), .DELETE,
                                 "/notifications/v1/subscriptions/ANY_OFFER_CHANGED/\(subscriptionID)")
            try await check.call(grantless, SPAPIOperations.notifications("deleteDestination"), .DELETE, "/notifications/v1/destinations/\(destinationID)")

            // Nothing the sandbox serves went unchecked.
            let served = try JSONDecoder().decode([String: [String]].self, from: Data(try await harness.admin("GET", "/_sandbox/operations", nil, expect: 200)))
            let checked = Set(check.checked.withLock { $0.keys })
            #expect(Set(served["operations"] ?? []).subtracting(checked).sorted() == [])
            #expect(checked.subtracting(served["operations"] ?? []).sorted() == [])
            // Only cancelReport and cancelReportSchedule declare no body; every other answer was validated.
            #expect(check.validated.withLock { $0.count } == checked.count - 2)
        }
    }

    /// Every step after createInboundPlan, through to labels and tracking, and a cancellation.
    /// Each operation finishes when the sandbox clock moves past it.
    static func checkInboundWorkflow(_ check: Checker, _ api: SellingPartnerAPI, _ harness: SandboxHarness, planID: String, sku: String,
                                     address: JSONValue) async throws {
        let inbound = { (name: String) in SPAPIOperations.inbound2024(name) }
        let plan = "/inbound/fba/2024-03-20/inboundPlans/\(planID)"
        func finish(_ answer: JSONValue) async throws {
            _ = try await harness.admin("POST", "/_sandbox/clock", ["advanceSeconds": 1], expect: 200)
            let status = try await check.call(api, inbound("getInboundOperationStatus"), .GET,
                                              "/inbound/fba/2024-03-20/operations/\(Self.string(answer["operationId"]) ?? "")")
            #expect(Self.string(status["operationStatus"]) == "SUCCESS", "\(status)")
        }
        func json(_ value: some Encodable) throws -> JSONValue { try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(value)) }

        try await finish(try await check.call(api, inbound("generatePackingOptions"), .POST, "\(plan)/packingOptions"))
        let packing = try await check.call(api, inbound("listPackingOptions"), .GET, "\(plan)/packingOptions")
        let packingOption = try #require(Self.string(Self.first(packing["packingOptions"])?["packingOptionId"]))
        let group = try #require(Self.string(Self.first(Self.first(packing["packingOptions"])?["packingGroups"])))
        try await check.call(api, inbound("listPackingGroupItems"), .GET, "\(plan)/packingGroups/\(group)/items")
        try await finish(try await check.call(api, inbound("confirmPackingOption"), .POST, "\(plan)/packingOptions/\(packingOption)/confirmation"))
        let boxes = SetPackingInformationRequest(packageGroupings: [InboundPackageGrouping(packingGroupId: group, boxes: [InboundBoxInput(
            dimensions: InboundDimensions(length: 10, width: 8, height: 6, unitOfMeasurement: "IN"), weight: InboundWeight(value: 12.5, unit: "LB"),
            items: [InboundPlanItemInput(msku: sku, quantity: 10, labelOwner: "SELLER", prepOwner: "SELLER", expiration: "2027-01-31")])])])
        try await finish(try await check.call(api, inbound("setPackingInformation"), .POST, "\(plan)/packingInformation", body: try json(boxes)))
        try await check.call(api, inbound("listInboundPlanBoxes"), .GET, "\(plan)/boxes")
        try await finish(try await check.call(api, inbound("generatePlacementOptions"), .POST, "\(plan)/placementOptions", body: .object([:])))
        let placements = try await check.call(api, inbound("listPlacementOptions"), .GET, "\(plan)/placementOptions")
        let placement = try #require(Self.string(Self.first(placements["placementOptions"])?["placementOptionId"]))
        let shipmentID = try #require(Self.string(Self.first(Self.first(placements["placementOptions"])?["shipmentIds"])))
        try await finish(try await check.call(api, inbound("confirmPlacementOption"), .POST, "\(plan)/placementOptions/\(placement)/confirmation"))
        let shipment = "\(plan)/shipments/\(shipmentID)"
        try await check.call(api, inbound("listShipmentItems"), .GET, "\(shipment)/items")
        let shipmentBoxes = try await check.call(api, inbound("listShipmentBoxes"), .GET, "\(shipment)/boxes")
        let boxID = try #require(Self.string(Self.first(shipmentBoxes["boxes"])?["boxId"]))

        let transport = GenerateTransportationOptionsRequest(placementOptionId: placement, shipmentTransportationConfigurations: [
            InboundShipmentTransportationConfiguration(shipmentId: shipmentID, readyToShip: harness.state.now.addingTimeInterval(86_400).formatted(.iso8601),
                                                       contactInformation: InboundContactInformation(name: "Dock", phoneNumber: "7755550100"),
                                                       pallets: [.init(quantity: 1)])])
        try await finish(try await check.call(api, inbound("generateTransportationOptions"), .POST, "\(plan)/transportationOptions", body: try json(transport)))
        let options = try await check.call(api, inbound("listTransportationOptions"), .GET, "\(plan)/transportationOptions",
                                           query: [("placementOptionId", placement)])
        guard case .array(let listed)? = options["transportationOptions"] else { throw HarnessError("no transportation options") }
        let own = try #require(listed.first { Self.string($0["shippingSolution"]) == "USE_YOUR_OWN_CARRIER" && Self.string($0["shippingMode"]) == "GROUND_SMALL_PARCEL" })
        try await finish(try await check.call(api, inbound("generateDeliveryWindowOptions"), .POST, "\(shipment)/deliveryWindowOptions"))
        let windows = try await check.call(api, inbound("listDeliveryWindowOptions"), .GET, "\(shipment)/deliveryWindowOptions")
        let window = try #require(Self.string(Self.first(windows["deliveryWindowOptions"])?["deliveryWindowOptionId"]))
        try await finish(try await check.call(api, inbound("confirmDeliveryWindowOptions"), .POST, "\(shipment)/deliveryWindowOptions/\(window)/confirmation"))
        let selection = ConfirmTransportationOptionsRequest(transportationSelections: [
            InboundTransportationSelection(shipmentId: shipmentID, transportationOptionId: Self.string(own["transportationOptionId"]) ?? "")])
        try await finish(try await check.call(api, inbound("confirmTransportationOptions"), .POST, "\(plan)/transportationOptions/confirmation",
                                              body: try json(selection)))
        let confirmed = try await check.call(api, inbound("getShipment"), .GET, shipment)
        let confirmation = try #require(Self.string(confirmed["shipmentConfirmationId"]))
        try await check.call(api, SPAPIOperations.inboundV0("getLabels"), .GET, "/fba/inbound/v0/shipments/\(confirmation)/labels",
                             query: [("PageType", "PackageLabel_Thermal"), ("LabelType", "UNIQUE"), ("PackageLabelsToPrint", boxID)])
        try await finish(try await check.call(api, inbound("updateShipmentTrackingDetails"), .PUT, "\(shipment)/trackingDetails",
                                              body: try json(UpdateShipmentTrackingDetailsRequest.parcels([(boxID, "1Z999AA10123456784")]))))
        let shipped = try await check.call(api, inbound("getShipment"), .GET, shipment)
        #expect(Self.string(shipped["status"]) == "SHIPPED")
        try await check.call(api, inbound("getInboundPlan"), .GET, plan)

        // A second plan, cancelled before placement.
        let second = try await check.call(api, inbound("createInboundPlan"), .POST, "/inbound/fba/2024-03-20/inboundPlans",
                                          body: .object(["destinationMarketplaces": .array([.string(Self.us)]), "sourceAddress": address,
                                                         "items": .array([.object(["msku": .string(sku), "quantity": .number(4),
                                                                                   "labelOwner": .string("SELLER"), "prepOwner": .string("SELLER")])])]))
        try await finish(second)
        try await finish(try await check.call(api, inbound("cancelInboundPlan"), .PUT,
                                              "/inbound/fba/2024-03-20/inboundPlans/\(Self.string(second["inboundPlanId"]) ?? "")/cancellation"))
    }

    /// The validator is only worth something if it rejects what Amazon's clients would reject.
    @Test func validatorRejectsBodiesThatBreakTheModel() throws {
        let inbound = try SwaggerModel(api: "fulfillmentInbound_2024-03-20")
        let schema = JSONValue.object(["$ref": .string("#/definitions/InboundOperationStatus")])
        let valid: [String: JSONValue] = ["operation": .string("createInboundPlan"), "operationId": .string(UUID().uuidString.lowercased()),
                                          "operationProblems": .array([]), "operationStatus": .string("SUCCESS")]
        #expect(inbound.validator.validate(.object(valid), against: schema).isEmpty)

        var missing = valid
        missing["operationProblems"] = nil
        var badEnum = valid
        badEnum["operationStatus"] = .string("DONE")
        var badType = valid
        badType["operationProblems"] = .string("none")
        var tooShort = valid
        tooShort["operationId"] = .string("op-1")
        var badNested = valid
        badNested["operationProblems"] = .array([.object(["code": .string("X"), "severity": .string("ERROR")])])
        for (broken, expected) in [(missing, "operationProblems is missing"), (badEnum, "not one of"), (badType, "expected array"),
                                   (tooShort, "shorter than 36"), (badNested, "$.operationProblems[0]: required property message")] {
            let violations = inbound.validator.validate(.object(broken), against: schema)
            #expect(violations.contains { $0.description.contains(expected) }, "expected “\(expected)”, got \(violations)")
        }

        // Nested $refs through array definitions, formats and integer types.
        let listings = try SwaggerModel(api: "listingsItems_2021-08-01")
        let results = JSONValue.object(["$ref": .string("#/definitions/ItemSearchResults")])
        let item: JSONValue = .object(["sku": .string("A"), "summaries": .array([.object([
            "marketplaceId": .string(Self.us), "productType": .string("P"), "status": .array([.string("BUYABLE")]),
            "createdDate": .string("2026-01-01T00:00:00Z"), "lastUpdatedDate": .string("yesterday")])])])
        let violations = listings.validator.validate(.object(["numberOfResults": .number(1.5), "items": .array([item])]), against: results)
        #expect(violations.contains { $0.path == "$.numberOfResults" })
        #expect(violations.contains { $0.path == "$.items[0].summaries[0].lastUpdatedDate" })
        #expect(violations.count == 2)
    }
}
