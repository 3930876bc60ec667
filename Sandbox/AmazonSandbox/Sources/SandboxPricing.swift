import Foundation
import Hummingbird
import OpsideAmazonSPAPI
import OpsideCore

/// Product Pricing v0 over the seller's listings and a field of other sellers on each ASIN.
///
/// The seller's own offer is its listing at the listing's current price
/// (`SandboxListings.currentPriceMinor`); a deleted listing has none, and only a buyable one
/// (priced, in stock, not suppressed) competes for buyers in getItemOffers / getListingOffers.
/// Competitors are 1-5 other sellers per ASIN, drawn from the ASIN's text alone (so the same on
/// every run and restart), priced within 15% of the product's generated price, about half
/// fulfilled by Amazon, merchant offers with shipping. The Buy Box goes to the lowest landed price
/// (price plus shipping) among the Buy Box eligible offers (`IsFeaturedMerchant`); a tie goes to
/// the FBA offer, then to the seller asking. The seller's own offer is always eligible.
struct SandboxPricing: Sendable {
    let state: SandboxState
    static let api = "productPricingV0"
    static let conditions: Set<String> = ["New", "Used", "Collectible", "Refurbished", "Club"]
    static let maxItems = 20

    func register(_ route: SandboxRouteRegistrar) {
        route(.get, "/products/pricing/v0/price", Self.api, "getPricing", nil) { request, _, caller in
            try pricing(request, caller, competitive: false)
        }
        route(.get, "/products/pricing/v0/competitivePrice", Self.api, "getCompetitivePricing", nil) { request, _, caller in
            try pricing(request, caller, competitive: true)
        }
        route(.get, "/products/pricing/v0/items/{Asin}/offers", Self.api, "getItemOffers", nil) { request, context, caller in
            let history = try Self.history(caller)
            let marketplace = try Self.marketplace(request, history)
            let condition = try Self.itemCondition(request)
            let asin = try context.parameters.require("Asin")
            guard let product = history.products.first(where: { $0.asin == asin }) else {
                return SandboxResponse.error(.notFound, code: "NotFound", message: "Item '\(asin)' was not found in marketplace \(marketplace).")
            }
            let itemOffers = offers(on: product, sku: product.sku, condition: condition, history: history, now: caller.now)
            return SandboxResponse.json(["payload": Self.offersResult(itemOffers, product: product, condition: condition, history: history,
                                                                      marketplace: marketplace, identifier: ("ASIN", asin))])
        }
        route(.get, "/products/pricing/v0/listings/{SellerSKU}/offers", Self.api, "getListingOffers", nil) { request, context, caller in
            let history = try Self.history(caller)
            let marketplace = try Self.marketplace(request, history)
            let condition = try Self.itemCondition(request)
            let raw = try context.parameters.require("SellerSKU")
            let sku = raw.removingPercentEncoding ?? raw
            guard listings.listing(sku, history: history) != nil else {
                return SandboxResponse.error(.notFound, code: "NotFound", message: "The seller has no listing with SKU '\(sku)' in marketplace \(marketplace).")
            }
            let product = history.products.first { $0.sku == sku }
            let listingOffers = offers(on: product, sku: sku, condition: condition, history: history, now: caller.now)
            return SandboxResponse.json(["payload": Self.offersResult(listingOffers, product: product, condition: condition, history: history,
                                                                      marketplace: marketplace, identifier: ("SellerSKU", sku))])
        }
    }

    var listings: SandboxListings { SandboxListings(state: state) }

    // MARK: Offers

    /// One offer on an item, the seller's or a competitor's.
    struct Offer: Sendable {
        let sellerID: String
        let mine: Bool
        let priceMinor: Int64
        let shippingMinor: Int64
        let fulfilledByAmazon: Bool
        /// Buy Box eligible (`IsFeaturedMerchant`).
        let eligible: Bool
        let positiveFeedback: Double
        let feedbackCount: Int
        var landedMinor: Int64 { priceMinor + shippingMinor }
    }

    /// The other sellers on `asin`, the same on every run: 1-5 offers within 15% of `referenceMinor`.
    static func competitors(asin: String, referenceMinor: Int64) -> [Offer] {
        var random = SplitMix64(seed: stableSeed("competitors:" + asin))
        return (0..<random.between(1, 5)).map { index in
            let fulfilledByAmazon = random.chance(0.5)
            let price = referenceMinor * Int64(random.between(8500, 11500)) / 10000
            let shipping = fulfilledByAmazon ? 0 : Int64(random.between(299, 599))
            // Most sellers may win the Buy Box; the first always may, so every item has a winner.
            let eligible = random.chance(0.8) || index == 0
            return Offer(sellerID: "A" + random.code(13), mine: false, priceMinor: max(1, price), shippingMinor: shipping,
                         fulfilledByAmazon: fulfilledByAmazon, eligible: eligible, positiveFeedback: Double(random.between(850, 1000)) / 10,
                         feedbackCount: random.between(20, 40000))
        }
    }

    /// The offers buyers see on the item of `sku` in `condition`, lowest landed price first: the
    /// competitors (new items only) and the seller's own when its listing is buyable in that condition.
    func offers(on product: SandboxProduct?, sku: String, condition: String, history: SellerHistory, now: Date) -> [Offer] {
        var offers = condition == "New" ? product.map { Self.competitors(asin: $0.asin, referenceMinor: $0.priceMinor) } ?? [] : []
        if let listing = listings.listing(sku, history: history) {
            let current = listings.snapshot(sku, listing, history: history, onHand: history.balances(at: now))
            if current.buyable, let price = current.priceMinor, Self.condition(of: current.conditionType) == condition {
                offers.append(Offer(sellerID: history.sellingPartnerID, mine: true, priceMinor: price, shippingMinor: 0,
                                    fulfilledByAmazon: current.fulfilledByAmazon, eligible: true, positiveFeedback: 98.5, feedbackCount: 1200))
            }
        }
        return offers.sorted { lhs, rhs in
            if lhs.landedMinor != rhs.landedMinor { return lhs.landedMinor < rhs.landedMinor }
            if lhs.fulfilledByAmazon != rhs.fulfilledByAmazon { return lhs.fulfilledByAmazon }
            if lhs.mine != rhs.mine { return lhs.mine }
            return lhs.sellerID < rhs.sellerID
        }
    }

    /// The offer holding the Buy Box: the first eligible one of offers sorted as `offers` sorts them.
    static func buyBoxWinner(_ offers: [Offer]) -> Offer? { offers.first(where: \.eligible) }

    /// `GetOffersResult` for getItemOffers (`identifier` ASIN) and getListingOffers (SellerSKU).
    static func offersResult(_ offers: [Offer], product: SandboxProduct?, condition: String, history: SellerHistory, marketplace: String,
                             identifier: (name: String, value: String)) -> [String: Any] {
        let currency = history.currency
        func money(_ minor: Int64) -> [String: Any] { ["CurrencyCode": currency, "Amount": decimalAmount(minor, currency: currency)] }
        // The model's examples write conditions in a summary and an offer's SubCondition in lower case ("new").
        let summaryCondition = condition.lowercased()
        let winner = buyBoxWinner(offers)
        func channel(_ offer: Offer) -> String { offer.fulfilledByAmazon ? "Amazon" : "Merchant" }
        func counts(_ subset: [Offer]) -> [[String: Any]] {
            ["Amazon", "Merchant"].compactMap { name -> [String: Any]? in
                let count = subset.filter { channel($0) == name }.count
                guard count > 0 else { return nil }
                return ["condition": summaryCondition, "fulfillmentChannel": name, "OfferCount": count]
            }
        }
        var summary: [String: Any] = [
            "TotalOfferCount": offers.count,
            "NumberOfOffers": counts(offers),
            "BuyBoxEligibleOffers": counts(offers.filter(\.eligible)),
            "LowestPrices": ["Amazon", "Merchant"].compactMap { name -> [String: Any]? in
                guard let lowest = offers.first(where: { channel($0) == name }) else { return nil }
                return ["condition": summaryCondition, "fulfillmentChannel": name, "LandedPrice": money(lowest.landedMinor),
                        "ListingPrice": money(lowest.priceMinor), "Shipping": money(lowest.shippingMinor)]
            },
            "BuyBoxPrices": winner.map { winner -> [[String: Any]] in
                [["condition": summaryCondition, "LandedPrice": money(winner.landedMinor), "ListingPrice": money(winner.priceMinor),
                  "Shipping": money(winner.shippingMinor), "sellerId": winner.sellerID]]
            } ?? [],
        ]
        // The manufacturer's list price: a fifth above the product's generated price.
        summary["ListPrice"] = product.map { money($0.priceMinor * 6 / 5) }
        let country = AmazonMarketplace.withID(marketplace)?.countryCode ?? history.countryCode
        let details = offers.map { offer -> [String: Any] in
            var detail: [String: Any] = [
                "MyOffer": offer.mine, "SellerId": offer.sellerID, "SubCondition": summaryCondition,
                "SellerFeedbackRating": ["SellerPositiveFeedbackRating": offer.positiveFeedback, "FeedbackCount": offer.feedbackCount] as [String: Any],
                "ShippingTime": ["minimumHours": offer.fulfilledByAmazon ? 0 : 24, "maximumHours": offer.fulfilledByAmazon ? 0 : 48,
                                 "availabilityType": "NOW"] as [String: Any],
                "ListingPrice": money(offer.priceMinor), "Shipping": money(offer.shippingMinor),
                "IsFulfilledByAmazon": offer.fulfilledByAmazon,
                "PrimeInformation": ["IsPrime": offer.fulfilledByAmazon, "IsNationalPrime": offer.fulfilledByAmazon],
                "IsBuyBoxWinner": winner.map { $0.sellerID == offer.sellerID } ?? false, "IsFeaturedMerchant": offer.eligible,
            ]
            if !offer.fulfilledByAmazon { detail["ShipsFrom"] = ["Country": country] }
            return detail
        }
        var result: [String: Any] = [
            "marketplaceId": marketplace, "ItemCondition": condition, "status": "Success", "Summary": summary, "Offers": Array(details.prefix(20)),
            "Identifier": ["MarketplaceId": marketplace, "ItemCondition": condition, identifier.name: identifier.value],
        ]
        result[identifier.name == "ASIN" ? "ASIN" : "SKU"] = identifier.value
        return result
    }

    /// The Product Pricing condition of a listing's `condition_type` (`used_good` is `Used`).
    static func condition(of conditionType: String) -> String {
        switch conditionType.split(separator: "_").first {
        case "used": "Used"
        case "collectible": "Collectible"
        case "refurbished": "Refurbished"
        case "club": "Club"
        default: "New"
        }
    }

    /// The subcondition of a listing's `condition_type` (`used_like_new` is `Mint`).
    static func subcondition(of conditionType: String) -> String {
        switch conditionType {
        case "used_like_new", "collectible_like_new": "Mint"
        case "used_very_good", "collectible_very_good": "Very Good"
        case "used_good", "collectible_good": "Good"
        case "used_acceptable", "collectible_acceptable": "Acceptable"
        case "new_open_box": "Open Box"
        case "new_oem": "OEM"
        case "refurbished_refurbished": "Refurbished"
        case "club_club": "Club"
        default: "New"
        }
    }

    // MARK: getPricing and getCompetitivePricing

    /// `MarketplaceId` and `ItemType` (`Asin` with `Asins`, `Sku` with `Skus`, at most 20) are
    /// required; `ItemCondition` and `OfferType` (getPricing) or `CustomerType`
    /// (getCompetitivePricing) are checked against the model's values. One entry per item asked
    /// for, in order: an item Amazon does not know (an ASIN not in the catalogue, a SKU that is no
    /// listing of a catalogue product) is an entry with status `ClientError`, not a 400.
    func pricing(_ request: Request, _ caller: SPAPICaller, competitive: Bool) throws -> Response {
        let history = try Self.history(caller)
        let marketplace = try Self.marketplace(request, history)
        let query = request.uri.queryParameters
        guard let itemType = query.get("ItemType") else { throw SandboxInputError(message: "ItemType is required", details: "ItemType") }
        guard ["Asin", "Sku"].contains(itemType) else { throw SandboxInputError(message: "ItemType must be Asin or Sku", details: "ItemType") }
        let asins = Self.list(query.getAll("Asins"))
        let skus = Self.list(query.getAll("Skus"))
        let (items, other) = itemType == "Asin" ? (asins, skus) : (skus, asins)
        let listName = itemType + "s", otherName = itemType == "Asin" ? "Skus" : "Asins"
        guard other.isEmpty else {
            throw SandboxInputError(message: "ItemType \(itemType) takes \(listName), not \(otherName)", details: otherName)
        }
        guard !items.isEmpty else { throw SandboxInputError(message: "\(listName) is required with ItemType \(itemType)", details: listName) }
        guard items.count <= Self.maxItems else {
            throw SandboxInputError(message: "\(listName) takes at most \(Self.maxItems) values, not \(items.count)", details: listName)
        }
        var condition: String?
        var business = false
        if competitive {
            if let customer = query.get("CustomerType"), !["Consumer", "Business"].contains(customer) {
                throw SandboxInputError(message: "CustomerType must be Consumer or Business", details: "CustomerType")
            }
        } else {
            if let text = query.get("ItemCondition") {
                guard Self.conditions.contains(text) else {
                    throw SandboxInputError(message: "ItemCondition must be one of \(Self.conditions.sorted().joined(separator: ", "))", details: "ItemCondition")
                }
                condition = text
            }
            if let offerType = query.get("OfferType") {
                guard ["B2C", "B2B"].contains(offerType) else { throw SandboxInputError(message: "OfferType must be B2C or B2B", details: "OfferType") }
                business = offerType == "B2B"
            }
        }
        let onHand = history.balances(at: caller.now)
        let entries = items.map { item -> [String: Any] in
            let key = itemType == "Asin" ? "ASIN" : "SellerSKU"
            let product = itemType == "Asin" ? history.products.first { $0.asin == item } : history.products.first { $0.sku == item }
            // The seller's listing of the item: an ASIN's through its SKU; a SKU's only while listed.
            let listing = product.flatMap { listings.listing($0.sku, history: history) }
            guard let product, itemType == "Asin" || listing != nil else { return ["status": "ClientError", key: item] }
            var identifiers: [String: Any] = ["MarketplaceASIN": ["MarketplaceId": marketplace, "ASIN": product.asin]]
            if itemType == "Sku" {
                identifiers["SKUIdentifier"] = ["MarketplaceId": marketplace, "SellerId": history.sellingPartnerID, "SellerSKU": product.sku]
            }
            var body: [String: Any] = ["Identifiers": identifiers]
            let current = listing.map { listings.snapshot(product.sku, $0, history: history, onHand: onHand) }
            if competitive {
                body["CompetitivePricing"] = competitivePricing(product, history: history, marketplace: marketplace, now: caller.now)
                body["SalesRankings"] = [Self.salesRank(product.asin)]
            } else {
                body["Offers"] = current.flatMap { current -> [[String: Any]]? in
                    guard !business, let price = current.priceMinor else { return nil }
                    let itemCondition = Self.condition(of: current.conditionType)
                    if let condition, condition != itemCondition { return nil }
                    let currency = history.currency
                    func money(_ minor: Int64) -> [String: Any] { ["CurrencyCode": currency, "Amount": decimalAmount(minor, currency: currency)] }
                    // `AMAZON`/`MERCHANT`, as the model's own getPricing example spells the channel.
                    return [[
                        "offerType": "B2C",
                        "BuyingPrice": ["ListingPrice": money(price), "LandedPrice": money(price), "Shipping": money(0)],
                        "RegularPrice": money(price), "FulfillmentChannel": current.fulfilledByAmazon ? "AMAZON" : "MERCHANT",
                        "ItemCondition": itemCondition, "ItemSubCondition": Self.subcondition(of: current.conditionType), "SellerSKU": product.sku,
                    ]]
                } ?? [[String: Any]]()
            }
            return ["status": "Success", key: item, "Product": body]
        }
        return SandboxResponse.json(["payload": entries])
    }

    /// `CompetitivePricingType`: the new-condition Buy Box price (CompetitivePriceId 1) and how
    /// many new offers there are.
    func competitivePricing(_ product: SandboxProduct, history: SellerHistory, marketplace: String, now: Date) -> [String: Any] {
        let newOffers = offers(on: product, sku: product.sku, condition: "New", history: history, now: now)
        let currency = history.currency
        func money(_ minor: Int64) -> [String: Any] { ["CurrencyCode": currency, "Amount": decimalAmount(minor, currency: currency)] }
        let prices = Self.buyBoxWinner(newOffers).map { winner -> [[String: Any]] in
            [["CompetitivePriceId": "1", "condition": "New", "subcondition": "New", "offerType": "B2C", "sellerId": winner.sellerID,
              "belongsToRequester": winner.mine,
              "Price": ["LandedPrice": money(winner.landedMinor), "ListingPrice": money(winner.priceMinor), "Shipping": money(winner.shippingMinor)]]]
        } ?? []
        return ["CompetitivePrices": prices, "NumberOfOfferListings": [["condition": "New", "Count": newOffers.count] as [String: Any]]]
    }

    /// The item's rank in its category, stable per ASIN.
    static func salesRank(_ asin: String) -> [String: Any] {
        var random = SplitMix64(seed: stableSeed("rank:" + asin))
        return ["ProductCategoryId": "home_garden_display_on_website", "Rank": random.between(150, 250_000)]
    }

    // MARK: Input

    static func history(_ caller: SPAPICaller) throws -> SellerHistory {
        guard let history = caller.history else { throw SandboxInputError(message: "Grantless access is not allowed") }
        return history
    }

    /// `MarketplaceId`, required, the seller's.
    static func marketplace(_ request: Request, _ history: SellerHistory) throws -> String {
        guard let marketplace = request.uri.queryParameters.get("MarketplaceId"), !marketplace.isEmpty else {
            throw SandboxInputError(message: "MarketplaceId is required", details: "MarketplaceId")
        }
        guard marketplace == history.marketplaceID else {
            throw SandboxInputError(message: "The seller does not participate in marketplace \(marketplace)", details: "MarketplaceId")
        }
        return marketplace
    }

    /// `ItemCondition` of the offers operations: required, one of the model's values.
    static func itemCondition(_ request: Request) throws -> String {
        guard let condition = request.uri.queryParameters.get("ItemCondition") else {
            throw SandboxInputError(message: "ItemCondition is required", details: "ItemCondition")
        }
        guard conditions.contains(condition) else {
            throw SandboxInputError(message: "ItemCondition must be one of \(conditions.sorted().joined(separator: ", "))", details: "ItemCondition")
        }
        if let customer = request.uri.queryParameters.get("CustomerType"), !["Consumer", "Business"].contains(customer) {
            throw SandboxInputError(message: "CustomerType must be Consumer or Business", details: "CustomerType")
        }
        return condition
    }

    /// A list parameter sent comma-separated (`Asins=A,B`, as the model's csv default and the
    /// clients send it) or repeated (`Asins=A&Asins=B`).
    static func list(_ values: [String]) -> [String] {
        values.flatMap { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }.filter { !$0.isEmpty }
    }
}
