import Foundation
import HTTPTypes
import Hummingbird
import IntegrationsRoutes
import NIOCore
import OpsideTransport

/// The Amazon Ads consent, bound to the browser like SP-API's: the consent URL sets a cookie only
/// this browser holds, sent only to the Ads callback, and Login with Amazon's redirect must bring
/// it back. Connecting Ads is an owner's or admin's act, as pasting an Ads token is.
extension AmazonConnectionsController {
    static let adsCallbackPath = "/api/v1/amazon/ads/callback"

    func addAdsConsentRoutes(to router: Router<OpsideRequestContext>) {
        router.post("/api/v1/amazon/connections/{connectionId}/ads/consent-url") { request, context in try await adsConsentURL(request, context) }
        router.get(RouterPath(Self.adsCallbackPath)) { request, context in
            // A browser back from Login with Amazon lands on the Advertising page with what happened;
            // an API client gets the authorization or the error envelope.
            guard Self.wantsPage(request) else { return try await adsCallbackAnswer(request, context).response }
            do {
                let answer = try await adsCallbackAnswer(request, context)
                return Self.adsPageRedirect(status: answer.response.status, body: answer.body,
                                            cookies: answer.response.headers[values: .setCookie])
            } catch {
                let envelope = ErrorEnvelopeMiddleware.apiError(for: error)
                return Self.redirect(to: "/app/advertising", ("error", "Connecting Amazon Ads failed: \(envelope.message)"), keeping: [])
            }
        }
    }

    func adsConsentURL(_ request: Request, _ context: OpsideRequestContext) async throws -> Response {
        let (tenant, user) = try signedIn(context)
        let role = try context.requireSession().role
        guard IntegrationsRoutes.listingEditors.contains(role) else {
            throw APIError.forbidden("this takes the \(IntegrationsRoutes.listingEditors.sorted().joined(separator: " or ")) role")
        }
        guard let connection = UUID(uuidString: try context.parameters.require("connectionId")) else {
            throw APIError.noSuch("Amazon connection")
        }
        let binding = Self.newBrowserBinding()
        let reply = try await gateway.exchange(.post, to: .integrations, target: IntegrationsRoutes.adsConsentURL(connectionID: connection),
                                               tenant: tenant, headers: [("content-type", "application/json")], body: try Self.jsonBody([
            "userId": user.uuidString.lowercased(), "browserBinding": binding,
        ]))
        return try await Self.consentLinkResponse(reply, binding: binding, cookiePath: Self.adsCallbackPath, request: request)
    }

    /// Login with Amazon's redirect: `code` and `state`, or `error` when the seller declined.
    func adsCallbackAnswer(_ request: Request, _ context: OpsideRequestContext) async throws -> (response: Response, body: ByteBuffer) {
        let query = request.uri.queryParameters
        if let refusal = query.get("error"), !refusal.isEmpty {
            throw APIError.validation("Amazon did not grant access to the Ads account (\(refusal.prefix(100))); start connecting again")
        }
        guard let state = query.get("state"), !state.isEmpty else {
            throw APIError.validation("the callback needs the state Amazon sends back; start connecting again")
        }
        guard let code = query.get("code"), !code.isEmpty else {
            throw APIError.validation("Amazon did not send a code: the seller may have declined; start connecting again")
        }
        return try await forwardCallback(request, context, to: IntegrationsRoutes.adsOAuthCallback, state: state,
                                         cookiePath: Self.adsCallbackPath, fields: ["code": code])
    }

    /// The Advertising page of the connection with a notice, or with the reason it failed.
    static func adsPageRedirect(status: HTTPResponse.Status, body: ByteBuffer, cookies: [String]) -> Response {
        let json = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any]
        if (200..<300).contains(status.code), let id = json?["connectionId"] as? String, UUID(uuidString: id) != nil {
            return redirect(to: "/app/advertising", ("notice", "Amazon Ads connected. The spend of the last 95 days is syncing."),
                            keeping: cookies, connection: id.lowercased())
        }
        let message = ((json?["error"] as? [String: Any])?["message"] as? String) ?? "Amazon's answer could not be read"
        return redirect(to: "/app/advertising", ("error", "Connecting Amazon Ads failed: \(message)"), keeping: cookies)
    }
}
