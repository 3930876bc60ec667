import Foundation
import Hummingbird
import OpsideAmazonSPAPI
import OpsideCore
import OpsideTransport

/// A listing as the seller's pages show it: what sells, at what price, how many, and Amazon's
/// issues in words.
public struct ListingView: Codable, Sendable, ResponseEncodable {
    public let sku: String
    public let asin: String?
    public let title: String?
    public let productType: String
    public let condition: String?
    public let marketplaceId: String
    /// Amazon's statuses (`BUYABLE`, `DISCOVERABLE`); empty when neither.
    public let statuses: [String]
    /// `buyable`, `suppressed` (an issue took it off sale), `not_buyable` (e.g. no stock).
    public let state: String
    public let price: Money?
    public let quantity: Int?
    /// `amazon` (FBA: Amazon sets the quantity) or `merchant`.
    public let fulfillment: String
    public let createdAt: String?
    public let updatedAt: String?
    public let issues: [ExplainedListingIssue]
    public let errorCount: Int
    public let warningCount: Int
}

/// A page of the seller's listings; `nextPageToken` asks for the next.
public struct ListingPage: Codable, Sendable, ResponseEncodable {
    public let listings: [ListingView]
    public let totalCount: Int
    public let nextPageToken: String?
    public let previousPageToken: String?
}

/// Amazon's answer to a create, change or delete: `accepted` (Amazon will apply it within
/// minutes), `valid` (a preview that would be accepted) or `invalid`, with the issues in words.
public struct ListingSubmission: Codable, Sendable, ResponseEncodable {
    public let sku: String
    public let status: String
    public let submissionId: String
    public let issues: [ExplainedListingIssue]
}

/// What a seller asks for when creating a listing. `price` is decimal text in the
/// marketplace's currency ("19.99"), never a float.
public struct NewListing: Codable, Sendable {
    public let productType: String?
    public let title: String?
    /// List against an existing catalogue product (an offer only, no product details needed).
    public let asin: String?
    public let price: String
    /// `merchant` (the default: the seller ships, `quantity` is theirs to set) or `amazon` (FBA).
    public let fulfillment: String?
    public let quantity: Int?
    public let condition: String?
    public let imageUrl: String?
    /// Ask Amazon to validate only (`VALIDATION_PREVIEW`): nothing is created.
    public let preview: Bool?
}

/// A change of price and/or quantity.
public struct ListingChange: Codable, Sendable {
    public let price: String?
    public let quantity: Int?
    public let preview: Bool?
}

/// A product in Amazon's catalogue with what it sells for.
public struct CatalogProduct: Codable, Sendable, ResponseEncodable {
    public struct Dimension: Codable, Sendable {
        public let value: Double
        public let unit: String
    }
    public struct Identifier: Codable, Sendable {
        public let type: String
        public let value: String
    }
    public struct Pricing: Codable, Sendable {
        /// The seller's own offer, when they have one.
        public let yourPrice: Money?
        public let yourSku: String?
        public let buyBoxPrice: Money?
        public let buyBoxIsYours: Bool
        public let lowestPrice: Money?
        public let offerCount: Int
        public let listPrice: Money?
    }
    public let asin: String
    public let marketplaceId: String
    public let title: String?
    public let brand: String?
    public let manufacturer: String?
    public let modelNumber: String?
    public let dimensions: [String: Dimension]
    public let identifiers: [Identifier]
    public let pricing: Pricing?
    /// Why there is no pricing (Amazon did not answer in time), so the page can say so.
    public let pricingProblem: String?
}

/// Catalogue search results (by EAN/UPC or keywords).
public struct CatalogMatches: Codable, Sendable, ResponseEncodable {
    public struct Match: Codable, Sendable {
        public let asin: String
        public let title: String?
        public let brand: String?
    }
    public let query: String
    public let matches: [Match]
}

/// What can go wrong with a listing request, as the seller sees it.
public enum ListingsError: Error, Sendable {
    case invalidInput(String)
    /// Amazon fulfils the SKU, so its quantity is Amazon's count of units, not the seller's to set.
    case quantityOfAmazonFulfilledListing(sku: String)
    case listingNotFound(sku: String)
    case productNotFound(asin: String)
    /// Amazon refused the submission; nothing changed.
    case refused(ListingSubmission)
    case bulkUpdateNotFound
    /// The `requestKey` was used before for another request (another connection or other changes).
    case requestKeyReused(String)

    public var apiError: APIError {
        switch self {
        case .invalidInput(let message):
            APIError.validation(message)
        case .quantityOfAmazonFulfilledListing(let sku):
            APIError(status: .unprocessableContent, code: "quantity_set_by_amazon",
                     message: "Amazon fulfils \(sku), so its quantity is the units in Amazon's warehouses; send units with an inbound shipment instead")
        case .listingNotFound(let sku):
            APIError(status: .notFound, code: "not_found", message: "there is no listing with SKU \(sku) in this marketplace")
        case .productNotFound(let asin):
            APIError(status: .notFound, code: "not_found", message: "Amazon's catalogue has no product \(asin) in this marketplace")
        case .refused(let submission):
            APIError(status: .unprocessableContent, code: "listing_refused", message: "Amazon refused the listing; nothing changed",
                     details: Dictionary(uniqueKeysWithValues: submission.issues.enumerated().map { index, issue in
                         ("issue\(index + 1)", Self.sentence(issue))
                     }))
        case .bulkUpdateNotFound:
            APIError.noSuch("bulk update")
        case .requestKeyReused(let key):
            APIError.conflict("requestKey \(key) was used for another bulk update (another connection or other changes); use a new key for a new request")
        }
    }

    /// One issue as one line: the field, the explanation, what to do.
    static func sentence(_ issue: ExplainedListingIssue) -> String {
        let field = issue.fields.isEmpty ? "" : issue.fields.joined(separator: ", ") + ": "
        return "\(field)\(issue.explanation) \(issue.whatToDo)"
    }
}

/// The seller's listings and Amazon's catalogue through the Listings Items, Catalog Items and
/// Product Pricing APIs, on the connection's first marketplace (where its region's listings live).
public struct SellerListings: Sendable {
    let connector: AmazonConnector

    public init(connector: AmazonConnector) { self.connector = connector }

    static let listIncludedData = ["summaries", "issues", "offers", "fulfillmentAvailability"]

    func marketplace(_ connection: AmazonConnection) throws -> AmazonMarketplace {
        guard let id = connection.marketplaceIds.first else {
            throw ListingsError.invalidInput("the connection participates in no marketplace")
        }
        guard let marketplace = AmazonMarketplace.withID(id) else {
            throw ListingsError.invalidInput("marketplace \(id) is not one Opside knows")
        }
        return marketplace
    }

    // MARK: Reading

    public func page(connectionID: UUID, tenantID: UUID, pageToken: String?, skus: [String] = []) async throws -> ListingPage {
        try await connector.withSellingPartnerAPI(connectionID: connectionID, tenantID: tenantID) { connection, api in
            let marketplace = try marketplace(connection)
            let results = try await Self.amazon {
                try await api.searchListingsItems(sellerID: connection.sellingPartnerId, marketplaceIDs: [marketplace.id], pageSize: 20,
                                                  includedData: Self.listIncludedData, identifiers: skus,
                                                  identifiersType: skus.isEmpty ? nil : "SKU", pageToken: pageToken)
            }
            return ListingPage(listings: results.items.map { Self.view($0, marketplace: marketplace) }, totalCount: results.numberOfResults,
                               nextPageToken: results.pagination?.nextToken, previousPageToken: results.pagination?.previousToken)
        }
    }

    public func listing(connectionID: UUID, tenantID: UUID, sku: String) async throws -> ListingView {
        try await connector.withSellingPartnerAPI(connectionID: connectionID, tenantID: tenantID) { connection, api in
            let marketplace = try marketplace(connection)
            let item = try await Self.amazon(notFound: .listingNotFound(sku: sku)) {
                try await api.getListingsItem(sellerID: connection.sellingPartnerId, sku: sku, marketplaceIDs: [marketplace.id],
                                              includedData: Self.listIncludedData)
            }
            return Self.view(item, marketplace: marketplace)
        }
    }

    static func view(_ item: ListingsItem, marketplace: AmazonMarketplace) -> ListingView {
        let summary = item.summaries?.first { $0.marketplaceId == marketplace.id } ?? item.summaries?.first
        let issues = (item.issues ?? []).map(ListingIssueWords.explain)
            .sorted { rank($0.severity) < rank($1.severity) }
        let statuses = summary?.status ?? []
        let offer = item.offers?.first { $0.offerType == "B2C" } ?? item.offers?.first
        let price = offer.flatMap { try? Money(parsing: $0.price.amount, currencyCode: $0.price.currencyCode, rounding: .halfEven) }
        let availability = item.fulfillmentAvailability?.first
        let state = statuses.contains("BUYABLE") ? "buyable" : issues.contains(where: \.blocksSale) ? "suppressed" : "not_buyable"
        return ListingView(
            sku: item.sku, asin: summary?.asin, title: summary?.itemName, productType: summary?.productType ?? "PRODUCT",
            condition: summary?.conditionType, marketplaceId: summary?.marketplaceId ?? marketplace.id, statuses: statuses, state: state,
            price: price, quantity: availability?.quantity,
            fulfillment: availability.map { $0.fulfillmentChannelCode == "DEFAULT" ? "merchant" : "amazon" } ?? "merchant",
            createdAt: summary?.createdDate, updatedAt: summary?.lastUpdatedDate, issues: issues,
            errorCount: issues.count { $0.severity == "error" }, warningCount: issues.count { $0.severity == "warning" })
    }

    static func rank(_ severity: String) -> Int { ["error": 0, "warning": 1, "info": 2][severity] ?? 3 }

    // MARK: Writing

    public func create(connectionID: UUID, tenantID: UUID, sku: String, _ request: NewListing) async throws -> ListingSubmission {
        try Self.validateSKU(sku)
        return try await connector.withSellingPartnerAPI(connectionID: connectionID, tenantID: tenantID) { connection, api in
            let marketplace = try marketplace(connection)
            let built = try Self.attributes(for: request, marketplace: marketplace, region: connection.region)
            let body = ListingsItemPutRequest(productType: request.productType ?? "PRODUCT", requirements: built.requirements,
                                              attributes: built.attributes)
            let answer = try await Self.amazon {
                try await api.putListingsItem(sellerID: connection.sellingPartnerId, sku: sku, marketplaceIDs: [marketplace.id], body,
                                              preview: request.preview == true)
            }
            return try Self.submission(answer, preview: request.preview == true)
        }
    }

    public func change(connectionID: UUID, tenantID: UUID, sku: String, _ change: ListingChange) async throws -> ListingSubmission {
        try await connector.withSellingPartnerAPI(connectionID: connectionID, tenantID: tenantID) { connection, api in
            let marketplace = try marketplace(connection)
            let price = try change.price.map { try Self.price($0, marketplace: marketplace) }
            return try await Self.change(api, seller: connection.sellingPartnerId, marketplace: marketplace, sku: sku,
                                         price: price, quantity: change.quantity, preview: change.preview == true)
        }
    }

    /// Reads the listing (its product type and who fulfils it), then patches only what changes.
    static func change(_ api: SellingPartnerAPI, seller: String, marketplace: AmazonMarketplace, sku: String,
                       price: Money?, quantity: Int?, preview: Bool) async throws -> ListingSubmission {
        guard price != nil || quantity != nil else { throw ListingsError.invalidInput("give a price, a quantity or both") }
        if let quantity, !(0...1_000_000).contains(quantity) {
            throw ListingsError.invalidInput("quantity must be a whole number from 0 to 1000000")
        }
        let item = try await amazon(notFound: .listingNotFound(sku: sku)) {
            try await api.getListingsItem(sellerID: seller, sku: sku, marketplaceIDs: [marketplace.id],
                                          includedData: ["summaries", "fulfillmentAvailability"])
        }
        let channel = item.fulfillmentAvailability?.first?.fulfillmentChannelCode
        if quantity != nil, let channel, channel != "DEFAULT" { throw ListingsError.quantityOfAmazonFulfilledListing(sku: sku) }
        var patches: [ListingsPatchOperation] = []
        if let price { patches.append(.init(op: "replace", path: "/attributes/purchasable_offer", value: [offer(price, marketplace)])) }
        if let quantity {
            patches.append(.init(op: "replace", path: "/attributes/fulfillment_availability", value: [.object([
                "fulfillment_channel_code": .string("DEFAULT"), "quantity": .number(Double(quantity)),
            ])]))
        }
        let productType = item.summaries?.first?.productType ?? "PRODUCT"
        let answer = try await amazon {
            try await api.patchListingsItem(sellerID: seller, sku: sku, marketplaceIDs: [marketplace.id],
                                            ListingsItemPatchRequest(productType: productType, patches: patches), preview: preview)
        }
        return try submission(answer, preview: preview)
    }

    public func delete(connectionID: UUID, tenantID: UUID, sku: String) async throws -> ListingSubmission {
        try await connector.withSellingPartnerAPI(connectionID: connectionID, tenantID: tenantID) { connection, api in
            let marketplace = try marketplace(connection)
            let answer = try await Self.amazon(notFound: .listingNotFound(sku: sku)) {
                try await api.deleteListingsItem(sellerID: connection.sellingPartnerId, sku: sku, marketplaceIDs: [marketplace.id])
            }
            return try Self.submission(answer, preview: false)
        }
    }

    /// An `INVALID` answer is thrown (outside a preview): Amazon changed nothing.
    static func submission(_ answer: ListingsItemSubmissionResponse, preview: Bool) throws -> ListingSubmission {
        let submission = ListingSubmission(sku: answer.sku, status: answer.status.lowercased(), submissionId: answer.submissionId,
                                           issues: (answer.issues ?? []).map(ListingIssueWords.explain).sorted { rank($0.severity) < rank($1.severity) })
        if answer.status == "INVALID", !preview { throw ListingsError.refused(submission) }
        return submission
    }

    static func validateSKU(_ sku: String) throws {
        guard (1...255).contains(sku.count), !sku.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) }) else {
            throw ListingsError.invalidInput("a SKU is 1 to 255 characters, without control characters")
        }
    }

    /// Decimal text in the marketplace's currency, more than zero.
    static func price(_ text: String, marketplace: AmazonMarketplace) throws -> Money {
        let money: Money
        do {
            money = try Money(parsing: text.trimmingCharacters(in: .whitespaces), currency: marketplace.currency)
        } catch {
            throw ListingsError.invalidInput("price must be an amount in \(marketplace.currency.code) such as 19.99: \(error)")
        }
        guard money.amountMinor > 0 else { throw ListingsError.invalidInput("price must be more than zero") }
        return money
    }

    static func offer(_ price: Money, _ marketplace: AmazonMarketplace) -> JSONValue {
        .object([
            "marketplace_id": .string(marketplace.id), "currency": .string(price.currency.code),
            "our_price": .array([.object(["schedule": .array([.object(["value_with_tax": .number(Double(price.decimalString) ?? 0)])])])]),
        ])
    }

    /// The FBA channel code of a region's fulfilment network.
    static func amazonChannel(_ region: AmazonRegion) -> String {
        switch region {
        case .northAmerica: "AMAZON_NA"
        case .europe: "AMAZON_EU"
        case .farEast: "AMAZON_FE"
        }
    }

    static let conditions: Set<String> = [
        "new_new", "new_open_box", "new_oem", "refurbished_refurbished", "used_like_new", "used_very_good", "used_good",
        "used_acceptable", "collectible_like_new", "collectible_very_good", "collectible_good", "collectible_acceptable", "club_club",
    ]

    /// The Listings Items attributes for a new listing: a full product (`LISTING`, a title
    /// needed) or an offer on an existing ASIN (`LISTING_OFFER_ONLY`).
    static func attributes(for request: NewListing, marketplace: AmazonMarketplace,
                           region: AmazonRegion) throws -> (requirements: String, attributes: [String: JSONValue]) {
        let id = JSONValue.string(marketplace.id)
        let price = try price(request.price, marketplace: marketplace)
        let condition = request.condition ?? "new_new"
        guard conditions.contains(condition) else {
            throw ListingsError.invalidInput("condition must be one of \(conditions.sorted().joined(separator: ", "))")
        }
        let fulfillment = request.fulfillment ?? "merchant"
        guard ["merchant", "amazon"].contains(fulfillment) else { throw ListingsError.invalidInput("fulfillment must be merchant or amazon") }
        if fulfillment == "amazon", request.quantity != nil {
            throw ListingsError.invalidInput("an Amazon-fulfilled listing's quantity is the units Amazon receives; leave quantity out")
        }
        if let quantity = request.quantity, !(0...1_000_000).contains(quantity) {
            throw ListingsError.invalidInput("quantity must be a whole number from 0 to 1000000")
        }
        var attributes: [String: JSONValue] = [
            "condition_type": .array([.object(["value": .string(condition), "marketplace_id": id])]),
            "purchasable_offer": .array([offer(price, marketplace)]),
            "fulfillment_availability": .array([fulfillment == "amazon"
                ? .object(["fulfillment_channel_code": .string(amazonChannel(region))])
                : .object(["fulfillment_channel_code": .string("DEFAULT"), "quantity": .number(Double(request.quantity ?? 0))])]),
        ]
        let title = request.title?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let title, !title.isEmpty {
            guard title.count <= 200 else { throw ListingsError.invalidInput("a title is at most 200 characters") }
            attributes["item_name"] = .array([.object(["value": .string(title), "language_tag": .string(languageTag(marketplace)), "marketplace_id": id])])
        }
        if let url = request.imageUrl?.trimmingCharacters(in: .whitespaces), !url.isEmpty {
            guard let parsed = URL(string: url), parsed.scheme == "https" || parsed.scheme == "http", parsed.host != nil else {
                throw ListingsError.invalidInput("imageUrl must be an http(s) address Amazon can download")
            }
            attributes["main_product_image_locator"] = .array([.object(["media_location": .string(url), "marketplace_id": id])])
        }
        let asin = request.asin?.trimmingCharacters(in: .whitespaces).uppercased()
        if let asin, !asin.isEmpty {
            guard asin.count == 10, asin.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
                throw ListingsError.invalidInput("an ASIN is 10 letters and digits, like B07XJ8C8F5")
            }
            attributes["merchant_suggested_asin"] = .array([.object(["value": .string(asin), "marketplace_id": id])])
            // An offer on an existing product: Amazon's catalogue already has its details.
            if title == nil || title?.isEmpty == true { return ("LISTING_OFFER_ONLY", attributes) }
        }
        return ("LISTING", attributes)
    }

    /// The language Amazon expects text attributes in for a marketplace's storefront.
    static func languageTag(_ marketplace: AmazonMarketplace) -> String {
        let tags = ["US": "en_US", "CA": "en_CA", "MX": "es_MX", "BR": "pt_BR", "GB": "en_GB", "IE": "en_IE", "DE": "de_DE",
                    "FR": "fr_FR", "IT": "it_IT", "ES": "es_ES", "NL": "nl_NL", "SE": "sv_SE", "PL": "pl_PL", "BE": "fr_BE",
                    "TR": "tr_TR", "AE": "en_AE", "SA": "ar_SA", "EG": "ar_EG", "IN": "en_IN", "JP": "ja_JP", "AU": "en_AU", "SG": "en_SG"]
        return tags[marketplace.countryCode] ?? "en_US"
    }

    // MARK: Catalogue

    /// A product by ASIN with its offers: the seller's own price, the Buy Box and the lowest.
    public func product(connectionID: UUID, tenantID: UUID, asin rawASIN: String) async throws -> CatalogProduct {
        let asin = rawASIN.trimmingCharacters(in: .whitespaces).uppercased()
        guard asin.count == 10, asin.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw ListingsError.invalidInput("an ASIN is 10 letters and digits, like B07XJ8C8F5")
        }
        return try await connector.withSellingPartnerAPI(connectionID: connectionID, tenantID: tenantID) { connection, api in
            let marketplace = try marketplace(connection)
            let item = try await Self.amazon(notFound: .productNotFound(asin: asin)) {
                try await api.getCatalogItem(asin: asin, marketplaceIDs: [marketplace.id],
                                             includedData: ["summaries", "dimensions", "identifiers"])
            }
            var pricing: CatalogProduct.Pricing?
            var problem: String?
            do {
                pricing = try await Self.pricing(api, asin: asin, seller: connection.sellingPartnerId, marketplace: marketplace)
            } catch let error as SPAPIError {
                // The product's details are worth showing without its prices.
                problem = "Amazon did not give this product's prices just now (\(error.code ?? "no answer")); try again in a minute."
            }
            return Self.product(item, marketplace: marketplace, pricing: pricing, pricingProblem: problem)
        }
    }

    static func pricing(_ api: SellingPartnerAPI, asin: String, seller: String, marketplace: AmazonMarketplace) async throws -> CatalogProduct.Pricing {
        let offers = try await api.getItemOffers(asin: asin, marketplaceID: marketplace.id)
        let mine = offers.Offers.first { $0.MyOffer == true }
        let own = try await api.getPricing(marketplaceID: marketplace.id, asins: [asin]).first { $0.status == "Success" }
        let ownOffer = own?.Product?.Offers?.first
        let buyBox = offers.Summary.BuyBoxPrices?.first { $0.condition.lowercased() == "new" } ?? offers.Summary.BuyBoxPrices?.first
        let lowest = offers.Summary.LowestPrices?.compactMap { try? ($0.LandedPrice ?? $0.ListingPrice).money() }
            .min { (try? $0.isLess(than: $1)) ?? false }
        return CatalogProduct.Pricing(
            yourPrice: (try? ownOffer?.BuyingPrice.ListingPrice.money()) ?? (try? mine?.ListingPrice.money()) ?? nil,
            yourSku: ownOffer?.SellerSKU,
            buyBoxPrice: try? buyBox?.LandedPrice.money(),
            buyBoxIsYours: mine?.IsBuyBoxWinner == true || (buyBox?.sellerId != nil && buyBox?.sellerId == seller),
            lowestPrice: lowest, offerCount: offers.Summary.TotalOfferCount,
            listPrice: try? offers.Summary.ListPrice?.money())
    }

    static func product(_ item: CatalogItem, marketplace: AmazonMarketplace, pricing: CatalogProduct.Pricing?,
                        pricingProblem: String?) -> CatalogProduct {
        let summary = item.summaries?.first { $0.marketplaceId == marketplace.id } ?? item.summaries?.first
        var dimensions: [String: CatalogProduct.Dimension] = [:]
        if let package = (item.dimensions?.first { $0.marketplaceId == marketplace.id } ?? item.dimensions?.first)?.package {
            for (name, dimension) in [("length", package.length), ("width", package.width), ("height", package.height), ("weight", package.weight)] {
                if let value = dimension?.value, let unit = dimension?.unit { dimensions[name] = .init(value: value, unit: unit) }
            }
        }
        let identifiers = (item.identifiers?.first { $0.marketplaceId == marketplace.id } ?? item.identifiers?.first)?.identifiers
            .map { CatalogProduct.Identifier(type: $0.identifierType, value: $0.identifier) } ?? []
        return CatalogProduct(asin: item.asin, marketplaceId: marketplace.id, title: summary?.itemName, brand: summary?.brand,
                              manufacturer: summary?.manufacturer, modelNumber: summary?.modelNumber, dimensions: dimensions,
                              identifiers: identifiers, pricing: pricing, pricingProblem: pricingProblem)
    }

    /// Catalogue search: digits are an EAN/UPC/GTIN, anything else keywords.
    public func search(connectionID: UUID, tenantID: UUID, query rawQuery: String) async throws -> CatalogMatches {
        let query = rawQuery.trimmingCharacters(in: .whitespaces)
        guard (2...200).contains(query.count) else { throw ListingsError.invalidInput("search for 2 to 200 characters") }
        return try await connector.withSellingPartnerAPI(connectionID: connectionID, tenantID: tenantID) { connection, api in
            let marketplace = try marketplace(connection)
            let byCode = query.allSatisfy(\.isNumber) && [8, 12, 13, 14].contains(query.count)
            let results = try await Self.amazon {
                if byCode {
                    try await api.searchCatalogItems(marketplaceIDs: [marketplace.id], identifiers: [query],
                                                     identifiersType: query.count == 12 ? "UPC" : query.count == 13 ? "EAN" : "GTIN")
                } else {
                    try await api.searchCatalogItems(marketplaceIDs: [marketplace.id],
                                                     keywords: query.split(separator: " ").map(String.init))
                }
            }
            return CatalogMatches(query: query, matches: results.items.map { item in
                let summary = item.summaries?.first
                return .init(asin: item.asin, title: summary?.itemName, brand: summary?.brand)
            })
        }
    }

    // MARK: Amazon's errors

    /// Runs an SP-API call, turning Amazon's 404 into `notFound` and its other refusals into the
    /// envelope with Amazon's own words.
    static func amazon<T>(notFound: ListingsError? = nil, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as SPAPIError {
            if case .api(_, let status, let errors, let requestID) = error {
                if status == 404, let notFound { throw notFound }
                if (400..<500).contains(status), status != 429 {
                    let said = errors.map(\.message).joined(separator: "; ")
                    throw APIError(status: .unprocessableContent, code: "amazon_refused",
                                   message: "Amazon refused the request: \(said.isEmpty ? "HTTP \(status)" : said)",
                                   details: ["amazonRequestId": requestID ?? "none"])
                }
            }
            if case .throttled = error {
                throw APIError(status: .serviceUnavailable, code: "amazon_throttled",
                               message: "Amazon is limiting how fast this seller's requests go; try again in a minute")
            }
            if case .authorization = error { throw error }
            throw AmazonConnectionError.amazonUnavailable(error.description)
        }
    }
}
