import Foundation
import OpsideTransport

/// integrations' public routes, served by main-api's gateway: connections and their Amazon Ads
/// authorization, what Amazon's
/// notifications told each, the seller's listings and Amazon's catalogue, and FBA inbound workflows (changes for owners and admins). The consent flow's two routes
/// (`consent-url`, `callback`) bind the flow to the browser with a cookie, which main-api
/// handles itself before it calls the same internal endpoints through the gateway.
public enum IntegrationsRoutes {
    /// Roles that may change what the seller sells on Amazon.
    public static let listingEditors: Set<String> = ["owner", "admin"]

    public static let table = GatewayRouteTable(service: .integrations, [
        .post("/api/v1/amazon/connections/refresh-token", to: "/internal/amazon/connections/refresh-token", body: .collectedWithSessionUser),
        .get("/api/v1/amazon/connections", to: "/internal/amazon/connections"),
        .get("/api/v1/amazon/connections/{connectionId}", to: "/internal/amazon/connections/{connectionId}"),
        .delete("/api/v1/amazon/connections/{connectionId}", to: "/internal/amazon/connections/{connectionId}"),
        .get("/api/v1/amazon/connections/{connectionId}/listings", to: "/internal/amazon/connections/{connectionId}/listings"),
        .get("/api/v1/amazon/connections/{connectionId}/listings/{sku}", to: "/internal/amazon/connections/{connectionId}/listings/{sku}"),
        .put("/api/v1/amazon/connections/{connectionId}/listings/{sku}", to: "/internal/amazon/connections/{connectionId}/listings/{sku}",
             roles: listingEditors),
        GatewayRoute(.patch, "/api/v1/amazon/connections/{connectionId}/listings/{sku}",
                     to: "/internal/amazon/connections/{connectionId}/listings/{sku}", access: .roles(listingEditors)),
        .delete("/api/v1/amazon/connections/{connectionId}/listings/{sku}", to: "/internal/amazon/connections/{connectionId}/listings/{sku}",
                access: .roles(listingEditors)),
        .post("/api/v1/amazon/connections/{connectionId}/listing-bulk-updates",
              to: "/internal/amazon/connections/{connectionId}/listing-bulk-updates", access: .roles(listingEditors),
              body: .collectedWithSessionUser),
        .get("/api/v1/amazon/connections/{connectionId}/listing-bulk-updates",
             to: "/internal/amazon/connections/{connectionId}/listing-bulk-updates"),
        .get("/api/v1/amazon/connections/{connectionId}/listing-bulk-updates/{bulkUpdateId}",
             to: "/internal/amazon/connections/{connectionId}/listing-bulk-updates/{bulkUpdateId}"),
        .get("/api/v1/amazon/connections/{connectionId}/notifications", to: "/internal/amazon/connections/{connectionId}/notifications"),
        // The connection's Amazon Ads authorization: connected (a pasted Ads refresh token) and removed by owners and admins.
        .post("/api/v1/amazon/connections/{connectionId}/ads", to: "/internal/amazon/connections/{connectionId}/ads",
              access: .roles(listingEditors), body: .collectedWithSessionUser),
        .get("/api/v1/amazon/connections/{connectionId}/ads", to: "/internal/amazon/connections/{connectionId}/ads"),
        .delete("/api/v1/amazon/connections/{connectionId}/ads", to: "/internal/amazon/connections/{connectionId}/ads",
                access: .roles(listingEditors)),
        .get("/api/v1/amazon/connections/{connectionId}/catalog/items", to: "/internal/amazon/connections/{connectionId}/catalog/items"),
        .get("/api/v1/amazon/connections/{connectionId}/catalog/items/{asin}",
             to: "/internal/amazon/connections/{connectionId}/catalog/items/{asin}"),
    ] + inboundRoutes)

    /// The inbound workflow: reading for every member, acting for owners and admins.
    static let inboundRoutes: [GatewayRoute] = {
        let base = "/api/v1/amazon/connections/{connectionId}/inbound-workflows"
        let target = "/internal/amazon/connections/{connectionId}/inbound-workflows"
        var routes: [GatewayRoute] = [
            .post(base, to: target, access: .roles(listingEditors), body: .collectedWithSessionUser),
            .get(base, to: target),
            .get(base + "/{workflowId}", to: target + "/{workflowId}"),
            .get(base + "/{workflowId}/shipments/{shipment}/labels", to: target + "/{workflowId}/shipments/{shipment}/labels"),
        ]
        for action in ["packing", "boxes", "placement", "shipping-details", "carriers", "tracking", "cancel"] {
            routes.append(.post(base + "/{workflowId}/" + action, to: target + "/{workflowId}/" + action, access: .roles(listingEditors)))
        }
        return routes
    }()

    /// Internal endpoints main-api's own consent handlers call.
    public static let consentURL = "/internal/amazon/connections/consent-url"
    public static let oauthCallback = "/internal/amazon/oauth/callback"
    /// The Amazon Ads consent's two: a connection's consent URL, and Login with Amazon's redirect.
    public static func adsConsentURL(connectionID: UUID) -> String {
        "/internal/amazon/connections/\(connectionID.uuidString.lowercased())/ads/consent-url"
    }
    public static let adsOAuthCallback = "/internal/amazon/ads/oauth/callback"
}
