import AmazonSandbox
import Foundation
import OpsideAmazonSPAPI
import OpsideCore
import OpsideTesting
import Testing

/// The sandbox driven by a client sellers and developers really use, not only by ours: a sandbox
/// fitted to our client would hide our client's bugs. python-amazon-sp-api pages orders and
/// finances with the token alone and reports with `nextToken` as the only parameter
/// (Tests/Clients/python_sp_api_pages.py), and prices, offers and listings with the parameters it
/// sends by itself (Tests/Clients/python_sp_api_listings_pricing.py); deploy/test installs it,
/// pinned, into .run/clients-venv.
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
}
