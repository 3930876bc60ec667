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

    public init(_ method: HTTPRequest.Method, _ publicPath: String, to internalPath: String,
                access: Access = .member, body: BodyHandling = .collected) {
        self.method = method
        self.publicPath = publicPath
        self.internalPath = internalPath
        self.access = access
        self.body = body
    }

    public static func get(_ publicPath: String, to internalPath: String, access: Access = .member) -> GatewayRoute {
        GatewayRoute(.get, publicPath, to: internalPath, access: access)
    }
    public static func delete(_ publicPath: String, to internalPath: String, access: Access = .member) -> GatewayRoute {
        GatewayRoute(.delete, publicPath, to: internalPath, access: access)
    }
    public static func post(_ publicPath: String, to internalPath: String, access: Access = .member,
                            body: BodyHandling = .collected) -> GatewayRoute {
        GatewayRoute(.post, publicPath, to: internalPath, access: access, body: body)
    }
    public static func put(_ publicPath: String, to internalPath: String, roles: Set<String>? = nil) -> GatewayRoute {
        GatewayRoute(.put, publicPath, to: internalPath, access: roles.map { .roles($0) } ?? .member)
    }

    /// The parameter names of a template, in order: `{connectionId}` gives `connectionId`.
    public static func parameterNames(in template: String) -> [String] {
        template.split(separator: "/").compactMap { segment in
            segment.hasPrefix("{") && segment.hasSuffix("}") ? String(segment.dropFirst().dropLast()) : nil
        }
    }

    public var description: String { "\(method.rawValue) \(publicPath) → \(service.name) \(internalPath)" }
}

/// The largest body and how many at once one tenant may stream through a route.
public struct UploadLimit: Sendable, Equatable {
    public let maxBytes: Int
    public let perTenant: Int
    /// How long the upload may take to reach the owner and be accepted.
    public let timeout: Duration
    /// What to do instead when a file is over `maxBytes`, appended to the 413's message.
    public let tooLargeAdvice: String

    public init(maxBytes: Int, perTenant: Int, timeout: Duration, tooLargeAdvice: String) {
        self.maxBytes = maxBytes
        self.perTenant = perTenant
        self.timeout = timeout
        self.tooLargeAdvice = tooLargeAdvice
    }
}

/// The public routes one service owns. Each service with public routes declares one in its
/// `Services/<Service>/Routes` target, which main-api depends on instead of the service itself.
public struct GatewayRouteTable: Sendable {
    public let service: OpsideService
    public let routes: [GatewayRoute]

    public init(service: OpsideService, _ routes: [GatewayRoute]) {
        self.service = service
        self.routes = routes.map { route in
            var route = route
            route.service = service
            return route
        }
    }
}

/// What a path parameter may hold, decided by its name so a route stays one line: a name ending
/// in `Id` is a UUID (sent on lowercased); any other is a short identifier (letters, digits,
/// `_`, `-`), such as a dataset name. Nothing else reaches a path the owner parses.
public enum GatewayPathParameter {
    /// The value to put into the internal path, or the error the client gets.
    public static func check(name: String, value: String) throws -> String {
        if name.hasSuffix("Id") {
            guard let id = UUID(uuidString: value) else {
                throw APIError.badRequest("`\(name)` must be a UUID such as 3f2c8a9e-5b1d-4c47-9a0e-2d6f1b7c8e90",
                                          details: [name: "not a UUID"])
            }
            return id.uuidString.lowercased()
        }
        guard (1...64).contains(value.utf8.count),
              value.utf8.allSatisfy({ $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0)
                  || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
            throw APIError.validation("unknown \(name) '\(value.prefix(64))'", details: [name: "not a known value"])
        }
        return value
    }
}
