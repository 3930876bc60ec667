import ClaimDetector
import Foundation
import OpsideCore
import Testing

/// The approval model on its own: the prior before any outcome, a fit that recovers the effects
/// that generated synthetic outcomes, calibration measured on cases it did not learn from, and a
/// seller history that never sees the case it describes.
@Suite struct ApprovalModelTests {
    static let start = Date(timeIntervalSince1970: 1_767_225_600) // 2026-01-01

    static func facts(_ type: ClaimType = .warehouseLost, marketplace: String = "ATVPDKIKX0DER", age: Int = 30, amountMinor: Int64 = 2500,
                      evidence: Bool = true) -> ApprovalFacts {
        ApprovalFacts(type: type, marketplaceId: marketplace, ageAtFilingDays: age, amount: Money(amountMinor: amountMinor, currency: .usd),
                      evidencePresent: evidence, sellerApproved: 0, sellerDecided: 0)
    }


    /// Outcomes drawn from a known model: documents raise the log-odds by 1.2, every 100 days
    /// of age lower them by 0.9, inbound shortages start 0.8 lower, and each seller has its own
    /// standing (±0.8) that only its history can reveal.
    static func synthetic(count: Int, seed: UInt64 = 7) -> [ApprovalModel.Outcome] {
        var draws = SplitMix64(seed: seed)
        let tenants = (0..<40).map { _ in UUID() }
        let standing = tenants.map { _ in (draws.unit() - 0.5) * 1.6 }
        let types: [ClaimType] = [.warehouseLost, .warehouseDamaged, .inboundShortage, .refundWithoutReturn]
        return (0..<count).map { index in
            let seller = Int(draws.unit() * Double(tenants.count))
            let type = types[Int(draws.unit() * Double(types.count))]
            let evidence = draws.unit() < 0.5
            let age = Int(draws.unit() * 300)
            let amount = Int64(500 + draws.unit() * 50_000)
            let logOdds = 0.4 + (type == .inboundShortage ? -0.8 : 0) + (evidence ? 1.2 : 0) - 0.9 * Double(age) / 100 + standing[seller]
            let approved = draws.unit() < 1 / (1 + exp(-logOdds))
            return ApprovalModel.Outcome(tenant: tenants[seller],
                                         facts: facts(type, age: age, amountMinor: amount, evidence: evidence),
                                         approved: approved, decidedAt: start.addingTimeInterval(Double(index) * 600))
        }
    }

    func weight(_ model: ApprovalModel, _ feature: String) throws -> Double {
        model.weights[try #require(model.features.firstIndex(of: feature), "\(feature) is a feature")]
    }

    @Test func beforeAnyOutcomeEveryClaimHasThePriorsChance() throws {
        let model = ApprovalModel.train([], priorProbability: 0.65, at: Self.start)
        for facts in [Self.facts(), Self.facts(.inboundShortage, age: 300, amountMinor: 9_000_000, evidence: false)] {
            #expect(abs(model.probability(facts) - 0.65) < 1e-9)
        }
        #expect(model.examples == 0 && model.calibration == nil)
        let estimate = model.estimate(Self.facts())
        #expect(estimate.factors.map(\.feature) == ["type", "marketplace", "ageAtFilingDays", "amount", "evidencePresent", "sellerHistory"])
        #expect(estimate.factors.allSatisfy { $0.effect == 0 }, "the prior moves nothing but the baseline")
    }

    @Test func theFitRecoversTheEffectsThatMadeTheOutcomes() throws {
        let model = ApprovalModel.train(Self.synthetic(count: 4000), priorProbability: 0.65, at: Self.start)
        #expect(model.examples == 4000)
        let evidence = try weight(model, "evidencePresent"), age = try weight(model, "ageAtFilingDays")
        #expect((0.9...1.5).contains(evidence), "documents: \(evidence), made with 1.2")
        #expect((-1.2 ... -0.6).contains(age), "age per 100 days: \(age), made with -0.9")
        let shortage = try weight(model, "type=inbound_shortage") - weight(model, "type=warehouse_lost")
        #expect((-1.2 ... -0.4).contains(shortage), "inbound shortage against warehouse lost: \(shortage), made with -0.8")
        #expect(try weight(model, "sellerHistory") > 0.5, "a seller's record carries its standing")
        #expect(abs(try weight(model, "amount")) < 0.25, "the amount played no part")
        // What a seller sees: documents and an early filing raise the chance.
        #expect(model.probability(Self.facts(evidence: true)) > model.probability(Self.facts(evidence: false)) + 0.15)
        #expect(model.probability(Self.facts(age: 10)) > model.probability(Self.facts(age: 250)))
    }

    @Test func calibrationIsMeasuredOnTheNewestCasesTheModelDidNotLearnFrom() throws {
        let model = ApprovalModel.train(Self.synthetic(count: 4000), priorProbability: 0.65, at: Self.start)
        let calibration = try #require(model.calibration)
        #expect(calibration.cases == 800 && model.calibrationMethod.hasPrefix("holdout"), "\(model.calibrationMethod)")
        #expect(calibration.brierScore < calibration.baseRateBrierScore - 0.02,
                "the model (\(calibration.brierScore)) beats the base rate (\(calibration.baseRateBrierScore))")
        #expect(calibration.brierScore < calibration.priorBrierScore)
        #expect(calibration.reliability.count == 10 && calibration.reliability.map(\.cases).reduce(0, +) == 800)
        for bin in calibration.reliability where bin.cases >= 50 {
            let predicted = try #require(bin.meanPredicted), observed = try #require(bin.observedRate)
            // Within three standard errors of the bin's own sampling noise.
            let noise = 3 * (predicted * (1 - predicted) / Double(bin.cases)).squareRoot()
            #expect(abs(predicted - observed) < noise + 0.02, "bin \(bin.from)–\(bin.to): predicted \(predicted), observed \(observed) over \(bin.cases)")
        }
    }

    @Test func fewOutcomesAreMeasuredInSampleAndMoveThePriorOnlyALittle() throws {
        let outcomes = Array(Self.synthetic(count: 12))
        let model = ApprovalModel.train(outcomes, priorProbability: 0.65, at: Self.start)
        #expect(model.calibrationMethod.hasPrefix("in-sample") && model.calibration?.cases == 12)
        let chance = model.probability(Self.facts())
        #expect(chance > 0.3 && chance < 0.9, "twelve cases move the prior, they do not decide it: \(chance)")
    }

    @Test func brierScoreAndReliabilityTableAreTheTextbookOnes() {
        let pairs: [(predicted: Double, approved: Bool)] = [(0.9, true), (0.8, false), (0.15, false), (0.12, true)]
        #expect(abs(Calibration.brier(pairs) - (0.01 + 0.64 + 0.0225 + 0.7744) / 4) < 1e-12)
        let table = Calibration.reliability(pairs)
        #expect(table[1].cases == 2 && table[1].observedRate == 0.5 && abs((table[1].meanPredicted ?? 0) - 0.135) < 1e-12)
        #expect(table[8].cases == 1 && table[8].observedRate == 0 && table[9].cases == 1 && table[9].observedRate == 1)
        #expect(Calibration.reliability([(1.0, true)])[9].cases == 1, "a certain prediction lands in the last bin")
    }

    @Test func aSellersHistoryCountsOnlyTheCasesDecidedBeforeIt() throws {
        let tenant = UUID(), other = UUID()
        let outcomes = [(tenant, true), (other, false), (tenant, false), (tenant, true)].enumerated().map { index, pair in
            ApprovalModel.Outcome(tenant: pair.0, facts: Self.facts(), approved: pair.1, decidedAt: Self.start.addingTimeInterval(Double(index)))
        }
        let counted = ApprovalModel.withSellerHistory(outcomes).map { [$0.facts.sellerApproved, $0.facts.sellerDecided] }
        #expect(counted == [[0, 0], [0, 0], [1, 1], [1, 2]])
    }
}
