import OpsideTransport

/// payments' public routes, served by main-api's gateway: the billing account, the Billing page's
/// data (card, totals, invoices, the commission statement and its CSV), saving a card through
/// Stripe Checkout, how the commission is collected, paying what is outstanding, the partner who
/// brought the seller; and the partner programme (Express onboarding, balance, payouts, earnings).
/// Changing how the tenant pays is for those who manage billing; the plan rate is an operator's
/// (payments' `/internal/billing/commission-rate`, not exposed here).
public enum PaymentsRoutes {
    /// Roles that manage billing: its card, how it pays, paying now.
    public static let billingManagers: Set<String> = ["owner", "admin"]

    public static let table = GatewayRouteTable(service: .payments, [
        // 404 while the `tenant.created` event is still on its way.
        .get("/api/v1/billing", to: "/internal/billing-account"),
        .get("/api/v1/billing/overview", to: "/internal/billing"),
        .get("/api/v1/billing/commissions", to: "/internal/billing/commissions"),
        .get("/api/v1/billing/commissions/export", to: "/internal/billing/commissions/export"),
        .post("/api/v1/billing/card-setup", to: "/internal/billing/card-setup", access: .roles(billingManagers), body: .collected),
        .post("/api/v1/billing/card-setup/complete", to: "/internal/billing/card-setup/complete", access: .roles(billingManagers),
              body: .collected),
        .put("/api/v1/billing/collection", to: "/internal/billing/collection", roles: billingManagers, body: .collected),
        .post("/api/v1/billing/settle", to: "/internal/billing/settle", access: .roles(billingManagers), body: .collected),
        .post("/api/v1/billing/invoices/{invoiceId}/pay", to: "/internal/billing/invoices/{invoiceId}/pay", access: .roles(billingManagers),
              body: .collected),
        .post("/api/v1/billing/referral", to: "/internal/billing/referral", access: .roles(billingManagers), body: .collected),
        // The partner programme, for the workspace of an agency or a referrer. Its share is an
        // operator's (payments' `/internal/partners/share`, not exposed here).
        .get("/api/v1/partners", to: "/internal/partners"),
        .post("/api/v1/partners", to: "/internal/partners", access: .roles(billingManagers), body: .collected),
        .post("/api/v1/partners/onboarding", to: "/internal/partners/onboarding", access: .roles(billingManagers), body: .collected),
        .post("/api/v1/partners/account/refresh", to: "/internal/partners/account/refresh", access: .roles(billingManagers), body: .collected),
        .post("/api/v1/partners/dashboard-link", to: "/internal/partners/dashboard-link", access: .roles(billingManagers), body: .collected),
        .put("/api/v1/partners/payout-schedule", to: "/internal/partners/payout-schedule", roles: billingManagers, body: .collected),
        .post("/api/v1/partners/payouts", to: "/internal/partners/payouts", access: .roles(billingManagers), body: .collected),
        .get("/api/v1/partners/earnings", to: "/internal/partners/earnings"),
        .get("/api/v1/partners/earnings/export", to: "/internal/partners/earnings/export"),
    ])
}
