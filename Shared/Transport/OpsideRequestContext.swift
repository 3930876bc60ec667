import Foundation
import Hummingbird
import NIOCore
import OpsideCore

/// The request context of every Opside service.
public struct OpsideRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The id that follows this request through logs, outbound calls and the jobs it enqueues.
    public var requestID: String = ""
    /// The verified caller of an internal endpoint.
    public var serviceCaller: ServiceTokenClaims?
    /// The signed-in user of a public endpoint (set by main-api's session middleware).
    public var session: SessionClaims?
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }

    /// The path that decides what guards a request: the route the router matched (its
    /// template, e.g. `/internal/jobs/{id}/cancel`), or, for a request no route matched, its
    /// canonical path. Hummingbird resolves the route before any middleware runs and matches
    /// `//internal/jobs` to `/internal/jobs`, so a check on the raw path would disagree with
    /// the router about what is being served.
    public func guardedPath(of request: Request) -> String {
        endpointPath ?? request.uri.path
    }

    /// Whether the peer is on this machine (127.0.0.0/8 or ::1).
    public var isLoopbackClient: Bool {
        switch remoteAddress {
        case .v4(let address): address.host.hasPrefix("127.")
        case .v6(let address): address.host == "::1"
        default: false
        }
    }

    /// JSON bodies are checked against RFC 8259 before they are decoded.
    public var requestDecoder: StrictJSONRequestDecoder { StrictJSONRequestDecoder() }

    /// Answers are written in the suite's one JSON style (`OpsideJSON`).
    public var responseEncoder: OpsideResponseEncoder { OpsideResponseEncoder() }

    /// Bodies above 1 MiB are refused with 413 unless a route collects with its own limit.
    public var maxUploadSize: Int { 1024 * 1024 }

    /// The tenant an internal call acts for, or a 401/400 when the caller named none.
    public func requireCallerTenant() throws -> UUID {
        guard let caller = serviceCaller else { throw APIError.unauthorized("a service token is required") }
        guard let tenant = caller.tenantID else { throw APIError.badRequest("the service token names no tenant") }
        return tenant
    }

    /// The signed-in user's session, or 401.
    public func requireSession() throws -> SessionClaims {
        guard let session else { throw APIError.unauthorized("sign in first: send Authorization: Bearer <session token>") }
        return session
    }
}
