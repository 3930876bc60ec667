import OpsideTransport

/// claim-detector's public routes, served by main-api's gateway: detection, the claims with their
/// CSV export and summary, dismissal, the approval model, and the seller's unit costs and expected fees.
public enum ClaimDetectorRoutes {
    /// Roles that may change what claims are worth or wave one off.
    public static let editors: Set<String> = ["owner", "admin"]

    public static let table = GatewayRouteTable(service: .claimDetector, [
        // A run reads the seller's whole history and answers when it is done.
        .post("/api/v1/claims/detections", to: "/internal/claims/detections").waiting(upTo: .seconds(300)),
        .get("/api/v1/claims", to: "/internal/claims", cached: true),
        .get("/api/v1/claims/export", to: "/internal/claims/export"),
        .get("/api/v1/claims/summary", to: "/internal/claims/summary", cached: true),
        .get("/api/v1/claims/approval-model", to: "/internal/claims/approval-model"),
        .get("/api/v1/claims/unit-costs", to: "/internal/claims/unit-costs"),
        .put("/api/v1/claims/unit-costs", to: "/internal/claims/unit-costs", roles: editors),
        .post("/api/v1/claims/unit-costs/import", to: "/internal/claims/unit-costs/import", access: .roles(editors)),
        .get("/api/v1/claims/expected-fees", to: "/internal/claims/expected-fees"),
        .put("/api/v1/claims/expected-fees", to: "/internal/claims/expected-fees", roles: editors),
        .post("/api/v1/claims/expected-fees/import", to: "/internal/claims/expected-fees/import", access: .roles(editors)),
        .get("/api/v1/claims/{claimId}", to: "/internal/claims/{claimId}", cached: true),
        .post("/api/v1/claims/{claimId}/dismiss", to: "/internal/claims/{claimId}/dismiss", access: .roles(editors),
              body: .collectedWithSessionUser),
    ])
}
