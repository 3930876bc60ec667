import Foundation
import Hummingbird
import NIOPosix
import OpsideCore
import OpsideCostDocsAccess
import OpsideRender
import OpsideTransport

/// cost-docs' rendering API: a claim's cost document and a proof packet's summary, rendered to
/// PDF, stored under their hash for the calling tenant. Rendering is cairo and pango, blocking C:
/// it runs on NIO's thread pool, never on Swift's cooperative threads.
struct RenderController: Sendable {
    let store: any ContentStore
    let ownership: ObjectOwnership
    let clocks: ServiceClocks

    func addRoutes(to router: Router<OpsideRequestContext>) {
        router.post("/internal/renders/cost-document") { request, context in
            let content = try await request.decode(as: CostDocumentContent.self, context: context)
            return try await render(CostDocumentLayouts.costDocument(content), purpose: "cost_document", context)
        }
        router.post("/internal/renders/proof-summary") { request, context in
            let content = try await request.decode(as: ProofSummaryContent.self, context: context)
            return try await render(CostDocumentLayouts.proofSummary(content), purpose: "proof_summary", context)
        }
    }

    func render(_ document: RenderDocument, purpose: String, _ context: OpsideRequestContext) async throws -> RenderedFile {
        let tenant = try context.requireCallerTenant()
        let pdf: Data
        do {
            pdf = try await NIOThreadPool.singleton.runIfActive { try PDFRenderer.render(document) }
        } catch let error as RenderError {
            throw APIError.validation("the document cannot be rendered: \(error)")
        }
        let stored = try await store.put(pdf, contentType: "application/pdf")
        try await ownership.record(tenant: tenant, sha256: stored.sha256, sizeBytes: stored.size, contentType: "application/pdf", purpose: purpose,
                                   at: clocks.wall.now)
        return RenderedFile(sha256: stored.sha256, sizeBytes: stored.size)
    }
}

extension RenderedFile: ResponseEncodable {}
