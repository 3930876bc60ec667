import Foundation
import HTTPTypes
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
        guard let id = UUID(uuidString: raw) else { throw APIError.noSuch("Amazon connection") }
        return "/internal/amazon/connections/\(id.uuidString.lowercased())"
    }

    enum Verb { case get, post, delete }

    /// Sends to integrations and answers with its status and body; its error envelope reaches
    /// the client as it was, so a bad state or a revoked token reads the same at both layers.
    func forward(_ verb: Verb, _ path: String, tenant: UUID?, body: [String: String?]? = nil) async throws -> Response {
        let reply = try await send(verb, path, tenant: tenant, body: body)
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: .init(code: reply.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: reply.body)))
    }

    /// The call behind `forward`, for the one handler that reads the answer.
    func send(_ verb: Verb, _ path: String, tenant: UUID?, body: [String: String?]? = nil) async throws -> (status: Int, body: [UInt8]) {
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
            return (reply.status, Array(reply.body))
        } catch ServiceCallError.status(_, let code, let envelope?) where (400..<500).contains(code) || code == 502 {
            throw APIError(status: .init(code: code), code: envelope.error.code, message: envelope.error.message, details: envelope.error.details)
        } catch let error as ServiceCallError {
            throw APIError.unavailable("Amazon connections are unavailable right now; try again shortly", details: ["reason": error.description])
        }
    }

    // MARK: Consent flow bound to the browser

    /// The callback's path: the consent cookie is sent there and nowhere else.
    static let callbackPath = "/api/v1/amazon/callback"
    static let consentCookiePrefix = "opside_amazon_consent_"

    /// One cookie per flow, so two tabs connecting two regions do not overwrite each other's. The
    /// name carries the state's first characters only to find it again at the callback (whose
    /// query holds the whole state anyway); the secret is the value.
    static func consentCookieName(state: String) -> String? {
        let prefix = state.prefix(12)
        guard prefix.count == 12, prefix.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            return nil
        }
        return consentCookiePrefix + prefix
    }

    /// 32 random bytes, base64url: the value only the starting browser holds.
    static func newBrowserBinding() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Behind Fly's proxy TLS ends before the service, which the proxy says in `X-Forwarded-Proto`.
    static func servedOverTLS(_ request: Request) -> Bool {
        request.uri.scheme?.rawValue == "https" || request.headers[HTTPField.Name("X-Forwarded-Proto")!]?.lowercased() == "https"
    }

    /// httpOnly (scripts never read it), SameSite=Lax (Amazon's redirect back is a top-level
    /// cross-site GET, which Strict would strip), Secure over TLS, sent only to the callback, and
    /// gone when the state expires.
    static func consentCookie(name: String, value: String, maxAge: Int, secure: Bool) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: callbackPath, secure: secure, httpOnly: true, sameSite: .lax)
    }

    func consentURL(_ request: Request, _ context: OpsideRequestContext) async throws -> Response {
        let (tenant, user) = try signedIn(context)
        let body = try await request.decode(as: ConsentURLRequest.self, context: context)
        let binding = Self.newBrowserBinding()
        let reply = try await send(.post, "/internal/amazon/connections/consent-url", tenant: tenant, body: [
            "userId": user.uuidString.lowercased(), "region": body.region, "marketplaceId": body.marketplaceId,
            "browserBinding": binding,
        ])
        guard reply.status == 200,
              let link = try? JSONSerialization.jsonObject(with: Data(reply.body)) as? [String: Any],
              let state = link["state"] as? String, let name = Self.consentCookieName(state: state) else {
            throw APIError.unavailable("Amazon connections are unavailable right now; try again shortly",
                                       details: ["reason": "integrations answered the consent URL without a usable state"])
        }
        let expiresAt = (link["expiresAt"] as? String).flatMap { try? Date($0, strategy: .iso8601) }
        let maxAge = min(3600, max(1, Int((expiresAt?.timeIntervalSinceNow ?? 600).rounded(.up))))
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        var response = Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: reply.body)))
        response.setCookie(Self.consentCookie(name: name, value: binding, maxAge: maxAge, secure: Self.servedOverTLS(request)))
        return response
    }

    /// Amazon's redirect. The browser must carry the cookie set when this flow's consent URL was
    /// issued (integrations compares its hash with the state's), so a link started in one account
    /// cannot be completed in another person's browser. It may or may not carry a session: with
    /// one, its tenant (and user) must be the ones that started the flow. `selling_partner_id` is
    /// passed on only to be compared: integrations asks Amazon whose authorization this is.
    func callback(_ request: Request, _ context: OpsideRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        guard let state = query.get("state"), !state.isEmpty else {
            throw APIError.validation("the callback needs the state Amazon sends back; start connecting again")
        }
        guard let code = query.get("spapi_oauth_code"), !code.isEmpty else {
            throw APIError.validation("Amazon did not send spapi_oauth_code: the seller may have declined; start connecting again")
        }
        let cookieName = Self.consentCookieName(state: state)
        let binding = cookieName.flatMap { request.cookies[$0]?.value }
        var response = try await forward(.post, "/internal/amazon/oauth/callback", tenant: context.session?.tenantID, body: [
            "state": state, "spapiOAuthCode": code, "sellingPartnerId": query.get("selling_partner_id"),
            "userId": context.session?.userID?.uuidString.lowercased(), "browserBinding": binding,
        ])
        if let cookieName, binding != nil {
            // The flow is done: the binding has no further use.
            response.setCookie(Self.consentCookie(name: cookieName, value: "", maxAge: 0, secure: Self.servedOverTLS(request)))
        }
        return response
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
