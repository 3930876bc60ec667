import OpsideTransport

/// integrations' public routes, served by main-api's gateway. The consent flow's two routes
/// (`consent-url`, `callback`) bind the flow to the browser with a cookie, which main-api
/// handles itself before it calls the same internal endpoints through the gateway.
public enum IntegrationsRoutes {
    public static let table = GatewayRouteTable(service: .integrations, [
        .post("/api/v1/amazon/connections/refresh-token", to: "/internal/amazon/connections/refresh-token", body: .collectedWithSessionUser),
        .get("/api/v1/amazon/connections", to: "/internal/amazon/connections"),
        .get("/api/v1/amazon/connections/{connectionId}", to: "/internal/amazon/connections/{connectionId}"),
        .delete("/api/v1/amazon/connections/{connectionId}", to: "/internal/amazon/connections/{connectionId}"),
    ])

    /// Internal endpoints main-api's own consent handlers call.
    public static let consentURL = "/internal/amazon/connections/consent-url"
    public static let oauthCallback = "/internal/amazon/oauth/callback"
}
