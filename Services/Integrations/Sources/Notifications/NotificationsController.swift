import Foundation
import Hummingbird
import OpsideCore
import OpsideTransport

extension ConnectionNotifications: ResponseEncodable {}

/// What Amazon told a connection lately, for its page: `GET /internal/amazon/connections/{id}/notifications`
/// (main-api serves it under `/api/v1/amazon/connections/{connectionId}/notifications`).
struct NotificationsController {
    let connector: AmazonConnector
    let inbox: NotificationInbox

    func addRoutes(to router: Router<OpsideRequestContext>) {
        router.get("/internal/amazon/connections/{connectionId}/notifications") { request, context in
            let tenant = try context.requireCallerTenant()
            let limitText = request.uri.queryParameters.get("limit") ?? "20"
            guard let limit = Int(limitText), (1...100).contains(limit) else {
                throw APIError(status: .badRequest, code: "invalid_limit", message: "limit must be a whole number from 1 to 100, not \(limitText)")
            }
            // A malformed id, or another tenant's connection, is 404 like one that does not exist.
            let id = try await withIntegrationsErrors {
                let id = try context.amazonConnectionID()
                _ = try await connector.connection(id: id, tenantID: tenant)
                return id
            }
            return try await inbox.recent(connectionID: id, tenantID: tenant, limit: limit)
        }
    }
}
