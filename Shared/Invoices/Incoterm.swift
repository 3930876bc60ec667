/// The delivery term on the document (Incoterms 2010/2020 rule plus its named place): tells
/// whether freight and duty are already inside the unit price (DDP, CIF…) or billed apart.
public struct Incoterm: Codable, Sendable, Equatable {
    public enum Rule: String, Codable, Sendable, CaseIterable {
        case EXW, FCA, FAS, FOB, CFR, CIF, CPT, CIP, DAP, DPU, DDP
        /// Incoterms 2010 rules still printed on many documents.
        case DAT, DDU

        /// Whether the seller's price already pays the main carriage to the destination country.
        public var includesMainCarriage: Bool {
            switch self {
            case .EXW, .FCA, .FAS, .FOB: false
            case .CFR, .CIF, .CPT, .CIP, .DAP, .DPU, .DDP, .DAT, .DDU: true
            }
        }

        /// Whether the price includes import duty (only DDP).
        public var includesImportDuty: Bool { self == .DDP }
    }

    public var rule: Rule
    /// The named place as printed ("Shenzhen", "Los Angeles, CA"), when the document names one.
    public var place: String?

    public init(rule: Rule, place: String? = nil) {
        self.rule = rule
        self.place = place
    }
}
