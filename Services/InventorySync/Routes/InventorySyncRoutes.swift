import OpsideTransport

/// inventory-sync's public routes, served by main-api's gateway: manual syncs, progress, history,
/// schedules, discrepancies, report-file uploads, Brand Analytics' search-query trends and advertising
/// spend of the signed-in tenant.
public enum InventorySyncRoutes {
    /// Roles that may change a connection's sync schedules: schedules decide how much of the
    /// seller's Amazon rate budget syncs spend, an operator's call.
    public static let scheduleEditors: Set<String> = ["owner", "admin"]
    /// Report files larger than this go through `opside import`; each tenant may stream two at once.
    public static let upload = UploadLimit(maxBytes: 64 << 20, perTenant: 2, timeout: .seconds(600),
                                           tooLargeAdvice: "import bigger files with `opside import`")

    public static let table = GatewayRouteTable(service: .inventorySync, [
        .post("/api/v1/amazon/connections/{connectionId}/syncs", to: "/internal/amazon/connections/{connectionId}/syncs"),
        .get("/api/v1/amazon/connections/{connectionId}/syncs", to: "/internal/amazon/connections/{connectionId}/syncs"),
        .get("/api/v1/amazon/syncs/{runId}", to: "/internal/amazon/syncs/{runId}"),
        .get("/api/v1/amazon/syncs/{runId}/quarantine", to: "/internal/amazon/syncs/{runId}/quarantine"),
        .get("/api/v1/amazon/connections/{connectionId}/schedules", to: "/internal/amazon/connections/{connectionId}/schedules"),
        .put("/api/v1/amazon/connections/{connectionId}/schedules/{dataset}",
             to: "/internal/amazon/connections/{connectionId}/schedules/{dataset}", roles: scheduleEditors),
        .get("/api/v1/amazon/connections/{connectionId}/discrepancies", to: "/internal/amazon/connections/{connectionId}/discrepancies"),
        .post("/api/v1/amazon/connections/{connectionId}/imports", to: "/internal/amazon/connections/{connectionId}/imports",
              body: .upload(upload)),
        .get("/api/v1/amazon/connections/{connectionId}/search-query-performance",
             to: "/internal/amazon/connections/{connectionId}/search-query-performance"),
        // A backfill spends the seller's report quota on up to two years of periods: an operator's call too.
        .post("/api/v1/amazon/connections/{connectionId}/search-query-performance/backfill",
              to: "/internal/amazon/connections/{connectionId}/search-query-performance/backfill", access: .roles(scheduleEditors)),
        // Advertising spend per SKU and day, with the sales beside it (issue 16).
        .get("/api/v1/amazon/connections/{connectionId}/ads-spend", to: "/internal/amazon/connections/{connectionId}/ads-spend"),
    ])
}
