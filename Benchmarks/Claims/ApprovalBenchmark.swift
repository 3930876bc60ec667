import ClaimDetector
import Foundation
import OpsideBenchmarkSupport
import OpsideCore

// opside-claims-bench approval [--cases 100000]: the approval model alone, no database.
//
// Draws N decided cases from a known model over 400 sellers (each with its own standing), six
// claim types, three marketplaces, ages up to 300 days, amounts from 5 to 500 USD and documents
// present on about half; trains the model as the daily job does (holdout of the newest fifth,
// then all), and prints the training time, peak RSS, the weights next to the ones that made the
// outcomes, the Brier score against the base rate and the prior, and the reliability table.
// Figures are printed, never asserted.

enum ApprovalBenchmark {

    static let typeEffects: [(ClaimType, Double)] = [
        (.warehouseLost, 0.3), (.warehouseDamaged, 0.1), (.inboundShortage, -0.7), (.refundWithoutReturn, 0.4),
        (.removalLost, -0.3), (.feeOvercharge, -0.5),
    ]
    static let marketplaceEffects: [(String, Double)] = [("ATVPDKIKX0DER", 0), ("A2EUQ1WTGCTBG2", -0.2), ("A1F83G8C2ARO7P", -0.4)]
    static let evidenceEffect = 1.1, agePer100Days = -0.8, amountPerDecade = -0.15

    static func outcomes(count: Int) -> [ApprovalModel.Outcome] {
        var draws = SplitMix64(seed: 2026)
        let sellers = (0..<400).map { _ in UUID() }
        let standing = sellers.map { _ in (draws.unit() - 0.5) * 1.6 }
        let start = Date(timeIntervalSince1970: 1_735_689_600)
        return (0..<count).map { index in
            let seller = Int(draws.unit() * Double(sellers.count))
            let (type, typeEffect) = typeEffects[Int(draws.unit() * Double(typeEffects.count))]
            let (marketplace, marketplaceEffect) = marketplaceEffects[Int(draws.unit() * Double(marketplaceEffects.count))]
            let evidence = draws.unit() < 0.5
            let age = Int(draws.unit() * 300)
            let amountMinor = Int64(500 + draws.unit() * 49_500)
            let logOdds = 0.5 + typeEffect + marketplaceEffect + (evidence ? evidenceEffect : 0) + agePer100Days * Double(age) / 100
                + amountPerDecade * log10(1 + Double(amountMinor) / 100) + standing[seller]
            return ApprovalModel.Outcome(
                tenant: sellers[seller],
                facts: ApprovalFacts(type: type, marketplaceId: marketplace, ageAtFilingDays: age,
                                     amount: Money(amountMinor: amountMinor, currency: .usd), evidencePresent: evidence,
                                     sellerApproved: 0, sellerDecided: 0),
                approved: draws.unit() < 1 / (1 + exp(-logOdds)), decidedAt: start.addingTimeInterval(Double(index) * 60))
        }
    }

    static func run() {
        let count = option("cases", 100_000)
        let outcomes = outcomes(count: count)
        let clock = ContinuousClock()
        let started = clock.now
        let model = ApprovalModel.train(outcomes, priorProbability: 0.65, at: Date())
        let elapsed = seconds(clock.now - started)
        print("approval model: \(count) decided cases, \(model.approvedExamples) approved")
        print(String(format: "  training (holdout fit + full fit): %.2f s; peak RSS %.0f MiB", elapsed, PeakMemory.mebibytes()))
        func weight(_ name: String) -> Double { model.features.firstIndex(of: name).map { model.weights[$0] } ?? .nan }
        print("  weights (made with):")
        print(String(format: "    evidencePresent   %+.3f (%+.2f)", weight("evidencePresent"), evidenceEffect))
        print(String(format: "    ageAtFilingDays   %+.3f (%+.2f per 100 days)", weight("ageAtFilingDays"), agePer100Days))
        print(String(format: "    amount            %+.3f (%+.2f per decade)", weight("amount"), amountPerDecade))
        print(String(format: "    sellerHistory     %+.3f (sellers' standing ±0.8, seen only through their record)", weight("sellerHistory")))
        for (type, effect) in typeEffects {
            let name = ("type=" + type.rawValue).padding(toLength: 30, withPad: " ", startingAt: 0)
            print("    " + name + String(format: "%+.3f (made %+.2f); against warehouse_lost %+.3f (made %+.2f)", weight("type=\(type.rawValue)"),
                                            effect, weight("type=\(type.rawValue)") - weight("type=warehouse_lost"), effect - 0.3))
        }
        guard let calibration = model.calibration else { return }
        print("  calibration (\(model.calibrationMethod)):")
        print(String(format: "    Brier %.4f; base rate %.4f; prior %.4f", calibration.brierScore, calibration.baseRateBrierScore,
                     calibration.priorBrierScore))
        print("    predicted      cases   mean predicted   observed")
        for bin in calibration.reliability {
            let predicted = bin.meanPredicted.map { String(format: "%.3f", $0) } ?? "—"
            let observed = bin.observedRate.map { String(format: "%.3f", $0) } ?? "—"
            print(String(format: "    %.1f–%.1f   %8d   ", bin.from, bin.to, bin.cases) + predicted.padding(toLength: 17, withPad: " ", startingAt: 0) + observed)
        }
    }
}
