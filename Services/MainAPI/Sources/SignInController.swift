import Foundation
import Hummingbird
import OpsideCore
import OpsideTransport

/// Staying signed in, and signing out: `POST /api/v1/auth/refresh` (the refresh cookie and
/// `X-CSRF-Token` give a new bearer token and the next refresh token), `POST /api/v1/auth/logout`
/// (this sign-in), `POST /api/v1/auth/logout-all` (every sign-in of the person),
/// `GET /api/v1/auth/sessions` and `DELETE /api/v1/auth/sessions/{id}` (their sign-ins).
struct SignInController {
    let accounts: any AccountsRepository
    let sessions: SessionTokenAuthority
    let signIns: any SignInSessionStore
    let liveness: SignInLiveness
    let csrf: CSRFTokens
    let signInLifetime: TimeInterval

    struct SessionsResponse: ResponseEncodable {
        let sessions: [SignInSession]
    }

    struct EndedResponse: ResponseEncodable {
        let ended: Int
    }

    func addRoutes(to router: Router<OpsideRequestContext>) {
        let auth = router.group("/api/v1/auth")
        auth.post("refresh") { request, context in try await refresh(request, context: context) }
        auth.post("logout") { request, context in try await logout(request, context: context) }
        auth.post("logout-all") { request, context in try await logoutAll(request, context: context) }
        auth.get("sessions") { _, context in try await list(context: context) }
        auth.delete("sessions/:id") { request, context in try await end(request, context: context) }
    }

    func refresh(_ request: Request, context: OpsideRequestContext) async throws -> Response {
        let secure = AmazonConnectionsController.servedOverTLS(request)
        guard let token = request.cookies[SignInCookies.refresh]?.value, !token.isEmpty else {
            throw APIError.unauthorized("no sign-in to refresh: log in")
        }
        let presented = request.headers[SignInCookies.csrfHeader], csrf = self.csrf
        let outcome = try await signIns.refresh(token: token, userAgent: request.headers[.userAgent]) { csrf.isValid(presented, for: $0) }
        switch outcome {
        case .rotated(let next, let family, let user, let tenant):
            // The role is read again: a changed role applies from the next refresh, and a person
            // removed from the tenant is signed out of it.
            guard let membership = try await accounts.membership(userID: user, tenantID: tenant) else {
                _ = try await signIns.end(family: family, user: user, reason: "no longer a member of the tenant")
                await liveness.forget(family: family)
                return signedOut("this account has no access to its tenant any more; log in again", secure: secure, context: context)
            }
            return try await AuthController.sessionResponse(
                status: .ok, refreshToken: next, family: family, user: user, tenant: tenant, role: membership.role, sessions: sessions,
                csrf: csrf, lifetime: signInLifetime, request: request, context: context)
        case .refused:
            throw APIError.forbidden("the request lacks this sign-in's X-CSRF-Token; reload the page")
        case .unknown, .ended:
            return signedOut("this sign-in has ended; log in again", secure: secure, context: context)
        case .reused(let family):
            context.logger.warning("refresh token reused: the sign-in is revoked", metadata: ["session": "\(family)"])
            await liveness.forget(family: family)
            return signedOut("this sign-in was used from somewhere else and has been ended to protect the account; log in again",
                             secure: secure, context: context)
        }
    }

    /// Ends this sign-in: named by the bearer token, or by the refresh cookie with the CSRF token.
    func logout(_ request: Request, context: OpsideRequestContext) async throws -> Response {
        let secure = AmazonConnectionsController.servedOverTLS(request)
        if let session = context.session {
            guard let family = session.sessionID, let user = session.userID else {
                throw APIError.badRequest("this token belongs to no sign-in; it simply expires")
            }
            _ = try await signIns.end(family: family, user: user, reason: "signed out")
            await liveness.forget(family: family)
        } else if let token = request.cookies[SignInCookies.refresh]?.value, !token.isEmpty {
            let presented = request.headers[SignInCookies.csrfHeader], csrf = self.csrf
            // Refreshing names the sign-in and proves the CSRF token; its new token is never handed out.
            switch try await signIns.refresh(token: token, userAgent: nil, permits: { csrf.isValid(presented, for: $0) }) {
            case .rotated(_, let family, let user, _):
                _ = try await signIns.end(family: family, user: user, reason: "signed out")
                await liveness.forget(family: family)
            case .refused:
                throw APIError.forbidden("the request lacks this sign-in's X-CSRF-Token; reload the page")
            case .unknown, .ended, .reused:
                break
            }
        } else {
            throw APIError.unauthorized("no sign-in to end")
        }
        var response = Response(status: .noContent)
        SignInCookies.clear(on: &response, secure: secure)
        return response
    }

    func logoutAll(_ request: Request, context: OpsideRequestContext) async throws -> Response {
        let session = try context.requireSession()
        guard let user = session.userID else { throw APIError.unauthorized("log in again") }
        let ended = try await signIns.endAll(user: user, reason: "signed out everywhere")
        await liveness.forget(user: user)
        var response = try EndedResponse(ended: ended).response(from: request, context: context)
        SignInCookies.clear(on: &response, secure: AmazonConnectionsController.servedOverTLS(request))
        return response
    }

    func list(context: OpsideRequestContext) async throws -> SessionsResponse {
        let session = try context.requireSession()
        guard let user = session.userID else { throw APIError.unauthorized("log in again") }
        var live = try await signIns.live(user: user)
        for index in live.indices { live[index].current = live[index].id == session.sessionID }
        return SessionsResponse(sessions: live)
    }

    func end(_ request: Request, context: OpsideRequestContext) async throws -> Response {
        let session = try context.requireSession()
        guard let user = session.userID else { throw APIError.unauthorized("log in again") }
        guard let family = context.parameters.get("id").flatMap(UUID.init(uuidString:)) else {
            throw APIError.validation("the session id is not a UUID")
        }
        // Someone else's sign-in reads as not found, like one that never was.
        guard try await signIns.end(family: family, user: user, reason: "ended from another sign-in") else {
            throw APIError.notFound("no live sign-in \(family.uuidString.lowercased()) of yours")
        }
        await liveness.forget(family: family)
        return Response(status: .noContent)
    }

    /// A 401 envelope that also clears the sign-in's cookies, so the page stops offering them.
    private func signedOut(_ message: String, secure: Bool, context: OpsideRequestContext) -> Response {
        var response = ErrorEnvelopeMiddleware.response(for: .unauthorized(message), requestID: context.requestID)
        SignInCookies.clear(on: &response, secure: secure)
        return response
    }
}
