import Foundation
import Hummingbird
import OpsideAmazonSPAPI
import OpsideCore

/// A listing the seller wrote through putListingsItem / patchListingsItem / deleteListingsItem.
/// Generated products are listings too until the seller touches them; the first write copies
/// the generated listing here.
struct SandboxListing: Sendable {
    var productType: String
    var attributes: [String: JSONValue]
    var createdAt: Date
    var updatedAt: Date
    var deleted: Bool
}

extension JSONValue {
    /// The Foundation object `JSONSerialization` writes.
    var foundationObject: Any {
        switch self {
        case .null: NSNull()
        case .bool(let value): value
        case .number(let value): value
        case .string(let value): value
        case .array(let values): values.map(\.foundationObject)
        case .object(let object): object.mapValues(\.foundationObject)
        }
    }
}

/// Listings Items 2021-08-01 over the seller's generated catalogue: every generated SKU is a live
/// listing (BUYABLE while units are on hand), and puts, patches and deletes change what later
/// reads return.
struct SandboxListings: Sendable {
    let state: SandboxState
    static let api = "listingsItems_2021-08-01"
    static let defaultIncludedData: Set<String> = ["summaries"]

    func register(_ route: SandboxRouteRegistrar) {
        route(.get, "/listings/2021-08-01/items/{sellerId}/{sku}", Self.api, "getListingsItem", nil) { request, context, caller in
            let (history, sku) = try target(context, caller)
            let marketplace = try Self.marketplace(request, history)
            guard let listing = listing(sku, history: history, caller: caller) else {
                return SandboxResponse.error(.notFound, code: "NOT_FOUND", message: "SKU '\(sku)' not found in marketplace \(marketplace)")
            }
            return SandboxResponse.json(json(sku: sku, listing, history: history, marketplace: marketplace, now: caller.now,
                                             included: Self.includedData(request)))
        }
        route(.put, "/listings/2021-08-01/items/{sellerId}/{sku}", Self.api, "putListingsItem", nil) { request, context, caller in
            let (history, sku) = try target(context, caller)
            _ = try Self.marketplace(request, history)
            let body = try await SandboxResponse.decode(PutBody.self, from: request)
            if let requirements = body.requirements, !["LISTING", "LISTING_PRODUCT_ONLY", "LISTING_OFFER_ONLY"].contains(requirements) {
                throw SandboxInputError(message: "requirements must be LISTING, LISTING_PRODUCT_ONLY or LISTING_OFFER_ONLY")
            }
            if Self.isPreview(request) { return submission(sku, status: "VALID") }
            let now = caller.now
            let created = listing(sku, history: history, caller: caller)?.createdAt ?? now
            state.withLock {
                $0.listings[history.sellingPartnerID, default: [:]][sku] = SandboxListing(
                    productType: body.productType, attributes: body.attributes, createdAt: created, updatedAt: now, deleted: false)
            }
            return submission(sku, status: "ACCEPTED")
        }
        route(.patch, "/listings/2021-08-01/items/{sellerId}/{sku}", Self.api, "patchListingsItem", nil) { request, context, caller in
            let (history, sku) = try target(context, caller)
            _ = try Self.marketplace(request, history)
            let body = try await SandboxResponse.decode(PatchBody.self, from: request)
            guard var listing = listing(sku, history: history, caller: caller) else {
                return submission(sku, status: "INVALID", issue: "The SKU \(sku) has no listing to patch; use putListingsItem to create it.")
            }
            for patch in body.patches {
                guard ["add", "replace", "merge", "delete"].contains(patch.op) else {
                    throw SandboxInputError(message: "op must be add, replace, merge or delete")
                }
                guard patch.path.hasPrefix("/attributes/"), patch.path.count > "/attributes/".count else {
                    throw SandboxInputError(message: "path must name an attribute, like /attributes/item_name")
                }
                let name = String(patch.path.dropFirst("/attributes/".count))
                if patch.op == "delete" {
                    listing.attributes[name] = nil
                } else {
                    guard let value = patch.value else { throw SandboxInputError(message: "value is required for \(patch.op)") }
                    listing.attributes[name] = .array(value)
                }
            }
            if Self.isPreview(request) { return submission(sku, status: "VALID") }
            listing.productType = body.productType
            listing.updatedAt = caller.now
            state.withLock { $0.listings[history.sellingPartnerID, default: [:]][sku] = listing }
            return submission(sku, status: "ACCEPTED")
        }
        route(.delete, "/listings/2021-08-01/items/{sellerId}/{sku}", Self.api, "deleteListingsItem", nil) { request, context, caller in
            let (history, sku) = try target(context, caller)
            _ = try Self.marketplace(request, history)
            guard var listing = listing(sku, history: history, caller: caller) else {
                return submission(sku, status: "INVALID", issue: "The SKU \(sku) has no listing to delete.")
            }
            listing.deleted = true
            listing.updatedAt = caller.now
            state.withLock { $0.listings[history.sellingPartnerID, default: [:]][sku] = listing }
            return submission(sku, status: "ACCEPTED")
        }
        route(.get, "/listings/2021-08-01/items/{sellerId}", Self.api, "searchListingsItems", nil) { request, context, caller in
            guard let history = caller.history else { throw SandboxInputError(message: "Grantless access is not allowed") }
            guard try context.parameters.require("sellerId") == history.sellingPartnerID else {
                throw SandboxInputError(message: "sellerId does not match the authorized selling partner")
            }
            return try search(request, history: history, caller: caller)
        }
    }

    struct PutBody: Decodable {
        let productType: String
        let requirements: String?
        let attributes: [String: JSONValue]
    }

    struct PatchBody: Decodable {
        struct Patch: Decodable {
            let op: String
            let path: String
            let value: [JSONValue]?
        }
        let productType: String
        let patches: [Patch]
    }

    /// The caller's history and the SKU of a `/items/{sellerId}/{sku}` path, refusing another seller's id.
    func target(_ context: BasicRequestContext, _ caller: SPAPICaller) throws -> (SellerHistory, String) {
        guard let history = caller.history else { throw SandboxInputError(message: "Grantless access is not allowed") }
        guard try context.parameters.require("sellerId") == history.sellingPartnerID else {
            throw SandboxInputError(message: "sellerId does not match the authorized selling partner")
        }
        let raw = try context.parameters.require("sku")
        return (history, raw.removingPercentEncoding ?? raw)
    }

    static func marketplace(_ request: Request, _ history: SellerHistory) throws -> String {
        guard let ids = request.uri.queryParameters.get("marketplaceIds"), !ids.isEmpty else {
            throw SandboxInputError(message: "marketplaceIds is required")
        }
        guard let first = ids.split(separator: ",").first, String(first) == history.marketplaceID else {
            throw SandboxInputError(message: "The seller does not participate in marketplace \(ids)")
        }
        return String(first)
    }

    static func includedData(_ request: Request) -> Set<String> { includedData(request.uri.queryParameters.get("includedData")) }

    static func includedData(_ text: String?) -> Set<String> {
        guard let text, !text.isEmpty else { return defaultIncludedData }
        return Set(text.split(separator: ",").map(String.init))
    }

    static func isPreview(_ request: Request) -> Bool { request.uri.queryParameters.get("mode") == "VALIDATION_PREVIEW" }

    func submission(_ sku: String, status: String, issue: String? = nil) -> Response {
        var body: [String: Any] = ["sku": sku, "status": status, "submissionId": UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")]
        body["issues"] = issue.map { [["code": "4000001", "message": $0, "severity": "ERROR", "categories": ["INVALID_ATTRIBUTE"]]] } ?? []
        return SandboxResponse.json(body)
    }

    /// The listing for `sku`: what the seller wrote, else the generated product's, nil when deleted or unknown.
    func listing(_ sku: String, history: SellerHistory, caller: SPAPICaller) -> SandboxListing? {
        if let written = state.withLock({ $0.listings[history.sellingPartnerID]?[sku] }) { return written.deleted ? nil : written }
        guard let product = history.products.first(where: { $0.sku == sku }) else { return nil }
        return generated(product, history: history)
    }

    func generated(_ product: SandboxProduct, history: SellerHistory) -> SandboxListing {
        let marketplace = JSONValue.string(history.marketplaceID)
        let price = decimalAmount(product.priceMinor, currency: history.currency).doubleValue
        return SandboxListing(productType: "PRODUCT", attributes: [
            "item_name": .array([.object(["value": .string(product.title), "marketplace_id": marketplace])]),
            "purchasable_offer": .array([.object([
                "marketplace_id": marketplace, "currency": .string(history.currency),
                "our_price": .array([.object(["schedule": .array([.object(["value_with_tax": .number(price)])])])]),
            ])]),
            "fulfillment_availability": .array([.object(["fulfillment_channel_code": .string("AMAZON_NA")])]),
        ], createdAt: history.start, updatedAt: history.start, deleted: false)
    }

    func json(sku: String, _ listing: SandboxListing, history: SellerHistory, marketplace: String, now: Date,
              included: Set<String>) -> [String: Any] {
        let index = history.products.firstIndex { $0.sku == sku }
        let product = index.map { history.products[$0] }
        let onHand = index.map { max(0, history.balances(at: now)[$0]) } ?? 0
        var item: [String: Any] = ["sku": sku]
        if included.contains("summaries") {
            var summary: [String: Any] = [
                "marketplaceId": marketplace, "productType": listing.productType, "conditionType": "new_new",
                "status": onHand > 0 ? ["BUYABLE", "DISCOVERABLE"] : ["DISCOVERABLE"],
                "createdDate": listing.createdAt.iso, "lastUpdatedDate": listing.updatedAt.iso,
            ]
            summary["asin"] = product?.asin
            summary["fnSku"] = product?.fnsku
            if case .array(let names)? = listing.attributes["item_name"], case .string(let name)? = names.first?["value"] {
                summary["itemName"] = name
            } else {
                summary["itemName"] = product?.title
            }
            item["summaries"] = [summary]
        }
        if included.contains("attributes") { item["attributes"] = listing.attributes.mapValues(\.foundationObject) }
        if included.contains("issues") { item["issues"] = [Any]() }
        if included.contains("offers"), let product {
            item["offers"] = [["marketplaceId": marketplace, "offerType": "B2C",
                               "price": ["currencyCode": history.currency, "amount": decimalString(product.priceMinor, currency: history.currency)]]]
        }
        if included.contains("fulfillmentAvailability") {
            item["fulfillmentAvailability"] = [["fulfillmentChannelCode": product == nil ? "DEFAULT" : "AMAZON_NA", "quantity": onHand]]
        }
        if included.contains("productTypes") { item["productTypes"] = [["marketplaceId": marketplace, "productType": listing.productType]] }
        return item
    }

    /// `pageSize` 1-20 (default 10), `pageToken`, `identifiers` with `identifiersType` SKU or ASIN.
    /// `marketplaceIds` is required on every call; a `pageToken` carries the rest of the query.
    func search(_ request: Request, history: SellerHistory, caller: SPAPICaller) throws -> Response {
        let marketplace = try Self.marketplace(request, history)
        let paged = try PagedQuery(request, operation: "searchListingsItems", seller: caller.sellingPartnerID, tokenParameter: "pageToken",
                                   criteria: ["pageSize", "identifiers", "identifiersType", "includedData"])
        let pageSize = try SandboxInboundPlans.pageSize(paged["pageSize"], range: 1...20, default: 10)
        let identifiers = Set((paged["identifiers"] ?? "").split(separator: ",").map(String.init))
        let identifiersType = paged["identifiersType"]
        if !identifiers.isEmpty, !["SKU", "ASIN"].contains(identifiersType ?? "") {
            throw SandboxInputError(message: "identifiersType SKU or ASIN is required with identifiers")
        }
        let written = state.withLock { $0.listings[history.sellingPartnerID] ?? [:] }
        let skus = (history.products.map(\.sku) + written.keys.sorted()).reduce(into: [String]()) { list, sku in
            if list.last != sku, !list.contains(sku) { list.append(sku) }
        }
        let matching = skus.compactMap { sku -> (String, SandboxListing)? in
            guard let listing = listing(sku, history: history, caller: caller) else { return nil }
            if !identifiers.isEmpty {
                let asin = history.products.first { $0.sku == sku }?.asin
                guard identifiersType == "SKU" ? identifiers.contains(sku) : asin.map(identifiers.contains) == true else { return nil }
            }
            return (sku, listing)
        }
        let offset = paged.offset
        let included = Self.includedData(paged["includedData"])
        var body: [String: Any] = [
            "numberOfResults": matching.count,
            "items": matching.dropFirst(offset).prefix(pageSize).map {
                json(sku: $0.0, $0.1, history: history, marketplace: marketplace, now: caller.now, included: included)
            },
        ]
        var pagination: [String: Any] = [:]
        if offset + pageSize < matching.count { pagination["nextToken"] = paged.token(at: offset + pageSize) }
        if offset > 0 { pagination["previousToken"] = paged.token(at: max(0, offset - pageSize)) }
        if !pagination.isEmpty { body["pagination"] = pagination }
        return SandboxResponse.json(body)
    }
}

/// Catalog Items 2022-04-01: the seller's generated products as Amazon's catalogue, with the
/// dimensions the fee calculation should use (so a fee-overcharge detector can compare them with
/// what was charged).
struct SandboxCatalog: Sendable {
    let state: SandboxState
    static let api = "catalogItems_2022-04-01"
    static let identifierTypes: Set<String> = ["ASIN", "EAN", "GTIN", "ISBN", "JAN", "MINSAN", "SKU", "UPC"]

    func register(_ route: SandboxRouteRegistrar) {
        route(.get, "/catalog/2022-04-01/items/{asin}", Self.api, "getCatalogItem", nil) { request, context, caller in
            guard let history = caller.history else { throw SandboxInputError(message: "Grantless access is not allowed") }
            let marketplace = try SandboxListings.marketplace(request, history)
            let asin = try context.parameters.require("asin")
            guard let product = history.products.first(where: { $0.asin == asin }) else {
                return SandboxResponse.error(.notFound, code: "NotFound", message: "Requested item '\(asin)' not found in marketplace \(marketplace).")
            }
            return SandboxResponse.json(json(product, marketplace: marketplace, included: SandboxListings.includedData(request)))
        }
        route(.get, "/catalog/2022-04-01/items", Self.api, "searchCatalogItems", nil) { request, _, caller in
            guard let history = caller.history else { throw SandboxInputError(message: "Grantless access is not allowed") }
            return try search(request, history: history)
        }
    }

    /// A 13-digit EAN derived from the ASIN, so identifier searches have something stable to find.
    static func ean(_ asin: String) -> String {
        let digits = "400" + asin.numeric.suffix(9)
        let sum = digits.enumerated().reduce(0) { $0 + ($1.element.wholeNumberValue ?? 0) * ($1.offset % 2 == 0 ? 1 : 3) }
        return digits + String((10 - sum % 10) % 10)
    }

    func json(_ product: SandboxProduct, marketplace: String, included: Set<String>) -> [String: Any] {
        var item: [String: Any] = ["asin": product.asin]
        if included.contains("summaries") {
            item["summaries"] = [["marketplaceId": marketplace, "brand": "Sandbox", "itemName": product.title, "manufacturer": "Sandbox Manufacturing",
                                  "modelNumber": product.sku, "itemClassification": "BASE_PRODUCT", "packageQuantity": 1]]
        }
        if included.contains("dimensions") {
            func length(_ value: Double) -> [String: Any] { ["unit": "centimeters", "value": value] }
            let dimensions: [String: Any] = ["length": length(product.lengthCm), "width": length(product.widthCm), "height": length(product.heightCm),
                                             "weight": ["unit": "kilograms", "value": product.weightKg]]
            item["dimensions"] = [["marketplaceId": marketplace, "item": dimensions, "package": dimensions]]
        }
        if included.contains("identifiers") {
            item["identifiers"] = [["marketplaceId": marketplace, "identifiers": [["identifierType": "EAN", "identifier": Self.ean(product.asin)]]]]
        }
        if included.contains("attributes") {
            item["attributes"] = ["item_name": [["value": product.title, "marketplace_id": marketplace]]]
        }
        if included.contains("productTypes") { item["productTypes"] = [["marketplaceId": marketplace, "productType": "PRODUCT"]] }
        return item
    }

    /// Either `identifiers` (at most 20, with `identifiersType`; SKU needs `sellerId`) or `keywords`
    /// (every keyword in the title), never both; `pageSize` 1-20 (default 10), `pageToken`.
    /// `marketplaceIds` is required on every call; a `pageToken` carries the rest of the query.
    func search(_ request: Request, history: SellerHistory) throws -> Response {
        let marketplace = try SandboxListings.marketplace(request, history)
        let paged = try PagedQuery(request, operation: "searchCatalogItems", seller: history.sellingPartnerID, tokenParameter: "pageToken",
                                   criteria: ["identifiers", "identifiersType", "keywords", "sellerId", "pageSize", "includedData"])
        let identifiers = (paged["identifiers"] ?? "").split(separator: ",").map(String.init)
        let keywords = (paged["keywords"] ?? "").split(separator: ",").map { $0.lowercased() }
        guard identifiers.isEmpty != keywords.isEmpty else {
            throw SandboxInputError(message: "Exactly one of identifiers or keywords is required")
        }
        let matching: [SandboxProduct]
        if !identifiers.isEmpty {
            guard identifiers.count <= 20 else { throw SandboxInputError(message: "At most 20 identifiers are allowed") }
            guard let type = paged["identifiersType"], Self.identifierTypes.contains(type) else {
                throw SandboxInputError(message: "identifiersType is required with identifiers")
            }
            if type == "SKU", paged["sellerId"] != history.sellingPartnerID {
                throw SandboxInputError(message: "sellerId of the authorized selling partner is required for identifiersType SKU")
            }
            let wanted = Set(identifiers)
            matching = history.products.filter { product in
                switch type {
                case "ASIN": wanted.contains(product.asin)
                case "SKU": wanted.contains(product.sku)
                case "EAN", "GTIN": wanted.contains(Self.ean(product.asin))
                default: false
                }
            }
        } else {
            matching = history.products.filter { product in keywords.allSatisfy { product.title.lowercased().contains($0) } }
        }
        let pageSize = try SandboxInboundPlans.pageSize(paged["pageSize"], range: 1...20, default: 10)
        let offset = paged.offset
        let included = SandboxListings.includedData(paged["includedData"])
        var body: [String: Any] = ["numberOfResults": matching.count,
                                   "items": matching.dropFirst(offset).prefix(pageSize).map { json($0, marketplace: marketplace, included: included) }]
        var pagination: [String: Any] = [:]
        if offset + pageSize < matching.count { pagination["nextToken"] = paged.token(at: offset + pageSize) }
        if offset > 0 { pagination["previousToken"] = paged.token(at: max(0, offset - pageSize)) }
        if !pagination.isEmpty { body["pagination"] = pagination }
        return SandboxResponse.json(body)
    }
}

/// Product Fees v0: estimates from the seller's generated products. The FBA fee is the one Amazon
/// actually charges the product (higher than its dimensions warrant when the generator planted an
/// overcharge), the referral fee 15% of the price asked about.
struct SandboxProductFees: Sendable {
    let state: SandboxState
    static let api = "productFeesV0"

    func register(_ route: SandboxRouteRegistrar) {
        route(.post, "/products/fees/v0/listings/{SellerSKU}/feesEstimate", Self.api, "getMyFeesEstimateForSKU", nil) { request, context, caller in
            let raw = try context.parameters.require("SellerSKU")
            let sku = raw.removingPercentEncoding ?? raw
            return try await estimate(request, caller, idType: "SellerSKU", idValue: sku) { $0.sku == sku }
        }
        route(.post, "/products/fees/v0/items/{Asin}/feesEstimate", Self.api, "getMyFeesEstimateForASIN", nil) { request, context, caller in
            let asin = try context.parameters.require("Asin")
            return try await estimate(request, caller, idType: "ASIN", idValue: asin) { $0.asin == asin }
        }
    }

    struct Body: Decodable {
        struct Money: Decodable {
            let CurrencyCode: String
            /// Read from the number's text, never through `Double`.
            let Amount: Decimal
        }
        struct Price: Decodable {
            let ListingPrice: Money
            let Shipping: Money?
        }
        struct Inner: Decodable {
            let MarketplaceId: String
            let IsAmazonFulfilled: Bool?
            let PriceToEstimateFees: Price
            let Identifier: String
        }
        let FeesEstimateRequest: Inner
    }

    func estimate(_ request: Request, _ caller: SPAPICaller, idType: String, idValue: String,
                  matches: (SandboxProduct) -> Bool) async throws -> Response {
        guard let history = caller.history else { throw SandboxInputError(message: "Grantless access is not allowed") }
        let body = try await SandboxResponse.decode(Body.self, from: request).FeesEstimateRequest
        let currency = history.currency
        func money(_ minor: Int64) -> [String: Any] { ["CurrencyCode": currency, "Amount": decimalAmount(minor, currency: currency)] }
        func minor(_ amount: Decimal) throws -> Int64 {
            do {
                return try Money(parsing: "\(amount)", currency: sandboxCurrency(currency), rounding: .halfEven).amountMinor
            } catch {
                throw SandboxInputError(message: "Invalid amount: \(error)")
            }
        }
        var price: [String: Any] = ["ListingPrice": money(try minor(body.PriceToEstimateFees.ListingPrice.Amount))]
        if let shipping = body.PriceToEstimateFees.Shipping { price["Shipping"] = money(try minor(shipping.Amount)) }
        let fulfilledByAmazon = body.IsAmazonFulfilled ?? true
        var identifier: [String: Any] = ["MarketplaceId": body.MarketplaceId, "SellerId": history.sellingPartnerID, "IdType": idType,
                                         "IdValue": idValue, "IsAmazonFulfilled": fulfilledByAmazon, "PriceToEstimateFees": price,
                                         "SellerInputIdentifier": body.Identifier]
        identifier["OptionalFulfillmentProgram"] = fulfilledByAmazon ? "FBA_CORE" : nil

        func clientError(_ message: String) -> Response {
            SandboxResponse.json(["payload": ["FeesEstimateResult": [
                "Status": "ClientError", "FeesEstimateIdentifier": identifier,
                "Error": ["Type": "Sender", "Code": "InvalidParameterValue", "Message": message, "Detail": [Any]()],
            ]]])
        }
        guard body.MarketplaceId == history.marketplaceID else {
            return clientError("The seller does not sell in marketplace \(body.MarketplaceId).")
        }
        guard body.PriceToEstimateFees.ListingPrice.CurrencyCode == currency else {
            return clientError("ListingPrice must be in \(currency).")
        }
        guard let product = history.products.first(where: matches) else {
            return clientError("There is no product with \(idType) \(idValue).")
        }
        let listing = try minor(body.PriceToEstimateFees.ListingPrice.Amount) + (try minor(body.PriceToEstimateFees.Shipping?.Amount ?? 0))
        let referral = listing * 15 / 100
        let fulfillment = fulfilledByAmazon ? product.chargedFulfillmentFeeMinor : 0
        func fee(_ type: String, _ amount: Int64) -> [String: Any] {
            ["FeeType": type, "FeeAmount": money(amount), "FeePromotion": money(0), "TaxAmount": money(0), "FinalFee": money(amount)]
        }
        return SandboxResponse.json(["payload": ["FeesEstimateResult": [
            "Status": "Success", "FeesEstimateIdentifier": identifier,
            "FeesEstimate": [
                "TimeOfFeesEstimation": caller.now.iso, "TotalFeesEstimate": money(referral + fulfillment),
                "FeeDetailList": [fee("ReferralFee", referral), fee("VariableClosingFee", 0), fee("PerItemFee", 0), fee("FBAFees", fulfillment)],
            ] as [String: Any],
        ] as [String: Any]]])
    }
}
