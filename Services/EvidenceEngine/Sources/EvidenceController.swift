import Foundation
import HTTPTypes
import Hummingbird
import OpsideClaimsAccess
import OpsideCostDocsAccess
import NIOCore
import OpsideCore
import OpsideDocuments
import OpsideJobs
import OpsideTransport

/// evidence-engine's internal API, for the tenant named in the caller's service token (main-api's
/// public twins in `EvidenceEngineRoutes` forward here): uploads, documents with what was read
/// and the seller's corrections, matches, prompts and their answers.
struct EvidenceController: Sendable {
    let intake: DocumentIntake
    let store: EvidenceDocumentStore
    let matches: MatchStore
    let vault: any DocumentVault
    let claims: any ClaimSource
    let costs: any CostedDocumentSource
    let jobQueue: JobQueue
    let limits: DocumentLimits
    let clocks: ServiceClocks

    struct UploadResponse: ResponseEncodable {
        let documents: [UploadOutcome]
        let limits: LimitsView
    }

    /// The limits as a seller reads them.
    struct LimitsView: ResponseEncodable, Equatable {
        let maxFileBytes: Int
        let maxRequestBytes: Int
        let maxFiles: Int
        let maxPages: Int
        let kinds: [String]
    }

    struct DocumentsResponse: ResponseEncodable {
        let documents: [EvidenceDocument]
    }

    struct DocumentResponse: ResponseEncodable {
        let document: EvidenceDocument
        let matches: [StoredMatch]
    }

    struct PagesResponse: ResponseEncodable {
        let pages: [String]
    }

    struct MatchesResponse: ResponseEncodable {
        let matches: [StoredMatch]
    }

    struct PromptsResponse: ResponseEncodable {
        let prompts: [Prompt]
    }

    struct PromptResponse: ResponseEncodable {
        let prompt: Prompt
    }

    struct AnswerRequest: Decodable {
        /// `yes` or `no`.
        let answer: String
        let userId: UUID?
    }

    struct CorrectionsRequest: Decodable {
        let corrections: InvoiceCorrections
        let userId: UUID?
    }

    var limitsView: LimitsView {
        LimitsView(maxFileBytes: limits.maxFileBytes, maxRequestBytes: limits.maxRequestBytes, maxFiles: limits.maxFilesPerRequest,
                   maxPages: limits.maxPages, kinds: DocumentKind.allCases.map(\.rawValue))
    }

    func addRoutes(to router: Router<OpsideRequestContext>) {
        let documents = router.group("/internal/documents")
        documents.post { request, context in try await upload(request, context) }
        documents.get { request, context in try await list(request, context) }
        documents.get("/limits") { _, _ in limitsView }
        documents.get("/{documentId}") { _, context in try await document(context) }
        documents.get("/{documentId}/file") { _, context in try await file(context) }
        documents.get("/{documentId}/pages") { _, context in try await pages(context) }
        documents.put("/{documentId}/corrections") { request, context in try await correct(request, context) }
        documents.post("/{documentId}/parse") { _, context in try await parseAgain(context) }
        router.get("/internal/matches") { request, context in try await matchList(request, context) }
        router.get("/internal/prompts") { request, context in try await promptList(request, context) }
        router.post("/internal/prompts/{promptId}/answer") { request, context in try await answer(request, context) }
    }

    static func actor(_ userId: UUID?, _ context: OpsideRequestContext) -> String {
        userId.map { "user:\($0.uuidString.lowercased())" } ?? "service:\(context.serviceCaller?.issuer ?? "unknown")"
    }

    func upload(_ request: Request, _ context: OpsideRequestContext) async throws -> EditedResponse<UploadResponse> {
        let tenant = try context.requireCallerTenant()
        let uploader = request.headers[HTTPField.Name(ServiceGateway.uploaderHeader)!].flatMap(UUID.init(uuidString:))
        let outcomes = try await intake.receive(body: request.body, contentType: request.headers[.contentType], tenant: tenant,
                                                uploadedBy: Self.actor(uploader, context))
        return EditedResponse(status: .accepted, response: UploadResponse(documents: outcomes, limits: limitsView))
    }

    func list(_ request: Request, _ context: OpsideRequestContext) async throws -> DocumentsResponse {
        let tenant = try context.requireCallerTenant()
        let query = request.uri.queryParameters
        var status: EvidenceDocument.Status?
        if let text = query.get("status") {
            guard let value = EvidenceDocument.Status(rawValue: text) else {
                throw APIError.validation("status must be received, parsed or failed", details: ["status": "unknown value '\(text)'"])
            }
            status = value
        }
        let limit = try QueryParameters.integer(request, "limit", in: 1...500, default: 50)
        let offset = try QueryParameters.integer(request, "offset", in: 0...1_000_000, default: 0)
        return DocumentsResponse(documents: try await store.list(tenant: tenant, status: status, limit: limit, offset: offset))
    }

    func documentId(_ context: OpsideRequestContext) throws -> UUID {
        guard let id = UUID(uuidString: try context.parameters.require("documentId")) else { throw APIError.noSuch("document") }
        return id
    }

    func document(_ context: OpsideRequestContext) async throws -> DocumentResponse {
        let tenant = try context.requireCallerTenant()
        let id = try documentId(context)
        guard let document = try await store.document(tenant: tenant, id: id) else { throw APIError.noSuch("document") }
        return DocumentResponse(document: document, matches: try await matches.matches(tenant: tenant, documentId: id))
    }

    func file(_ context: OpsideRequestContext) async throws -> Response {
        let tenant = try context.requireCallerTenant()
        guard let document = try await store.document(tenant: tenant, id: try documentId(context)) else { throw APIError.noSuch("document") }
        let bytes = try await vault.fetch(sha256: document.sha256, tenant: tenant, maxBytes: max(document.sizeBytes, limits.maxFileBytes))
        var headers = HTTPFields()
        headers[.contentType] = document.kind.contentType
        headers[.contentDisposition] = "attachment; filename=\"\(document.fileName.replacingOccurrences(of: "\"", with: ""))\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    func pages(_ context: OpsideRequestContext) async throws -> PagesResponse {
        let tenant = try context.requireCallerTenant()
        guard let pages = try await store.pages(tenant: tenant, id: try documentId(context)) else {
            throw APIError.noSuch("read document")
        }
        return PagesResponse(pages: pages)
    }

    func correct(_ request: Request, _ context: OpsideRequestContext) async throws -> DocumentResponse {
        let tenant = try context.requireCallerTenant()
        let id = try documentId(context)
        let body = try await request.decode(as: CorrectionsRequest.self, context: context)
        do {
            let document = try await store.correct(tenant: tenant, id: id, corrections: body.corrections)
            await store.outbox.wakeRelay()
            return DocumentResponse(document: document, matches: try await matches.matches(tenant: tenant, documentId: id))
        } catch let error as InvoiceCorrectionError {
            throw APIError.validation(error.description)
        } catch EvidenceStoreError.noSuchDocument {
            throw APIError.noSuch("document")
        } catch let error as EvidenceStoreError {
            throw APIError(status: .conflict, code: "not_parsed", message: error.description)
        }
    }

    /// Reads a document again (after a parser upgrade, say); its corrections are kept.
    func parseAgain(_ context: OpsideRequestContext) async throws -> EditedResponse<DocumentResponse> {
        let tenant = try context.requireCallerTenant()
        let id = try documentId(context)
        guard let document = try await store.document(tenant: tenant, id: id) else { throw APIError.noSuch("document") }
        _ = try await jobQueue.enqueue(try DocumentJobs.parseJob(tenant: tenant, documentId: id))
        return EditedResponse(status: .accepted, response: DocumentResponse(document: document, matches: []))
    }

    func matchList(_ request: Request, _ context: OpsideRequestContext) async throws -> MatchesResponse {
        let tenant = try context.requireCallerTenant()
        var claimId: UUID?
        if let text = request.uri.queryParameters.get("claimId") {
            guard let id = UUID(uuidString: text) else { throw APIError.validation("claimId must be a UUID", details: ["claimId": "not a UUID"]) }
            claimId = id
        }
        return MatchesResponse(matches: try await matches.matches(tenant: tenant, claimId: claimId))
    }

    func promptList(_ request: Request, _ context: OpsideRequestContext) async throws -> PromptsResponse {
        let tenant = try context.requireCallerTenant()
        let status = request.uri.queryParameters.get("status") ?? "open"
        guard ["open", "confirmed", "rejected", "expired", "all"].contains(status) else {
            throw APIError.validation("status must be open, confirmed, rejected, expired or all", details: ["status": "unknown value '\(status)'"])
        }
        return PromptsResponse(prompts: try await matches.prompts(tenant: tenant, status: status == "all" ? nil : status))
    }

    func answer(_ request: Request, _ context: OpsideRequestContext) async throws -> PromptResponse {
        let tenant = try context.requireCallerTenant()
        guard let id = UUID(uuidString: try context.parameters.require("promptId")) else { throw APIError.noSuch("prompt") }
        let body = try await request.decode(as: AnswerRequest.self, context: context)
        guard ["yes", "no"].contains(body.answer) else {
            throw APIError.validation("answer must be yes or no", details: ["answer": "unknown value '\(body.answer)'"])
        }
        let store = self.store, matches = self.matches, claims = self.claims, costs = self.costs, now = clocks.wall.now
        let costDocuments = CostDocuments(vault: vault)
        do {
            let prompt = try await matches.answer(tenant: tenant, promptId: id, confirmed: body.answer == "yes", by: Self.actor(body.userId, context),
                                                  document: { documentId in
                                                      guard let document = try await store.document(tenant: tenant, id: documentId) else { return nil }
                                                      return MatchedDocument(documentId: document.id, fileName: document.fileName,
                                                                             sha256: document.sha256, contentType: document.kind.contentType,
                                                                             invoiceNumber: document.fields?.number, supplier: document.fields?.supplier)
                                                  }, costDocument: { documentId, claimId in
                                                      // The cost document of a claim as the seller confirms it.
                                                      guard let claim = try await claims.claim(tenant: tenant, id: claimId),
                                                            let document = try await store.document(tenant: tenant, id: documentId),
                                                            let costed = try await costs.costedDocument(tenant: tenant, documentId: documentId),
                                                            let match = try await matches.matches(tenant: tenant, documentId: documentId,
                                                                                                  claimId: claimId).first
                                                      else { return nil }
                                                      let content = CostDocuments.content(claim: claim, document: document, costed: costed,
                                                                                          lineIndexes: match.lineIndexes, decidedBy: "confirmed",
                                                                                          confidence: match.confidence, preparedAt: now)
                                                      return try await costDocuments.render(content, tenant: tenant)
                                                  }, at: now)
            return PromptResponse(prompt: prompt)
        } catch PromptAnswerError.noSuchPrompt {
            throw APIError.noSuch("prompt")
        } catch let error as PromptAnswerError {
            throw APIError(status: .conflict, code: "prompt_closed", message: error.description)
        }
    }
}
