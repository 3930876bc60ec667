import Foundation
import Hummingbird
import OpsideCore
import OpsideTransport

/// The public Amazon-connection endpoints: connect a seller (consent flow or a self-authorized
/// refresh token), list, show and disconnect. integrations does the work behind its internal
/// endpoints; this gateway adds the session (tenant in the service token, user in the body) and
/// passes answers and errors through unchanged.
struct AmazonConnectionsController {
    let serviceClient: ServiceClient

    struct ConsentURLRequest: Codable {
        let region: String?
        let marketplaceId: String?
    }

    struct RefreshTokenRequest: Codable {
        let refreshToken: String
        let sellingPartnerId: String
        let region: String
    }

    func addRoutes(to router: Router<OpsideRequestContext>) {
        let amazon = router.group("/api/v1/amazon")
        amazon.post("/connections/consent-url") { request, context in try await consentURL(request, context) }
        amazon.get("/callback") { request, context in try await callback(request, context) }
        amazon.post("/connections/refresh-token") { request, context in try await connectRefreshToken(request, context) }
        amazon.get("/connections") { _, context in try await list(context) }
        amazon.get("/connections/{connectionId}") { _, context in try await show(context) }
        amazon.delete("/connections/{connectionId}") { _, context in try await disconnect(context) }
    }

    /// The session's tenant and user, or 401.
    func signedIn(_ context: OpsideRequestContext) throws -> (tenant: UUID, user: UUID) {
        let session = try context.requireSession()
        guard let tenant = session.tenantID, let user = session.userID else {
            throw APIError.unauthorized("this session names no user or tenant; log in again")
        }
        return (tenant, user)
    }

    func connectionPath(_ context: OpsideRequestContext) throws -> String {
        let raw = try context.parameters.require("connectionId")
        guard let id = UUID(uuidString: raw) else { throw APIError.notFound("no Amazon connection with this id in this account") }
        return "/internal/amazon/connections/\(id.uuidString.lowercased())"
    }

    enum Verb { case get, post, delete }

    /// Sends to integrations and answers with its status and body; its error envelope reaches
    /// the client as it was, so a bad state or a revoked token reads the same at both layers.
    func forward(_ verb: Verb, _ path: String, tenant: UUID?, body: [String: String?]? = nil) async throws -> Response {
        var data: Data?
        if let body {
            data = try JSONEncoder().encode(body.compactMapValues { $0 })
        }
        do {
            let reply = switch verb {
            case .get: try await serviceClient.send(.GET, to: .integrations, path: path, tenantID: tenant)
            case .post: try await serviceClient.send(.POST, to: .integrations, path: path, tenantID: tenant, body: data)
            case .delete: try await serviceClient.send(.DELETE, to: .integrations, path: path, tenantID: tenant)
            }
            var headers = HTTPFields()
            headers[.contentType] = "application/json; charset=utf-8"
            return Response(status: .init(code: reply.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: reply.body)))
        } catch ServiceCallError.status(_, let code, let envelope?) where (400..<500).contains(code) || code == 502 {
            throw APIError(status: .init(code: code), code: envelope.error.code, message: envelope.error.message, details: envelope.error.details)
        } catch let error as ServiceCallError {
            throw APIError.unavailable("Amazon connections are unavailable right now; try again shortly", details: ["reason": error.description])
        }
    }

    func consentURL(_ request: Request, _ context: OpsideRequestContext) async throws -> Response {
        let (tenant, user) = try signedIn(context)
        let body = try await request.decode(as: ConsentURLRequest.self, context: context)
        return try await forward(.post, "/internal/amazon/connections/consent-url", tenant: tenant, body: [
            "userId": user.uuidString.lowercased(), "region": body.region, "marketplaceId": body.marketplaceId,
        ])
    }

    /// Amazon's redirect. The browser may or may not carry the session: with one, its tenant
    /// (and user) must be the ones that started the flow, which integrations checks against the
    /// state; without one, the state alone says whose connection this is.
    func callback(_ request: Request, _ context: OpsideRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        guard let state = query.get("state"), !state.isEmpty else {
            throw APIError.validation("the callback needs the state Amazon sends back; start connecting again")
        }
        guard let code = query.get("spapi_oauth_code"), !code.isEmpty,
              let seller = query.get("selling_partner_id"), !seller.isEmpty else {
            throw APIError.validation("Amazon did not send spapi_oauth_code and selling_partner_id: the seller may have declined; start connecting again")
        }
        return try await forward(.post, "/internal/amazon/oauth/callback", tenant: context.session?.tenantID, body: [
            "state": state, "spapiOAuthCode": code, "sellingPartnerId": seller,
            "userId": context.session?.userID?.uuidString.lowercased(),
        ])
    }

    func connectRefreshToken(_ request: Request, _ context: OpsideRequestContext) async throws -> Response {
        let (tenant, user) = try signedIn(context)
        let body = try await request.decode(as: RefreshTokenRequest.self, context: context)
        return try await forward(.post, "/internal/amazon/connections/refresh-token", tenant: tenant, body: [
            "userId": user.uuidString.lowercased(), "refreshToken": body.refreshToken,
            "sellingPartnerId": body.sellingPartnerId, "region": body.region,
        ])
    }

    func list(_ context: OpsideRequestContext) async throws -> Response {
        let (tenant, _) = try signedIn(context)
        return try await forward(.get, "/internal/amazon/connections", tenant: tenant)
    }

    func show(_ context: OpsideRequestContext) async throws -> Response {
        let (tenant, _) = try signedIn(context)
        return try await forward(.get, try connectionPath(context), tenant: tenant)
    }

    func disconnect(_ context: OpsideRequestContext) async throws -> Response {
        let (tenant, _) = try signedIn(context)
        return try await forward(.delete, try connectionPath(context), tenant: tenant)
    }
}
