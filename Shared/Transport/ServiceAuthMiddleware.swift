import Hummingbird
import OpsideCore

/// Guards `/internal/...`: the caller must present a service token signed by the suite, addressed
/// to this service and not expired. Anything else is a 401 with the envelope. The decision is
/// made on the route the router matched (`guardedPath`), whatever the request's spelling.
public struct ServiceAuthMiddleware: RouterMiddleware {
    public typealias Context = OpsideRequestContext
    let authority: ServiceTokenAuthority

    public init(authority: ServiceTokenAuthority) { self.authority = authority }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard context.guardedPath(of: request).hasPrefix("/internal/") else { return try await next(request, context) }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw APIError.unauthorized("internal endpoints need a service token: Authorization: Bearer <token>")
        }
        let claims: ServiceTokenClaims
        do {
            claims = try await authority.verify(String(header.dropFirst("Bearer ".count)))
        } catch {
            throw APIError.unauthorized("the service token is invalid or expired")
        }
        var context = context
        context.serviceCaller = claims
        context.logger[metadataKey: "caller"] = "\(claims.issuer)"
        return try await next(request, context)
    }
}
