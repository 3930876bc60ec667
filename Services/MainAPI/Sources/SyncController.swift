import Foundation
import Hummingbird
import NIOCore
import OpsideCore
import OpsideTransport

/// The public face of inventory-sync: manual sync triggers, progress, history, schedules,
/// discrepancies and report-file uploads for the signed-in tenant. Each route forwards to
/// inventory-sync's `/internal/amazon/...` twin with a service token naming the session's tenant,
/// and passes the answer (or the error envelope) through.
struct SyncController {
    let serviceClient: ServiceClient
    /// Largest report file accepted through the public API; bigger files go through `opside import`.
    static let maxUploadBytes = 64 << 20
    /// Roles that may change a connection's sync schedules.
    static let scheduleEditors: Set<String> = ["owner", "admin"]

    func addRoutes(to router: Router<OpsideRequestContext>) {
        let group = router.group("/api/v1/amazon")
        group.post("/connections/{connectionId}/syncs") { request, context in
            try await forward(.post, "/connections/\(try uuid("connectionId", context))/syncs", request, context)
        }
        group.get("/connections/{connectionId}/syncs") { request, context in
            var query = ""
            if let dataset = request.uri.queryParameters.get("dataset") { query = "?dataset=\(dataset.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }
            return try await forward(.get, "/connections/\(try uuid("connectionId", context))/syncs\(query)", request, context)
        }
        group.get("/syncs/{runId}") { request, context in
            try await forward(.get, "/syncs/\(try uuid("runId", context))", request, context)
        }
        group.get("/syncs/{runId}/quarantine") { request, context in
            try await forward(.get, "/syncs/\(try uuid("runId", context))/quarantine", request, context)
        }
        group.get("/connections/{connectionId}/schedules") { request, context in
            try await forward(.get, "/connections/\(try uuid("connectionId", context))/schedules", request, context)
        }
        group.put("/connections/{connectionId}/schedules/{dataset}") { request, context in
            // Schedules decide how much of the seller's Amazon rate budget syncs spend: an
            // operator's call (owner or admin), not every member's.
            guard Self.scheduleEditors.contains(try context.requireSession().role) else {
                throw APIError.forbidden("changing a sync schedule takes the owner or admin role")
            }
            let dataset = try context.parameters.require("dataset")
            guard dataset.allSatisfy({ $0.isLetter || $0 == "_" }) else { throw APIError.validation("unknown dataset '\(dataset)'") }
            return try await forward(.put, "/connections/\(try uuid("connectionId", context))/schedules/\(dataset)", request, context)
        }
        group.get("/connections/{connectionId}/discrepancies") { request, context in
            try await forward(.get, "/connections/\(try uuid("connectionId", context))/discrepancies", request, context)
        }
        group.post("/connections/{connectionId}/imports") { request, context in
            var query: [String] = []
            for name in ["marketplaceId", "fileName"] {
                if let value = request.uri.queryParameters.get(name)?.addingPercentEncoding(withAllowedCharacters: .alphanumerics) {
                    query.append("\(name)=\(value)")
                }
            }
            let suffix = query.isEmpty ? "" : "?" + query.joined(separator: "&")
            return try await forward(.post, "/connections/\(try uuid("connectionId", context))/imports\(suffix)", request, context,
                                     limit: Self.maxUploadBytes)
        }
    }

    func uuid(_ name: String, _ context: OpsideRequestContext) throws -> String {
        guard let id = UUID(uuidString: try context.parameters.require(name)) else { throw APIError.badRequest("\(name) must be a UUID") }
        return id.uuidString.lowercased()
    }

    enum Method { case get, post, put }

    func forward(_ method: Method, _ path: String, _ request: Request, _ context: OpsideRequestContext,
                 limit: Int = 1 << 20) async throws -> Response {
        let session = try context.requireSession()
        guard let tenant = session.tenantID else { throw APIError.unauthorized("this session names no tenant; log in again") }
        var body: Data?
        if method != .get {
            let bytes = try await request.body.collect(upTo: limit)
            body = Data(buffer: bytes)
        }
        do {
            let target = "/internal/amazon" + path
            let reply = switch method {
            case .get: try await serviceClient.send(.GET, to: .inventorySync, path: target, tenantID: tenant)
            case .post: try await serviceClient.send(.POST, to: .inventorySync, path: target, tenantID: tenant, body: body)
            case .put: try await serviceClient.send(.PUT, to: .inventorySync, path: target, tenantID: tenant, body: body)
            }
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return Response(status: .init(code: reply.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: reply.body)))
        } catch ServiceCallError.status(_, let code, let envelope) where (400..<500).contains(code) {
            throw APIError(status: .init(code: code), code: envelope?.error.code ?? "request_failed",
                           message: envelope?.error.message ?? "inventory-sync refused the request", details: envelope?.error.details ?? [:])
        } catch let error as ServiceCallError {
            throw APIError.unavailable("syncs are unavailable right now", details: ["reason": error.description])
        }
    }
}
