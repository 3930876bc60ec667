import Foundation
import OpsideClaimsAccess
import OpsideCore
import OpsideEvents

/// One named reason a document proves (or does not prove) a claim: its score, its weight in the
/// confidence and what it adds, so the seller sees why a match is strong or weak.
public struct MatchFeature: Codable, Sendable, Equatable {
    /// `skuOnLine`, `titleSimilarity`, `datedBeforeLoss`, `quantityCovers`, `supplierConsistent`, `currencyOfMarketplace`.
    public var name: String
    /// 0...1: how well the document does on this feature.
    public var score: Double
    public var weight: Double
    /// `score × weight`: the feature's share of the confidence.
    public var contribution: Double
    public var explanation: String
}

/// A document read against one claim: the confidence and its features.
public struct EvidenceMatch: Sendable, Equatable {
    public var claimId: UUID
    public var sku: String?
    /// The invoice lines that speak for the claim's SKU.
    public var lineIndexes: [Int]
    public var confidence: Double
    public var features: [MatchFeature]
    /// Why the confidence is held below its features' sum, when it is (no line names the SKU, the
    /// invoice is dated after the loss).
    public var cap: String?
}

/// What the matcher needs of a costed document: its invoice and its lines as mcde mapped them.
public struct CostedDocument: Sendable, Equatable {
    public var documentId: UUID
    public var supplier: String?
    public var invoiceNumber: String?
    public var invoiceDate: CivilDate?
    public var currency: String?
    public var lines: [MappedInvoiceLine]

    public init(documentId: UUID, supplier: String?, invoiceNumber: String?, invoiceDate: CivilDate?, currency: String?,
                lines: [MappedInvoiceLine]) {
        self.documentId = documentId
        self.supplier = supplier
        self.invoiceNumber = invoiceNumber
        self.invoiceDate = invoiceDate
        self.currency = currency
        self.lines = lines
    }

    public init(_ event: CostsUpdated) {
        self.init(documentId: event.documentId, supplier: event.supplier, invoiceNumber: event.invoiceNumber, invoiceDate: event.invoiceDate,
                  currency: event.currency, lines: event.lines)
    }
}

/// Scores documents against claims with named features (issue 14): the SKU or ASIN on a line
/// (or the line's title like the SKU's), the invoice dated before the loss, quantities that cover
/// the claim, a supplier the SKU was bought from before, the marketplace's currency.
///
/// The confidence is the weighted sum of the features' scores, so each feature's contribution is
/// visible and they add up to what decides: at or above `autoSubmitThreshold` the claim is ready,
/// between the thresholds the seller is asked, below it the claim still asks for documents.
/// Two caps keep a document that cannot prove the claim out of the automatic band whatever the
/// rest says: no line for the claim's SKU at all, and an invoice dated after the loss (the seller
/// did not own those units yet).
public struct EvidenceMatcher: Sendable {
    /// The weights of the features, adding up to 1. The product's identity weighs most: an
    /// invoice for other goods proves nothing however well dated.
    public static let weights: [String: Double] = [
        "identity": 0.45, "datedBeforeLoss": 0.20, "quantityCovers": 0.15, "supplierConsistent": 0.10, "currencyOfMarketplace": 0.10,
    ]
    /// The most a match can reach with no line for the claim's SKU.
    public static let capWithoutLine = 0.3
    /// The most a match can reach when the invoice is dated after the loss.
    public static let capDatedAfterLoss = 0.45

    /// Claim types an invoice proves: ownership and cost of units Amazon lost before a customer
    /// bought them, shipments short, removals lost, and payments under the unit's cost
    /// (`fba-reimbursement.md` §4, §5). Refunds and fees are proved by Amazon's own records.
    public static let provableTypes: Set<String> = [
        "warehouse_lost", "warehouse_damaged", "disposed_unrequested", "inbound_shortage", "removal_lost", "underpaid_reimbursement",
    ]

    public init() {}

    /// Whether a claim is one documents can still help: open, of a provable type, with a SKU or ASIN.
    public static func isProvable(_ claim: ListedClaim) -> Bool {
        ["too_early", "claimable"].contains(claim.status) && provableTypes.contains(claim.type) && (claim.sku != nil || claim.asin != nil)
    }

    /// Scores `document` against `claim`.
    /// - Parameter suppliersBySKU: the suppliers each SKU was proved with before (folded names).
    public func match(_ document: CostedDocument, against claim: ListedClaim, suppliersBySKU: [String: Set<String>] = [:]) -> EvidenceMatch {
        let lines = document.lines.filter { line in
            (claim.sku != nil && line.sku == claim.sku) || (claim.asin != nil && line.asin == claim.asin)
        }
        var features: [MatchFeature] = []
        func add(_ name: String, weightKey: String? = nil, _ score: Double, _ explanation: String) {
            let weight = Self.weights[weightKey ?? name] ?? 0
            let clamped = min(1, max(0, score))
            features.append(MatchFeature(name: name, score: clamped, weight: weight, contribution: clamped * weight, explanation: explanation))
        }
        let label = claim.sku ?? claim.asin ?? "the claim's product"

        // Identity: the strongest mapping among the lines for the SKU.
        let best = lines.max { ($0.confidence ?? 0) < ($1.confidence ?? 0) }
        if let best, let confidence = best.confidence {
            if best.method == "fuzzyTitle" {
                add("titleSimilarity", weightKey: "identity", confidence, "line \(best.lineIndex + 1)'s description is like \(label)'s title: \(best.reason)")
            } else {
                add("skuOnLine", weightKey: "identity", confidence, "line \(best.lineIndex + 1) is \(label): \(best.reason)")
            }
        } else {
            add("skuOnLine", weightKey: "identity", 0, "no line of the document is \(label)")
        }

        // Dated before the loss: the seller owned the units when Amazon lost them.
        var datedAfterLoss = false
        if let date = document.invoiceDate {
            if date <= claim.clockStartedAt {
                add("datedBeforeLoss", 1, "the invoice is dated \(date), before the loss on \(claim.clockStartedAt)")
            } else {
                datedAfterLoss = true
                add("datedBeforeLoss", 0, "the invoice is dated \(date), after the loss on \(claim.clockStartedAt)")
            }
        } else {
            add("datedBeforeLoss", 0.5, "the invoice's date could not be read")
        }

        // Quantity: the lines cover the units claimed.
        let units = lines.reduce(0) { $0 + max(0, $1.quantity) }
        if claim.units <= 0 {
            add("quantityCovers", 0.5, "the claim names no units")
        } else if lines.isEmpty {
            add("quantityCovers", 0, "no units of \(label) on the document")
        } else if units >= claim.units {
            add("quantityCovers", 1, "\(units) units bought cover the \(claim.units) claimed")
        } else {
            add("quantityCovers", Double(units) / Double(claim.units), "\(units) units bought of the \(claim.units) claimed")
        }

        // Supplier: the SKU came from this supplier before (neutral when there is no history).
        let supplierKey = document.supplier.map(SupplierName.key)
        let known = claim.sku.flatMap { suppliersBySKU[$0] } ?? []
        if let supplierKey, !known.isEmpty {
            if known.contains(supplierKey) {
                add("supplierConsistent", 1, "\(label) was bought from \(document.supplier ?? "") before")
            } else {
                add("supplierConsistent", 0.2, "\(label) was bought from other suppliers before, never from \(document.supplier ?? "")")
            }
        } else {
            add("supplierConsistent", 0.5, supplierKey == nil ? "the supplier could not be read" : "no earlier supplier of \(label) to compare with")
        }

        // Currency: suppliers often invoice in another currency than the marketplace's, so a
        // difference weakens the match without breaking it.
        if let currency = document.currency {
            if currency == claim.amount.currency.code {
                add("currencyOfMarketplace", 1, "the invoice is in \(currency), the marketplace's currency")
            } else {
                add("currencyOfMarketplace", 0.5, "the invoice is in \(currency); the marketplace pays in \(claim.amount.currency.code)")
            }
        } else {
            add("currencyOfMarketplace", 0.5, "the invoice's currency could not be read")
        }

        var confidence = features.reduce(0) { $0 + $1.contribution }
        var cap: String?
        if lines.isEmpty, confidence > Self.capWithoutLine {
            confidence = Self.capWithoutLine
            cap = "no line of the document is \(label)"
        } else if datedAfterLoss, confidence > Self.capDatedAfterLoss {
            confidence = Self.capDatedAfterLoss
            cap = "an invoice dated after the loss does not prove the seller owned the units"
        }
        // Rounded so a stored confidence reads back equal and the thresholds compare exactly.
        confidence = (confidence * 10_000).rounded() / 10_000
        return EvidenceMatch(claimId: claim.id, sku: claim.sku ?? best?.sku, lineIndexes: lines.map(\.lineIndex).sorted(),
                             confidence: confidence, features: features, cap: cap)
    }
}

/// The open claims a document can prove, by SKU and by ASIN: a document is scored only against
/// the claims of the products on its lines. A claim of another product gets no identity score
/// and is capped below the prompt band anyway, so leaving it out changes no decision, and
/// matching costs the lines' claims rather than every claim of the seller.
public struct ProvableClaims: Sendable {
    let bySKU: [String: [ListedClaim]]
    let byASIN: [String: [ListedClaim]]
    public let count: Int

    public init(_ claims: [ListedClaim]) {
        let provable = claims.filter(EvidenceMatcher.isProvable)
        bySKU = Dictionary(grouping: provable.filter { $0.sku != nil }, by: { $0.sku! })
        byASIN = Dictionary(grouping: provable.filter { $0.asin != nil }, by: { $0.asin! })
        count = provable.count
    }

    /// The claims of the products `document`'s lines name, each once, in a stable order.
    public func candidates(for document: CostedDocument) -> [ListedClaim] {
        var seen: Set<UUID> = []
        var found: [ListedClaim] = []
        for line in document.lines {
            for claim in (line.sku.flatMap { bySKU[$0] } ?? []) + (line.asin.flatMap { byASIN[$0] } ?? []) where seen.insert(claim.id).inserted {
                found.append(claim)
            }
        }
        return found
    }
}

/// Supplier names folded for comparison: case, punctuation and the company suffixes invoices
/// spell in many ways ("Co., Ltd." and "CO LTD").
public enum SupplierName {
    static let suffixes: Set<String> = ["co", "ltd", "limited", "llc", "inc", "corp", "corporation", "company", "gmbh", "sa", "srl", "bv",
                                        "plc", "pty", "kg", "ag", "oy", "ab", "as", "spa", "sarl"]

    public static func key(_ name: String) -> String {
        let words = name.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init)
        let kept = words.filter { !suffixes.contains($0) }
        return (kept.isEmpty ? words : kept).joined(separator: " ")
    }
}
