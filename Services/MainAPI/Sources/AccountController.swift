import Foundation
import Hummingbird
import OpsideCore
import OpsideTransport

/// `GET /api/v1/me` and `GET /api/v1/billing` (read from payments over the service client).
struct AccountController {
    let accounts: any AccountsRepository
    let serviceClient: ServiceClient

    struct MeResponse: ResponseEncodable {
        let user: UserAccount
        let tenant: TenantMembership
    }

    func addRoutes(to router: Router<OpsideRequestContext>) {
        router.get("/api/v1/me") { _, context in try await me(context: context) }
        router.get("/api/v1/billing") { _, context in try await billing(context: context) }
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

    /// Passes payments' answer through: the tenant's billing account, or 404 while the
    /// `tenant.created` event is still on its way.
    func billing(context: OpsideRequestContext) async throws -> Response {
        let session = try context.requireSession()
        do {
            let reply = try await serviceClient.send(.GET, to: .payments, path: "/internal/billing-account", tenantID: session.tenantID)
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: reply.body)))
        } catch ServiceCallError.status(_, let code, let envelope) where code == 404 {
            throw APIError.notFound(envelope?.error.message ?? "no billing account yet")
        } catch let error as ServiceCallError {
            throw APIError.unavailable("billing is unavailable right now", details: ["reason": error.description])
        }
    }
}
