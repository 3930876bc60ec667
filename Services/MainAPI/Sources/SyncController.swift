import Foundation
import Hummingbird
import NIOCore
import OpsideCore
import OpsideTransport
import Synchronization

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
        group.post("/connections/{connectionId}/imports") { request, context in try await upload(request, context) }
    }

    // MARK: Uploads

    /// Uploads one tenant may have in flight through this process at once.
    static let maxUploadsPerTenant = 2
    /// How long an upload may take to reach inventory-sync and be accepted (it answers 202 once
    /// the file is stored and its header read; the load itself is watched as a run).
    static let uploadTimeout: Duration = .seconds(600)
    /// Uploads in flight, per tenant.
    let uploads = TenantUploads(limit: SyncController.maxUploadsPerTenant)

    /// A report file streams through to inventory-sync as it arrives: it is never held here,
    /// whatever its size or the number of uploads, and each tenant has at most
    /// `maxUploadsPerTenant` of them in flight.
    func upload(_ request: Request, _ context: OpsideRequestContext) async throws -> Response {
        let session = try context.requireSession()
        guard let tenant = session.tenantID else { throw APIError.unauthorized("this session names no tenant; log in again") }
        var query: [String] = []
        for name in ["marketplaceId", "fileName"] {
            if let value = request.uri.queryParameters.get(name)?.addingPercentEncoding(withAllowedCharacters: .alphanumerics) {
                query.append("\(name)=\(value)")
            }
        }
        let suffix = query.isEmpty ? "" : "?" + query.joined(separator: "&")
        let path = "/internal/amazon/connections/\(try uuid("connectionId", context))/imports\(suffix)"
        let length = request.headers[.contentLength].flatMap { Int($0) }
        if let length, length > Self.maxUploadBytes { throw UploadTooLarge(limit: Self.maxUploadBytes).apiError }
        guard uploads.enter(tenant) else {
            throw APIError(status: .tooManyRequests, code: "too_many_requests",
                           message: "this account already has \(Self.maxUploadsPerTenant) uploads in progress; wait for one to finish")
        }
        defer { uploads.leave(tenant) }
        do {
            let reply = try await serviceClient.send(.POST, to: .inventorySync, path: path, tenantID: tenant,
                                                     streaming: LimitedUpload(base: request.body, limit: Self.maxUploadBytes),
                                                     length: length, contentType: "application/octet-stream", timeout: Self.uploadTimeout)
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return Response(status: .init(code: reply.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: reply.body)))
        } catch let error as UploadTooLarge {
            throw error.apiError
        } catch ServiceCallError.status(_, let code, let envelope) where (400..<500).contains(code) {
            throw APIError(status: .init(code: code), code: envelope?.error.code ?? "request_failed",
                           message: envelope?.error.message ?? "inventory-sync refused the upload", details: envelope?.error.details ?? [:])
        } catch let error as ServiceCallError {
            throw APIError.unavailable("imports are unavailable right now", details: ["reason": error.description])
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

/// Uploads in flight per tenant, bounded.
final class TenantUploads: Sendable {
    private let counts = Mutex<[UUID: Int]>([:])
    let limit: Int

    init(limit: Int) { self.limit = limit }

    /// Takes a place for `tenant`; false when it has `limit` uploads in flight already.
    func enter(_ tenant: UUID) -> Bool {
        counts.withLock { counts in
            guard counts[tenant, default: 0] < limit else { return false }
            counts[tenant, default: 0] += 1
            return true
        }
    }

    func leave(_ tenant: UUID) {
        counts.withLock { counts in
            let left = counts[tenant, default: 1] - 1
            counts[tenant] = left > 0 ? left : nil
        }
    }
}

/// An upload past the size limit, found while it streams.
struct UploadTooLarge: StreamedBodyError {
    let limit: Int
    var apiError: APIError {
        APIError(status: .contentTooLarge, code: "payload_too_large",
                 message: "the file is larger than \(limit) bytes; import bigger files with `opside import`")
    }
}

/// The request body, failing with `UploadTooLarge` once more than `limit` bytes came through.
struct LimitedUpload<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable where Base.Element == ByteBuffer {
    typealias Element = ByteBuffer
    let base: Base
    let limit: Int

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        let limit: Int
        var seen = 0

        mutating func next() async throws -> ByteBuffer? {
            guard let chunk = try await base.next() else { return nil }
            seen += chunk.readableBytes
            guard seen <= limit else { throw UploadTooLarge(limit: limit) }
            return chunk
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator(), limit: limit) }
}
