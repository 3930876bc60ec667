import Foundation
import Hummingbird
import OpsideCore
import OpsideTransport

/// integrations' listings and catalogue endpoints, for one connection of the token's tenant.
/// main-api serves them to sellers under `/api/v1/amazon/connections/{connectionId}/…`.
struct ListingsController {
    let listings: SellerListings
    let bulkUpdates: ListingBulkUpdates

    struct BulkUpdateList: ResponseEncodable {
        let bulkUpdates: [BulkListingUpdate]
    }

    struct BulkUpdateAnswer: ResponseEncodable {
        let bulkUpdate: BulkListingUpdate
    }

    func addRoutes(to router: Router<OpsideRequestContext>) {
        let connection = router.group("/internal/amazon/connections/{connectionId}")
        connection.get("/listings") { request, context in
            let skus: [String] = request.uri.queryParameters.getAll("sku").map { String($0) }.filter { !$0.isEmpty }
            guard skus.count <= 20 else { throw ListingsError.invalidInput("ask for at most 20 SKUs at once").apiError }
            return try await withIntegrationsErrors {
                try await listings.page(connectionID: try context.amazonConnectionID(), tenantID: try context.requireCallerTenant(),
                                        pageToken: request.uri.queryParameters.get("pageToken"), skus: skus)
            }
        }
        connection.get("/listings/{sku}") { _, context in
            try await withIntegrationsErrors {
                try await listings.listing(connectionID: try context.amazonConnectionID(), tenantID: try context.requireCallerTenant(), sku: try sku(context))
            }
        }
        connection.put("/listings/{sku}") { request, context in
            let body = try await request.decode(as: NewListing.self, context: context)
            return try await withIntegrationsErrors {
                try await listings.create(connectionID: try context.amazonConnectionID(), tenantID: try context.requireCallerTenant(),
                                          sku: try sku(context), body)
            }
        }
        connection.patch("/listings/{sku}") { request, context in
            let body = try await request.decode(as: ListingChange.self, context: context)
            return try await withIntegrationsErrors {
                try await listings.change(connectionID: try context.amazonConnectionID(), tenantID: try context.requireCallerTenant(),
                                          sku: try sku(context), body)
            }
        }
        connection.delete("/listings/{sku}") { _, context in
            try await withIntegrationsErrors {
                try await listings.delete(connectionID: try context.amazonConnectionID(), tenantID: try context.requireCallerTenant(), sku: try sku(context))
            }
        }
        connection.post("/listing-bulk-updates") { request, context -> EditedResponse<BulkUpdateAnswer> in
            let body = try await request.decode(as: BulkListingChangeRequest.self, context: context)
            let (update, created) = try await withIntegrationsErrors {
                try await bulkUpdates.request(tenantID: try context.requireCallerTenant(), connectionID: try context.amazonConnectionID(), body)
            }
            return EditedResponse(status: created ? .accepted : .ok, response: BulkUpdateAnswer(bulkUpdate: update))
        }
        connection.get("/listing-bulk-updates") { request, context in
            let limit = try QueryParameters.integer(request, "limit", in: 1...100, default: 20)
            return BulkUpdateList(bulkUpdates: try await withIntegrationsErrors {
                try await bulkUpdates.recent(tenantID: try context.requireCallerTenant(), connectionID: try context.amazonConnectionID(), limit: limit)
            })
        }
        connection.get("/listing-bulk-updates/{bulkUpdateId}") { _, context in
            guard let id = UUID(uuidString: try context.parameters.require("bulkUpdateId")) else { throw ListingsError.bulkUpdateNotFound.apiError }
            let tenant = try context.requireCallerTenant()
            let update = try await withIntegrationsErrors { try await bulkUpdates.update(tenantID: tenant, id: id) }
            // Another connection's update is as absent as one that does not exist.
            guard update.connectionId == (try context.amazonConnectionID()) else { throw ListingsError.bulkUpdateNotFound.apiError }
            return BulkUpdateAnswer(bulkUpdate: update)
        }
        connection.get("/catalog/items") { request, context in
            let query = request.uri.queryParameters.get("query") ?? ""
            return try await withIntegrationsErrors {
                try await listings.search(connectionID: try context.amazonConnectionID(), tenantID: try context.requireCallerTenant(), query: query)
            }
        }
        connection.get("/catalog/items/{asin}") { _, context in
            try await withIntegrationsErrors {
                try await listings.product(connectionID: try context.amazonConnectionID(), tenantID: try context.requireCallerTenant(),
                                           asin: try context.parameters.require("asin"))
            }
        }
    }

    func sku(_ context: OpsideRequestContext) throws -> String {
        let sku = try GatewayPathParameter.decoded("sku", try context.parameters.require("sku"))
        try SellerListings.validateSKU(sku)
        return sku
    }
}
