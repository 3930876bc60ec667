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
    /// The approval model's chance that Amazon approves the claim's case.
    public var approvalProbability: Double?
    /// The same with what moved it (single-claim view only).
    public var approval: ApprovalEstimate?

    public init(_ claim: Claim, detailed: Bool, approval: ApprovalEstimate? = nil) {
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
        explanation = detailed ? claim.readableExplanation : nil
        approvalProbability = approval.map { ($0.probability * 10_000).rounded() / 10_000 }
        self.approval = detailed ? approval : nil
    }
}

extension Claim {
    /// The explanation as a reader sees it: the rule's words, then the sentences written from the
    /// claim's own numbers (`ClaimWords`).
    public var readableExplanation: ClaimExplanation {
        var explanation = self.explanation
        explanation.summary = ClaimWords.summary(
            facts: explanation.summary, type: type, units: units, amount: amount, valuation: valuation,
            resolution: status == .resolved || units == 0 && type.isValuedPerUnit ? resolutionReason ?? "nothing is owed any more" : nil,
            clockStartedOn: clockStartedOn, opensOn: opensOn, deadline: deadline, status: status)
        return explanation
    }
}

extension DetectedClaim {
    /// The summary a reader would see for this claim stored by a run as of `asOf` under `windows`.
    public func readableSummary(windows: ClaimWindowPolicy, asOf: CivilDate) -> String {
        let window = windows.window(for: type, marketplaceId: marketplaceId)
        return ClaimWords.summary(facts: explanation.summary, type: type, units: units, amount: amount, valuation: valuation,
                                  resolution: resolution, clockStartedOn: clockStartedOn, opensOn: window.opens(clockStarted: clockStartedOn),
                                  deadline: window.deadline(clockStarted: clockStartedOn),
                                  status: resolution == nil ? window.status(clockStarted: clockStartedOn, asOf: asOf) : .resolved)
    }
}

/// The sentences of a claim's summary that restate its numbers, written when the claim is read
/// rather than stored with it: what is owed at what value (for claims counted in units), the
/// window's days, and where the claim stands in it. Stored, they made every claim a third longer,
/// and the last one changed every day.
public enum ClaimWords {
    public static func summary(facts: String, type: ClaimType, units: Int, amount: Money, valuation: ClaimValuation, resolution: String?,
                               clockStartedOn: CivilDate, opensOn: CivilDate, deadline: CivilDate, status: ClaimStatus) -> String {
        var words = facts
        if type.isValuedPerUnit {
            if let resolution {
                words += " Nothing is owed: \(resolution)."
            } else {
                let each = valuation.unitValue ?? .zero(amount.currency)
                words += " \(units) unit\(units == 1 ? "" : "s") remain\(units == 1 ? "s" : "") owed after netting, at \(each) each "
                    + "(\(valuation.source))\(valuation.isEstimate ? ", an estimate" : ""): \(amount) in all."
            }
        }
        let opensAfter = opensOn.daysSince1970 - clockStartedOn.daysSince1970
        let closesAfter = deadline.daysSince1970 - clockStartedOn.daysSince1970
        words += " The clock started on \(clockStartedOn); Amazon accepts this claim from \(opensOn) (\(opensAfter) days after) "
            + "until \(deadline) (\(closesAfter) days after)."
        switch status {
        case .tooEarly: words += " The window is not yet open."
        case .claimable: words += " The window is open."
        case .expired: words += " The window is closed: this claim can no longer be filed."
        case .resolved, .dismissed: break
        }
        return words
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
