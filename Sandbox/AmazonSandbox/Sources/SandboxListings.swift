import Foundation
import Hummingbird
import OpsideAmazonSPAPI
import OpsideCore

/// A listing the seller wrote through putListingsItem / patchListingsItem / deleteListingsItem.
/// Generated products are listings too until the seller touches them; the first write copies
/// the generated listing here.
struct SandboxListing: Sendable {
    var productType: String
    /// What the listing was put as: LISTING, LISTING_PRODUCT_ONLY or LISTING_OFFER_ONLY.
    var requirements = "LISTING"
    var attributes: [String: JSONValue]
    var createdAt: Date
    var updatedAt: Date
    var deleted: Bool
}

/// A listing as reads and buyers see it at one instant: its price, stock, issues and status.
struct SandboxListingSnapshot: Sendable {
    let sku: String
    let listing: SandboxListing
    let product: SandboxProduct?
    /// The price buyers pay now (`SandboxListings.currentPriceMinor`), nil without a valid one.
    let priceMinor: Int64?
    /// What `fulfillmentAvailability` reports: a `DEFAULT` channel's quantity is the seller's
    /// word; an FBA channel's is the units on hand.
    let availability: [(code: String, quantity: Int)]
    let issues: [SandboxListingIssue]

    var quantity: Int { availability.reduce(0) { $0 + $1.quantity } }
    var fulfilledByAmazon: Bool { availability.first.map { $0.code != "DEFAULT" } ?? false }
    var suppressed: Bool { issues.contains(where: \.suppressesListing) }
    /// Buyers can purchase it: priced, in stock, and no issue took its buyability down.
    var buyable: Bool { priceMinor != nil && quantity > 0 && !suppressed }
    var status: [String] { buyable ? ["BUYABLE", "DISCOVERABLE"] : ["DISCOVERABLE"] }
    /// `condition_type`'s value (`new_new`, `used_good`…), `new_new` when absent.
    var conditionType: String {
        if case .string(let value)? = SandboxListingRules.first(listing.attributes["condition_type"])?["value"],
           SandboxListingRules.conditionTypes.contains(value) {
            return value
        }
        return "new_new"
    }
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
/// reads return. Submissions are validated as Amazon does (`SandboxListingRules`): an invalid one
/// is answered INVALID with its issues and changes nothing; stored listings carry issues on
/// reads, and a potential pricing error suppresses the listing until its price is corrected.
struct SandboxListings: Sendable {
    let state: SandboxState
    static let api = "listingsItems_2021-08-01"
    static let defaultIncludedData: Set<String> = ["summaries"]
    static let readIncludedData: Set<String> = ["summaries", "attributes", "issues", "offers", "fulfillmentAvailability", "procurement",
                                                "relationships", "productTypes"]
    static let submissionIncludedData: Set<String> = ["identifiers", "issues"]

    func register(_ route: SandboxRouteRegistrar) {
        route(.get, "/listings/2021-08-01/items/{sellerId}/{sku}", Self.api, "getListingsItem", nil) { request, context, caller in
            let (history, sku) = try target(context, caller)
            let marketplace = try Self.marketplace(request, history)
            let included = try Self.includedData(request.uri.queryParameters.get("includedData"))
            guard let listing = listing(sku, history: history) else {
                return SandboxResponse.error(.notFound, code: "NOT_FOUND", message: "SKU '\(sku)' not found in marketplace \(marketplace)")
            }
            let current = snapshot(sku, listing, history: history, onHand: history.balances(at: caller.now))
            return SandboxResponse.json(json(current, history: history, marketplace: marketplace, included: included))
        }
        route(.put, "/listings/2021-08-01/items/{sellerId}/{sku}", Self.api, "putListingsItem", nil) { request, context, caller in
            let (history, sku) = try target(context, caller)
            let marketplace = try Self.marketplace(request, history, single: true)
            let submission = try Submission(request)
            let body = try await SandboxResponse.decode(PutBody.self, from: request)
            let requirements = body.requirements ?? "LISTING"
            guard SandboxListingRules.requirementsValues.contains(requirements) else {
                throw SandboxInputError(message: "requirements must be LISTING, LISTING_PRODUCT_ONLY or LISTING_OFFER_ONLY", details: "requirements")
            }
            let errors = SandboxListingRules.validationIssues(body.attributes, requirements: requirements, currency: history.currency)
            guard errors.isEmpty else { return respond(sku, "INVALID", errors, submission, history: history, marketplace: marketplace) }
            let warnings = SandboxListingRules.recommendationIssues(body.attributes, requirements: requirements)
            if submission.preview { return respond(sku, "VALID", warnings, submission, history: history, marketplace: marketplace) }
            let now = caller.now
            let created = listing(sku, history: history)?.createdAt ?? now
            state.withLock {
                $0.listings[history.sellingPartnerID, default: [:]][sku] = SandboxListing(
                    productType: body.productType, requirements: requirements, attributes: body.attributes, createdAt: created, updatedAt: now,
                    deleted: false)
            }
            return respond(sku, "ACCEPTED", warnings, submission, history: history, marketplace: marketplace)
        }
        route(.patch, "/listings/2021-08-01/items/{sellerId}/{sku}", Self.api, "patchListingsItem", nil) { request, context, caller in
            let (history, sku) = try target(context, caller)
            let marketplace = try Self.marketplace(request, history)
            let submission = try Submission(request)
            let body = try await SandboxResponse.decode(PatchBody.self, from: request)
            guard !body.patches.isEmpty else { throw SandboxInputError(message: "patches must hold at least one operation", details: "patches") }
            guard var listing = listing(sku, history: history) else {
                return respond(sku, "INVALID", [.noListing(sku, to: "patch; use putListingsItem to create it")],
                               submission, history: history, marketplace: marketplace)
            }
            var patched: Set<String> = []
            for patch in body.patches {
                guard ["add", "replace", "merge", "delete"].contains(patch.op) else {
                    throw SandboxInputError(message: "op must be add, replace, merge or delete", details: "patches.op")
                }
                guard patch.path.hasPrefix("/attributes/"), patch.path.count > "/attributes/".count else {
                    throw SandboxInputError(message: "path must name an attribute, like /attributes/item_name", details: "patches.path")
                }
                let name = String(patch.path.dropFirst("/attributes/".count))
                if patch.op == "delete" {
                    listing.attributes[name] = nil
                } else {
                    guard let value = patch.value else {
                        throw SandboxInputError(message: "value is required for \(patch.op)", details: "patches.value")
                    }
                    listing.attributes[name] = .array(value)
                    patched.insert(name)
                }
            }
            // What is patched is checked as a put checks it (a price, a quantity); the rest stands.
            let errors = patched.sorted().flatMap { SandboxListingRules.valueIssues($0, listing.attributes[$0], currency: history.currency) }
            guard errors.isEmpty else { return respond(sku, "INVALID", errors, submission, history: history, marketplace: marketplace) }
            if submission.preview { return respond(sku, "VALID", [], submission, history: history, marketplace: marketplace) }
            listing.productType = body.productType
            listing.updatedAt = caller.now
            state.withLock { $0.listings[history.sellingPartnerID, default: [:]][sku] = listing }
            return respond(sku, "ACCEPTED", [], submission, history: history, marketplace: marketplace)
        }
        route(.delete, "/listings/2021-08-01/items/{sellerId}/{sku}", Self.api, "deleteListingsItem", nil) { request, context, caller in
            let (history, sku) = try target(context, caller)
            let marketplace = try Self.marketplace(request, history, single: true)
            guard var listing = listing(sku, history: history) else {
                return respond(sku, "INVALID", [.noListing(sku, to: "delete")], Submission(),
                               history: history, marketplace: marketplace)
            }
            listing.deleted = true
            listing.updatedAt = caller.now
            state.withLock { $0.listings[history.sellingPartnerID, default: [:]][sku] = listing }
            return respond(sku, "ACCEPTED", [], Submission(), history: history, marketplace: marketplace)
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

    /// The query of a put or patch: `mode` and `includedData` (`issues` by default; `identifiers`
    /// only with `mode=VALIDATION_PREVIEW`, as the model says). `issueLocale` is accepted; the
    /// sandbox writes its messages in English, Amazon's fallback for a locale it lacks.
    struct Submission {
        var preview = false
        var included: Set<String> = ["issues"]

        init() {}

        init(_ request: Request) throws {
            let query = request.uri.queryParameters
            if let mode = query.get("mode") {
                guard mode == "VALIDATION_PREVIEW" else { throw SandboxInputError(message: "mode must be VALIDATION_PREVIEW", details: "mode") }
                preview = true
            }
            if let text = query.get("includedData"), !text.isEmpty {
                included = Set(text.split(separator: ",").map(String.init))
                let unknown = included.subtracting(SandboxListings.submissionIncludedData)
                guard unknown.isEmpty else {
                    throw SandboxInputError(message: "includedData must be identifiers or issues, not \(unknown.sorted().joined(separator: ","))",
                                            details: "includedData")
                }
                guard preview || !included.contains("identifiers") else {
                    throw SandboxInputError(message: "includedData identifiers can only be requested when mode is VALIDATION_PREVIEW",
                                            details: "includedData")
                }
            }
        }
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

    /// The first of `marketplaceIds`, which must be the seller's.
    /// - Parameter single: put and delete take exactly one marketplace (`maxItems: 1`).
    static func marketplace(_ request: Request, _ history: SellerHistory, single: Bool = false) throws -> String {
        guard let ids = request.uri.queryParameters.get("marketplaceIds"), !ids.isEmpty else {
            throw SandboxInputError(message: "marketplaceIds is required")
        }
        let list = ids.split(separator: ",")
        if single, list.count > 1 { throw SandboxInputError(message: "marketplaceIds takes one marketplace for this operation", details: "marketplaceIds") }
        guard let first = list.first, String(first) == history.marketplaceID else {
            throw SandboxInputError(message: "The seller does not participate in marketplace \(ids)")
        }
        return String(first)
    }

    /// The values of an `includedData` parameter, `summaries` when absent (Listings and Catalog Items).
    static func requestedData(_ text: String?) -> Set<String> {
        guard let text, !text.isEmpty else { return defaultIncludedData }
        return Set(text.split(separator: ",").map(String.init))
    }

    /// `includedData` of a listings read, refusing values the model does not list.
    static func includedData(_ text: String?) throws -> Set<String> {
        let included = requestedData(text)
        let unknown = included.subtracting(readIncludedData)
        guard unknown.isEmpty else {
            throw SandboxInputError(message: "includedData has unknown values: \(unknown.sorted().joined(separator: ","))", details: "includedData")
        }
        return included
    }

    /// A `ListingsItemSubmissionResponse`.
    func respond(_ sku: String, _ status: String, _ issues: [SandboxListingIssue], _ submission: Submission, history: SellerHistory,
                 marketplace: String) -> Response {
        var body: [String: Any] = ["sku": sku, "status": status, "submissionId": UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")]
        if submission.included.contains("issues") { body["issues"] = issues.map { $0.json(marketplace: marketplace) } }
        if submission.included.contains("identifiers") {
            var identifiers: [String: Any] = ["marketplaceId": marketplace]
            identifiers["asin"] = history.products.first { $0.sku == sku }?.asin
            body["identifiers"] = [identifiers]
        }
        return SandboxResponse.json(body)
    }

    // MARK: Listings and their state

    /// The listing for `sku`: what the seller wrote, else the generated product's, nil when deleted or unknown.
    func listing(_ sku: String, history: SellerHistory) -> SandboxListing? {
        if let written = state.withLock({ $0.listings[history.sellingPartnerID]?[sku] }) { return written.deleted ? nil : written }
        guard let product = history.products.first(where: { $0.sku == sku }) else { return nil }
        return Self.generated(product, history: history)
    }

    /// The price buyers pay for `sku` now, in minor units: the listing's
    /// `purchasable_offer[0].our_price[0].schedule[0].value_with_tax`, which is what the seller last
    /// put or patched, else the generated product's price. Nil when the SKU has no listing
    /// (unknown or deleted) or its listing no valid price. Listings reads and Product Pricing both
    /// price offers by this one rule.
    func currentPriceMinor(_ sku: String, history: SellerHistory) -> Int64? {
        listing(sku, history: history).flatMap { SandboxListingRules.priceMinor($0.attributes, currency: history.currency) }
    }

    /// The listing's state now.
    /// - Parameter onHand: `history.balances(at: now)`, computed once per request.
    func snapshot(_ sku: String, _ listing: SandboxListing, history: SellerHistory, onHand: [Int]) -> SandboxListingSnapshot {
        let index = history.products.firstIndex { $0.sku == sku }
        let product = index.map { history.products[$0] }
        let units = index.map { max(0, onHand[$0]) } ?? 0
        let price = SandboxListingRules.priceMinor(listing.attributes, currency: history.currency)
        let channels = SandboxListingRules.fulfillmentChannels(listing.attributes)
        let availability = channels.isEmpty
            ? [(code: product == nil ? "DEFAULT" : "AMAZON_NA", quantity: units)]
            : channels.map { (code: $0.code, quantity: $0.code == "DEFAULT" ? ($0.quantity ?? 0) : units) }
        var issues = SandboxListingRules.validationIssues(listing.attributes, requirements: listing.requirements, currency: history.currency)
            .map { issue in
                var stored = issue
                stored.suppressesListing = true
                return stored
            }
        if let price, let product {
            let factor = SandboxListingRules.pricingErrorFactor
            if price > product.priceMinor * factor || price * factor < product.priceMinor {
                let currency = sandboxCurrency(history.currency)
                issues.append(.potentialPricingError(price: Money(amountMinor: price, currency: currency),
                                                     reference: Money(amountMinor: product.priceMinor, currency: currency)))
            }
        }
        issues += SandboxListingRules.recommendationIssues(listing.attributes, requirements: listing.requirements)
        return SandboxListingSnapshot(sku: sku, listing: listing, product: product, priceMinor: price, availability: availability, issues: issues)
    }

    /// One generated product in eight (by its SKU's stable hash) lacks bullet points, so a demo
    /// seller sees a listing issue without doing anything.
    static func plantsMissingBulletPoints(_ sku: String) -> Bool { stableSeed("bullet_point:" + sku) % 8 == 0 }

    /// The listing Amazon holds for a generated product: valid, with an image and bullet points
    /// (but for the planted one in eight), priced at the product's price, fulfilled by Amazon.
    static func generated(_ product: SandboxProduct, history: SellerHistory) -> SandboxListing {
        let marketplace = JSONValue.string(history.marketplaceID)
        // The Double nearest the decimal text, whose shortest description is that text again.
        let price = Double(decimalString(product.priceMinor, currency: history.currency)) ?? 0
        var attributes: [String: JSONValue] = [
            "item_name": .array([.object(["value": .string(product.title), "marketplace_id": marketplace])]),
            "condition_type": .array([.object(["value": .string("new_new"), "marketplace_id": marketplace])]),
            "purchasable_offer": .array([.object([
                "marketplace_id": marketplace, "currency": .string(history.currency),
                "our_price": .array([.object(["schedule": .array([.object(["value_with_tax": .number(price)])])])]),
            ])]),
            "fulfillment_availability": .array([.object(["fulfillment_channel_code": .string("AMAZON_NA")])]),
            "main_product_image_locator": .array([.object([
                "media_location": .string("https://m.media-amazon.com/images/I/\(product.asin).jpg"), "marketplace_id": marketplace])]),
        ]
        if !plantsMissingBulletPoints(product.sku) {
            attributes["bullet_point"] = .array([.object(["value": .string("\(product.title): built to last."), "marketplace_id": marketplace])])
        }
        return SandboxListing(productType: "PRODUCT", attributes: attributes, createdAt: history.start, updatedAt: history.start, deleted: false)
    }

    func json(_ current: SandboxListingSnapshot, history: SellerHistory, marketplace: String, included: Set<String>) -> [String: Any] {
        let listing = current.listing
        var item: [String: Any] = ["sku": current.sku]
        if included.contains("summaries") {
            var summary: [String: Any] = [
                "marketplaceId": marketplace, "productType": listing.productType, "conditionType": current.conditionType,
                "status": current.status, "createdDate": listing.createdAt.iso, "lastUpdatedDate": listing.updatedAt.iso,
            ]
            summary["asin"] = current.product?.asin
            summary["fnSku"] = current.product?.fnsku
            if case .string(let name)? = SandboxListingRules.first(listing.attributes["item_name"])?["value"] {
                summary["itemName"] = name
            } else {
                summary["itemName"] = current.product?.title
            }
            item["summaries"] = [summary]
        }
        if included.contains("attributes") { item["attributes"] = listing.attributes.mapValues(\.foundationObject) }
        if included.contains("issues") { item["issues"] = current.issues.map { $0.json(marketplace: marketplace) } }
        if included.contains("offers") {
            var offers: [[String: Any]] = []
            if let price = current.priceMinor {
                offers.append(["marketplaceId": marketplace, "offerType": "B2C",
                               "price": ["currencyCode": history.currency, "amount": decimalString(price, currency: history.currency)]])
            }
            item["offers"] = offers
        }
        if included.contains("fulfillmentAvailability") {
            item["fulfillmentAvailability"] = current.availability.map { entry -> [String: Any] in
                ["fulfillmentChannelCode": entry.code, "quantity": entry.quantity]
            }
        }
        if included.contains("productTypes") { item["productTypes"] = [["marketplaceId": marketplace, "productType": listing.productType]] }
        return item
    }

    /// `pageSize` 1-20 (default 10), `pageToken`, `identifiers` with `identifiersType` SKU or ASIN,
    /// `withIssueSeverity` (WARNING, ERROR: listings with an issue of one of them), `withStatus` and
    /// `withoutStatus` (BUYABLE, DISCOVERABLE). `marketplaceIds` is required on every call; a
    /// `pageToken` carries the rest of the query.
    func search(_ request: Request, history: SellerHistory, caller: SPAPICaller) throws -> Response {
        let marketplace = try Self.marketplace(request, history)
        let paged = try PagedQuery(request, operation: "searchListingsItems", seller: caller.sellingPartnerID, tokenParameter: "pageToken",
                                   criteria: ["pageSize", "identifiers", "identifiersType", "includedData", "withIssueSeverity", "withStatus",
                                              "withoutStatus"])
        let pageSize = try SandboxInboundPlans.pageSize(paged["pageSize"], range: 1...20, default: 10)
        let identifiers = Set((paged["identifiers"] ?? "").split(separator: ",").map(String.init))
        let identifiersType = paged["identifiersType"]
        if !identifiers.isEmpty, !["SKU", "ASIN"].contains(identifiersType ?? "") {
            throw SandboxInputError(message: "identifiersType SKU or ASIN is required with identifiers")
        }
        func values(_ name: String, of allowed: Set<String>) throws -> Set<String> {
            let given = Set((paged[name] ?? "").split(separator: ",").map(String.init))
            guard given.isSubset(of: allowed) else {
                throw SandboxInputError(message: "\(name) must be \(allowed.sorted().joined(separator: " or "))", details: name)
            }
            return given
        }
        let severities = try values("withIssueSeverity", of: ["WARNING", "ERROR"])
        let withStatus = try values("withStatus", of: ["BUYABLE", "DISCOVERABLE"])
        let withoutStatus = try values("withoutStatus", of: ["BUYABLE", "DISCOVERABLE"])
        let included = try Self.includedData(paged["includedData"])
        let written = state.withLock { $0.listings[history.sellingPartnerID] ?? [:] }
        let skus = (history.products.map(\.sku) + written.keys.sorted()).reduce(into: [String]()) { list, sku in
            if list.last != sku, !list.contains(sku) { list.append(sku) }
        }
        let onHand = history.balances(at: caller.now)
        let matching = skus.compactMap { sku -> SandboxListingSnapshot? in
            guard let listing = listing(sku, history: history) else { return nil }
            if !identifiers.isEmpty {
                let asin = history.products.first { $0.sku == sku }?.asin
                guard identifiersType == "SKU" ? identifiers.contains(sku) : asin.map(identifiers.contains) == true else { return nil }
            }
            let current = snapshot(sku, listing, history: history, onHand: onHand)
            if !severities.isEmpty, !current.issues.contains(where: { severities.contains($0.severity.rawValue) }) { return nil }
            if !withStatus.isEmpty, withStatus.isDisjoint(with: current.status) { return nil }
            if !withoutStatus.isDisjoint(with: current.status) { return nil }
            return current
        }
        let offset = paged.offset
        var body: [String: Any] = [
            "numberOfResults": matching.count,
            "items": matching.dropFirst(offset).prefix(pageSize).map { json($0, history: history, marketplace: marketplace, included: included) },
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
            return SandboxResponse.json(json(product, marketplace: marketplace, included: SandboxListings.requestedData(request.uri.queryParameters.get("includedData"))))
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
        let included = SandboxListings.requestedData(paged["includedData"])
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
