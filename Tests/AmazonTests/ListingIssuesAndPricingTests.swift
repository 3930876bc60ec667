import AmazonSandbox
import Foundation
import NIOHTTP1
import OpsideAmazonSPAPI
import OpsideCore
import OpsideTesting
import Testing

/// Listings Items validation and issues, and Product Pricing, through the real client and the
/// in-process sandbox: what a seller-facing listings feature meets on Amazon.
@Suite("Listing issues and Product Pricing")
struct ListingIssuesAndPricingTests {
    static let us = SandboxOperationsTests.us
    static let fast = SandboxOperationsTests.fast

    /// Attributes of a listing Amazon accepts; each part can be left out or given a value of the caller's.
    static func attributes(title: JSONValue? = .string("Carry-on"), condition: JSONValue? = .string("new_new"), price: JSONValue? = .number(49.99),
                           quantity: JSONValue? = .number(5), image: Bool = true, bullets: Bool = true) -> [String: JSONValue] {
        let market = JSONValue.string(us)
        var attributes: [String: JSONValue] = [:]
        if let title { attributes["item_name"] = .array([.object(["value": title, "marketplace_id": market])]) }
        if let condition { attributes["condition_type"] = .array([.object(["value": condition, "marketplace_id": market])]) }
        if let price { attributes["purchasable_offer"] = offer(price) }
        if let quantity {
            attributes["fulfillment_availability"] = .array([.object(["fulfillment_channel_code": .string("DEFAULT"), "quantity": quantity])])
        }
        if image {
            attributes["main_product_image_locator"] = .array([.object(["media_location": .string("https://example.com/a.jpg"), "marketplace_id": market])])
        }
        if bullets { attributes["bullet_point"] = .array([.object(["value": .string("Fits overhead bins"), "marketplace_id": market])]) }
        return attributes
    }

    static func offer(_ price: JSONValue) -> JSONValue {
        .array([.object(["marketplace_id": .string(us), "currency": .string("USD"),
                         "our_price": .array([.object(["schedule": .array([.object(["value_with_tax": price])])])])])])
    }

    /// A patch replacing the listing's price with `amount` (decimal text, sent as a JSON number).
    static func pricePatch(_ amount: String) throws -> ListingsItemPatchRequest {
        let number = try #require(Double(amount))
        return ListingsItemPatchRequest(productType: "PRODUCT", patches: [
            ListingsPatchOperation(op: "replace", path: "/attributes/purchasable_offer", value: [try #require(first(offer(.number(number))))]),
        ])
    }

    static func first(_ value: JSONValue) -> JSONValue? {
        if case .array(let values) = value { return values.first }
        return nil
    }

    static func dollars(_ minor: Int64) -> String { Money(amountMinor: minor, currency: .usd).decimalString }

    /// A raw call for what our client does not send (`mode`, `includedData` on writes, search filters).
    static func send<Response: Decodable>(_ api: SellingPartnerAPI, _ type: Response.Type, _ method: HTTPMethod, _ path: String,
                                          query: [(String, String)], body: (any Encodable)? = nil, operation: String) async throws -> Response {
        let bytes = try body.map { Array(try JSONEncoder().encode($0)) }
        let response = try await api.send(method: method, path: path, query: query, body: bytes, operation: SPAPIOperations.listings(operation))
        return try SellingPartnerAPI.decode(type, from: response, operation: SPAPIOperations.listings(operation))
    }

    /// The first generated product with units on hand (so its listing is BUYABLE).
    static func stockedProduct(_ api: SellingPartnerAPI) async throws -> InventorySummary {
        try #require(try await SandboxOperationsTests.products(api).first { ($0.totalQuantity ?? 0) > 0 })
    }

    // MARK: Submissions

    @Test func anInvalidPutIsAnsweredWithItsIssuesAndStoresNothing() async throws {
        try await SandboxHarness.with(Self.fast) { harness in
            let seller = try await harness.createSeller(seed: 551, skus: 5)
            let api = harness.client().0.api(for: harness.connection(for: seller))
            let sellerID = seller.sellingPartnerId

            let broken = try await api.putListingsItem(sellerID: sellerID, sku: "BAD-1", marketplaceIDs: [Self.us], ListingsItemPutRequest(
                productType: "LUGGAGE", attributes: Self.attributes(title: nil, condition: nil, price: .number(-5), quantity: .number(2.5))))
            #expect(broken.status == "INVALID")
            let issues = broken.issues ?? []
            #expect(issues.allSatisfy { $0.severity == "ERROR" && $0.enforcements == nil })
            let byAttribute = Dictionary(grouping: issues) { $0.attributeNames?.first ?? "" }
            #expect(byAttribute["item_name"]?.map(\.code) == ["90220"])
            #expect(byAttribute["item_name"]?.first?.categories == ["MISSING_ATTRIBUTE"])
            #expect(byAttribute["item_name"]?.first?.message.contains("'item_name'") == true)
            #expect(byAttribute["condition_type"]?.first?.categories == ["MISSING_ATTRIBUTE"])
            #expect(byAttribute["purchasable_offer"]?.map(\.categories) == [["INVALID_PRICE"]])
            #expect(byAttribute["purchasable_offer"]?.first?.message.contains("-5") == true)
            #expect(byAttribute["fulfillment_availability"]?.map(\.categories) == [["INVALID_ATTRIBUTE"]])
            #expect(issues.count == 4)
            let nothing = await #expect(throws: SPAPIError.self) {
                try await api.getListingsItem(sellerID: sellerID, sku: "BAD-1", marketplaceIDs: [Self.us])
            }
            #expect(apiStatus(nothing) == 404)

            let unpriced = try await api.putListingsItem(sellerID: sellerID, sku: "BAD-2", marketplaceIDs: [Self.us], ListingsItemPutRequest(
                productType: "LUGGAGE", attributes: Self.attributes(price: nil)))
            #expect(unpriced.status == "INVALID")
            #expect(unpriced.issues?.map(\.categories) == [["MISSING_PRICE"]])
            let zero = try await api.putListingsItem(sellerID: sellerID, sku: "BAD-3", marketplaceIDs: [Self.us], ListingsItemPutRequest(
                productType: "LUGGAGE", attributes: Self.attributes(price: .number(0))))
            #expect(zero.issues?.map(\.code) == ["4000001"])
            let text = try await api.putListingsItem(sellerID: sellerID, sku: "BAD-4", marketplaceIDs: [Self.us], ListingsItemPutRequest(
                productType: "LUGGAGE", attributes: Self.attributes(price: .string("19.99"))))
            #expect(text.issues?.map(\.categories) == [["INVALID_PRICE"]])
            #expect(try await api.searchListingsItems(sellerID: sellerID, marketplaceIDs: [Self.us]).numberOfResults == 5)

            // An offer on an existing product needs no title (nor image); a full listing needs a title.
            let offerOnly = try await api.putListingsItem(sellerID: sellerID, sku: "OFFER-1", marketplaceIDs: [Self.us], ListingsItemPutRequest(
                productType: "LUGGAGE", requirements: "LISTING_OFFER_ONLY", attributes: Self.attributes(title: nil, image: false)))
            #expect(offerOnly.status == "ACCEPTED")
            #expect(offerOnly.issues?.isEmpty == true)

            // A valid listing without an image is accepted with a warning, which reads then carry.
            let imageless = try await api.putListingsItem(sellerID: sellerID, sku: "NO-IMAGE", marketplaceIDs: [Self.us], ListingsItemPutRequest(
                productType: "LUGGAGE", attributes: Self.attributes(image: false)))
            #expect(imageless.status == "ACCEPTED")
            #expect(imageless.issues?.map(\.severity) == ["WARNING"])
            #expect(imageless.issues?.first?.categories == ["MISSING_IMAGE"])
            let stored = try await api.getListingsItem(sellerID: sellerID, sku: "NO-IMAGE", marketplaceIDs: [Self.us])
            #expect(stored.issues?.map(\.categories) == [["MISSING_IMAGE"]])
            #expect(stored.summaries?.first?.status == ["BUYABLE", "DISCOVERABLE"])
            // The DEFAULT channel reports the seller's quantity; the offer its price.
            #expect(stored.fulfillmentAvailability?.map(\.fulfillmentChannelCode) == ["DEFAULT"])
            #expect(stored.fulfillmentAvailability?.first?.quantity == 5)
            #expect(stored.offers?.first?.price.amount == "49.99")
        }
    }

    @Test func aValidationPreviewAnswersWithoutStoringAndNamesTheASIN() async throws {
        try await SandboxHarness.with(Self.fast) { harness in
            let seller = try await harness.createSeller(seed: 552, skus: 5)
            let api = harness.client().0.api(for: harness.connection(for: seller))
            let sellerID = seller.sellingPartnerId
            let product = try #require(try await SandboxOperationsTests.products(api).first)
            let sku = try #require(product.sellerSku)
            let path = "/listings/2021-08-01/items/\(sellerID)/\(sku)"
            let preview = [("marketplaceIds", Self.us), ("mode", "VALIDATION_PREVIEW"), ("includedData", "identifiers,issues"), ("issueLocale", "fr_FR")]

            let valid = try await Self.send(api, JSONValue.self, .PUT, path, query: preview,
                                            body: ListingsItemPutRequest(productType: "PRODUCT", attributes: Self.attributes(title: .string("Renamed"))),
                                            operation: "putListingsItem")
            #expect(valid["status"] == .string("VALID"))
            #expect(valid["identifiers"] == .array([.object(["marketplaceId": .string(Self.us), "asin": .string(product.asin ?? "")])]))
            #expect(valid["issues"] == .array([]))
            let invalid = try await Self.send(api, ListingsItemSubmissionResponse.self, .PUT, path, query: preview,
                                              body: ListingsItemPutRequest(productType: "PRODUCT", attributes: Self.attributes(title: nil)),
                                              operation: "putListingsItem")
            #expect(invalid.status == "INVALID")
            #expect(invalid.issues?.map(\.code) == ["90220"])
            let patched = try await Self.send(api, ListingsItemSubmissionResponse.self, .PATCH, path, query: preview,
                                              body: try Self.pricePatch("1.5"), operation: "patchListingsItem")
            #expect(patched.status == "VALID")
            let badPatch = try await Self.send(api, ListingsItemSubmissionResponse.self, .PATCH, path, query: preview,
                                               body: try Self.pricePatch("-1"), operation: "patchListingsItem")
            #expect(badPatch.status == "INVALID")

            // None of it was stored: the generated listing is what it was.
            let listing = try await api.getListingsItem(sellerID: sellerID, sku: sku, marketplaceIDs: [Self.us])
            #expect(listing.summaries?.first?.itemName == product.productName)
            #expect(listing.offers?.first?.price.amount != "1.50")
            let newPreview = try await Self.send(api, ListingsItemSubmissionResponse.self, .PUT, "/listings/2021-08-01/items/\(sellerID)/PREVIEW-ONLY",
                                                 query: preview, body: ListingsItemPutRequest(productType: "PRODUCT", attributes: Self.attributes()),
                                                 operation: "putListingsItem")
            #expect(newPreview.status == "VALID")
            let absent = await #expect(throws: SPAPIError.self) {
                try await api.getListingsItem(sellerID: sellerID, sku: "PREVIEW-ONLY", marketplaceIDs: [Self.us])
            }
            #expect(apiStatus(absent) == 404)

            // identifiers only with a preview, as the model says.
            let refused = await #expect(throws: SPAPIError.self) {
                _ = try await Self.send(api, JSONValue.self, .PUT, path, query: [("marketplaceIds", Self.us), ("includedData", "identifiers")],
                                        body: ListingsItemPutRequest(productType: "PRODUCT", attributes: Self.attributes()), operation: "putListingsItem")
            }
            #expect(apiStatus(refused) == 400)
        }
    }

    // MARK: Stored issues

    @Test func aPriceFarFromTheProductsSuppressesTheListingUntilCorrected() async throws {
        try await SandboxHarness.with(Self.fast) { harness in
            let seller = try await harness.createSeller(seed: 553, skus: 8)
            let api = harness.client().0.api(for: harness.connection(for: seller))
            let sellerID = seller.sellingPartnerId
            let product = try await Self.stockedProduct(api)
            let sku = try #require(product.sellerSku)
            let generated = try await api.getListingsItem(sellerID: sellerID, sku: sku, marketplaceIDs: [Self.us])
            let reference = try Money(parsing: try #require(generated.offers?.first?.price.amount), currency: .usd)
            #expect(generated.summaries?.first?.status == ["BUYABLE", "DISCOVERABLE"])
            #expect(generated.issues?.contains { $0.severity == "ERROR" } == false)

            let fivefold = Self.dollars(reference.amountMinor * 5)
            #expect(try await api.patchListingsItem(sellerID: sellerID, sku: sku, marketplaceIDs: [Self.us], try Self.pricePatch(fivefold)).status == "ACCEPTED")
            let suppressed = try await api.getListingsItem(sellerID: sellerID, sku: sku, marketplaceIDs: [Self.us])
            let error = try #require(suppressed.issues?.first { $0.severity == "ERROR" })
            #expect(error.categories == ["INVALID_PRICE"])
            #expect(error.attributeNames == ["purchasable_offer"])
            #expect(error.message.contains("pricing error"))
            #expect(error.enforcements?.actions.map(\.action) == ["LISTING_SUPPRESSED"])
            #expect(error.enforcements?.exemption.status == "NOT_EXEMPT")
            #expect(suppressed.summaries?.first?.status == ["DISCOVERABLE"])
            #expect(suppressed.offers?.first?.price.amount == fivefold)
            // A suppressed listing is no offer buyers see.
            let offers = try await api.getItemOffers(asin: product.asin ?? "", marketplaceID: Self.us)
            #expect(!offers.Offers.contains { $0.MyOffer == true })
            let erroring = try await Self.send(api, ListingsSearchResults.self, .GET, "/listings/2021-08-01/items/\(sellerID)",
                                               query: [("marketplaceIds", Self.us), ("includedData", "issues"), ("withIssueSeverity", "ERROR")],
                                               operation: "searchListingsItems")
            #expect(erroring.items.map(\.sku) == [sku])
            let unbuyable = try await Self.send(api, ListingsSearchResults.self, .GET, "/listings/2021-08-01/items/\(sellerID)",
                                                query: [("marketplaceIds", Self.us), ("withoutStatus", "BUYABLE")], operation: "searchListingsItems")
            #expect(unbuyable.items.map(\.sku).contains(sku))

            // A third of the price is as wrong as three times it.
            let third = Self.dollars(reference.amountMinor / 3 - 1)
            _ = try await api.patchListingsItem(sellerID: sellerID, sku: sku, marketplaceIDs: [Self.us], try Self.pricePatch(third))
            let cheap = try await api.getListingsItem(sellerID: sellerID, sku: sku, marketplaceIDs: [Self.us])
            #expect(cheap.issues?.contains { $0.categories == ["INVALID_PRICE"] } == true)

            // Correcting the price lifts the suppression.
            _ = try await api.patchListingsItem(sellerID: sellerID, sku: sku, marketplaceIDs: [Self.us], try Self.pricePatch(reference.decimalString))
            let fixed = try await api.getListingsItem(sellerID: sellerID, sku: sku, marketplaceIDs: [Self.us])
            #expect(fixed.issues?.contains { $0.severity == "ERROR" } == false)
            #expect(fixed.summaries?.first?.status == ["BUYABLE", "DISCOVERABLE"])

            // A patch with a wrong value is refused and changes nothing.
            let negative = try await api.patchListingsItem(sellerID: sellerID, sku: sku, marketplaceIDs: [Self.us], try Self.pricePatch("-1"))
            #expect(negative.status == "INVALID")
            #expect(negative.issues?.map(\.categories) == [["INVALID_PRICE"]])
            let negativeQuantity = try await api.patchListingsItem(sellerID: sellerID, sku: sku, marketplaceIDs: [Self.us], ListingsItemPatchRequest(
                productType: "PRODUCT", patches: [ListingsPatchOperation(op: "replace", path: "/attributes/fulfillment_availability", value: [
                    .object(["fulfillment_channel_code": .string("DEFAULT"), "quantity": .number(-3)])])]))
            #expect(negativeQuantity.status == "INVALID")
            #expect(negativeQuantity.issues?.first?.attributeNames == ["fulfillment_availability"])
            let unchanged = try await api.getListingsItem(sellerID: sellerID, sku: sku, marketplaceIDs: [Self.us])
            #expect(unchanged.offers?.first?.price.amount == reference.decimalString)
            #expect(unchanged.fulfillmentAvailability?.map(\.fulfillmentChannelCode) == ["AMAZON_NA"])
        }
    }

    @Test func aDemoSellerSeesPlantedWarningsWithoutDoingAnything() async throws {
        try await SandboxHarness.with(Self.fast) { harness in
            let seller = try await harness.createSeller(seed: 554, skus: 40)
            let api = harness.client().0.api(for: harness.connection(for: seller))
            let sellerID = seller.sellingPartnerId
            var warned: [ListingsItem] = []
            var token: String?
            repeat {
                var query = [("marketplaceIds", Self.us), ("includedData", "summaries,issues"), ("withIssueSeverity", "WARNING"), ("pageSize", "20")]
                if let token { query.append(("pageToken", token)) }
                let page = try await Self.send(api, ListingsSearchResults.self, .GET, "/listings/2021-08-01/items/\(sellerID)", query: query,
                                               operation: "searchListingsItems")
                warned += page.items
                token = page.pagination?.nextToken
            } while token != nil
            // About one in eight of 40; each warning a missing bullet_point that takes nothing away.
            #expect((1...12).contains(warned.count), "\(warned.count) of 40 listings warned")
            for item in warned {
                #expect(item.issues?.map(\.code) == ["18001"])
                #expect(item.issues?.first?.attributeNames == ["bullet_point"])
                #expect(item.issues?.first?.categories == ["MISSING_ATTRIBUTE"])
            }
            let all = try await api.searchListingsItems(sellerID: sellerID, marketplaceIDs: [Self.us], includedData: ["issues"])
            #expect(all.numberOfResults == 40)
            let clean = all.items.filter { !warned.map(\.sku).contains($0.sku) }
            #expect(clean.allSatisfy { $0.issues?.isEmpty == true })
            // The same listings are warned on every read.
            let again = try await Self.send(api, ListingsSearchResults.self, .GET, "/listings/2021-08-01/items/\(sellerID)",
                                            query: [("marketplaceIds", Self.us), ("withIssueSeverity", "WARNING"), ("pageSize", "20")],
                                            operation: "searchListingsItems")
            #expect(again.numberOfResults == warned.count)
            let invalid = await #expect(throws: SPAPIError.self) {
                _ = try await Self.send(api, ListingsSearchResults.self, .GET, "/listings/2021-08-01/items/\(sellerID)",
                                        query: [("marketplaceIds", Self.us), ("withIssueSeverity", "INFO")], operation: "searchListingsItems")
            }
            #expect(apiStatus(invalid) == 400)
        }
    }

    // MARK: Product Pricing

    @Test func pricingFollowsTheListingPriceAndTheBuyBoxTheLowestLandedPrice() async throws {
        try await SandboxHarness.with(Self.fast) { harness in
            let seller = try await harness.createSeller(seed: 555, skus: 8)
            let api = harness.client().0.api(for: harness.connection(for: seller))
            let sellerID = seller.sellingPartnerId
            let product = try await Self.stockedProduct(api)
            let sku = try #require(product.sellerSku)
            let asin = try #require(product.asin)
            let generated = try await api.getListingsItem(sellerID: sellerID, sku: sku, marketplaceIDs: [Self.us])
            let reference = try Money(parsing: try #require(generated.offers?.first?.price.amount), currency: .usd)

            // The seller's own offer is at the listing's price; an unknown ASIN is a ClientError entry.
            let pricing = try await api.getPricing(marketplaceID: Self.us, asins: [asin, "B0NOTHERE0"])
            #expect(pricing.map(\.status) == ["Success", "ClientError"])
            #expect(pricing.map(\.ASIN) == [asin, "B0NOTHERE0"])
            #expect(try pricing.first?.Product?.Offers?.first?.BuyingPrice.ListingPrice.money() == reference)
            #expect(pricing.first?.Product?.Offers?.first?.SellerSKU == sku)

            // Priced at twice the product's price, the seller loses the Buy Box to a competitor.
            let twice = Self.dollars(reference.amountMinor * 2)
            _ = try await api.patchListingsItem(sellerID: sellerID, sku: sku, marketplaceIDs: [Self.us], try Self.pricePatch(twice))
            let bySKU = try await api.getPricing(marketplaceID: Self.us, skus: [sku])
            #expect(try bySKU.first?.Product?.Offers?.first?.RegularPrice.money()?.decimalString == twice)
            #expect(bySKU.first?.Product?.Identifiers.SKUIdentifier?.SellerSKU == sku)
            let losing = try await api.getItemOffers(asin: asin, marketplaceID: Self.us)
            #expect(losing.status == "Success")
            let mine = try #require(losing.Offers.first { $0.MyOffer == true })
            #expect(try mine.ListingPrice.money()?.decimalString == twice)
            #expect(mine.IsBuyBoxWinner == false)
            let competitors = losing.Offers.filter { $0.MyOffer != true }
            #expect((1...5).contains(competitors.count))
            #expect(losing.Summary.TotalOfferCount == competitors.count + 1)
            for competitor in competitors {
                let price = try #require(try competitor.ListingPrice.money()).amountMinor
                // Within 15% (the generator rounds down to the cent).
                #expect((price + 1) * 100 >= reference.amountMinor * 85 && price * 100 <= reference.amountMinor * 115)
                let shipping = try competitor.Shipping.money()?.amountMinor ?? 0
                #expect(competitor.IsFulfilledByAmazon ? shipping == 0 : shipping > 0)
            }
            let winner = try #require(losing.Summary.BuyBoxPrices?.first)
            #expect(winner.sellerId != sellerID)
            #expect(losing.Offers.filter { $0.IsBuyBoxWinner == true }.map(\.SellerId) == [winner.sellerId])
            let landed = try losing.Offers.map { try #require(try $0.ListingPrice.money()).amountMinor + (try $0.Shipping.money()?.amountMinor ?? 0) }
            #expect(landed == landed.sorted(), "offers come lowest landed price first")
            // Competitors are the same on every call.
            let again = try await api.getItemOffers(asin: asin, marketplaceID: Self.us)
            #expect(again.Offers.map(\.SellerId) == losing.Offers.map(\.SellerId))

            // Undercutting the lowest landed price wins the Buy Box.
            let lowest = try #require(landed.min())
            let undercut = Self.dollars(lowest - 1)
            _ = try await api.patchListingsItem(sellerID: sellerID, sku: sku, marketplaceIDs: [Self.us], try Self.pricePatch(undercut))
            let winning = try await api.getItemOffers(asin: asin, marketplaceID: Self.us)
            #expect(winning.Summary.BuyBoxPrices?.first?.sellerId == sellerID)
            #expect(try winning.Summary.BuyBoxPrices?.first?.ListingPrice.money()?.decimalString == undercut)
            #expect(winning.Offers.first?.MyOffer == true)
            #expect(winning.Offers.first?.IsBuyBoxWinner == true)
            let competitive = try await api.getCompetitivePricing(marketplaceID: Self.us, asins: [asin])
            let buyBox = try #require(competitive.first?.Product?.CompetitivePricing?.CompetitivePrices.first)
            #expect(buyBox.CompetitivePriceId == "1")
            #expect(buyBox.belongsToRequester == true)
            #expect(try buyBox.Price.ListingPrice.money()?.decimalString == undercut)
            #expect(competitive.first?.Product?.CompetitivePricing?.NumberOfOfferListings.first?.Count == winning.Summary.TotalOfferCount)
            let listingOffers = try await api.send(method: .GET, path: "/products/pricing/v0/listings/\(sku)/offers",
                                                   query: [("MarketplaceId", Self.us), ("ItemCondition", "New")],
                                                   operation: SPAPIOperations.pricing("getListingOffers"))
            let byListing = try SellingPartnerAPI.decode(SPAPIPayloadResponse<ItemOffers>.self, from: listingOffers,
                                                         operation: SPAPIOperations.pricing("getListingOffers")).payload
            #expect(byListing.SKU == sku)
            #expect(byListing.Summary.BuyBoxPrices?.first?.sellerId == sellerID)
            // Used offers: there are none.
            #expect(try await api.getItemOffers(asin: asin, marketplaceID: Self.us, itemCondition: "Used").Summary.TotalOfferCount == 0)

            // A deleted listing has no offer.
            _ = try await api.deleteListingsItem(sellerID: sellerID, sku: sku, marketplaceIDs: [Self.us])
            #expect(try await api.getItemOffers(asin: asin, marketplaceID: Self.us).Offers.allSatisfy { $0.MyOffer != true })
            #expect(try await api.getPricing(marketplaceID: Self.us, skus: [sku]).map(\.status) == ["ClientError"])
            #expect(try await api.getPricing(marketplaceID: Self.us, asins: [asin]).first?.Product?.Offers?.isEmpty == true)
        }
    }

    @Test func badPricingInputIsRefusedWithAmazonsError() async throws {
        try await SandboxHarness.with(Self.fast) { harness in
            let seller = try await harness.createSeller(seed: 556, skus: 21)
            let api = harness.client().0.api(for: harness.connection(for: seller))
            let products = try await SandboxOperationsTests.products(api)
            let asins = products.compactMap(\.asin)
            #expect(asins.count == 21)
            #expect(try await api.getPricing(marketplaceID: Self.us, asins: Array(asins.prefix(20))).count == 20)
            let tooMany = await #expect(throws: SPAPIError.self) { try await api.getPricing(marketplaceID: Self.us, asins: asins) }
            #expect(apiStatus(tooMany) == 400)
            #expect(tooMany?.code == "InvalidInput")

            func refused(_ path: String, _ query: [(String, String)], _ operation: String) async -> SPAPIError? {
                await #expect(throws: SPAPIError.self, "\(path) \(query)") {
                    _ = try await api.send(method: .GET, path: path, query: query, operation: SPAPIOperations.pricing(operation))
                }
            }
            let asin = asins[0], sku = products[0].sellerSku ?? ""
            for (query, operation) in [
                ([("MarketplaceId", Self.us), ("Asins", asin)], "getPricing"),  // no ItemType
                ([("MarketplaceId", Self.us), ("Asins", asin), ("ItemType", "Sku")], "getPricing"),  // ItemType and list disagree
                ([("MarketplaceId", Self.us), ("Skus", sku), ("ItemType", "Asin")], "getPricing"),
                ([("Asins", asin), ("ItemType", "Asin")], "getPricing"),  // no MarketplaceId
                ([("MarketplaceId", Self.us), ("Asins", asin), ("ItemType", "Asin"), ("ItemCondition", "Mint")], "getPricing"),
                ([("MarketplaceId", Self.us), ("Asins", asin), ("ItemType", "Isbn")], "getCompetitivePricing"),
                ([("MarketplaceId", Self.us), ("Asins", asin), ("ItemType", "Asin"), ("CustomerType", "Robot")], "getCompetitivePricing"),
            ] {
                let path = operation == "getPricing" ? "/products/pricing/v0/price" : "/products/pricing/v0/competitivePrice"
                let error = await refused(path, query, operation)
                #expect(apiStatus(error) == 400, "\(query)")
                #expect(error?.code == "InvalidInput")
            }
            let noCondition = await refused("/products/pricing/v0/items/\(asin)/offers", [("MarketplaceId", Self.us)], "getItemOffers")
            #expect(apiStatus(noCondition) == 400)
            let badCondition = await refused("/products/pricing/v0/items/\(asin)/offers", [("MarketplaceId", Self.us), ("ItemCondition", "Mint")],
                                             "getItemOffers")
            #expect(apiStatus(badCondition) == 400)
            let unknownASIN = await refused("/products/pricing/v0/items/B0NOTHERE0/offers", [("MarketplaceId", Self.us), ("ItemCondition", "New")],
                                            "getItemOffers")
            #expect(apiStatus(unknownASIN) == 404)
            let unknownSKU = await refused("/products/pricing/v0/listings/NO-SUCH-SKU/offers", [("MarketplaceId", Self.us), ("ItemCondition", "New")],
                                           "getListingOffers")
            #expect(apiStatus(unknownSKU) == 404)
        }
    }
}
