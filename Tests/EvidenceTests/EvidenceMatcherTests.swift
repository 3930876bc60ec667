import EvidenceEngine
import Foundation
import OpsideClaimsAccess
import OpsideCore
import OpsideEvents
import Testing

/// The matcher on its own: each feature's share of the confidence, the caps that keep an invoice
/// that cannot prove a claim out of the automatic band, the index that scores a document only
/// against its products' claims, and precision and recall against planted truth.
@Suite struct EvidenceMatcherTests {
    static let lossDay = CivilDate(year: 2026, month: 9, day: 1)

    static func line(_ index: Int, sku: String?, quantity: Int, confidence: Double? = 1, method: String = "exact") -> MappedInvoiceLine {
        MappedInvoiceLine(lineIndex: index, sku: sku, asin: nil, quantity: quantity, confidence: sku == nil ? nil : confidence,
                          method: sku == nil ? "unmapped" : method, reason: "test", unitCost: nil)
    }

    static func document(date: CivilDate?, currency: String? = "USD", supplier: String? = "Shenzhen Huaxin Co., Ltd.",
                         lines: [MappedInvoiceLine]) -> CostedDocument {
        CostedDocument(documentId: UUID(), supplier: supplier, invoiceNumber: "4471", invoiceDate: date, currency: currency, lines: lines)
    }

    @Test func anInvoiceNamingTheSKUBeforeTheLossProvesTheClaim() {
        let claim = ScriptedClaims.loss(sku: "CHALK-12PK", units: 3, lossDate: Self.lossDay)
        let match = EvidenceMatcher().match(Self.document(date: Self.lossDay.adding(days: -20), lines: [Self.line(0, sku: "CHALK-12PK", quantity: 200)]),
                                            against: claim, suppliersBySKU: ["CHALK-12PK": ["shenzhen huaxin"]])
        #expect(match.confidence == 1)
        #expect(match.lineIndexes == [0])
        #expect(abs(match.features.reduce(0) { $0 + $1.contribution } - match.confidence) < 1e-9)
        #expect(Set(match.features.map(\.weight)).isSubset(of: Set(EvidenceMatcher.weights.values)))
    }

    @Test func eachWeakerFeatureLowersTheConfidenceByItsWeight() {
        let claim = ScriptedClaims.loss(sku: "MAT-2", units: 10, lossDate: Self.lossDay)
        let before = Self.lossDay.adding(days: -5)
        let base = EvidenceMatcher().match(Self.document(date: before, lines: [Self.line(0, sku: "MAT-2", quantity: 10)]), against: claim)
        // No history of the supplier: neutral half of its weight.
        #expect(abs(base.confidence - 0.95) < 1e-9, "\(base.features)")
        let euros = EvidenceMatcher().match(Self.document(date: before, currency: "EUR", lines: [Self.line(0, sku: "MAT-2", quantity: 10)]), against: claim)
        #expect(abs(euros.confidence - 0.90) < 1e-9)
        let short = EvidenceMatcher().match(Self.document(date: before, lines: [Self.line(0, sku: "MAT-2", quantity: 5)]), against: claim)
        #expect(abs(short.confidence - (0.95 - 0.075)) < 1e-9, "half the units cover half the quantity feature")
        let fuzzy = EvidenceMatcher().match(Self.document(date: before, lines: [Self.line(0, sku: "MAT-2", quantity: 10, confidence: 0.7, method: "fuzzyTitle")]),
                                            against: claim)
        #expect(fuzzy.features.first?.name == "titleSimilarity")
        #expect(abs(fuzzy.confidence - (0.95 - 0.45 * 0.3)) < 1e-9)
        #expect(fuzzy.confidence >= 0.5 && fuzzy.confidence < 0.85, "a title only like the product's asks the seller")
    }

    @Test func anInvoiceAfterTheLossOrForOtherGoodsNeverProvesAClaim() {
        let claim = ScriptedClaims.loss(sku: "MAT-2", units: 2, lossDate: Self.lossDay)
        let late = EvidenceMatcher().match(Self.document(date: Self.lossDay.adding(days: 1), lines: [Self.line(0, sku: "MAT-2", quantity: 10)]),
                                           against: claim)
        #expect(late.confidence == EvidenceMatcher.capDatedAfterLoss && late.cap != nil)
        let other = EvidenceMatcher().match(Self.document(date: Self.lossDay.adding(days: -3), lines: [Self.line(0, sku: "YOGA-8", quantity: 10)]),
                                            against: claim)
        #expect(other.confidence <= EvidenceMatcher.capWithoutLine && other.lineIndexes.isEmpty)
        let refund = ListedClaim(id: UUID(), type: "refund_without_return", status: "claimable", connectionId: UUID(), marketplaceId: "ATVPDKIKX0DER",
                                 fnsku: nil, sku: "MAT-2", asin: nil, units: 1, amount: Money(amountMinor: 900, currency: .usd),
                                 clockStartedAt: Self.lossDay, opensOn: Self.lossDay, deadline: Self.lossDay.adding(days: 60), sourceIds: [:])
        #expect(!EvidenceMatcher.isProvable(refund), "a refund is proved by Amazon's records, not by an invoice")
    }

    @Test func aDocumentIsScoredOnlyAgainstItsProductsClaims() {
        let claims = (0..<50).map { ScriptedClaims.loss(sku: "SKU-\($0)", units: 1, lossDate: Self.lossDay) }
        let index = ProvableClaims(claims)
        let document = Self.document(date: Self.lossDay, lines: [Self.line(0, sku: "SKU-7", quantity: 3), Self.line(1, sku: "SKU-9", quantity: 1),
                                                                Self.line(2, sku: nil, quantity: 4)])
        #expect(Set(index.candidates(for: document).compactMap(\.sku)) == ["SKU-7", "SKU-9"])
        #expect(index.count == 50)
    }

    /// Planted truth: documents for some claims' products (named, described, dated after the loss,
    /// for other products), scored against every claim; the decisions are compared with what
    /// each document really proves.
    @Test func matchingPrecisionAndRecallOnPlantedTruth() {
        var random = SplitMix64(seed: 14)
        let claims = (0..<400).map { index in
            ScriptedClaims.loss(sku: "SKU-\(index)", units: Int(random.next() % 5) + 1, lossDate: Self.lossDay.adding(days: -Int(random.next() % 90)))
        }
        let index = ProvableClaims(claims)
        var truePositives = 0, falsePositives = 0, falseNegatives = 0, asked = 0, askedRight = 0
        for round in 0..<1000 {
            let claim = claims[Int(random.next() % UInt64(claims.count))]
            let kind = round % 5
            // 0: names the SKU before the loss; 1: describes it (mapping 0.55–0.8); 2: names it after
            // the loss; 3: other products only; 4: a price list naming it (no units bought).
            let date = kind == 2 ? claim.clockStartedAt.adding(days: 5) : claim.clockStartedAt.adding(days: -Int(random.next() % 60) - 1)
            let sku = kind == 3 ? "OTHER-\(round)" : claim.sku!
            let confidence = kind == 1 ? 0.55 + Double(random.next() % 25) / 100 : 1
            let quantity = kind == 4 ? 0 : claim.units * 20
            let document = Self.document(date: date, currency: random.next() % 4 == 0 ? "CNY" : "USD", lines: [
                Self.line(0, sku: sku, quantity: quantity, confidence: confidence, method: kind == 1 ? "fuzzyTitle" : "exact")])
            let proves = kind == 0 || kind == 1
            let matches = index.candidates(for: document).map { EvidenceMatcher().match(document, against: $0) }
            let ready = matches.filter { $0.confidence >= 0.85 }.map(\.claimId)
            let prompted = matches.filter { $0.confidence >= 0.5 && $0.confidence < 0.85 }.map(\.claimId)
            truePositives += ready.filter { $0 == claim.id && proves }.count
            falsePositives += ready.filter { $0 != claim.id || !proves }.count
            if proves && !ready.contains(claim.id) && !prompted.contains(claim.id) { falseNegatives += 1 }
            asked += prompted.count
            askedRight += prompted.filter { $0 == claim.id && proves }.count
        }
        let precision = Double(truePositives) / Double(max(1, truePositives + falsePositives))
        let recall = Double(truePositives + askedRight) / Double(max(1, truePositives + askedRight + falseNegatives))
        print("evidence matching on planted truth: auto-submit precision \(String(format: "%.3f", precision)) "
              + "(\(truePositives) right, \(falsePositives) wrong); recall with prompts \(String(format: "%.3f", recall)); "
              + "prompts \(asked), \(askedRight) about a document that proves the claim")
        #expect(precision == 1, "nothing is filed on a document that does not prove the claim")
        #expect(recall >= 0.99, "every proving document is filed or asked about")
    }
}
