import Foundation
import Hummingbird
import OpsideCore
import OpsideTransport

/// Sign-up and login: `POST /api/v1/auth/signup`, `POST /api/v1/auth/login`. Each starts a
/// sign-in (`SignInSessionStore`): the reply carries a short-lived bearer token for the API, and
/// the browser also gets the sign-in's refresh cookie and CSRF token (`SignInCookies`), with
/// which `SignInController` keeps it signed in.
struct AuthController {
    let accounts: any AccountsRepository
    let hasher: PasswordHasher
    let sessions: SessionTokenAuthority
    let signIns: any SignInSessionStore
    let csrf: CSRFTokens
    let signInLifetime: TimeInterval
    /// Sign-in attempts per account, before any bcrypt work: guessing one account's password
    /// from many addresses meets this limit, whatever the per-address limit allows.
    let accountLimiter: SlidingWindowLimiter
    /// Verified against when the email is unknown, so login takes as long either way.
    let decoyHash: String

    struct SignUpRequest: Decodable {
        let email: String
        let password: String
        let companyName: String
        let displayName: String?
        /// The code of the partner (agency or referrer) who brought the seller, if one did.
        let referralCode: String?
    }

    struct LoginRequest: Decodable {
        let email: String
        let password: String
    }

    struct SessionResponse: ResponseEncodable {
        let token: String
        let expiresAt: Date
        let userId: UUID
        let tenantId: UUID
        let role: String
        /// The sign-in (listed by `GET /api/v1/auth/sessions`).
        let sessionId: UUID
        /// What the page sends back in `X-CSRF-Token` with the refresh cookie.
        let csrfToken: String
    }

    func addRoutes(to router: Router<OpsideRequestContext>) {
        let auth = router.group("/api/v1/auth")
        auth.post("signup") { request, context in try await signUp(request, context: context) }
        auth.post("login") { request, context in try await login(request, context: context) }
    }

    func signUp(_ request: Request, context: OpsideRequestContext) async throws -> Response {
        let body = try await request.decode(as: SignUpRequest.self, context: context)
        var problems: [String: String] = [:]
        if let problem = SignUpValidation.validateEmail(body.email) { problems["email"] = problem }
        if let problem = SignUpValidation.validatePassword(body.password, email: body.email) { problems["password"] = problem }
        if let problem = SignUpValidation.validateCompanyName(body.companyName) { problems["companyName"] = problem }
        if let name = body.displayName, let problem = SignUpValidation.validateDisplayName(name) { problems["displayName"] = problem }
        let referralCode = body.referralCode?.trimmingCharacters(in: .whitespaces)
        if let code = referralCode, code.count > 40 || !code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == " ") }) {
            problems["referralCode"] = "a partner code is letters and digits"
        }
        guard problems.isEmpty else {
            throw APIError.validation("sign-up details are not acceptable: " + problems.keys.sorted().joined(separator: ", "), details: problems)
        }
        let tenantID = UUID()
        let userID = UUID()
        let hash = try await hasher.hash(body.password)
        do {
            try await accounts.createTenantWithOwner(
                tenantID: tenantID, tenantName: body.companyName.trimmingCharacters(in: .whitespacesAndNewlines),
                userID: userID, email: body.email.trimmingCharacters(in: .whitespaces), passwordHash: hash,
                displayName: body.displayName, referralCode: referralCode?.isEmpty == false ? referralCode : nil)
        } catch AccountsError.emailTaken {
            throw APIError.conflict("an account with this email already exists; log in instead", details: ["email": "taken"])
        }
        return try await signIn(user: userID, tenant: tenantID, role: "owner", status: .created, request: request, context: context)
    }

    func login(_ request: Request, context: OpsideRequestContext) async throws -> Response {
        let body = try await request.decode(as: LoginRequest.self, context: context)
        guard SignUpValidation.validateEmail(body.email) == nil, !body.password.isEmpty, body.password.utf8.count <= 72,
              !SignUpValidation.hasControlCharacters(body.password) else {
            throw APIError.validation("send a valid email and a password")
        }
        let attempt = await accountLimiter.hit(SignUpValidation.accountKey(email: body.email))
        guard attempt.allowed else {
            throw APIError(status: .tooManyRequests, code: "rate_limited",
                           message: "too many sign-in attempts for this account; try again in \(attempt.retryAfterSeconds) seconds",
                           details: ["retryAfterSeconds": String(attempt.retryAfterSeconds)])
        }
        let record = try await accounts.loginRecord(email: body.email)
        let matches = try await hasher.verify(body.password, hash: record?.passwordHash ?? decoyHash)
        guard let record, matches else { throw APIError.unauthorized("email or password is wrong") }
        guard let membership = try await accounts.membership(userID: record.userID, tenantID: record.defaultTenantID) else {
            throw APIError.forbidden("this account has no access to its tenant any more")
        }
        return try await signIn(user: record.userID, tenant: membership.tenantID, role: membership.role, status: .ok, request: request,
                                context: context)
    }

    /// Starts a sign-in and answers with its bearer token, refresh cookie and CSRF token.
    func signIn(user: UUID, tenant: UUID, role: String, status: HTTPResponse.Status, request: Request,
                context: OpsideRequestContext) async throws -> Response {
        let (refreshToken, family) = try await signIns.start(user: user, tenant: tenant, userAgent: request.headers[.userAgent])
        return try await Self.sessionResponse(status: status, refreshToken: refreshToken, family: family, user: user, tenant: tenant,
                                              role: role, sessions: sessions, csrf: csrf, lifetime: signInLifetime,
                                              request: request, context: context)
    }

    /// The reply of a sign-in or a refresh: the bearer token in the body, the cookies beside it.
    static func sessionResponse(status: HTTPResponse.Status, refreshToken: String, family: UUID, user: UUID, tenant: UUID, role: String,
                                sessions: SessionTokenAuthority, csrf: CSRFTokens, lifetime: TimeInterval, request: Request,
                                context: OpsideRequestContext) async throws -> Response {
        let session = try await sessions.issue(userID: user, tenantID: tenant, role: role, sessionID: family)
        let csrfToken = csrf.token(for: family)
        var response = try EditedResponse(status: status, response: SessionResponse(
            token: session.token, expiresAt: session.expiresAt, userId: user, tenantId: tenant, role: role, sessionId: family,
            csrfToken: csrfToken)).response(from: request, context: context)
        response.headers[.cacheControl] = "no-store"
        let secure = AmazonConnectionsController.servedOverTLS(request)
        SignInCookies.set(on: &response, token: refreshToken, csrfToken: csrfToken, maxAge: Int(lifetime), secure: secure)
        SignInCookies.setAccess(on: &response, token: session.token, lifetime: sessions.lifetime, secure: secure)
        return response
    }
}

/// Reads the session on `/api/v1` routes and the dashboard's pages (`/app`).
///
/// On the API: `Authorization: Bearer <session token>`, or else the `opside_access` cookie; a
/// present but bad token is a 401. A state-changing request (not GET or HEAD) authenticated by
/// the cookie must also carry the sign-in's CSRF token in `X-CSRF-Token`, since a browser sends
/// cookies with requests another site starts. Only the event stream also takes `?access_token=`,
/// because EventSource cannot set headers; anywhere else a token in the URL would end up in logs,
/// histories and referrers. On pages: the cookie only, and a bad one leaves the request signed
/// out (the page sends the browser to sign in).
struct SessionMiddleware: RouterMiddleware {
    typealias Context = OpsideRequestContext
    let sessions: SessionTokenAuthority
    let liveness: SignInLiveness
    let csrf: CSRFTokens
    static let queryTokenPaths: Set<String> = ["/api/v1/realtime", RealtimeWebSocket.path]
    /// The routes that start or refresh a sign-in: a bearer token there means nothing.
    static let publicPaths: Set<String> = ["/api/v1/auth/signup", "/api/v1/auth/login", "/api/v1/auth/refresh",
                                           "/api/v1/auth/password-reset", "/api/v1/auth/password-reset/confirm"]

    static func isPage(_ path: String) -> Bool { path == "/app" || path.hasPrefix("/app/") }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = context.guardedPath(of: request)
        if Self.isPage(path) {
            var context = context
            if let cookie = request.cookies[SignInCookies.access]?.value, !cookie.isEmpty {
                context.session = try? await verified(cookie)
            }
            return try await next(request, context)
        }
        guard path.hasPrefix("/api/v1/"), !Self.publicPaths.contains(path) else {
            return try await next(request, context)
        }
        let header = request.headers[.authorization].flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
        let queryToken = request.uri.queryParameters.get("access_token")
        if queryToken != nil, !Self.queryTokenPaths.contains(path) {
            throw APIError.badRequest("access_token in the URL is accepted only by the realtime feeds; send Authorization: Bearer <token>")
        }
        let cookie = request.cookies[SignInCookies.access]?.value.nilIfEmpty
        guard let token = header ?? queryToken ?? cookie else {
            return try await next(request, context)
        }
        var context = context
        let claims: SessionClaims
        do {
            claims = try await sessions.verify(token)
        } catch {
            throw APIError.unauthorized("the session token is invalid or expired; log in again")
        }
        if header == nil, queryToken == nil, ![.get, .head].contains(request.method) {
            guard let family = claims.sessionID, csrf.isValid(request.headers[SignInCookies.csrfHeader], for: family) else {
                throw APIError.forbidden("a request signed in by cookie must carry the sign-in's X-CSRF-Token")
            }
        }
        // A token of a sign-in that ended (signed out, revoked) is refused before it expires.
        if let family = claims.sessionID, let user = claims.userID, !(try await liveness.isLive(family: family, user: user)) {
            throw APIError.unauthorized("this sign-in has ended; log in again")
        }
        context.session = claims
        context.logger[metadataKey: "tenant"] = "\(context.session?.tenant ?? "")"
        return try await next(request, context)
    }

    /// The claims of a page's cookie when its sign-in is still live; nil otherwise.
    func verified(_ token: String) async throws -> SessionClaims? {
        let claims = try await sessions.verify(token)
        if let family = claims.sessionID, let user = claims.userID, !(try await liveness.isLive(family: family, user: user)) { return nil }
        return claims
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
