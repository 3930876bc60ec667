import OpsideTransport

/// mcde's public routes, served by main-api's gateway: costs per SKU over time with anomalies,
/// the invoices read, the manufacturing-cost file for Seller Central, and the seller's
/// supplier-SKU table.
public enum MCDERoutes {
    public static let editors: Set<String> = ["owner", "admin"]

    public static let table = GatewayRouteTable(service: .mcde, [
        .get("/api/v1/costs/skus", to: "/internal/costs/skus"),
        .get("/api/v1/costs/skus/{sku}", to: "/internal/costs/skus/{sku}"),
        .get("/api/v1/costs/invoices", to: "/internal/costs/invoices"),
        .get("/api/v1/costs/invoices/{documentId}", to: "/internal/costs/invoices/{documentId}"),
        .get("/api/v1/costs/anomalies", to: "/internal/costs/anomalies"),
        .get("/api/v1/costs/manufacturing-cost-file", to: "/internal/costs/manufacturing-cost-file"),
        .get("/api/v1/costs/supplier-skus", to: "/internal/costs/supplier-skus"),
        .put("/api/v1/costs/supplier-skus", to: "/internal/costs/supplier-skus", roles: editors, body: .collectedWithSessionUser),
    ])
}
