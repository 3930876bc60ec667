import Foundation
import OpsideCore

/// A claim as claim-detector keeps it: what the rules found, its window, and what became of it.
public struct Claim: Sendable, Equatable {
    public var id: UUID
    public var tenantId: UUID
    public var connectionId: UUID
    public var marketplaceId: String
    /// The rules' identity of the claim within its connection (`DetectedClaim.key`).
    public var key: String
    public var type: ClaimType
    public var status: ClaimStatus
    public var fnsku: String?
    public var sku: String?
    public var asin: String?
    public var units: Int
    public var amount: Money
    public var valuation: ClaimValuation
    public var clockStartedOn: CivilDate
    public var opensOn: CivilDate
    public var deadline: CivilDate
    /// Source ids by kind (`ClaimSourceKind` raw values).
    public var sourceIds: [String: String]
    public var explanation: ClaimExplanation
    public var resolutionReason: String?
    public var dismissedReason: String?
    public var dismissedAt: Date?
    public var dismissedBy: String?
    public var firstDetectedAt: Date
    public var lastDetectedAt: Date
    public var resolvedAt: Date?
    public var reopenedAt: Date?
    public var runId: UUID
}

/// A claim in the API's and the CLI's JSON. The list leaves out `valuation` and `explanation`
/// (the single-claim view has them); every other key is a column of the CSV, in `ClaimCSV.columns`.
public struct ClaimView: Codable, Sendable, Equatable {
    public var id: UUID
    public var type: ClaimType
    public var status: ClaimStatus
    public var connectionId: UUID
    public var marketplaceId: String
    public var fnsku: String?
    public var sku: String?
    public var asin: String?
    public var units: Int
    public var amount: Money
    /// The marketplace-local day the claim's clock started (an ISO day).
    public var clockStartedAt: CivilDate
    public var opensOn: CivilDate
    /// The last day the claim can be filed.
    public var deadline: CivilDate
    @SortedKeys public var sourceIds: [String: String]
    public var resolutionReason: String?
    public var dismissedReason: String?
    public var dismissedAt: Date?
    public var firstDetectedAt: Date
    public var lastDetectedAt: Date
    public var valuation: ClaimValuation?
    public var explanation: ClaimExplanation?

    public init(_ claim: Claim, detailed: Bool) {
        id = claim.id
        type = claim.type
        status = claim.status
        connectionId = claim.connectionId
        marketplaceId = claim.marketplaceId
        fnsku = claim.fnsku
        sku = claim.sku
        asin = claim.asin
        units = claim.units
        amount = claim.amount
        clockStartedAt = claim.clockStartedOn
        opensOn = claim.opensOn
        deadline = claim.deadline
        sourceIds = claim.sourceIds
        resolutionReason = claim.resolutionReason
        dismissedReason = claim.dismissedReason
        dismissedAt = claim.dismissedAt
        firstDetectedAt = claim.firstDetectedAt
        lastDetectedAt = claim.lastDetectedAt
        valuation = detailed ? claim.valuation : nil
        explanation = detailed ? claim.explanation : nil
    }
}

/// A string map written with its keys in order, so the same claim is the same JSON (and CSV)
/// byte for byte in every process (a dictionary's own order changes from one run to the next).
@propertyWrapper
public struct SortedKeys: Codable, Sendable, Equatable {
    public var wrappedValue: [String: String]

    public init(wrappedValue: [String: String]) { self.wrappedValue = wrappedValue }

    struct Key: CodingKey {
        let stringValue: String
        init(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        wrappedValue = try decoder.singleValueContainer().decode([String: String].self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        for key in wrappedValue.keys.sorted() { try container.encode(wrappedValue[key], forKey: Key(stringValue: key)) }
    }
}
