import Foundation
import Hummingbird
import OpsideCore
import OpsideTransport

/// The Listings pages: the seller's Amazon listings with their status and Amazon's issues in
/// words, one listing with its price and quantity to change, a new listing, bulk changes with
/// every SKU's outcome, and the catalogue with what a product sells for. They read the
/// connection named by `?connection=` or, without it, the first active one; every change goes
/// through `/api/v1/amazon/connections/{connectionId}/…`, so the roles are the API's.
extension DashboardPages {
    func addListingRoutes(to router: Router<OpsideRequestContext>) {
        router.get("/app/listings") { request, context in
            try await signedIn(request, context) { try await listingsPage($0, request) }
        }
        router.get("/app/listings/bulk/:id") { request, context in
            try await signedIn(request, context) { try await bulkUpdatePage($0, id: try Self.uuid(context, "id"), request) }
        }
        router.get("/app/listings/:sku") { request, context in
            try await signedIn(request, context) { viewer in
                let sku = try GatewayPathParameter.decoded("sku", try context.parameters.require("sku"))
                return try await listingPage(viewer, sku: sku, request)
            }
        }
        router.get("/app/catalog") { request, context in
            try await signedIn(request, context) { try await catalogPage($0, request) }
        }
    }

    /// The connection a listings page is about: the one asked for, else the first active one.
    func listingConnection(_ viewer: Viewer, _ request: Request) async throws -> DashboardSources.Connection? {
        let connections = try await sources.connections(tenant: viewer.tenant)
        if let wanted = request.uri.queryParameters.get("connection").flatMap(UUID.init(uuidString:)) {
            return connections.first { $0.id == wanted }
        }
        return connections.first { $0.status == "active" } ?? connections.first
    }

    func listingChrome(_ viewer: Viewer, _ request: Request, title: String,
                       _ connection: DashboardSources.Connection) -> [String: Any] {
        var values = chrome(viewer, page: "listings", title: title, request: request)
        let id = connection.id.uuidString.lowercased()
        values["connectionId"] = id
        values["sellerId"] = connection.sellingPartnerId
        values["marketplace"] = connection.marketplaceIds.first ?? ""
        values["connectionQuery"] = "connection=\(id)"
        values["connectionActive"] = connection.status == "active"
        return values
    }

    /// The page to show when there is no connection yet: a pointer to connecting one.
    func noListingConnection(_ viewer: Viewer, _ request: Request, title: String) throws -> Response {
        var values = chrome(viewer, page: "listings", title: title, request: request)
        values["noConnection"] = true
        return try renderer.page("listings", values)
    }

    func listingsPage(_ viewer: Viewer, _ request: Request) async throws -> Response {
        guard let connection = try await listingConnection(viewer, request) else {
            return try noListingConnection(viewer, request, title: "Listings")
        }
        var values = listingChrome(viewer, request, title: "Listings", connection)
        let id = connection.id
        let pageToken = request.uri.queryParameters.get("page")
        var listingsTarget = "/internal/amazon/connections/\(id.uuidString.lowercased())/listings"
        if let pageToken, !pageToken.isEmpty { listingsTarget += "?pageToken=" + Self.queryValue(pageToken) }
        async let pageLoad = sources.get(DashboardSources.ListingPage.self, from: .integrations, listingsTarget, tenant: viewer.tenant)
        async let bulkLoad = sources.get(DashboardSources.BulkUpdateList.self, from: .integrations,
                                         "/internal/amazon/connections/\(id.uuidString.lowercased())/listing-bulk-updates?limit=5",
                                         tenant: viewer.tenant)
        do {
            let page = try await pageLoad
            values["listings"] = page.listings.map { listingRow($0, connection: connection) }
            values["totalCount"] = page.totalCount
            values["noListings"] = page.listings.isEmpty
            let query = "connection=\(id.uuidString.lowercased())"
            if let next = page.nextPageToken { values["nextPage"] = "/app/listings?\(query)&page=\(Self.queryValue(next))" }
            if let previous = page.previousPageToken { values["previousPage"] = "/app/listings?\(query)&page=\(Self.queryValue(previous))" }
            values["withIssues"] = page.listings.count { !$0.issues.isEmpty }
        } catch {
            values["problem"] = "Amazon's listings could not be read just now: \(error)"
            values["noListings"] = true
        }
        let bulk = (try? await bulkLoad)?.bulkUpdates ?? []
        values["bulkUpdates"] = bulk.map { bulkRow($0) }
        values["hasBulkUpdates"] = !bulk.isEmpty
        values["requestKey"] = "dashboard-" + UUID().uuidString.lowercased()
        return try renderer.page("listings", values)
    }

    func listingRow(_ listing: DashboardSources.Listing, connection: DashboardSources.Connection) -> [String: Any] {
        var row: [String: Any] = [
            "sku": listing.sku, "href": "/app/listings/\(Self.pathSegment(listing.sku))?connection=\(connection.id.uuidString.lowercased())",
            "title": listing.title ?? "—", "asin": listing.asin ?? "—", "state": listing.state, "stateLabel": Self.listingState(listing.state),
            "price": listing.price?.displayText ?? "—", "quantity": listing.quantity.map(String.init) ?? "—",
            "fulfillment": listing.fulfillment == "amazon" ? "Amazon (FBA)" : "You",
            "errors": listing.errorCount, "warnings": listing.warningCount, "hasIssues": !listing.issues.isEmpty,
        ]
        if let first = listing.issues.first { row["firstIssue"] = first.explanation }
        row["issueCount"] = [Self.count(listing.errorCount, "error"), Self.count(listing.warningCount, "warning"),
                             Self.count(listing.issues.count - listing.errorCount - listing.warningCount, "note")]
            .compactMap { $0 }.joined(separator: ", ")
        return row
    }

    /// "2 errors", "1 warning"; nil for none.
    static func count(_ number: Int, _ noun: String) -> String? {
        number > 0 ? "\(number) \(noun)\(number == 1 ? "" : "s")" : nil
    }

    /// Amazon's condition values as Seller Central words them (`used_like_new` → "Used, like new").
    static func condition(_ value: String) -> String {
        let parts = value.split(separator: "_", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return value }
        let kind = parts[0].prefix(1).uppercased() + parts[0].dropFirst()
        return parts[1] == parts[0] ? kind : "\(kind), \(parts[1].replacingOccurrences(of: "_", with: " "))"
    }

    static func listingState(_ state: String) -> String {
        ["buyable": "On sale", "suppressed": "Off sale: issue", "not_buyable": "Not buyable"][state] ?? state
    }

    func listingPage(_ viewer: Viewer, sku: String, _ request: Request) async throws -> Response {
        guard let connection = try await listingConnection(viewer, request) else {
            return try noListingConnection(viewer, request, title: "Listing")
        }
        var values = listingChrome(viewer, request, title: "Listing \(sku)", connection)
        let listing: DashboardSources.Listing
        do {
            listing = try await sources.get(DashboardSources.Listing.self, from: .integrations,
                                            "/internal/amazon/connections/\(connection.id.uuidString.lowercased())/listings/\(Self.pathSegment(sku))",
                                            tenant: viewer.tenant)
        } catch let problem as DashboardSourceError where problem.status == 404 {
            return try missing(viewer, page: "listings", title: "Listings", what: "listing")
        }
        values["listing"] = listingRow(listing, connection: connection)
        values["sku"] = listing.sku
        values["skuPath"] = Self.pathSegment(listing.sku)
        values["productType"] = listing.productType
        values["condition"] = listing.condition.map(Self.condition) ?? "—"
        values["statuses"] = listing.statuses.isEmpty ? "none" : listing.statuses.joined(separator: ", ")
        values["updated"] = listing.updatedAt.map { text in (try? Date(text, strategy: .iso8601)).map(DashboardWords.instant) ?? text } ?? "—"
        values["priceValue"] = listing.price?.decimalString ?? ""
        values["quantityValue"] = listing.quantity.map(String.init) ?? ""
        values["merchantFulfilled"] = listing.fulfillment == "merchant"
        values["issues"] = listing.issues.map { issue in
            ["severity": issue.severity, "severityLabel": ["error": "Error", "warning": "Warning", "info": "Note"][issue.severity] ?? issue.severity,
             "fields": issue.fields.joined(separator: ", "), "explanation": issue.explanation, "whatToDo": issue.whatToDo,
             "enforcement": issue.enforcement ?? "", "amazonCode": issue.amazonCode, "amazonMessage": issue.amazonMessage] as [String: Any]
        }
        values["noIssues"] = listing.issues.isEmpty
        if let asin = listing.asin { values["catalogHref"] = "/app/catalog?connection=\(connection.id.uuidString.lowercased())&query=\(asin)" }
        return try renderer.page("listing", values)
    }

    func bulkRow(_ update: DashboardSources.BulkUpdate) -> [String: Any] {
        ["id": update.bulkUpdateId.uuidString.lowercased(), "when": DashboardWords.instant(update.requestedAt), "status": update.status,
         "statusLabel": ["queued": "Queued", "running": "Applying", "finished": "Done"][update.status] ?? update.status,
         "accepted": update.accepted, "invalid": update.invalid, "failed": update.failed, "pending": update.pending,
         "total": update.accepted + update.invalid + update.failed + update.pending]
    }

    func bulkUpdatePage(_ viewer: Viewer, id: UUID, _ request: Request) async throws -> Response {
        guard let connection = try await listingConnection(viewer, request) else {
            return try noListingConnection(viewer, request, title: "Bulk update")
        }
        var values = listingChrome(viewer, request, title: "Bulk update", connection)
        struct Body: Decodable { let bulkUpdate: DashboardSources.BulkUpdate }
        let update: DashboardSources.BulkUpdate
        do {
            update = try await sources.get(Body.self, from: .integrations,
                                           "/internal/amazon/connections/\(connection.id.uuidString.lowercased())/listing-bulk-updates/\(id.uuidString.lowercased())",
                                           tenant: viewer.tenant).bulkUpdate
        } catch let problem as DashboardSourceError where problem.status == 404 {
            return try missing(viewer, page: "listings", title: "Listings", what: "bulk update")
        }
        values["update"] = bulkRow(update)
        values["running"] = update.status != "finished"
        values["items"] = (update.items ?? []).map { item -> [String: Any] in
            var change: [String] = []
            if let price = item.price { change.append("price \(price.displayText)") }
            if let quantity = item.quantity { change.append("quantity \(quantity)") }
            let reason = item.error ?? item.issues.map { "\($0.fields.isEmpty ? "" : $0.fields.joined(separator: ", ") + ": ")\($0.explanation)" }
                .joined(separator: " ")
            return ["sku": item.sku, "href": "/app/listings/\(Self.pathSegment(item.sku))?connection=\(connection.id.uuidString.lowercased())",
                    "change": change.joined(separator: ", "), "outcome": item.outcome,
                    "outcomeLabel": ["pending": "Waiting", "accepted": "Accepted", "invalid": "Refused by Amazon", "failed": "Not sent"][item.outcome] ?? item.outcome,
                    "reason": reason]
        }
        return try renderer.page("listing-bulk", values)
    }

    func catalogPage(_ viewer: Viewer, _ request: Request) async throws -> Response {
        guard let connection = try await listingConnection(viewer, request) else {
            return try noListingConnection(viewer, request, title: "Catalogue")
        }
        var values = listingChrome(viewer, request, title: "Catalogue", connection)
        let query = (request.uri.queryParameters.get("query") ?? "").trimmingCharacters(in: .whitespaces)
        values["query"] = query
        guard !query.isEmpty else { return try renderer.page("catalog", values) }
        let base = "/internal/amazon/connections/\(connection.id.uuidString.lowercased())/catalog/items"
        let isASIN = query.count == 10 && query.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } && query.uppercased().hasPrefix("B")
        do {
            if isASIN {
                let product = try await sources.get(DashboardSources.CatalogProduct.self, from: .integrations,
                                                    "\(base)/\(query.uppercased())", tenant: viewer.tenant)
                values["product"] = catalogValues(product, connection: connection)
            } else {
                let found = try await sources.get(DashboardSources.CatalogMatches.self, from: .integrations,
                                                  "\(base)?query=\(Self.queryValue(query))", tenant: viewer.tenant)
                values["matches"] = found.matches.map { match in
                    ["asin": match.asin, "title": match.title ?? "—", "brand": match.brand ?? "—",
                     "href": "/app/catalog?connection=\(connection.id.uuidString.lowercased())&query=\(match.asin)"]
                }
                values["noMatches"] = found.matches.isEmpty
                values["searched"] = true
            }
        } catch let problem as DashboardSourceError {
            values["problem"] = problem.status == 404 ? "Amazon's catalogue has no product \(query) in this marketplace." : problem.message
        }
        return try renderer.page("catalog", values)
    }

    func catalogValues(_ product: DashboardSources.CatalogProduct, connection: DashboardSources.Connection) -> [String: Any] {
        var values: [String: Any] = [
            "asin": product.asin, "title": product.title ?? "—", "brand": product.brand ?? "—", "manufacturer": product.manufacturer ?? "—",
            "model": product.modelNumber ?? "—",
            "identifiers": product.identifiers.map { "\($0.type) \($0.value)" }.joined(separator: ", "),
            "dimensions": ["length", "width", "height", "weight"].compactMap { name in
                product.dimensions[name].map { "\(name) \(String(format: "%g", $0.value)) \($0.unit)" }
            }.joined(separator: ", "),
        ]
        if let pricing = product.pricing {
            var shown: [String: Any] = [
                "yourPrice": pricing.yourPrice?.displayText ?? "no offer", "buyBox": pricing.buyBoxPrice?.displayText ?? "none",
                "lowest": pricing.lowestPrice?.displayText ?? "—", "offers": pricing.offerCount, "buyBoxIsYours": pricing.buyBoxIsYours,
                "listPrice": pricing.listPrice?.displayText ?? "—",
            ]
            if !pricing.buyBoxIsYours, let yours = pricing.yourPrice, let buyBox = pricing.buyBoxPrice,
               let gap = try? yours - buyBox, gap.amountMinor > 0 {
                shown["gap"] = "your price is \(gap.displayText) above the Buy Box"
            }
            if let sku = pricing.yourSku {
                shown["yourSku"] = sku
                shown["yourHref"] = "/app/listings/\(Self.pathSegment(sku))?connection=\(connection.id.uuidString.lowercased())"
            }
            values["pricing"] = shown
        }
        if let problem = product.pricingProblem { values["pricingProblem"] = problem }
        return values
    }

    /// Text for one path segment, encoded as the gateway sends a SKU on.
    static func pathSegment(_ text: String) -> String { GatewayPathParameter.encoded(text) }

    /// A query value: the same encoding leaves nothing a query would read as a separator.
    static func queryValue(_ text: String) -> String { GatewayPathParameter.encoded(text) }
}

/// integrations' listings and catalogue answers, as the Listings pages read them.
extension DashboardSources {
    struct ListingIssue: Decodable, Sendable {
        let severity: String
        let fields: [String]
        let explanation: String
        let whatToDo: String
        let enforcement: String?
        let amazonCode: String
        let amazonMessage: String
    }

    struct Listing: Decodable, Sendable {
        let sku: String
        let asin: String?
        let title: String?
        let productType: String
        let condition: String?
        let statuses: [String]
        let state: String
        let price: Money?
        let quantity: Int?
        let fulfillment: String
        let updatedAt: String?
        let issues: [ListingIssue]
        let errorCount: Int
        let warningCount: Int
    }

    struct ListingPage: Decodable, Sendable {
        let listings: [Listing]
        let totalCount: Int
        let nextPageToken: String?
        let previousPageToken: String?
    }

    struct BulkUpdate: Decodable, Sendable {
        struct Item: Decodable, Sendable {
            let sku: String
            let price: Money?
            let quantity: Int?
            let outcome: String
            let issues: [ListingIssue]
            let error: String?
        }
        let bulkUpdateId: UUID
        let status: String
        let requestedAt: Date
        let accepted: Int
        let invalid: Int
        let failed: Int
        let pending: Int
        let items: [Item]?
    }

    struct BulkUpdateList: Decodable, Sendable {
        let bulkUpdates: [BulkUpdate]
    }

    struct CatalogProduct: Decodable, Sendable {
        struct Dimension: Decodable, Sendable {
            let value: Double
            let unit: String
        }
        struct Identifier: Decodable, Sendable {
            let type: String
            let value: String
        }
        struct Pricing: Decodable, Sendable {
            let yourPrice: Money?
            let yourSku: String?
            let buyBoxPrice: Money?
            let buyBoxIsYours: Bool
            let lowestPrice: Money?
            let offerCount: Int
            let listPrice: Money?
        }
        let asin: String
        let title: String?
        let brand: String?
        let manufacturer: String?
        let modelNumber: String?
        let dimensions: [String: Dimension]
        let identifiers: [Identifier]
        let pricing: Pricing?
        let pricingProblem: String?
    }

    struct CatalogMatches: Decodable, Sendable {
        struct Match: Decodable, Sendable {
            let asin: String
            let title: String?
            let brand: String?
        }
        let matches: [Match]
    }
}
