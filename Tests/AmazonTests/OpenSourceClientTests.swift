@testable import AmazonSandbox
import Foundation
import OpsideAmazonSPAPI
import OpsideCore
import OpsideTesting
import Testing

/// The sandbox driven by a client sellers and developers really use, not only by ours: a sandbox
/// fitted to our client would hide our client's bugs. python-amazon-sp-api pages orders and
/// finances with the token alone and reports with `nextToken` as the only parameter
/// (Tests/Clients/python_sp_api_pages.py), prices, offers and listings with the parameters it
/// sends by itself (Tests/Clients/python_sp_api_listings_pricing.py), and the whole FBA inbound
/// workflow (Tests/Clients/python_sp_api_inbound_workflow.py), reads inbound items by date range
/// (Tests/Clients/python_sp_api_inbound_items.py), and requests and downloads the All Orders
/// report (Tests/Clients/python_sp_api_all_orders.py); deploy/test installs it, pinned,
/// into .run/clients-venv.
@Suite("Open-source SP-API clients against the sandbox")
struct OpenSourceClientTests {
    /// Runs `Tests/Clients/<script>` with `settings` and returns its JSON output.
    static func run(_ script: String, settings: [String: Any]) async throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: try await ClientScripts.run(script, settings: settings))
    }

    static func number(_ value: JSONValue?) -> Int? {
        if case .number(let number)? = value { return Int(number) }
        return nil
    }

    /// Every item of a raw paginated query, paged the way our client pages (criteria repeated).
    static func everything(_ api: SellingPartnerAPI, _ paged: PaginationTests.Paged) async throws -> [JSONValue] {
        var page = try await PaginationTests.get(api, paged, paged.first)
        var items = paged.items(page)
        while let token = paged.nextToken(page) {
            page = try await PaginationTests.get(api, paged, paged.first + [(paged.tokenParameter, token)])
            items += paged.items(page)
        }
        return items
    }

    @Test func pythonAmazonSPAPIPagesOrdersFinancesAndReports() async throws {
        try await SandboxHarness.with(PaginationTests.fast) { harness in
            let seller = try await harness.createSeller(seed: 811)
            let api = harness.client().0.api(for: harness.connection(for: seller))
            let createdAfter = PaginationTests.iso(Date().addingTimeInterval(-40 * 86_400))
            let postedAfter = PaginationTests.iso(Date().addingTimeInterval(-10 * 86_400))
            let reportType = "GET_FBA_REIMBURSEMENTS_DATA"
            for _ in 0..<3 { _ = try await api.createReport(CreateReportSpecification(reportType: reportType, marketplaceIDs: [PaginationTests.us])) }

            let orders = try await Self.everything(api, PaginationTests.orders(createdAfter, pageSize: 100))
                .compactMap { PaginationTests.string($0["AmazonOrderId"]) }
            let events = try await Self.everything(api, PaginationTests.financialEvents(postedAfter, pageSize: 100)).count
            let reports = try await Self.everything(api, PaginationTests.reports(reportType, pageSize: 100))
                .compactMap { PaginationTests.string($0) }
            #expect(orders.count >= 8 && events >= 8 && reports.count == 3, "the seller has too little to page: \(orders.count) orders, \(events) events")

            let result = try await Self.run("python_sp_api_pages.py", settings: [
                "endpoint": harness.baseURL, "refreshToken": seller.refreshToken, "clientId": harness.settings.clientID,
                "clientSecret": harness.settings.clientSecret, "marketplaceId": PaginationTests.us,
                "createdAfter": createdAfter, "ordersPageSize": (orders.count + 3) / 4,
                "postedAfter": postedAfter, "financesPageSize": (events + 3) / 4,
                "reportType": reportType, "reportsPageSize": 1,
            ])
            #expect(result["orders"]?["ids"] == .array(orders.map(JSONValue.string)))
            #expect(Self.number(result["orders"]?["pages"]) ?? 0 >= 4)
            #expect(Self.number(result["financialEvents"]?["count"]) == events)
            #expect(Self.number(result["financialEvents"]?["pages"]) ?? 0 >= 4)
            #expect(result["reports"]?["ids"] == .array(reports.map(JSONValue.string)))
            #expect(Self.number(result["reports"]?["pages"]) == 3)
            #expect(Self.number(result["malformedToken"]?["status"]) == 400)
            #expect(PaginationTests.string(result["malformedToken"]?["code"]) == "InvalidInput")
        }
    }

    @Test func pythonAmazonSPAPIReadsTheAllOrdersReportAsGetOrdersServesTheSameOrders() async throws {
        try await SandboxHarness.with(PaginationTests.fast) { harness in
            let seller = try await harness.createSeller(seed: 813)
            let api = harness.client().0.api(for: harness.connection(for: seller))
            let end = Date().addingTimeInterval(-86_400), start = end.addingTimeInterval(-30 * 86_400)
            var expected: [String: String] = [:]
            for order in try await Self.everything(api, PaginationTests.orders(PaginationTests.iso(start), pageSize: 100)) {
                guard let id = PaginationTests.string(order["AmazonOrderId"]), let purchased = PaginationTests.string(order["PurchaseDate"]),
                      let date = try? Date(purchased, strategy: .iso8601), date <= end else { continue }
                expected[id] = PaginationTests.string(order["OrderTotal"]?["Amount"])
            }
            #expect(expected.count >= 8, "the seller has too few orders in the range: \(expected.count)")

            let result = try await Self.run("python_sp_api_all_orders.py", settings: [
                "endpoint": harness.baseURL, "refreshToken": seller.refreshToken, "clientId": harness.settings.clientID,
                "clientSecret": harness.settings.clientSecret, "marketplaceId": PaginationTests.us,
                "dataEndTime": PaginationTests.iso(end), "days": 30, "tooManyDays": 45,
            ])
            #expect(PaginationTests.string(result["status"]) == "DONE")
            #expect(result["orderIds"] == .array(expected.keys.sorted().map(JSONValue.string)))
            #expect(Self.number(result["lines"]) == expected.count, "one line per order item; the sandbox sells one item per order")
            for (id, total) in expected {
                #expect(PaginationTests.string(result["prices"]?[id]) == total, "order \(id)")
            }
            #expect(PaginationTests.string(result["tooLong"]?["status"]) == "FATAL")
            #expect(PaginationTests.string(result["tooLong"]?["document"])?.contains("Date range exceeded") == true)
        }
    }

    /// The library reads the inbound shipments and their items by date range, a page of many
    /// shipments' items at a time, and gets Amazon's refusals for a range without a status list
    /// and for one end of a range; the items are those our client reads shipment by shipment.
    @Test func pythonAmazonSPAPIReadsInboundItemsByDateRange() async throws {
        try await SandboxHarness.with(PaginationTests.fast) { harness in
            let seller = try await harness.createSeller(seed: 841, skus: 60)
            let api = harness.client().0.api(for: harness.connection(for: seller))
            // Amazon's clock stands still, so both clients read the same shipments.
            _ = try await harness.admin("POST", "/_sandbox/clock", ["freeze": true], expect: 200)
            let after = PaginationTests.iso(harness.state.now.addingTimeInterval(-400 * 86_400))
            let before = PaginationTests.iso(harness.state.now)
            var shipmentIDs: [String] = [], expected: [String] = []
            for try await page in api.allInboundShipments(marketplaceID: PaginationTests.us, lastUpdatedAfter: after, lastUpdatedBefore: before) {
                for shipment in page.ShipmentData ?? [] {
                    let id = try #require(shipment.ShipmentId)
                    shipmentIDs.append(id)
                    for item in try await api.getInboundShipmentItems(shipmentID: id).ItemData ?? [] {
                        expected.append("\(id)|\(item.SellerSKU)|\(item.QuantityShipped)|\(item.QuantityReceived ?? -1)")
                    }
                }
            }
            let result = try await Self.run("python_sp_api_inbound_items.py", settings: [
                "endpoint": harness.baseURL, "refreshToken": seller.refreshToken, "clientId": harness.settings.clientID,
                "clientSecret": harness.settings.clientSecret, "marketplaceId": PaginationTests.us,
                "updatedAfter": after, "updatedBefore": before, "statuses": SellingPartnerAPI.inboundShipmentStatuses,
            ])
            #expect(result["shipmentIds"] == .array(shipmentIDs.map(JSONValue.string)))
            guard case .array(let items)? = result["items"] else { throw HarnessError("no items in \(result)") }
            let read = Set(items.compactMap { PaginationTests.string($0) })
            // An item is updated when its shipment is made and when its units are received, a
            // shipment when it closes too: the items' range holds every shipment's but those that
            // changed only by closing.
            #expect(items.count == read.count && read.isSubset(of: Set(expected)) && read.count > 50, "\(read.count) of \(expected.count) items")
            #expect(Self.number(result["itemPages"]) == (read.count + 49) / 50)
            for refusal in ["shipmentsWithoutStatus", "itemsWithOneEnd"] {
                #expect(Self.number(result[refusal]?["status"]) == 400 && PaginationTests.string(result[refusal]?["code"]) == "InvalidInput",
                        "\(refusal): \(String(describing: result[refusal]))")
            }
            #expect(PaginationTests.string(result["itemsWithOneEnd"]?["message"])
                    == "Either the ShipmentId or a pair of LastUpdatedAfter and LastUpdatedBefore must be passed in input")
            #expect(PaginationTests.string(result["shipmentsWithoutStatus"]?["message"])
                    == "At least one of ShipmentStatusList and ShipmentIdList must be provided")
        }
    }

    /// An amount the library printed (the text of the JSON number it parsed) in cents.
    static func cents(_ value: JSONValue?) throws -> Int64? {
        guard case .string(let text)? = value else { return nil }
        return try Money(parsing: text, currency: .usd, rounding: .halfEven).amountMinor
    }

    @Test func pythonAmazonSPAPIReadsPricesOffersAndListingsAsOurClientDoes() async throws {
        try await SandboxHarness.with(PaginationTests.fast) { harness in
            let seller = try await harness.createSeller(seed: 821, skus: 21)
            let api = harness.client().0.api(for: harness.connection(for: seller))
            let sellerID = seller.sellingPartnerId
            let products = try await SandboxOperationsTests.products(api)
            let product = try #require(products.first { ($0.totalQuantity ?? 0) > 0 })
            let sku = try #require(product.sellerSku), asin = try #require(product.asin)

            // What our client reads before the library's calls: the price, the offers, the Buy Box.
            let pricing = try await api.getPricing(marketplaceID: PaginationTests.us, asins: [asin])
            let price = try #require(try pricing.first?.Product?.Offers?.first?.BuyingPrice.ListingPrice.money())
            let before = try await api.getItemOffers(asin: asin, marketplaceID: PaginationTests.us)
            let lowest = try before.Offers.map { try #require(try $0.ListingPrice.money()).amountMinor + (try $0.Shipping.money()?.amountMinor ?? 0) }.min()
            let undercut = Money(amountMinor: try #require(lowest) - 1, currency: .usd)

            let result = try await Self.run("python_sp_api_listings_pricing.py", settings: [
                "endpoint": harness.baseURL, "refreshToken": seller.refreshToken, "clientId": harness.settings.clientID,
                "clientSecret": harness.settings.clientSecret, "marketplaceId": PaginationTests.us, "sellerId": sellerID,
                "asin": asin, "sku": sku, "newSku": "PY-1", "undercut": undercut.decimalString, "asins": products.compactMap(\.asin),
            ])

            // Pricing as our client read it.
            let byASIN = result["pricingByAsin"]
            #expect(PaginationTests.string(SchemaConformanceTests.element(byASIN, 0)?["status"]) == "Success")
            #expect(try Self.cents(SchemaConformanceTests.first(SchemaConformanceTests.element(byASIN, 0)?["prices"])) == price.amountMinor)
            #expect(PaginationTests.string(SchemaConformanceTests.element(byASIN, 1)?["status"]) == "ClientError")
            #expect(PaginationTests.string(SchemaConformanceTests.element(byASIN, 1)?["asin"]) == "B0NOTHERE0")
            #expect(try Self.cents(SchemaConformanceTests.first(SchemaConformanceTests.first(result["pricingBySku"])?["prices"])) == price.amountMinor)
            #expect(result["itemOffers"]?["sellers"] == .array(before.Offers.map { .string($0.SellerId ?? "") }))
            #expect(Self.number(result["itemOffers"]?["total"]) == before.Summary.TotalOfferCount)
            #expect(PaginationTests.string(result["itemOffers"]?["buyBoxSeller"]) == before.Summary.BuyBoxPrices?.first?.sellerId)

            // The library's patch undercut everyone: the Buy Box is the seller's, for both clients.
            #expect(PaginationTests.string(result["patch"]) == "ACCEPTED")
            #expect(PaginationTests.string(result["itemOffersAfter"]?["buyBoxSeller"]) == sellerID)
            #expect(try Self.cents(result["itemOffersAfter"]?["buyBoxPrice"]) == undercut.amountMinor)
            #expect(SchemaConformanceTests.first(result["itemOffersAfter"]?["mine"]) == .bool(true))
            #expect(PaginationTests.string(result["listingOffersAfter"]?["buyBoxSeller"]) == sellerID)
            #expect(result["competitive"]?["belongsToRequester"] == .bool(true))
            #expect(try Self.cents(result["competitive"]?["price"]) == undercut.amountMinor)
            let after = try await api.getItemOffers(asin: asin, marketplaceID: PaginationTests.us)
            #expect(after.Summary.BuyBoxPrices?.first?.sellerId == sellerID)
            #expect(try after.Summary.BuyBoxPrices?.first?.ListingPrice.money() == undercut)
            #expect(result["itemOffersAfter"]?["sellers"] == .array(after.Offers.map { .string($0.SellerId ?? "") }))

            // The library's listing: refused without a title, then accepted with a warning; our client reads it back.
            #expect(PaginationTests.string(result["invalidPut"]?["status"]) == "INVALID")
            #expect(result["invalidPut"]?["codes"] == .array([.string("90220")]))
            #expect(PaginationTests.string(result["put"]?["status"]) == "ACCEPTED")
            #expect(result["put"]?["categories"] == .array([.array([.string("MISSING_IMAGE")])]))
            let listing = try await api.getListingsItem(sellerID: sellerID, sku: "PY-1", marketplaceIDs: [PaginationTests.us])
            #expect(PaginationTests.string(result["listing"]?["itemName"]) == listing.summaries?.first?.itemName)
            #expect(listing.summaries?.first?.itemName == "Python listing")
            #expect(result["listing"]?["status"] == .array((listing.summaries?.first?.status ?? []).map(JSONValue.string)))
            #expect(listing.summaries?.first?.status == ["BUYABLE", "DISCOVERABLE"])
            #expect(result["listing"]?["issueCategories"] == .array((listing.issues ?? []).map { .array($0.categories.map(JSONValue.string)) }))
            #expect(PaginationTests.string(result["listing"]?["price"]) == listing.offers?.first?.price.amount)
            #expect(listing.offers?.first?.price.amount == "19.99")
            #expect(Self.number(result["listing"]?["quantity"]) == 7)
            #expect(listing.fulfillmentAvailability?.first?.quantity == 7)

            #expect(Self.number(result["tooManyAsins"]?["status"]) == 400)
            #expect(PaginationTests.string(result["tooManyAsins"]?["code"]) == "InvalidInput")
        }
    }

    /// The library's FulfillmentInboundV20240320 and v0 getLabels run a plan from items to a
    /// tracked shipment; our client reads back what the library made. Operations take 50 ms of
    /// the sandbox's clock, which the script freezes and moves on between its polls.
    @Test func pythonAmazonSPAPIRunsTheInboundWorkflow() async throws {
        let settings = SandboxSettings(port: 0, timeScale: 50, reportProcessingSeconds: 0.6, inboundOperationSeconds: 0.05)
        try await SandboxHarness.with(settings) { harness in
            let seller = try await harness.createSeller(seed: 831, skus: 12)
            let api = harness.client().0.api(for: harness.connection(for: seller))
            let skus = try await SandboxOperationsTests.products(api).compactMap(\.sellerSku)
                .filter { SandboxInboundRules.prep(forSKU: $0) == nil }.prefix(2)
            try #require(skus.count == 2)
            let result = try await Self.run("python_sp_api_inbound_workflow.py", settings: [
                "endpoint": harness.baseURL, "refreshToken": seller.refreshToken, "clientId": harness.settings.clientID,
                "clientSecret": harness.settings.clientSecret, "marketplaceId": PaginationTests.us, "skus": Array(skus),
                "readyToShip": harness.state.now.addingTimeInterval(86_400).formatted(.iso8601),
            ])
            let planID = try #require(PaginationTests.string(result["planId"]))

            // Every step the library started succeeded; the out-of-order one failed as Amazon's would.
            guard case .array(let operations)? = result["operations"] else { throw HarnessError("no operations in \(result)") }
            let failed = operations.filter { SchemaConformanceTests.element($0, 1) == .string("FAILED") }
            #expect(failed == [.array([.string("generatePlacementOptions"), .string("FAILED")])])
            #expect(operations.count == 14)
            #expect(result["outOfOrder"] == .array([.string("FBA_INB_0332")]))

            // What our client reads is what the library made and read.
            let plan = try await api.getInboundPlan(inboundPlanID: planID)
            #expect(plan.name == "Python plan" && plan.status == "SHIPPED")  // its one shipment shipped
            guard case .array(let grouped)? = result["packingGroupItems"] else { throw HarnessError("no packing group items") }
            #expect(Set(grouped.map { "\(PaginationTests.string(SchemaConformanceTests.element($0, 0)) ?? ""):\(Self.number(SchemaConformanceTests.element($0, 1)) ?? 0)" })
                    == [skus[skus.startIndex] + ":6", skus[skus.startIndex + 1] + ":4"])
            let placements = try await api.listPlacementOptions(inboundPlanID: planID).placementOptions
            let placement = try #require(placements.first { $0.placementOptionId == PaginationTests.string(result["placement"]?["id"]) })
            #expect(placement.status == "ACCEPTED")
            #expect(result["placement"]?["shipmentIds"] == .array(placement.shipmentIds.map(JSONValue.string)))
            // One box: the single-center option, ten units at 0.30.
            #expect(try Self.cents(SchemaConformanceTests.first(result["placement"]?["fees"])) == 300)
            #expect(try placement.netFee()?.amountMinor == 300)
            let shipmentID = try #require(placement.shipmentIds.first)
            let shipment = try await api.getShipment(inboundPlanID: planID, shipmentID: shipmentID)
            #expect(PaginationTests.string(result["shipment"]?["confirmationId"]) == shipment.shipmentConfirmationId)
            #expect(PaginationTests.string(result["shipment"]?["selectedTransportationOptionId"]) == shipment.selectedTransportationOptionId)
            #expect(PaginationTests.string(result["shipment"]?["selectedDeliveryWindow"]) == shipment.selectedDeliveryWindow?.deliveryWindowOptionId)
            #expect(shipment.status == "SHIPPED" && PaginationTests.string(result["shipment"]?["statusAfterTracking"]) == "SHIPPED")
            let boxes = try await api.listShipmentBoxes(inboundPlanID: planID, shipmentID: shipmentID).boxes.compactMap(\.boxId)
            #expect(result["boxIds"] == .array(boxes.map(JSONValue.string)) && result["shipment"]?["tracked"] == result["boxIds"])
            let quote = try #require(try await api.listTransportationOptions(inboundPlanID: planID, shipmentID: shipmentID).transportationOptions
                .first { $0.shippingSolution == "AMAZON_PARTNERED_CARRIER" }?.quote?.cost.money())
            #expect(try Self.cents(result["partneredQuote"]) == quote.amountMinor)
            #expect(result["ownPreconditions"] == .array([.string("CONFIRMED_DELIVERY_WINDOW")]))
            #expect(Self.number(result["deliveryWindows"]) == 4)

            // A real PDF with a page per box, and the refusals.
            #expect(Self.number(result["labels"]?["status"]) == 200 && result["labels"]?["pdf"] == .bool(true))
            #expect(PaginationTests.string(result["labels"]?["contentType"]) == "application/pdf")
            #expect(Self.number(result["labels"]?["pages"]) == boxes.count)
            let cancelled = try #require(PaginationTests.string(result["cancelledPlan"]))
            #expect(try await api.getInboundPlan(inboundPlanID: cancelled).status == "VOIDED")
            #expect(Self.number(result["cancelShipped"]?["status"]) == 400)
        }
    }
}
