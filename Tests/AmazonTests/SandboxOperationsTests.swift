import AmazonSandbox
import Foundation
import OpsideAmazonSPAPI
import OpsideCore
import OpsideTesting
import Testing

/// The HTTP status of an `SPAPIError.api`, nil for any other failure.
func apiStatus(_ error: SPAPIError?) -> Int? {
    if case .api(_, let status, _, _)? = error { return status }
    return nil
}

/// Round trips through the real client and the in-process sandbox for the APIs beyond reports,
/// orders and finances: inbound plans, listings, catalog, fees, notifications.
@Suite("Inbound plans, listings, catalog, fees and notifications")
struct SandboxOperationsTests {
    static let us = "ATVPDKIKX0DER"
    static let address = InboundAddress(name: "Warehouse", addressLine1: "1 Dock Rd", city: "Reno", stateOrProvinceCode: "NV",
                                        postalCode: "89501", countryCode: "US", phoneNumber: "7755550100")

    /// The seller's generated products as inventory reports them (SKU, ASIN, FNSKU).
    static func products(_ api: SellingPartnerAPI) async throws -> [InventorySummary] {
        var summaries: [InventorySummary] = []
        for try await page in api.allInventorySummaries(marketplaceID: us) { summaries += page.payload?.inventorySummaries ?? [] }
        return summaries
    }

    /// The operation stays IN_PROGRESS 8 s of sandbox time: long enough that the first poll sees
    /// it running even on a loaded machine (1.5 s was not, once, in a parallel pass of CI).
    @Test func inboundPlanIsCreatedPolledAndListedWithTheSellersProducts() async throws {
        try await SandboxHarness.with(SandboxSettings(port: 0, reportProcessingSeconds: 0.6, inboundOperationSeconds: 8)) { harness in
            let seller = try await harness.createSeller(seed: 501, skus: 12)
            let api = harness.client().0.api(for: harness.connection(for: seller))
            let products = try await Self.products(api)
            let chosen = Array(products.prefix(11))
            let created = try await api.createInboundPlan(CreateInboundPlanRequest(
                destinationMarketplaces: [Self.us], items: chosen.map { InboundPlanItemInput(msku: $0.sellerSku ?? "", quantity: 24) },
                name: "Spring restock", sourceAddress: Self.address))
            #expect(created.inboundPlanId.count == 38)
            #expect(try await api.getInboundOperationStatus(operationID: created.operationId).operationStatus == "IN_PROGRESS")
            let finished = try await api.waitForInboundOperation(operationID: created.operationId, interval: .milliseconds(100), timeout: .seconds(30))
            #expect(finished.operationStatus == "SUCCESS")
            #expect(finished.operation == "createInboundPlan")
            #expect(finished.operationProblems.isEmpty)

            let plan = try await api.getInboundPlan(inboundPlanID: created.inboundPlanId)
            #expect(plan.status == "ACTIVE")
            #expect(plan.name == "Spring restock")
            #expect(plan.sourceAddress == Self.address)
            #expect(plan.marketplaceIds == [Self.us])

            // Eleven items come back over two pages of ten, each with the product's ASIN and FNSKU.
            var items: [InboundPlanItem] = []
            var pages = 0
            for try await page in api.allInboundPlanItems(inboundPlanID: created.inboundPlanId) {
                items += page.items
                pages += 1
            }
            #expect(pages == 2)
            #expect(items.map(\.msku) == chosen.map { $0.sellerSku ?? "" })
            #expect(items.map(\.fnsku) == chosen.map { $0.fnSku ?? "" })
            #expect(items.map(\.asin) == chosen.map { $0.asin ?? "" })
            #expect(items.allSatisfy { $0.quantity == 24 && $0.labelOwner == "SELLER" })

            // An unknown MSKU fails the operation with a problem and leaves an ERRORED plan.
            let bad = try await api.createInboundPlan(CreateInboundPlanRequest(
                destinationMarketplaces: [Self.us], items: [InboundPlanItemInput(msku: "NOT-A-SKU", quantity: 1)], name: nil,
                sourceAddress: Self.address))
            let failed = try await api.waitForInboundOperation(operationID: bad.operationId, interval: .milliseconds(100), timeout: .seconds(30))
            #expect(failed.operationStatus == "FAILED")
            #expect(failed.operationProblems.first?.severity == "ERROR")
            #expect(failed.operationProblems.first?.message.contains("NOT-A-SKU") == true)

            let errored = try await api.listInboundPlans(status: "ERRORED")
            #expect(errored.inboundPlans?.map(\.inboundPlanId) == [bad.inboundPlanId])
            var all: [String] = []
            for try await page in api.allInboundPlans() { all += page.inboundPlans?.map(\.inboundPlanId) ?? [] }
            #expect(Set(all) == [created.inboundPlanId, bad.inboundPlanId])

            // Bad input is a 400 with Amazon's code; another seller cannot see the plan.
            let invalid = await #expect(throws: SPAPIError.self) {
                try await api.createInboundPlan(CreateInboundPlanRequest(destinationMarketplaces: [Self.us], items: [], name: nil,
                                                                        sourceAddress: Self.address))
            }
            #expect(apiStatus(invalid) == 400)
            #expect(invalid?.code == "InvalidInput")
            let other = try await harness.createSeller(seed: 502)
            let stranger = harness.client().0.api(for: harness.connection(for: other))
            let hidden = await #expect(throws: SPAPIError.self) { try await stranger.getInboundPlan(inboundPlanID: created.inboundPlanId) }
            #expect(apiStatus(hidden) == 404)
        }
    }

    @Test func listingsAreReadWrittenPatchedSearchedAndDeleted() async throws {
        try await SandboxHarness.with() { harness in
            let seller = try await harness.createSeller(seed: 511, skus: 25)
            let api = harness.client().0.api(for: harness.connection(for: seller))
            let sellerID = seller.sellingPartnerId
            let product = try #require(try await Self.products(api).first)
            let sku = try #require(product.sellerSku)

            let generated = try await api.getListingsItem(sellerID: sellerID, sku: sku, marketplaceIDs: [Self.us])
            #expect(generated.summaries?.first?.asin == product.asin)
            #expect(generated.summaries?.first?.fnSku == product.fnSku)
            #expect(generated.summaries?.first?.itemName == product.productName)
            #expect(generated.fulfillmentAvailability?.first?.quantity == product.totalQuantity)

            // A new SKU, then a patch of its title.
            let newSKU = "NEW/SKU 1"
            let put = try await api.putListingsItem(sellerID: sellerID, sku: newSKU, marketplaceIDs: [Self.us], ListingsItemPutRequest(
                productType: "LUGGAGE", attributes: ListingIssuesAndPricingTests.attributes(title: .string("Carry-on"))))
            #expect(put.status == "ACCEPTED")
            #expect(put.issues?.isEmpty == true)
            #expect(put.sku == newSKU)
            let fresh = try await api.getListingsItem(sellerID: sellerID, sku: newSKU, marketplaceIDs: [Self.us])
            #expect(fresh.summaries?.first?.productType == "LUGGAGE")
            #expect(fresh.summaries?.first?.itemName == "Carry-on")
            let patched = try await api.patchListingsItem(sellerID: sellerID, sku: newSKU, marketplaceIDs: [Self.us], ListingsItemPatchRequest(
                productType: "LUGGAGE", patches: [ListingsPatchOperation(op: "replace", path: "/attributes/item_name",
                                                                         value: [.object(["value": .string("Carry-on XL")])])]))
            #expect(patched.status == "ACCEPTED")
            let after = try await api.getListingsItem(sellerID: sellerID, sku: newSKU, marketplaceIDs: [Self.us])
            #expect(after.summaries?.first?.itemName == "Carry-on XL")
            #expect(after.attributes?["item_name"] == .array([.object(["value": .string("Carry-on XL")])]))

            // Search pages through 25 generated listings plus the new one.
            var found: [String] = []
            for try await page in api.allListingsItems(sellerID: sellerID, marketplaceIDs: [Self.us]) {
                #expect(page.numberOfResults == 26)
                found += page.items.map(\.sku)
            }
            #expect(found.count == 26)
            #expect(found.contains(newSKU))

            let deleted = try await api.deleteListingsItem(sellerID: sellerID, sku: newSKU, marketplaceIDs: [Self.us])
            #expect(deleted.status == "ACCEPTED")
            let gone = await #expect(throws: SPAPIError.self) {
                try await api.getListingsItem(sellerID: sellerID, sku: newSKU, marketplaceIDs: [Self.us])
            }
            #expect(apiStatus(gone) == 404)
            #expect(try await api.searchListingsItems(sellerID: sellerID, marketplaceIDs: [Self.us]).numberOfResults == 25)
            let foreign = await #expect(throws: SPAPIError.self) {
                try await api.getListingsItem(sellerID: "AOTHERSELLER", sku: sku, marketplaceIDs: [Self.us])
            }
            #expect(apiStatus(foreign) == 400)
        }
    }

    /// Catalog (2/s, burst 2) and fees (1/s, burst 2) allow only a few calls at once: these tests
    /// run unpaced against a sandbox refilling fifty times faster.
    static let fast = SandboxSettings(port: 0, timeScale: 50, reportProcessingSeconds: 0.6)

    @Test func catalogItemsCarryTheGeneratedProductsAndDimensions() async throws {
        try await SandboxHarness.with(Self.fast) { harness in
            let seller = try await harness.createSeller(seed: 521, skus: 30)
            let api = harness.client().0.api(for: harness.connection(for: seller))
            let products = try await Self.products(api)
            let asin = try #require(products.first?.asin)
            let item = try await api.getCatalogItem(asin: asin, marketplaceIDs: [Self.us])
            #expect(item.asin == asin)
            #expect(item.summaries?.first?.itemName == products.first?.productName)
            let dimensions = try #require(item.dimensions?.first?.package)
            #expect(dimensions.weight?.unit == "kilograms")
            #expect((dimensions.length?.value ?? 0) >= 10)

            let byASIN = try await api.searchCatalogItems(marketplaceIDs: [Self.us], identifiers: products.prefix(3).compactMap(\.asin),
                                                          identifiersType: "ASIN")
            #expect(byASIN.numberOfResults == 3)
            #expect(Set(byASIN.items.map(\.asin)) == Set(products.prefix(3).compactMap(\.asin)))
            let bySKU = try await api.searchCatalogItems(marketplaceIDs: [Self.us], identifiers: [products[4].sellerSku ?? ""],
                                                         identifiersType: "SKU", sellerID: seller.sellingPartnerId)
            #expect(bySKU.items.map(\.asin) == [products[4].asin ?? ""])
            let byKeyword = try await api.searchCatalogItems(marketplaceIDs: [Self.us], keywords: ["sandbox", "product"])
            #expect(byKeyword.numberOfResults == 30)
            #expect(byKeyword.items.count == 10)
            #expect(byKeyword.pagination?.nextToken != nil)

            let missing = await #expect(throws: SPAPIError.self) { try await api.getCatalogItem(asin: "B0NOTHERE0", marketplaceIDs: [Self.us]) }
            #expect(apiStatus(missing) == 404)
            let both = await #expect(throws: SPAPIError.self) {
                try await api.searchCatalogItems(marketplaceIDs: [Self.us], identifiers: [asin], identifiersType: "ASIN", keywords: ["x"])
            }
            #expect(apiStatus(both) == 400)
        }
    }

    @Test func feeEstimatesUseTheFeeAmazonCharges() async throws {
        try await SandboxHarness.with(Self.fast) { harness in
            let seller = try await harness.createSeller(seed: 531, skus: 10)
            let api = harness.client().0.api(for: harness.connection(for: seller))
            let product = try #require(try await Self.products(api).first)
            let sku = try #require(product.sellerSku)
            let request = FeesEstimateRequestBody(marketplaceID: Self.us, isAmazonFulfilled: true,
                                                  listingPrice: FeesMoney(Money(amountMinor: 2000, currency: .usd)), identifier: "req-1")
            let bySKU = try #require(try await api.getMyFeesEstimateForSKU(sku, request).FeesEstimateResult)
            #expect(bySKU.Status == "Success")
            #expect(bySKU.FeesEstimateIdentifier?.IdValue == sku)
            #expect(bySKU.FeesEstimateIdentifier?.SellerInputIdentifier == "req-1")
            // In cents, read from the numbers' text: exact, no tolerance needed.
            let fees = Dictionary(uniqueKeysWithValues: try (bySKU.FeesEstimate?.FeeDetailList ?? []).map {
                ($0.FeeType, try $0.FinalFee.money()?.amountMinor ?? -1)
            })
            #expect(fees["ReferralFee"] == 300)
            let fba = try #require(fees["FBAFees"])
            #expect(fba >= 322 && fba <= 1149)
            #expect(try bySKU.FeesEstimate?.TotalFeesEstimate?.money() == Money(amountMinor: 300 + fba, currency: .usd))

            let byASIN = try #require(try await api.getMyFeesEstimateForASIN(product.asin ?? "", request).FeesEstimateResult)
            #expect(byASIN.FeesEstimateIdentifier?.IdType == "ASIN")
            #expect(try byASIN.FeesEstimate?.FeeDetailList?.first { $0.FeeType == "FBAFees" }?.FinalFee.money()?.amountMinor == fba)

            let unknown = try #require(try await api.getMyFeesEstimateForSKU("NO-SUCH-SKU", request).FeesEstimateResult)
            #expect(unknown.Status == "ClientError")
            #expect(unknown.Error?.Code == "InvalidParameterValue")
        }
    }

    @Test func destinationsAreGrantlessAndSubscriptionsNeedTheSeller() async throws {
        try await SandboxHarness.with() { harness in
            let seller = try await harness.createSeller(seed: 541)
            let (client, _) = harness.client()
            let sellerAPI = client.api(for: harness.connection(for: seller))
            let grantless = client.api(for: .grantless(region: .northAmerica, scopes: [notificationsGrantlessScope]))

            let queue = try await grantless.createDestination(.sqs(name: "opside-reports", arn: "arn:aws:sqs:us-east-1:123456789012:opside-reports"))
            #expect(queue.resource.sqs?.arn == "arn:aws:sqs:us-east-1:123456789012:opside-reports")
            let bus = try await grantless.createDestination(.eventBridge(name: "opside-listings", region: "us-east-1", accountID: "123456789012"))
            #expect(bus.resource.eventBridge?.accountId == "123456789012")
            #expect(Set(try await grantless.getDestinations().map(\.destinationId)) == [queue.destinationId, bus.destinationId])
            #expect(try await grantless.getDestination(destinationID: queue.destinationId).name == "opside-reports")
            let duplicate = await #expect(throws: SPAPIError.self) {
                try await grantless.createDestination(.sqs(name: "again", arn: "arn:aws:sqs:us-east-1:123456789012:opside-reports"))
            }
            #expect(apiStatus(duplicate) == 409)
            // Destinations refuse the seller's token; subscriptions refuse the grantless one.
            let sellerToken = await #expect(throws: SPAPIError.self) { try await sellerAPI.getDestinations() }
            #expect(apiStatus(sellerToken) == 403)
            let grantlessToken = await #expect(throws: SPAPIError.self) {
                try await grantless.createSubscription(notificationType: "REPORT_PROCESSING_FINISHED",
                                                       CreateSubscriptionRequest(destinationId: queue.destinationId))
            }
            #expect(apiStatus(grantlessToken) == 403)

            let subscription = try await sellerAPI.createSubscription(notificationType: "REPORT_PROCESSING_FINISHED",
                                                                      CreateSubscriptionRequest(destinationId: queue.destinationId))
            #expect(subscription.destinationId == queue.destinationId)
            #expect(try await sellerAPI.getSubscription(notificationType: "REPORT_PROCESSING_FINISHED").subscriptionId == subscription.subscriptionId)
            let byID = try await grantless.getSubscriptionByID(notificationType: "REPORT_PROCESSING_FINISHED", subscriptionID: subscription.subscriptionId)
            #expect(byID.payloadVersion == "1.0")
            let wrongKind = await #expect(throws: SPAPIError.self) {
                try await sellerAPI.createSubscription(notificationType: "LISTINGS_ITEM_STATUS_CHANGE",
                                                       CreateSubscriptionRequest(destinationId: queue.destinationId))
            }
            #expect(apiStatus(wrongKind) == 400)
            let listings = try await sellerAPI.createSubscription(notificationType: "LISTINGS_ITEM_STATUS_CHANGE",
                                                                  CreateSubscriptionRequest(destinationId: bus.destinationId))
            #expect(listings.destinationId == bus.destinationId)

            let inUse = await #expect(throws: SPAPIError.self) { try await grantless.deleteDestination(destinationID: queue.destinationId) }
            #expect(apiStatus(inUse) == 409)
            try await grantless.deleteSubscriptionByID(notificationType: "REPORT_PROCESSING_FINISHED", subscriptionID: subscription.subscriptionId)
            let noSubscription = await #expect(throws: SPAPIError.self) { try await sellerAPI.getSubscription(notificationType: "REPORT_PROCESSING_FINISHED") }
            #expect(apiStatus(noSubscription) == 404)
            try await grantless.deleteDestination(destinationID: queue.destinationId)
            let noDestination = await #expect(throws: SPAPIError.self) { try await grantless.getDestination(destinationID: queue.destinationId) }
            #expect(apiStatus(noDestination) == 404)
        }
    }
}
