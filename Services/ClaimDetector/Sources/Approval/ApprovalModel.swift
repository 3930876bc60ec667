import Foundation
import OpsideCore

/// What the approval model reads of a claim: the facts its explanation names.
public struct ApprovalFacts: Sendable, Equatable {
    public var type: ClaimType
    public var marketplaceId: String
    /// Days from the claim's clock start to its filing (to today, or its opening day, while unfiled).
    public var ageAtFilingDays: Int
    public var amount: Money
    /// Whether the case has the documents its type needs (always, for types that need none).
    public var evidencePresent: Bool
    /// The seller's cases Amazon decided before this one, and how many of them it approved.
    public var sellerApproved: Int
    public var sellerDecided: Int

    public init(type: ClaimType, marketplaceId: String, ageAtFilingDays: Int, amount: Money, evidencePresent: Bool, sellerApproved: Int,
                sellerDecided: Int) {
        self.type = type
        self.marketplaceId = marketplaceId
        self.ageAtFilingDays = ageAtFilingDays
        self.amount = amount
        self.evidencePresent = evidencePresent
        self.sellerApproved = sellerApproved
        self.sellerDecided = sellerDecided
    }
}

/// A claim's chance of approval as the model puts it, with what moved it: each factor's effect
/// is its share of the log-odds, so a seller sees why (and that attaching documents would help).
public struct ApprovalEstimate: Codable, Sendable, Equatable {
    public struct Factor: Codable, Sendable, Equatable {
        /// `type`, `marketplace`, `ageAtFilingDays`, `amount`, `evidencePresent` or `sellerHistory`.
        public var feature: String
        /// The claim's value of it, in words.
        public var value: String
        /// Its contribution to the log-odds of approval, beside the prior's baseline.
        public var effect: Double
    }

    public var probability: Double
    /// When the model was trained; nil while it is the prior alone.
    public var modelTrainedAt: Date?
    /// How many decided cases the model learned from.
    public var modelExamples: Int
    public var factors: [Factor]
}

/// The approval model: logistic regression over the facts of `ApprovalFacts`, trained daily on
/// every tenant's decided cases, starting from a prior (`priorProbability` for every claim) that
/// each outcome moves away from. Stored whole as JSON in `claims.approval_models`.
public struct ApprovalModel: Codable, Sendable, Equatable {
    public var modelId: UUID?
    public var trainedAt: Date?
    public var examples: Int
    public var approvedExamples: Int
    public var priorProbability: Double
    /// Feature names, in the order of `weights`: `intercept`, `type=…`, `marketplace=…`,
    /// `ageAtFilingDays`, `amount`, `evidencePresent`, `sellerHistory`.
    public var features: [String]
    public var weights: [Double]
    /// Measured on the newest fifth of the decided cases by a model trained on the rest (or on
    /// all of them, in-sample, while there are too few to hold any back; `calibrationMethod` says which).
    public var calibration: Calibration?
    public var calibrationMethod: String

    /// How many decided cases the prior weighs as, per weight (λ of `LogisticRegression.fit`).
    static let priorPrecision = 1.0
    /// How many decided cases the seller-history rate's own prior weighs as.
    static let sellerHistoryPriorCases = 4.0
    /// Below this many decided cases, calibration is measured in-sample rather than on a holdout.
    static let minimumForHoldout = 40

    /// The model before any outcome: every claim at `priorProbability`.
    public static func prior(probability: Double) -> ApprovalModel {
        let features = featureNames(marketplaces: [])
        return ApprovalModel(modelId: nil, trainedAt: nil, examples: 0, approvedExamples: 0, priorProbability: probability, features: features,
                             weights: priorWeights(features, probability: probability), calibration: nil, calibrationMethod: "none: no decided case yet")
    }

    static func featureNames(marketplaces: [String]) -> [String] {
        ["intercept"] + ClaimType.allCases.map { "type=\($0.rawValue)" } + marketplaces.sorted().map { "marketplace=\($0)" }
            + ["ageAtFilingDays", "amount", "evidencePresent", "sellerHistory"]
    }

    static func priorWeights(_ features: [String], probability: Double) -> [Double] {
        features.map { $0 == "intercept" ? LogisticRegression.logit(probability) : 0 }
    }

    /// The features' values for `facts`, by name. Ages are in hundreds of days and amounts in
    /// log10 of the major unit, so every weight works on numbers near one.
    static func values(_ facts: ApprovalFacts, priorProbability: Double) -> [String: Double] {
        let major = Double(facts.amount.amountMinor) / Double(facts.amount.currency.minorUnitsPerMajor)
        let sellerRate = (Double(facts.sellerApproved) + sellerHistoryPriorCases * priorProbability)
            / (Double(facts.sellerDecided) + sellerHistoryPriorCases)
        return [
            "intercept": 1, "type=\(facts.type.rawValue)": 1, "marketplace=\(facts.marketplaceId)": 1,
            "ageAtFilingDays": Double(max(0, facts.ageAtFilingDays)) / 100, "amount": log10(1 + max(0, major)),
            "evidencePresent": facts.evidencePresent ? 1 : 0, "sellerHistory": sellerRate - priorProbability,
        ]
    }

    func vector(_ facts: ApprovalFacts) -> [Double] {
        let values = Self.values(facts, priorProbability: priorProbability)
        return features.map { values[$0] ?? 0 }
    }

    public func probability(_ facts: ApprovalFacts) -> Double {
        LogisticRegression.probability(weights: weights, features: vector(facts))
    }

    public func estimate(_ facts: ApprovalFacts) -> ApprovalEstimate {
        let x = vector(facts)
        func effect(_ name: String) -> Double {
            guard let index = features.firstIndex(of: name) else { return 0 }
            return weights[index] * x[index]
        }
        let factors = [
            ApprovalEstimate.Factor(feature: "type", value: facts.type.rawValue, effect: effect("type=\(facts.type.rawValue)")),
            .init(feature: "marketplace", value: facts.marketplaceId, effect: effect("marketplace=\(facts.marketplaceId)")),
            .init(feature: "ageAtFilingDays", value: "\(facts.ageAtFilingDays) days", effect: effect("ageAtFilingDays")),
            .init(feature: "amount", value: facts.amount.description, effect: effect("amount")),
            .init(feature: "evidencePresent", value: facts.evidencePresent ? "yes" : "no", effect: effect("evidencePresent")),
            .init(feature: "sellerHistory", value: "\(facts.sellerApproved) of \(facts.sellerDecided) earlier cases approved",
                  effect: effect("sellerHistory")),
        ]
        return ApprovalEstimate(probability: LogisticRegression.probability(weights: weights, features: x), modelTrainedAt: trainedAt,
                                modelExamples: examples, factors: factors)
    }

    /// One decided case to learn from.
    public struct Outcome: Sendable, Equatable {
        public var tenant: UUID
        public var facts: ApprovalFacts
        public var approved: Bool
        public var decidedAt: Date

        public init(tenant: UUID, facts: ApprovalFacts, approved: Bool, decidedAt: Date) {
            self.tenant = tenant
            self.facts = facts
            self.approved = approved
            self.decidedAt = decidedAt
        }
    }

    /// Trains a model on `outcomes`, whose seller-history counts are ignored and recounted here
    /// from the outcomes themselves: each case sees only its seller's cases decided before it, as
    /// the model will at prediction time.
    public static func train(_ outcomes: [Outcome], priorProbability: Double, at now: Date) -> ApprovalModel {
        let ordered = withSellerHistory(outcomes.sorted { ($0.decidedAt, $0.tenant.uuidString) < ($1.decidedAt, $1.tenant.uuidString) })
        var model = fit(ordered, priorProbability: priorProbability)
        model.modelId = UUID()
        model.trainedAt = now
        let prior = Self.prior(probability: priorProbability)
        if ordered.count >= minimumForHoldout {
            let split = ordered.count - ordered.count / 5
            let older = Array(ordered[..<split]), newest = Array(ordered[split...])
            let heldOut = fit(older, priorProbability: priorProbability)
            let baseRate = Double(older.filter(\.approved).count) / Double(older.count)
            model.calibration = calibration(of: heldOut, prior: prior, baseRate: baseRate, on: newest)
            model.calibrationMethod = "holdout: trained on the \(older.count) oldest decided cases, measured on the \(newest.count) newest"
        } else if !ordered.isEmpty {
            let baseRate = Double(ordered.filter(\.approved).count) / Double(ordered.count)
            model.calibration = calibration(of: model, prior: prior, baseRate: baseRate, on: ordered)
            model.calibrationMethod = "in-sample: fewer than \(minimumForHoldout) decided cases to hold any back"
        }
        return model
    }

    public static func withSellerHistory(_ ordered: [Outcome]) -> [Outcome] {
        var seen: [UUID: (approved: Int, decided: Int)] = [:]
        return ordered.map { outcome in
            var outcome = outcome
            let before = seen[outcome.tenant] ?? (0, 0)
            outcome.facts.sellerApproved = before.approved
            outcome.facts.sellerDecided = before.decided
            seen[outcome.tenant] = (before.approved + (outcome.approved ? 1 : 0), before.decided + 1)
            return outcome
        }
    }

    static func fit(_ outcomes: [Outcome], priorProbability: Double) -> ApprovalModel {
        let features = featureNames(marketplaces: Array(Set(outcomes.map(\.facts.marketplaceId))))
        let prior = priorWeights(features, probability: priorProbability)
        var model = ApprovalModel(modelId: nil, trainedAt: nil, examples: outcomes.count, approvedExamples: outcomes.filter(\.approved).count,
                                  priorProbability: priorProbability, features: features, weights: prior, calibration: nil,
                                  calibrationMethod: "none: no decided case yet")
        let examples = outcomes.map { LogisticRegression.Example(features: model.vector($0.facts), approved: $0.approved) }
        model.weights = LogisticRegression.fit(examples, prior: prior, precision: priorPrecision)
        return model
    }

    static func calibration(of model: ApprovalModel, prior: ApprovalModel, baseRate: Double, on outcomes: [Outcome]) -> Calibration {
        let pairs = outcomes.map { (predicted: model.probability($0.facts), approved: $0.approved) }
        return Calibration(
            cases: outcomes.count, brierScore: Calibration.brier(pairs),
            baseRateBrierScore: Calibration.brier(outcomes.map { (baseRate, $0.approved) }),
            priorBrierScore: Calibration.brier(outcomes.map { (prior.probability($0.facts), $0.approved) }),
            reliability: Calibration.reliability(pairs))
    }
}
