import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import OpsideCore
import IntegrationsRoutes
import NIOCore
import OpsideTransport

/// The two Amazon-connection routes that bind the consent flow to the browser: issuing the
/// consent URL sets a cookie only this browser holds, and Amazon's redirect must bring it back.
/// They call integrations through the gateway like every other forwarded route; the rest of the
/// connection routes are plain forwards declared in `IntegrationsRoutes`.
struct AmazonConnectionsController {
    let gateway: ServiceGateway

    struct ConsentURLRequest: Codable {
        let region: String?
        let marketplaceId: String?
    }

    func addRoutes(to router: Router<OpsideRequestContext>) {
        router.post("/api/v1/amazon/connections/consent-url") { request, context in try await consentURL(request, context) }
        addAdsConsentRoutes(to: router)
        router.get(RouterPath(Self.callbackPath)) { request, context in
            // A browser coming back from Amazon lands on the dashboard with what happened; an API
            // client (no text/html in Accept) gets the connection or the error envelope.
            guard Self.wantsPage(request) else { return try await callback(request, context) }
            do {
                let answer = try await callbackAnswer(request, context)
                return Self.pageRedirect(status: answer.response.status, body: answer.body,
                                         cookies: answer.response.headers[values: .setCookie])
            } catch {
                let envelope = ErrorEnvelopeMiddleware.apiError(for: error)
                return Self.redirect(to: "/app/connections", ("error", "Connecting Amazon failed: \(envelope.message)"), keeping: [])
            }
        }
    }

    static func wantsPage(_ request: Request) -> Bool {
        request.headers[.accept]?.contains("text/html") ?? false
    }

    /// Where the browser goes once the callback answered: the connection's page with a notice,
    /// or the connections page with the reason it failed. Keeps the cookies the answer set.
    static func pageRedirect(status: HTTPResponse.Status, body: ByteBuffer, cookies: [String]) -> Response {
        let json = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any]
        if (200..<300).contains(status.code), let id = json?["id"] as? String, UUID(uuidString: id) != nil {
            let words = status == .created ? "Connected. The first sync has started; claims appear as it finishes."
                                           : "Reconnected. Syncing resumes where it stopped."
            return redirect(to: "/app/connections/\(id.lowercased())", ("notice", words), keeping: cookies)
        }
        let message = ((json?["error"] as? [String: Any])?["message"] as? String) ?? "Amazon's answer could not be read"
        return redirect(to: "/app/connections", ("error", "Connecting Amazon failed: \(message)"), keeping: cookies)
    }

    static func redirect(to path: String, _ message: (String, String), keeping cookies: [String], connection: String? = nil) -> Response {
        var components = URLComponents()
        components.path = path
        components.queryItems = (connection.map { [URLQueryItem(name: "connection", value: $0)] } ?? []) + [URLQueryItem(name: message.0, value: message.1)]
        var headers = HTTPFields()
        headers[.location] = components.string ?? path
        headers[.cacheControl] = "no-store"
        for cookie in cookies { headers.append(HTTPField(name: .setCookie, value: cookie)) }
        return Response(status: .seeOther, headers: headers)
    }

    /// The session's tenant and user, or 401.
    func signedIn(_ context: OpsideRequestContext) throws -> (tenant: UUID, user: UUID) {
        let session = try context.requireSession()
        guard let tenant = session.tenantID, let user = session.userID else {
            throw APIError.unauthorized("this session names no user or tenant; log in again")
        }
        return (tenant, user)
    }

    /// A JSON body for integrations, without the fields that are nil.
    static func jsonBody(_ fields: [String: String?]) throws -> ServiceClient.ForwardedBody {
        .bytes(ByteBuffer(bytes: try OpsideJSON.encode(fields.compactMapValues { $0 })))
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

    /// The value only the starting browser holds.
    static func newBrowserBinding() -> String { OpaqueToken.make() }

    /// Behind Fly's proxy TLS ends before the service, which the proxy says in `X-Forwarded-Proto`.
    static func servedOverTLS(_ request: Request) -> Bool {
        request.uri.scheme?.rawValue == "https" || request.headers[HTTPField.Name("X-Forwarded-Proto")!]?.lowercased() == "https"
    }

    /// httpOnly (scripts never read it), SameSite=Lax (Amazon's redirect back is a top-level
    /// cross-site GET, which Strict would strip), Secure over TLS, sent only to the callback, and
    /// gone when the state expires.
    static func consentCookie(name: String, value: String, maxAge: Int, secure: Bool, path: String = callbackPath) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: path, secure: secure, httpOnly: true, sameSite: .lax)
    }

    /// integrations' consent link answer with the binding cookie set, or integrations' refusal as it was.
    static func consentLinkResponse(_ reply: HTTPClientResponse, binding: String, cookiePath: String, request: Request) async throws -> Response {
        let bytes = try await reply.body.collect(upTo: 1 << 20)
        guard reply.status == .ok else {
            // integrations' refusal (a bad region, say) reaches the client as it was.
            return ServiceGateway.response(status: reply.status, headers: reply.headers, body: .init(byteBuffer: bytes))
        }
        guard let link = try? JSONSerialization.jsonObject(with: Data(buffer: bytes)) as? [String: Any],
              let state = link["state"] as? String, let name = Self.consentCookieName(state: state) else {
            throw APIError.unavailable("Amazon connections are unavailable right now; try again shortly",
                                       details: ["reason": "integrations answered the consent URL without a usable state"])
        }
        let expiresAt = (link["expiresAt"] as? String).flatMap { try? Date($0, strategy: .iso8601) }
        let maxAge = min(3600, max(1, Int((expiresAt?.timeIntervalSinceNow ?? 600).rounded(.up))))
        var response = ServiceGateway.response(status: reply.status, headers: reply.headers, body: .init(byteBuffer: bytes))
        response.setCookie(Self.consentCookie(name: name, value: binding, maxAge: maxAge, secure: Self.servedOverTLS(request), path: cookiePath))
        return response
    }

    func consentURL(_ request: Request, _ context: OpsideRequestContext) async throws -> Response {
        let (tenant, user) = try signedIn(context)
        let body = try await request.decode(as: ConsentURLRequest.self, context: context)
        let binding = Self.newBrowserBinding()
        let reply = try await gateway.exchange(.post, to: .integrations, target: IntegrationsRoutes.consentURL, tenant: tenant,
                                               headers: [("content-type", "application/json")], body: try Self.jsonBody([
            "userId": user.uuidString.lowercased(), "region": body.region, "marketplaceId": body.marketplaceId,
            "browserBinding": binding,
        ]))
        return try await Self.consentLinkResponse(reply, binding: binding, cookiePath: Self.callbackPath, request: request)
    }

    /// Amazon's redirect. The browser must carry the cookie set when this flow's consent URL was
    /// issued (integrations compares its hash with the state's), so a link started in one account
    /// cannot be completed in another person's browser. It may or may not carry a session: with
    /// one, its tenant (and user) must be the ones that started the flow. `selling_partner_id` is
    /// passed on only to be compared: integrations asks Amazon whose authorization this is.
    func callback(_ request: Request, _ context: OpsideRequestContext) async throws -> Response {
        try await callbackAnswer(request, context).response
    }

    /// The callback's answer, and its body (a connection or an error envelope: small JSON, read whole).
    func callbackAnswer(_ request: Request, _ context: OpsideRequestContext) async throws -> (response: Response, body: ByteBuffer) {
        let query = request.uri.queryParameters
        guard let state = query.get("state"), !state.isEmpty else {
            throw APIError.validation("the callback needs the state Amazon sends back; start connecting again")
        }
        guard let code = query.get("spapi_oauth_code"), !code.isEmpty else {
            throw APIError.validation("Amazon did not send spapi_oauth_code: the seller may have declined; start connecting again")
        }
        return try await forwardCallback(request, context, to: IntegrationsRoutes.oauthCallback, state: state, cookiePath: Self.callbackPath,
                                         fields: ["spapiOAuthCode": code, "sellingPartnerId": query.get("selling_partner_id")])
    }

    /// Amazon's redirect of a consent flow, forwarded to integrations with the state, the browser's
    /// binding (the consent cookie named after the state) and the session's user; the cookie is
    /// cleared once used. Returns integrations' answer and its body (small JSON, read whole).
    func forwardCallback(_ request: Request, _ context: OpsideRequestContext, to target: String, state: String, cookiePath: String,
                         fields: [String: String?]) async throws -> (response: Response, body: ByteBuffer) {
        let cookieName = Self.consentCookieName(state: state)
        let binding = cookieName.flatMap { request.cookies[$0]?.value }
        let body = fields.merging(["state": state, "userId": context.session?.userID?.uuidString.lowercased(), "browserBinding": binding]) { $1 }
        let reply = try await gateway.exchange(.post, to: .integrations, target: target, tenant: context.session?.tenantID,
                                               headers: [("content-type", "application/json")], body: try Self.jsonBody(body))
        let bytes = try await reply.body.collect(upTo: 1 << 20)
        var response = ServiceGateway.response(status: reply.status, headers: reply.headers, body: .init(byteBuffer: bytes))
        if let cookieName, binding != nil {
            // The flow is done: the binding has no further use.
            response.setCookie(Self.consentCookie(name: cookieName, value: "", maxAge: 0, secure: Self.servedOverTLS(request), path: cookiePath))
        }
        return (response, bytes)
    }
}
