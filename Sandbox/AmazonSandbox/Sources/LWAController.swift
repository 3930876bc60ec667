import Foundation
import HTTPTypes
import Hummingbird

/// Login with Amazon: the token endpoint and the Seller Central consent page.
struct LWAController: Sendable {
    let state: SandboxState

    func register(on router: Router<BasicRequestContext>) {
        router.post("/auth/o2/token") { request, _ in try await token(request) }
        router.get("/apps/authorize/consent") { request, _ in consentPage(request) }
        router.post("/apps/authorize/consent") { request, _ in try await approve(request) }
        // Login with Amazon's authorization page, where a seller grants the Ads application
        // (`docs/amazon-ads-api.md` §1: `/ap/oa`, response_type=code, scope advertising::campaign_management).
        router.get("/ap/oa") { request, _ in adsConsentPage(request) }
        router.post("/ap/oa") { request, _ in try await approveAds(request) }
    }

    private func lwaError(_ status: HTTPResponse.Status, _ code: String, _ description: String) -> Response {
        SandboxResponse.json(["error": code, "error_description": description], status: status)
    }

    static func form(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
            }
            if parts.count == 2 { fields[parts[0]] = parts[1] } else if parts.count == 1 { fields[parts[0]] = "" }
        }
        return fields
    }

    func token(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 64 << 10)
        let form = Self.form(String(buffer: body))
        if form["client_id"] == state.settings.adsClientID {
            return adsToken(form)
        }
        guard form["client_id"] == state.settings.lwaClientID, form["client_secret"] == state.settings.lwaClientSecret else {
            return lwaError(.unauthorized, "invalid_client", "Client authentication failed")
        }
        let lifetime = state.settings.accessTokenLifetimeSeconds
        let now = state.now
        switch form["grant_type"] {
        case "refresh_token":
            guard let refresh = form["refresh_token"],
                  let seller = state.withLock({ $0.revokedRefreshTokens.contains(refresh) ? nil : $0.refreshTokens[refresh] }),
                  !state.refreshTokensRevoked(for: seller) else {
                return lwaError(.badRequest, "invalid_grant", "The request has an invalid grant parameter : refresh_token")
            }
            let access = state.randomToken("Atza|")
            state.withLock { $0.accessTokens[access] = .init(sellingPartnerID: seller, expiresAt: now.addingTimeInterval(Double(lifetime))) }
            state.statistics(for: seller) { $0.tokenRefreshes += 1 }
            return SandboxResponse.json(["access_token": access, "refresh_token": refresh, "token_type": "bearer", "expires_in": lifetime])
        case "authorization_code":
            guard let code = form["code"] else { return lwaError(.badRequest, "invalid_request", "code is required") }
            let outcome: (seller: String?, refusal: String?) = state.withLock { inner in
                guard var grant = inner.authorizationCodes[code], !grant.used, grant.expiresAt > now else {
                    return (nil, "The authorization code is invalid, expired or already used")
                }
                if let expected = grant.redirectURI, let given = form["redirect_uri"], expected != given {
                    return (nil, "redirect_uri does not match the authorization request")
                }
                grant.used = true
                inner.authorizationCodes[code] = grant
                return (grant.sellingPartnerID, nil)
            }
            switch outcome.seller {
            case .none: return lwaError(.badRequest, "invalid_grant", outcome.refusal ?? "invalid grant")
            case .some(let seller):
                let refresh = state.randomToken("Atzr|")
                let access = state.randomToken("Atza|")
                state.withLock {
                    $0.refreshTokens[refresh] = seller
                    $0.accessTokens[access] = .init(sellingPartnerID: seller, expiresAt: now.addingTimeInterval(Double(lifetime)))
                }
                return SandboxResponse.json(["access_token": access, "refresh_token": refresh, "token_type": "bearer", "expires_in": lifetime])
            }
        case "client_credentials":
            let scopes = Set((form["scope"] ?? "").split(separator: " ").map(String.init))
            guard !scopes.isEmpty, scopes.allSatisfy({ $0.hasPrefix("sellingpartnerapi::") }) else {
                return lwaError(.badRequest, "invalid_scope", "scope is required for client_credentials")
            }
            let access = state.randomToken("Atza|")
            state.withLock {
                $0.accessTokens[access] = .init(sellingPartnerID: nil, expiresAt: now.addingTimeInterval(Double(lifetime)), scopes: scopes)
            }
            state.statistics(for: "grantless") { $0.tokenRefreshes += 1 }
            return SandboxResponse.json(["access_token": access, "token_type": "bearer", "expires_in": lifetime])
        default:
            return lwaError(.badRequest, "unsupported_grant_type", "The authorization grant type is not supported by the authorization server")
        }
    }

    /// Seller Central's consent page: the seller picks the account and approves.
    /// The Ads API's application: its own secret and its own refresh tokens (scope
    /// `advertising::campaign_management`); SP-API's tokens do not work here, nor its tokens there.
    func adsToken(_ form: [String: String]) -> Response {
        guard form["client_secret"] == state.settings.adsClientSecret else {
            return lwaError(.unauthorized, "invalid_client", "Client authentication failed")
        }
        if form["grant_type"] == "authorization_code" { return adsAuthorizationCode(form) }
        guard form["grant_type"] == "refresh_token" else {
            return lwaError(.badRequest, "unsupported_grant_type", "The authorization grant type is not supported by the authorization server")
        }
        guard let refresh = form["refresh_token"], let seller = state.withLock({ $0.adsRefreshTokens[refresh] }) else {
            return lwaError(.badRequest, "invalid_grant", "The request has an invalid grant parameter : refresh_token")
        }
        let lifetime = state.settings.accessTokenLifetimeSeconds
        let access = state.randomToken("Atza|")
        let now = state.now
        state.withLock { $0.adsAccessTokens[access] = .init(sellingPartnerID: seller, expiresAt: now.addingTimeInterval(Double(lifetime))) }
        return SandboxResponse.json(["access_token": access, "refresh_token": refresh, "token_type": "bearer", "expires_in": lifetime])
    }

    /// An Ads consent's code for the seller's Ads refresh token: once, within five minutes, with
    /// the redirect URI it was issued for.
    func adsAuthorizationCode(_ form: [String: String]) -> Response {
        guard let code = form["code"] else { return lwaError(.badRequest, "invalid_request", "code is required") }
        let now = state.now
        let outcome: (seller: String?, refusal: String?) = state.withLock { inner in
            guard var grant = inner.adsAuthorizationCodes[code], !grant.used, grant.expiresAt > now else {
                return (nil, "The authorization code is invalid, expired or already used")
            }
            guard grant.redirectURI == form["redirect_uri"] else { return (nil, "redirect_uri does not match the authorization request") }
            grant.used = true
            inner.adsAuthorizationCodes[code] = grant
            return (grant.sellingPartnerID, nil)
        }
        guard let seller = outcome.seller else { return lwaError(.badRequest, "invalid_grant", outcome.refusal ?? "invalid grant") }
        let lifetime = state.settings.accessTokenLifetimeSeconds
        let refresh = state.randomToken("Atzr|"), access = state.randomToken("Atza|")
        state.withLock {
            $0.adsRefreshTokens[refresh] = seller
            $0.adsAccessTokens[access] = .init(sellingPartnerID: seller, expiresAt: now.addingTimeInterval(Double(lifetime)))
        }
        return SandboxResponse.json(["access_token": access, "refresh_token": refresh, "token_type": "bearer", "expires_in": lifetime])
    }

    static let adsScope = "advertising::campaign_management"

    /// Login with Amazon's consent page for the Ads application: the person picks the advertiser
    /// and allows. Refuses (as LWA does) an unknown client, a scope other than the Ads one, a
    /// response type other than `code`, and a return URL the application did not register.
    func adsConsentPage(_ request: Request) -> Response {
        let query = request.uri.queryParameters
        guard query.get("client_id") == state.settings.adsClientID else {
            return SandboxResponse.html("<h1>An unknown client_id</h1><p>invalid_client</p>", status: .badRequest)
        }
        guard let redirect = query.get("redirect_uri"), state.settings.adsRedirectURIs.contains(redirect) else {
            return SandboxResponse.html("<h1>An unknown scope or return URL</h1><p>The redirect_uri is not one of the application's allowed return URLs.</p>",
                                        status: .badRequest)
        }
        guard query.get("response_type") == "code",
              Set((query.get("scope") ?? "").split(separator: " ").map(String.init)) == [Self.adsScope] else {
            return Response(status: .found, headers: [.location: redirect + "?error=invalid_scope&state=" + (query.get("state") ?? "")])
        }
        let sellers = state.withLock { Array($0.sellerRequests.keys).sorted() }
        let options = sellers.map { "<option value=\"\(Self.escape($0))\">\(Self.escape($0))</option>" }.joined()
        let page = """
        <!doctype html><html><head><meta name="referrer" content="no-referrer"><title>Amazon Advertising</title></head><body>
        <h1>Allow Opside to manage your Amazon Advertising campaigns and read their reports</h1>
        <form method="post" action="/ap/oa">
        <input type="hidden" name="state" value="\(Self.escape(query.get("state") ?? ""))">
        <input type="hidden" name="redirect_uri" value="\(Self.escape(redirect))">
        <label>Advertiser <select name="advertiser">\(options)</select></label>
        <button type="submit">Allow</button></form></body></html>
        """
        var response = SandboxResponse.html(page, status: .ok)
        response.headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        return response
    }

    /// "Allow": a single-use code valid five minutes, sent back with the Ads scope.
    func approveAds(_ request: Request) async throws -> Response {
        let form = Self.form(String(buffer: try await request.body.collect(upTo: 64 << 10)))
        guard let seller = form["advertiser"], state.withLock({ $0.sellerRequests[seller] != nil }) else {
            return SandboxResponse.html("<h1>Unknown advertiser</h1>", status: .badRequest)
        }
        guard let redirect = form["redirect_uri"], state.settings.adsRedirectURIs.contains(redirect),
              var components = URLComponents(string: redirect) else {
            return SandboxResponse.html("<h1>The redirect_uri is not one of the application's allowed return URLs.</h1>", status: .badRequest)
        }
        let code = "ANad" + state.randomToken("").prefix(20)
        let now = state.now
        state.withLock {
            $0.adsAuthorizationCodes[code] = .init(sellingPartnerID: seller, redirectURI: redirect, expiresAt: now.addingTimeInterval(300), used: false)
        }
        components.queryItems = (components.queryItems ?? []) + [
            URLQueryItem(name: "code", value: code), URLQueryItem(name: "scope", value: Self.adsScope),
            URLQueryItem(name: "state", value: form["state"] ?? ""),
        ]
        return Response(status: .found, headers: [.location: components.string ?? redirect])
    }

    /// Text safe inside an HTML attribute or element of the consent pages.
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "<", with: "&lt;")
    }

    func consentPage(_ request: Request) -> Response {
        let query = request.uri.queryParameters
        guard let applicationID = query.get("application_id"), applicationID == state.settings.applicationID else {
            return SandboxResponse.html("<h1>MD1000</h1><p>Unknown application.</p>", status: .badRequest)
        }
        guard query.get("version") == "beta" else {
            return SandboxResponse.html("<h1>MD1000</h1><p>This draft application must be authorized with version=beta.</p>", status: .badRequest)
        }
        guard let redirectURI = registeredRedirectURI(query.get("redirect_uri")) else {
            return redirectMismatch()
        }
        let sellers = state.withLock { Array($0.sellerRequests.keys).sorted() }
        let options = sellers.map { "<option value=\"\(Self.escape($0))\">\(Self.escape($0))</option>" }.joined()
        let page = """
        <!doctype html><html><head><meta name="referrer" content="no-referrer"><title>Authorize application</title></head><body>
        <h1>Authorize \(Self.escape(applicationID))</h1>
        <form method="post" action="/apps/authorize/consent">
        <input type="hidden" name="application_id" value="\(Self.escape(applicationID))">
        <input type="hidden" name="state" value="\(Self.escape(query.get("state") ?? ""))">
        <input type="hidden" name="redirect_uri" value="\(Self.escape(redirectURI))">
        <label>Seller account <select name="selling_partner_id">\(options)</select></label>
        <button type="submit">Confirm</button></form></body></html>
        """
        var response = SandboxResponse.html(page, status: .ok)
        response.headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        return response
    }

    /// The redirect URI to send the seller back to: the one asked for when it is registered for the
    /// application, the first registered one when none is asked for, nil otherwise. Redirecting
    /// anywhere else would hand a seller's authorization code to whoever wrote the link.
    func registeredRedirectURI(_ requested: String?) -> String? {
        guard let requested, !requested.isEmpty else { return state.settings.redirectURIs.first }
        return state.settings.redirectURIs.contains(requested) ? requested : nil
    }

    func redirectMismatch() -> Response {
        SandboxResponse.html("<h1>MD5101</h1><p>The redirect_uri is not one of the application's registered OAuth redirect URIs.</p>",
                             status: .badRequest)
    }

    /// The approve button: a single-use code valid five minutes, sent back to the redirect URI.
    func approve(_ request: Request) async throws -> Response {
        let form = Self.form(String(buffer: try await request.body.collect(upTo: 64 << 10)))
        guard form["application_id"] == state.settings.applicationID,
              let seller = form["selling_partner_id"], state.withLock({ $0.sellerRequests[seller] != nil }) else {
            return SandboxResponse.html("<h1>Unknown seller or application</h1>", status: .badRequest)
        }
        // Checked again here: the form is posted by the browser, so its hidden field is as
        // untrusted as the query string was.
        guard let redirect = registeredRedirectURI(form["redirect_uri"]), var components = URLComponents(string: redirect) else {
            return redirectMismatch()
        }
        let code = "ANDM" + state.randomToken("").prefix(20)
        let now = state.now
        state.withLock {
            $0.authorizationCodes[code] = .init(sellingPartnerID: seller, redirectURI: redirect, expiresAt: now.addingTimeInterval(300), used: false)
        }
        components.queryItems = (components.queryItems ?? []) + [
            URLQueryItem(name: "state", value: form["state"] ?? ""),
            URLQueryItem(name: "selling_partner_id", value: seller),
            URLQueryItem(name: "spapi_oauth_code", value: code),
        ]
        return Response(status: .found, headers: [.location: components.string ?? redirect])
    }
}
