import Foundation
import Hummingbird
import OpsideTransport

/// payments' HTTP face: the billing account of the tenant named in the caller's service token.
/// Public callers reach it through main-api's gateway (`PaymentsRoutes`: `GET /api/v1/billing`).
public struct BillingAccountsController: Sendable {
    let accounts: any BillingAccountsRepository

    public init(accounts: any BillingAccountsRepository) {
        self.accounts = accounts
    }

    public func addRoutes(to router: Router<OpsideRequestContext>) {
        router.get("/internal/billing-account") { _, context in try await account(context) }
    }

    @Sendable func account(_ context: OpsideRequestContext) async throws -> BillingAccountResponse {
        let tenant = try context.requireCallerTenant()
        guard let account = try await accounts.account(tenantId: tenant) else {
            throw APIError.notFound("no billing account for this tenant yet")
        }
        return BillingAccountResponse(account: account)
    }
}

/// `{"account": {...}}`, as payments' document describes it.
struct BillingAccountResponse: ResponseEncodable {
    let account: BillingAccount
}
