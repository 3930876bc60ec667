import Foundation
import HTTPTypes
import OpsideCore

/// One public route main-api serves by forwarding to the service that owns it, declared as data
/// in that service's route table (`Services/<Service>/Routes`), one line each:
///
/// ```swift
/// .get("/api/v1/amazon/syncs/{runId}", to: "/internal/amazon/syncs/{runId}"),
/// .put("/api/v1/amazon/connections/{connectionId}/schedules/{dataset}",
///      to: "/internal/amazon/connections/{connectionId}/schedules/{dataset}", roles: ["owner", "admin"]),
/// ```
///
/// Path parameters are checked before anything is sent (`GatewayPathParameter`); the query
/// string passes through as the client wrote it; the answer comes back as the owner gave it.
public struct GatewayRoute: Sendable, CustomStringConvertible {
    /// Who may call the route.
    public enum Access: Sendable, Equatable {
        /// Any signed-in member of a tenant.
        case member
        /// Signed-in members holding one of these roles.
        case roles(Set<String>)
        /// Anyone; a session, when there is one, still names the tenant (Amazon's redirect).
        case optionalSession
    }

    /// How the request body reaches the owner.
    public enum BodyHandling: Sendable, Equatable {
        /// Collected (at most the context's `maxUploadSize`, 1 MiB) and sent with the client's
        /// content type; an idempotent call may then be retried.
        case collected
        /// Collected as a JSON object, with `userId` set to the session's user (the owner records
        /// who acted); a `userId` the client sent is refused.
        case collectedWithSessionUser
        /// Streamed through as it arrives, never held here, within `UploadLimit`.
        case upload(UploadLimit)
    }

    public let method: HTTPRequest.Method
    /// The template main-api's router serves, e.g. `/api/v1/amazon/syncs/{runId}`.
    public let publicPath: String
    /// The owner's internal template, naming the same parameters.
    public let internalPath: String
    public let access: Access
    public let body: BodyHandling
    /// The service that owns the route; set by the table it is declared in.
    public internal(set) var service: OpsideService = .mainAPI
    /// A GET whose 200 answers main-api may keep (`GatewayResponseCache`) until the tenant's data at
    /// the owner changes: for the lists a dashboard reloads far more often than they change.
    public var cached = false
    /// How long the owner may take to answer, when longer than `services.timeoutMilliseconds`:
    /// for work the caller waits on by design (a detection run over a seller's whole history).
    public var timeout: Duration?

    public init(_ method: HTTPRequest.Method, _ publicPath: String, to internalPath: String,
                access: Access = .member, body: BodyHandling = .collected) {
        self.method = method
        self.publicPath = publicPath
        self.internalPath = internalPath
        self.access = access
        self.body = body
    }

    public static func get(_ publicPath: String, to internalPath: String, access: Access = .member, cached: Bool = false) -> GatewayRoute {
        var route = GatewayRoute(.get, publicPath, to: internalPath, access: access)
        route.cached = cached
        return route
    }
    public static func delete(_ publicPath: String, to internalPath: String, access: Access = .member) -> GatewayRoute {
        GatewayRoute(.delete, publicPath, to: internalPath, access: access)
    }
    public static func post(_ publicPath: String, to internalPath: String, access: Access = .member,
                            body: BodyHandling = .collected) -> GatewayRoute {
        GatewayRoute(.post, publicPath, to: internalPath, access: access, body: body)
    }
    public static func put(_ publicPath: String, to internalPath: String, roles: Set<String>? = nil,
                           body: BodyHandling = .collected) -> GatewayRoute {
        GatewayRoute(.put, publicPath, to: internalPath, access: roles.map { .roles($0) } ?? .member, body: body)
    }

    /// The same route, waiting up to `timeout` for the owner's answer.
    public func waiting(upTo timeout: Duration) -> GatewayRoute {
        var route = self
        route.timeout = timeout
        return route
    }

    /// The parameter names of a template, in order: `{connectionId}` gives `connectionId`.
    public static func parameterNames(in template: String) -> [String] {
        template.split(separator: "/").compactMap { segment in
            segment.hasPrefix("{") && segment.hasSuffix("}") ? String(segment.dropFirst().dropLast()) : nil
        }
    }

    public var description: String { "\(method.rawValue) \(publicPath) → \(service.name) \(internalPath)" }
}
