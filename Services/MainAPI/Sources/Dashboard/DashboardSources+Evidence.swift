import Foundation
import OpsideCore
import OpsideTransport

/// What the evidence and cost pages read: evidence-engine's documents (what was read from each,
/// the text of its pages, its matches to claims), the questions put to the seller and the proof
/// packets; mcde's costs per SKU over time and the supplier-SKU table. Amounts read from an
/// invoice are exact decimals as the document wrote them, not `Money`: a unit price may carry
/// more digits than its currency's minor unit.
extension DashboardSources {
    // MARK: Documents

    struct DocumentLimits: Decodable, Sendable {
        let maxFileBytes: Int
        let maxRequestBytes: Int
        let maxFiles: Int
        let maxPages: Int
        let kinds: [String]
    }

    struct InvoiceLine: Decodable, Sendable {
        let description: String
        let supplierSku: String?
        let sku: String?
        let asin: String?
        let quantity: Int?
        let unit: String?
        let unitPrice: Decimal
        let lineTotal: Decimal?
        /// The page it is on, from 1.
        let page: Int
        /// The text line of that page it starts on, from 0.
        let lineIndex: Int
        /// How many text lines it spans.
        let lineCount: Int
        let sourceText: String
        /// Read from a spreadsheet's table rather than a page's text (then `page` is the table's number).
        let fromTable: Bool
    }

    struct InvoiceCheck: Decodable, Sendable {
        let code: String
        /// `info`, `warning` or `error`.
        let severity: String
        let message: String
        let page: Int?
        let lineIndex: Int?
    }

    struct InvoiceFields: Decodable, Sendable {
        struct Incoterm: Decodable, Sendable {
            let rule: String
            let place: String?
        }

        let documentType: String
        let supplier: String?
        let number: String?
        let purchaseOrderNumber: String?
        let date: String?
        let dateCandidates: [String]
        let currency: String?
        let incoterm: Incoterm?
        let lines: [InvoiceLine]
        let freight: Decimal?
        let duty: Decimal?
        let otherCharges: Decimal?
        let discount: Decimal?
        let subtotal: Decimal?
        let tax: Decimal?
        let total: Decimal?
        let checks: [InvoiceCheck]
    }

    struct EvidenceDocument: Decodable, Sendable {
        struct Failure: Decodable, Sendable {
            let code: String
            let message: String
        }

        let id: UUID
        let fileName: String
        let kind: String
        let sizeBytes: Int
        /// `received`, `parsed` or `failed`.
        let status: String
        let failure: Failure?
        /// `pdftotext`, `ocr`, `xlsx` or `csv`.
        let method: String?
        let pageCount: Int?
        let ocrConfidence: Double?
        let fields: InvoiceFields?
        let uploadedAt: Date
        let parsedAt: Date?
    }

    struct MatchFeature: Decodable, Sendable {
        let name: String
        let score: Double
        let weight: Double
        let contribution: Double
        let explanation: String
    }

    struct EvidenceMatch: Decodable, Sendable {
        let id: UUID
        let documentId: UUID
        let claimId: UUID
        let sku: String?
        let lineIndexes: [Int]
        let confidence: Double
        let features: [MatchFeature]
        /// `ready`, `prompted`, `confirmed`, `rejected` or `weak`.
        let status: String
        let updatedAt: Date
    }

    struct DocumentDetail: Decodable, Sendable {
        let document: EvidenceDocument
        let matches: [EvidenceMatch]
    }

    struct Prompt: Decodable, Sendable {
        let id: UUID
        let matchId: UUID
        let claimId: UUID
        let documentId: UUID
        let question: String
        /// `open`, `confirmed`, `rejected` or `expired`.
        let status: String
        let createdAt: Date
        let expiresAt: Date
        let remindedAt: Date?
        let answeredAt: Date?
        let answeredBy: String?
    }

    struct ProofPacket: Decodable, Sendable {
        struct File: Decodable, Sendable {
            let path: String
            let sha256: String
            let sizeBytes: Int
        }

        let id: UUID
        let claimId: UUID
        let caseId: String?
        let sha256: String
        let sizeBytes: Int
        let manifest: [File]
        let generatedAt: Date
    }

    func documentLimits(tenant: UUID) async throws -> DocumentLimits {
        try await get(DocumentLimits.self, from: .evidenceEngine, "/internal/documents/limits", tenant: tenant)
    }

    func documents(tenant: UUID, limit: Int) async throws -> [EvidenceDocument] {
        struct Body: Decodable { let documents: [EvidenceDocument] }
        return try await get(Body.self, from: .evidenceEngine, "/internal/documents?limit=\(limit)", tenant: tenant).documents
    }

    func document(_ id: UUID, tenant: UUID) async throws -> DocumentDetail {
        try await get(DocumentDetail.self, from: .evidenceEngine, "/internal/documents/\(id.uuidString.lowercased())", tenant: tenant)
    }

    /// The text read from each page, first page first.
    func documentPages(_ id: UUID, tenant: UUID) async throws -> [String] {
        struct Body: Decodable { let pages: [String] }
        return try await get(Body.self, from: .evidenceEngine, "/internal/documents/\(id.uuidString.lowercased())/pages", tenant: tenant).pages
    }

    func matches(claim: UUID, tenant: UUID) async throws -> [EvidenceMatch] {
        struct Body: Decodable { let matches: [EvidenceMatch] }
        return try await get(Body.self, from: .evidenceEngine, "/internal/matches?claimId=\(claim.uuidString.lowercased())", tenant: tenant).matches
    }

    /// - Parameter status: `open`, `confirmed`, `rejected`, `expired` or `all`.
    func prompts(tenant: UUID, status: String) async throws -> [Prompt] {
        struct Body: Decodable { let prompts: [Prompt] }
        return try await get(Body.self, from: .evidenceEngine, "/internal/prompts?status=\(status)", tenant: tenant).prompts
    }

    /// The packets, newest first; only the claim's with `claim`.
    func proofPackets(tenant: UUID, claim: UUID? = nil) async throws -> [ProofPacket] {
        struct Body: Decodable { let proofPackets: [ProofPacket] }
        let query = claim.map { "?claimId=\($0.uuidString.lowercased())" } ?? ""
        return try await get(Body.self, from: .evidenceEngine, "/internal/proof-packets" + query, tenant: tenant).proofPackets
    }

    // MARK: Costs

    struct CostAnomaly: Decodable, Sendable {
        let code: String
        let message: String
        let robustZ: Double?
    }

    /// One invoice line's costs for a SKU.
    struct CostObservation: Decodable, Sendable {
        let documentId: UUID
        let lineIndex: Int
        let invoiceDate: String?
        let supplier: String?
        let invoiceNumber: String?
        let currency: String?
        let quantity: Int
        let manufacturingUnitCost: Decimal
        let landedUnitCost: Decimal?
        let anomalies: [CostAnomaly]
    }

    /// A SKU's costs over time and the one in force today.
    struct SKUCosts: Decodable, Sendable {
        let sku: String
        let currency: String?
        let manufacturingUnitCost: Decimal?
        let landedUnitCost: Decimal?
        let effectiveOn: String?
        let observations: [CostObservation]
        let anomalies: Int
    }

    struct SupplierSKU: Decodable, Sendable {
        let supplier: String
        let supplierSku: String
        let sku: String
    }

    func skuCosts(tenant: UUID) async throws -> [SKUCosts] {
        struct Body: Decodable { let skus: [SKUCosts] }
        return try await get(Body.self, from: .mcde, "/internal/costs/skus", tenant: tenant).skus
    }

    func supplierSKUs(tenant: UUID) async throws -> [SupplierSKU] {
        struct Body: Decodable { let items: [SupplierSKU] }
        return try await get(Body.self, from: .mcde, "/internal/costs/supplier-skus", tenant: tenant).items
    }
}
