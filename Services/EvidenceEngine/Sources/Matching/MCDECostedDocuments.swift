import Foundation
import OpsideCore
import OpsideEvents
import OpsideTransport

/// mcde's `/internal/costs/invoices`: every invoice it costed for the tenant, with its lines as it
/// mapped them (the same shape `costs.updated` carries).
public struct MCDECostedDocuments: CostedDocumentSource {
    let serviceClient: ServiceClient

    public init(serviceClient: ServiceClient) { self.serviceClient = serviceClient }

    struct Page: Decodable {
        var invoices: [CostsUpdated]
    }

    struct One: Decodable {
        var invoice: CostsUpdated
    }

    public func costedDocument(tenant: UUID, documentId: UUID) async throws -> CostedDocument? {
        do {
            return CostedDocument(try await serviceClient.get(One.self, from: .mcde, path: "/internal/costs/invoices/\(documentId.uuidString.lowercased())",
                                                              tenantID: tenant).invoice)
        } catch ServiceCallError.status(_, let code, _) where code == 404 {
            return nil
        }
    }

    public func costedDocuments(tenant: UUID) async throws -> [CostedDocument] {
        try await serviceClient.get(Page.self, from: .mcde, path: "/internal/costs/invoices?lines=true", tenantID: tenant).invoices.map(CostedDocument.init)
    }
}
