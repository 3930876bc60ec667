import Foundation
import Hummingbird
import OpsideCore
import OpsideTransport

/// `GET /api/v1/me`: the signed-in user and tenant. (`/api/v1/billing` is payments' route,
/// served by the gateway from `PaymentsRoutes`.)
struct AccountController {
    let accounts: any AccountsRepository

    struct MeResponse: ResponseEncodable {
        let user: UserAccount
        let tenant: TenantMembership
    }

    func addRoutes(to router: Router<OpsideRequestContext>) {
        router.get("/api/v1/me") { _, context in try await me(context: context) }
    }

    func me(context: OpsideRequestContext) async throws -> MeResponse {
        let session = try context.requireSession()
        guard let userID = session.userID, let tenantID = session.tenantID,
              let user = try await accounts.user(id: userID),
              let membership = try await accounts.membership(userID: userID, tenantID: tenantID) else {
            throw APIError.unauthorized("this session's user or tenant no longer exists; log in again")
        }
        return MeResponse(user: user, tenant: membership)
    }
}
