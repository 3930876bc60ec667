import Foundation
import Hummingbird
import Logging
import NIOCore
import OpsideCore
import OpsidePostgres
import OpsideTransport

/// `documents.objects`: which tenant stored which content.
public struct ObjectOwnership: Sendable {
    let database: Database
    let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// Records that `tenant` stored the content (again, harmlessly).
    public func record(tenant: UUID, sha256: String, sizeBytes: Int64, contentType: String, purpose: String, at now: Date) async throws {
        let logger = self.logger
        try await database.withTransaction(tenant: tenant) { db in
            try await db.query("""
                INSERT INTO documents.objects (tenant_id, sha256, size_bytes, content_type, purpose, stored_at)
                VALUES (\(tenant), \(sha256), \(sizeBytes), \(contentType), \(purpose), \(now))
                ON CONFLICT (tenant_id, sha256) DO NOTHING
                """, logger: logger)
        }
    }

    /// The content type `tenant` stored the content with; nil when the tenant never stored it.
    public func contentType(tenant: UUID, sha256: String) async throws -> String? {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenant) { db in
            let rows = try await db.query("SELECT content_type FROM documents.objects WHERE sha256 = \(sha256)", logger: logger)
            for try await type in rows.decode(String.self) { return type }
            return nil
        }
    }
}

/// cost-docs' internal API for files: store a tenant's bytes under their content hash, read them
/// back. Only services call it (evidence-engine for uploads and packets); sellers download through
/// evidence-engine, which knows which document is theirs.
struct ObjectsController: Sendable {
    let store: any ContentStore
    let ownership: ObjectOwnership
    let maxObjectBytes: Int
    let clocks: ServiceClocks

    static let purposes: Set<String> = ["upload", "cost_document", "proof_summary", "proof_packet"]

    struct StoredResponse: ResponseEncodable {
        let sha256: String
        let sizeBytes: Int64
        let existed: Bool
    }

    func addRoutes(to router: Router<OpsideRequestContext>) {
        router.put("/internal/objects") { request, context in try await put(request, context) }
        router.get("/internal/objects/{sha256}") { _, context in try await get(context) }
    }

    func put(_ request: Request, _ context: OpsideRequestContext) async throws -> EditedResponse<StoredResponse> {
        let tenant = try context.requireCallerTenant()
        let purpose = request.uri.queryParameters.get("purpose") ?? "upload"
        guard Self.purposes.contains(purpose) else {
            throw APIError.validation("purpose must be one of \(Self.purposes.sorted().joined(separator: ", "))", details: ["purpose": purpose])
        }
        let contentType = request.headers[.contentType] ?? "application/octet-stream"
        let body = try await request.body.collect(upTo: maxObjectBytes)
        guard body.readableBytes > 0 else { throw APIError.validation("the body is empty") }
        let stored = try await store.put(Data(buffer: body), contentType: contentType)
        try await ownership.record(tenant: tenant, sha256: stored.sha256, sizeBytes: stored.size, contentType: contentType, purpose: purpose,
                                   at: clocks.wall.now)
        return EditedResponse(status: stored.alreadyExisted ? .ok : .created,
                              response: StoredResponse(sha256: stored.sha256, sizeBytes: stored.size, existed: stored.alreadyExisted))
    }

    func get(_ context: OpsideRequestContext) async throws -> Response {
        let tenant = try context.requireCallerTenant()
        let sha256 = try context.parameters.require("sha256")
        guard (try? ContentKey(validating: sha256)) != nil else { throw APIError.noSuch("stored file") }
        guard let contentType = try await ownership.contentType(tenant: tenant, sha256: sha256) else { throw APIError.noSuch("stored file") }
        let bytes: Data
        do {
            bytes = try await store.get(sha256: sha256)
        } catch let error as ContentStoreError {
            // A file the database says is stored but the store lost or corrupted is an operator's
            // problem, said plainly; never served silently.
            throw APIError(status: .internalServerError, code: "storage_error", message: error.description)
        }
        var headers = HTTPFields()
        headers[.contentType] = contentType
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
