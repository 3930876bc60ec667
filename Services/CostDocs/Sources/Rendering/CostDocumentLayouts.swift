import Foundation
import OpsideCore
import OpsideCostDocsAccess
import OpsideRender

/// How cost-docs lays out the documents it renders. Everything on the page comes from the content
/// (no clock, no random id), so the same content renders to the same bytes.
public enum CostDocumentLayouts {
    static func day(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        return formatter.string(from: date)
    }

    static func claimFacts(_ claim: CostDocumentContent.Claim) -> [KeyValuePair] {
        var facts = [KeyValuePair("Claim", RichText(claim.claimId.uuidString.lowercased())),
                     KeyValuePair("Type", RichText(claim.type.replacingOccurrences(of: "_", with: " ")))]
        if let sku = claim.sku { facts.append(KeyValuePair("SKU", .bold(sku))) }
        if let asin = claim.asin { facts.append(KeyValuePair("ASIN", RichText(asin))) }
        if let fnsku = claim.fnsku { facts.append(KeyValuePair("FNSKU", RichText(fnsku))) }
        facts += [KeyValuePair("Units", RichText(String(claim.units))),
                  KeyValuePair("Amount claimed", .bold(claim.amountClaimed.displayText)),
                  KeyValuePair("Loss date", RichText(claim.lossDate.description)),
                  KeyValuePair("Marketplace", RichText(claim.marketplaceId))]
        return facts
    }

    /// A claim's cost document: the claim, the invoice with the SKU's lines highlighted, the
    /// mapping, the unit cost and the arithmetic.
    public static func costDocument(_ content: CostDocumentContent) -> RenderDocument {
        let sku = content.claim.sku ?? content.claim.asin ?? "the product"
        var document = RenderDocument(
            metadata: DocumentMetadata(title: "Cost documentation for SKU \(sku)", author: "Opside",
                                       subject: "Manufacturing cost of claim \(content.claim.claimId.uuidString.lowercased())",
                                       date: content.preparedAt),
            footer: PageFooter(text: "Cost documentation for SKU \(sku)"), blocks: [])
        document.append(.heading("Cost documentation: SKU \(sku)", level: 1))
        document.append(.paragraph(RichText("Amazon reimburses units lost or damaged before a customer order at the seller's manufacturing cost: "
                                            + "the cost to make or buy the unit, without shipping, handling or customs. This document shows that cost "
                                            + "from the supplier's invoice.")))
        document.append(.heading("The claim", level: 2))
        document.append(.keyValues(claimFacts(content.claim)))
        document.append(.heading("The invoice", level: 2))
        var invoice: [KeyValuePair] = []
        if let supplier = content.supplier { invoice.append(KeyValuePair("Supplier", .bold(supplier))) }
        if let number = content.invoiceNumber { invoice.append(KeyValuePair("Invoice number", RichText(number))) }
        if let date = content.invoiceDate { invoice.append(KeyValuePair("Invoice date", RichText(date.description))) }
        if let currency = content.currency { invoice.append(KeyValuePair("Currency", RichText(currency))) }
        if let incoterm = content.incoterm { invoice.append(KeyValuePair("Incoterm", RichText(incoterm))) }
        invoice.append(KeyValuePair("File", RichText(content.fileName)))
        invoice.append(KeyValuePair("SHA-256", RichText(content.fileSHA256)))
        document.append(.keyValues(invoice))
        if !content.lines.isEmpty {
            let columns = [TableColumn("#", width: .points(24), alignment: .right), TableColumn("Description", width: .relative(3)),
                           TableColumn("Supplier SKU", width: .relative(1.3)), TableColumn("Qty", width: .points(44), alignment: .right),
                           TableColumn("Unit price", width: .relative(1), alignment: .right), TableColumn("Amount", width: .relative(1), alignment: .right)]
            let rows = content.lines.enumerated().map { index, line in
                TableRow(strings: [String(index + 1), line.description, line.supplierSku ?? "", line.quantity.map(String.init) ?? "",
                                   line.unitPrice, line.lineTotal ?? ""], highlighted: line.matched, bold: line.matched)
            }
            document.append(.table(RenderTable(columns: columns, rows: rows)))
            document.append(.paragraph(.italic("Highlighted: the lines for SKU \(sku).")))
        }
        document.append(.heading("SKU mapping", level: 2))
        document.append(.paragraph(RichText(content.mapping)))
        document.append(.heading("Unit cost", level: 2))
        var costs: [KeyValuePair] = []
        if let cost = content.manufacturingUnitCost { costs.append(KeyValuePair("Manufacturing cost per unit", .bold(cost.displayText))) }
        if let landed = content.landedUnitCost { costs.append(KeyValuePair("Landed cost per unit", RichText(landed.displayText))) }
        if costs.isEmpty { costs.append(KeyValuePair("Manufacturing cost per unit", RichText("not on the invoice"))) }
        document.append(.keyValues(costs))
        if !content.arithmetic.isEmpty {
            document.append(.heading("Arithmetic", level: 2))
            document.append(.monospace(content.arithmetic.joined(separator: "\n")))
        }
        document.append(.rule)
        document.append(.paragraph(.italic("Prepared \(day(content.preparedAt)) by Opside from the seller's documents.")))
        return document
    }

    /// A proof packet's summary: the claim and its arithmetic, the case, the reimbursement, the
    /// files in the packet with their hashes.
    public static func proofSummary(_ content: ProofSummaryContent) -> RenderDocument {
        let sku = content.claim.sku ?? content.claim.asin ?? "the product"
        var document = RenderDocument(
            metadata: DocumentMetadata(title: "Proof packet: claim \(content.claim.claimId.uuidString.lowercased())", author: "Opside",
                                       subject: "Reimbursement \(content.reimbursementId)", date: content.generatedAt),
            footer: PageFooter(text: "Proof packet for SKU \(sku)"), blocks: [])
        document.append(.heading("Proof packet: SKU \(sku)", level: 1))
        document.append(.heading("The claim", level: 2))
        document.append(.keyValues(claimFacts(content.claim)))
        document.append(.heading("Arithmetic", level: 2))
        document.append(.monospace(content.arithmetic.joined(separator: "\n")))
        document.append(.heading("The case", level: 2))
        var facts: [KeyValuePair] = []
        if let caseId = content.caseId { facts.append(KeyValuePair("Opside case", RichText(caseId))) }
        if let amazon = content.amazonCaseId { facts.append(KeyValuePair("Amazon case", .bold(amazon))) }
        if let status = content.caseStatus { facts.append(KeyValuePair("Status", RichText(status.replacingOccurrences(of: "_", with: " ")))) }
        if let filed = content.filedAt { facts.append(KeyValuePair("Filed", RichText(day(filed)))) }
        document.append(.keyValues(facts))
        document.append(.heading("The reimbursement", level: 2))
        var paid = [KeyValuePair("Reimbursement", RichText(content.reimbursementId)), KeyValuePair("Amount paid", .bold(content.amountPaid.displayText))]
        if let on = content.paidOn { paid.append(KeyValuePair("Paid on", RichText(day(on)))) }
        document.append(.keyValues(paid))
        document.append(.heading("Files in this packet", level: 2))
        let columns = [TableColumn("File", width: .relative(2)), TableColumn("Bytes", width: .points(60), alignment: .right),
                       TableColumn("SHA-256", width: .relative(3))]
        document.append(.table(RenderTable(columns: columns, rows: content.files.map {
            TableRow(strings: [$0.path, String($0.sizeBytes), $0.sha256])
        }, fontSize: 7)))
        document.append(.paragraph(RichText("manifest.sha256 lists every file with its SHA-256; `sha256sum -c manifest.sha256` checks them after unzipping.")))
        return document
    }
}
