import AsyncHTTPClient
import Foundation
import NIOCore
import OpsideCore
import OpsideTransport

/// Where files are kept and documents rendered: cost-docs stores every uploaded file and every
/// rendered document under its content hash (DESIGN.md), answers only the tenants that stored
/// it, and renders cost documents and proof summaries as PDFs.
public protocol DocumentVault: Sendable {
    /// Stores `bytes` for `tenant`; storing the same bytes again is harmless.
    /// - Returns: the content's SHA-256, lowercase hex.
    func store(_ bytes: Data, contentType: String, purpose: String, tenant: UUID) async throws -> String
    /// The bytes stored under `sha256` for `tenant`, at most `maxBytes`.
    func fetch(sha256: String, tenant: UUID, maxBytes: Int) async throws -> Data
    /// Renders and stores a claim's cost document (a PDF).
    func renderCostDocument(_ content: CostDocumentContent, tenant: UUID) async throws -> RenderedFile
    /// Renders and stores a proof packet's summary (a PDF).
    func renderProofSummary(_ content: ProofSummaryContent, tenant: UUID) async throws -> RenderedFile
}

/// A vault call that did not work, in words.
public struct DocumentVaultError: Error, CustomStringConvertible {
    public let description: String
    /// 404: the tenant stored nothing under that hash.
    public let notFound: Bool

    public init(description: String, notFound: Bool) {
        self.description = description
        self.notFound = notFound
    }
}

/// cost-docs' `/internal/objects`, with a service token naming the tenant.
public struct CostDocsVault: DocumentVault {
    let serviceClient: ServiceClient

    public init(serviceClient: ServiceClient) { self.serviceClient = serviceClient }

    struct Stored: Decodable {
        var sha256: String
    }

    public func store(_ bytes: Data, contentType: String, purpose: String, tenant: UUID) async throws -> String {
        let target = "/internal/objects?purpose=\(purpose.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? purpose)"
        // PUT with the bytes in hand: a lost answer is retried, and storing twice stores once.
        let response = try await serviceClient.forward(.PUT, to: .costDocs, target: target, tenantID: tenant,
                                                       headers: [("content-type", contentType), ("content-length", String(bytes.count))],
                                                       body: .bytes(ByteBuffer(bytes: bytes)), timeout: .seconds(120))
        let body = try await response.body.collect(upTo: 1 << 20)
        guard (200..<300).contains(Int(response.status.code)) else {
            throw DocumentVaultError(description: "cost-docs refused to store the file (\(response.status.code)): \(String(buffer: body))",
                                     notFound: false)
        }
        return try JSONDecoder().decode(Stored.self, from: Data(buffer: body)).sha256
    }

    public func renderCostDocument(_ content: CostDocumentContent, tenant: UUID) async throws -> RenderedFile {
        try await render("/internal/renders/cost-document", content, tenant: tenant)
    }

    public func renderProofSummary(_ content: ProofSummaryContent, tenant: UUID) async throws -> RenderedFile {
        try await render("/internal/renders/proof-summary", content, tenant: tenant)
    }

    /// A render is a POST, but rendering the same content twice gives the same bytes under the
    /// same hash: retrying after a lost answer is harmless, so it is retried like a PUT.
    func render(_ path: String, _ content: some Encodable, tenant: UUID) async throws -> RenderedFile {
        let body = try OpsideJSON.encode(content)
        var lastError: (any Error)?
        for attempt in 1...3 {
            do {
                let reply = try await serviceClient.send(.POST, to: .costDocs, path: path, tenantID: tenant, body: body)
                return try JSONDecoder().decode(RenderedFile.self, from: reply.body)
            } catch ServiceCallError.unreachable(_, let reason) {
                lastError = DocumentVaultError(description: "cost-docs could not render the document: \(reason)", notFound: false)
                try await Task.sleep(for: .milliseconds(200 * attempt))
            }
        }
        throw lastError ?? DocumentVaultError(description: "cost-docs could not render the document", notFound: false)
    }

    public func fetch(sha256: String, tenant: UUID, maxBytes: Int) async throws -> Data {
        let response = try await serviceClient.forward(.GET, to: .costDocs, target: "/internal/objects/\(sha256)", tenantID: tenant,
                                                       headers: [], body: .none, timeout: .seconds(120))
        let body = try await response.body.collect(upTo: maxBytes + 1)
        guard response.status.code == 200 else {
            throw DocumentVaultError(description: "cost-docs has no file \(sha256) for this account (\(response.status.code))",
                                     notFound: response.status.code == 404)
        }
        return Data(buffer: body)
    }
}
