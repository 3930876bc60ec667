import Foundation
import Testing
@testable import OpsideInvoices

@Suite struct CostAnomalyDetectorTests {
    let detector = CostAnomalyDetector()

    func observation(_ id: String, _ cost: String, currency: String = "USD", quantity: Int? = 500, date: String = "2025-10-01") -> CostObservation {
        CostObservation(sku: "A", date: InvoiceDate(iso: date)!, unitCost: Decimal(string: cost)!, currency: currency, invoiceId: id, quantity: quantity)
    }

    var history: [CostObservation] {
        [observation("H1", "2.30"), observation("H2", "2.35"), observation("H3", "2.40"), observation("H4", "2.35"), observation("H5", "2.45"),
         observation("H6", "2.38")]
    }

    @Test func aNormalHistoryRaisesNothing() {
        #expect(detector.audit(history).isEmpty)
        #expect(detector.check(observation("N", "2.42"), history: history).isEmpty)
    }

    @Test func aFarCostIsAnOutlierWithItsModifiedZScore() throws {
        let anomalies = detector.check(observation("X", "3.90"), history: history)
        let outlier = try #require(anomalies.first { $0.code == .unitCostOutlier })
        // Sample of 7 (2.30 2.35 2.35 2.38 2.40 2.45 3.90): median 2.38; deviations 0 0.02 0.03
        // 0.03 0.07 0.08 1.52, MAD 0.03 → z = 0.6745 × 1.52 / 0.03 = 34.17.
        #expect(outlier.figures["median"] == "2.3800")
        #expect(outlier.figures["mad"] == "0.0300")
        #expect(outlier.figures["z"] == "34.17")
        #expect(outlier.message.contains("modified z"))
    }

    @Test func withAllCostsEqualTheRelativeDeviationDecides() {
        let flat = (1...5).map { observation("F\($0)", "2.00") }
        // Every earlier cost is 2.00, so MAD is 0: 2.60 is 30 % off (above 25 %), 2.40 only 20 %.
        let far = detector.check(observation("Y", "2.60"), history: flat).first
        #expect(far?.code == .unitCostOutlier)
        #expect(far?.figures["relativeDeviation"] == "30.0%")
        #expect(detector.check(observation("W", "2.40"), history: flat).isEmpty)
    }

    @Test func theThresholdIsASetting() {
        // 2.50: z = 0.6745 × 0.12 / 0.03 = 2.70, inside ±3.5 and outside ±1.
        let strict = CostAnomalyDetector(settings: .init(threshold: 1.0))
        #expect(strict.check(observation("S", "2.50"), history: history).first?.figures["z"] == "2.70")
        #expect(detector.check(observation("S", "2.50"), history: history).isEmpty)
    }

    @Test func anotherCurrencyIsFlaggedAndNotScored() {
        let anomalies = detector.check(observation("C", "16.50", currency: "CNY"), history: history)
        #expect(anomalies.map(\.code) == [.currencyChange])
        #expect(anomalies.first?.figures["usualCurrency"] == "USD")
    }

    @Test func quantitiesThatDoNotFitAreFlagged() {
        #expect(detector.check(observation("Q0", "2.35", quantity: 0), history: history).map(\.code) == [.quantityNotPositive])
        #expect(detector.check(observation("Q1", "2.35", quantity: -5), history: history).map(\.code) == [.quantityNotPositive])
        #expect(detector.check(observation("Q2", "2.35", quantity: 50_001), history: history).map(\.code) == [.quantityOutlier])
        #expect(detector.check(observation("Q3", "2.35", quantity: 50_000), history: history).isEmpty)
    }

    @Test func anInvoiceDatedAfterTheLossCannotProveIt() {
        let anomalies = detector.check(observation("L", "2.35", date: "2026-03-10"), history: history, lossDate: InvoiceDate(iso: "2026-03-01"))
        #expect(anomalies.map(\.code) == [.invoiceAfterLoss])
        #expect(detector.check(observation("L", "2.35", date: "2026-03-01"), history: history, lossDate: InvoiceDate(iso: "2026-03-01")).isEmpty)
    }

    @Test func tooLittleHistoryIsNotScored() {
        #expect(detector.check(observation("T", "9.99"), history: Array(history.prefix(3))).isEmpty)
    }
}
