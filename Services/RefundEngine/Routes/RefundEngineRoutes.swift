import OpsideTransport

/// refund-engine's public routes, served by main-api's gateway: the cases with their CSV and
/// metrics, one case, filing now, the seller's actions on a case, the filing settings, and the
/// money recovered.
public enum RefundEngineRoutes {
    /// Roles that may file, change what a case says happened, or change how filing runs.
    public static let filers: Set<String> = ["owner", "admin"]

    public static let table = GatewayRouteTable(service: .refundEngine, [
        .get("/api/v1/cases", to: "/internal/cases"),
        .get("/api/v1/cases/export", to: "/internal/cases/export"),
        .get("/api/v1/cases/metrics", to: "/internal/cases/metrics"),
        .post("/api/v1/cases/file", to: "/internal/cases/file", access: .roles(filers), body: .collectedWithSessionUser),
        .post("/api/v1/cases/refresh", to: "/internal/cases/refresh"),
        .post("/api/v1/cases/retry-failed", to: "/internal/cases/retry-failed", access: .roles(filers), body: .collectedWithSessionUser),
        .get("/api/v1/cases/{caseId}", to: "/internal/cases/{caseId}"),
        .post("/api/v1/cases/{caseId}/filed", to: "/internal/cases/{caseId}/filed", access: .roles(filers), body: .collectedWithSessionUser),
        .post("/api/v1/cases/{caseId}/outcome", to: "/internal/cases/{caseId}/outcome", access: .roles(filers), body: .collectedWithSessionUser),
        .post("/api/v1/cases/{caseId}/reply", to: "/internal/cases/{caseId}/reply", access: .roles(filers), body: .collectedWithSessionUser),
        .post("/api/v1/cases/{caseId}/documents-ready", to: "/internal/cases/{caseId}/documents-ready", access: .roles(filers),
              body: .collectedWithSessionUser),
        .get("/api/v1/filing", to: "/internal/filing"),
        .put("/api/v1/filing", to: "/internal/filing", roles: filers, body: .collectedWithSessionUser),
        .get("/api/v1/recoveries", to: "/internal/recoveries"),
        .get("/api/v1/recoveries/summary", to: "/internal/recoveries/summary"),
    ])
}
