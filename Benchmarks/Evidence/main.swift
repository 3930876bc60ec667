import EvidenceEngine
import Foundation
import OpsideBenchmarkSupport
import OpsideClaimsAccess
import OpsideCore
import OpsideEvents

// opside-evidence-bench: evidence-engine's matching at a large seller's size.
//
//   opside-evidence-bench [--documents 10000] [--claims 100000] [--skus 20000] [--lines 6]
//
// Makes N open claims over S SKUs (warehouse losses, inbound shortages, removals: the types an
// invoice proves) and D costed documents of up to L lines each: half the lines name a SKU, a
// quarter are only like a SKU's title (a fuzzy mapping), a quarter are other goods. Then times
// what evidence-engine does for each: index the claims once (`ProvableClaims`), and score every
// document against the claims of its products (`EvidenceMatcher`), counting the matches that would
// be filed outright and those that would ask the seller. Prints wall time, documents per second
// and peak RSS (VmHWM). Figures are printed, never asserted: not a test.

let documents = option("documents", 10_000)
let claimCount = option("claims", 100_000)
let skus = option("skus", 20_000)
let maxLines = option("lines", 6)
let lossDay = CivilDate(year: 2026, month: 9, day: 1)
let types = ["warehouse_lost", "warehouse_damaged", "inbound_shortage", "removal_lost", "disposed_unrequested"]

var random = SplitMix64(seed: 2026)
PeakMemory.reset()
let makeStart = ContinuousClock.now
let claims = (0..<claimCount).map { index in
    let units = Int(random.next() % 6) + 1
    let day = lossDay.adding(days: -Int(random.next() % 120))
    return ListedClaim(id: UUID(), type: types[index % types.count], status: index % 10 == 0 ? "too_early" : "claimable", connectionId: UUID(),
                       marketplaceId: "ATVPDKIKX0DER", fnsku: nil, sku: "SKU-\(Int(random.next() % UInt64(skus)))", asin: nil, units: units,
                       amount: Money(amountMinor: Int64(units) * 1250, currency: .usd), clockStartedAt: day, opensOn: day,
                       deadline: day.adding(days: 60), sourceIds: [:])
}
let costed = (0..<documents).map { _ in
    let lines = (0..<(Int(random.next() % UInt64(maxLines)) + 1)).map { index -> MappedInvoiceLine in
        let roll = random.next() % 4
        let sku = roll == 3 ? nil : "SKU-\(Int(random.next() % UInt64(skus)))"
        return MappedInvoiceLine(lineIndex: index, sku: sku, asin: nil, quantity: Int(random.next() % 500) + 1,
                                 confidence: sku == nil ? nil : roll == 2 ? 0.55 + Double(random.next() % 40) / 100 : 1,
                                 method: sku == nil ? "unmapped" : roll == 2 ? "fuzzyTitle" : "exact", reason: "benchmark", unitCost: nil)
    }
    return CostedDocument(documentId: UUID(), supplier: "Supplier \(random.next() % 300) Co., Ltd.", invoiceNumber: "INV-\(random.next() % 100_000)",
                          invoiceDate: lossDay.adding(days: -Int(random.next() % 200)), currency: random.next() % 5 == 0 ? "CNY" : "USD", lines: lines)
}
let made = seconds(ContinuousClock.now - makeStart)
print("made \(claimCount) claims over \(skus) SKUs and \(documents) documents (\(costed.reduce(0) { $0 + $1.lines.count }) lines) in "
      + String(format: "%.2f s", made))

let start = ContinuousClock.now
let index = ProvableClaims(claims)
let indexed = seconds(ContinuousClock.now - start)
let matcher = EvidenceMatcher()
var scored = 0, ready = 0, prompted = 0
for document in costed {
    for claim in index.candidates(for: document) {
        let match = matcher.match(document, against: claim)
        scored += 1
        if match.confidence >= 0.85 { ready += 1 } else if match.confidence >= 0.5 { prompted += 1 }
    }
}
let total = seconds(ContinuousClock.now - start)
print(String(format: "indexed %d provable claims in %.3f s", index.count, indexed))
print(String(format: "matched %d documents against %d claims in %.2f s wall (%.0f documents/s): %d pairs scored, %d filed outright, %d prompts",
             documents, claimCount, total, Double(documents) / total, scored, ready, prompted))
print(String(format: "peak RSS %.0f MiB", PeakMemory.mebibytes()))
