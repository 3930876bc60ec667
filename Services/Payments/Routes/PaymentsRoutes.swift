import OpsideTransport

/// payments' public routes, served by main-api's gateway.
public enum PaymentsRoutes {
    public static let table = GatewayRouteTable(service: .payments, [
        // 404 while the `tenant.created` event is still on its way.
        .get("/api/v1/billing", to: "/internal/billing-account"),
    ])
}
