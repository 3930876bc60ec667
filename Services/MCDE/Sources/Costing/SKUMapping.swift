import Foundation

/// Which invoice line maps to which catalog SKU, how sure, and why.
public struct SKUMapping: Codable, Sendable, Equatable {
    public enum Method: String, Codable, Sendable, CaseIterable {
        /// The line names the SKU, ASIN or FNSKU itself.
        case exact
        /// The seller's supplier-SKU table.
        case supplierTable
        /// A mapping the seller confirmed before for this supplier.
        case confirmed
        /// Title similarity.
        case fuzzyTitle
        case unmapped
    }

    /// The SKU (for an ambiguous fuzzy match, the first of the tied candidates); nil when unmapped.
    public var sku: String?
    /// 0…1.
    public var confidence: Double
    /// In words: "SKU on the line", "supplier table: Shenzhen Huaxin HX-WB500-BK", "shared words …".
    public var reason: String
    public var method: Method
    /// Two or more catalog items matched equally well.
    public var isAmbiguous: Bool
    /// The other candidates with their similarity, best first (fuzzy matches only).
    public var alternatives: [Candidate]
    /// Below the mapper's acceptance threshold or ambiguous: a person confirms it first.
    public var needsReview: Bool

    public struct Candidate: Codable, Sendable, Equatable {
        public var sku: String
        public var similarity: Double
    }

    public init(sku: String?, confidence: Double, reason: String, method: Method, isAmbiguous: Bool = false,
                alternatives: [Candidate] = [], needsReview: Bool = false) {
        self.sku = sku
        self.confidence = confidence
        self.reason = reason
        self.method = method
        self.isAmbiguous = isAmbiguous
        self.alternatives = alternatives
        self.needsReview = needsReview
    }

    /// The SKU when it can be used without a person: mapped, not ambiguous, not for review.
    public var acceptedSKU: String? { needsReview ? nil : sku }
}
