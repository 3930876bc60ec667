import Foundation
import OpsideClaimsAccess
import OpsideCore
import OpsideCostDocsAccess
import OpsideEvents
import OpsideInvoices

/// Makes a claim's cost document: what cost-docs renders from a document that proves the claim
/// (the invoice's lines with the claim's highlighted, the mapping, the unit cost and the
/// arithmetic of the amount claimed), stored and attached to the case beside the invoice.
public struct CostDocuments: Sendable {
    let vault: any DocumentVault

    public init(vault: any DocumentVault) { self.vault = vault }

    static func claim(_ claim: ListedClaim) -> CostDocumentContent.Claim {
        CostDocumentContent.Claim(claimId: claim.id, type: claim.type, sku: claim.sku, asin: claim.asin, fnsku: claim.fnsku, units: claim.units,
                                  amountClaimed: claim.amount, lossDate: claim.clockStartedAt, marketplaceId: claim.marketplaceId)
    }

    /// The content of the cost document for `claim` proved by `document` through `match`.
    public static func content(claim: ListedClaim, document: EvidenceDocument, costed: CostedDocument, lineIndexes: [Int],
                               decidedBy: String, confidence: Double, preparedAt: Date) -> CostDocumentContent {
        let fields = document.fields
        let matched = Set(lineIndexes)
        let lines = (fields?.lines ?? []).enumerated().map { index, line in
            CostDocumentContent.Line(description: line.description, supplierSku: line.supplierSku, quantity: line.quantity,
                                     unitPrice: "\(line.unitPrice)", lineTotal: line.lineTotal.map { "\($0)" }, matched: matched.contains(index))
        }
        let proving = costed.lines.filter { matched.contains($0.lineIndex) }
        let best = proving.max { ($0.confidence ?? 0) < ($1.confidence ?? 0) }
        var arithmetic = proving.flatMap(\.arithmetic)
        if let unit = best?.unitCost {
            arithmetic.append("Manufacturing cost per unit: \(unit.displayText) (cost to make or buy a unit; no shipping, handling or customs)")
        }
        arithmetic.append("Claimed: \(claim.units) unit\(claim.units == 1 ? "" : "s") = \(claim.amount.displayText)")
        let how = decidedBy == "confirmed" ? "the seller confirmed the match" : "matched at \(Int((confidence * 100).rounded())) % confidence"
        let mapping = (best.map { "Line \($0.lineIndex + 1) is \(claim.sku ?? claim.asin ?? "the SKU"): \($0.reason)" } ?? "No line named the SKU") + "; \(how)."
        return CostDocumentContent(
            claim: Self.claim(claim), supplier: costed.supplier ?? fields?.supplier, invoiceNumber: costed.invoiceNumber ?? fields?.number,
            invoiceDate: costed.invoiceDate, currency: costed.currency ?? fields?.currency, incoterm: fields?.incoterm.map { "\($0)" },
            fileName: document.fileName, fileSHA256: document.sha256, lines: lines, mapping: mapping, manufacturingUnitCost: best?.unitCost,
            landedUnitCost: best?.landedUnitCost, arithmetic: arithmetic, preparedAt: preparedAt)
    }

    /// Renders and stores the cost document.
    /// - Returns: the attachment a case carries.
    public func render(_ content: CostDocumentContent, tenant: UUID) async throws -> EvidenceAttachment {
        let file = try await vault.renderCostDocument(content, tenant: tenant)
        let sku = content.claim.sku ?? content.claim.asin ?? "claim"
        return EvidenceAttachment(title: "Cost document for SKU \(sku)", fileName: "cost-document-\(Self.safe(sku)).pdf", sha256: file.sha256,
                                  contentType: "application/pdf")
    }

    /// A SKU as a file name part: letters, digits, dash and underscore only.
    static func safe(_ text: String) -> String {
        String(text.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "-" }.prefix(60))
    }
}
