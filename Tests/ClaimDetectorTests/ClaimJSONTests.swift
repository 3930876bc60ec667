import AmazonSandbox
@testable import ClaimDetector
import Foundation
import OpsideCore
import Testing

/// The claim store writes each claim's JSON member by member (`ClaimJSON`), for speed; what it
/// writes must be exactly what the generic encoder writes with sorted keys, which is what content
/// hashes were taken over and what readers decode. Random values, strings with every character
/// JSON escapes, and every optional both present and absent.
@Suite struct ClaimJSONTests {
    static let awkward = ["", "plain", "quote \" inside", "back\\slash", "tab\there", "new\nline", "cr\r", "\u{01}\u{1F}\u{7F}",
                          "é, ü, 東京, 🙂", "slash / stays", "{\"looks\": [\"like json\"]}"]

    struct Values {
        var random: SplitMix64

        mutating func text() -> String {
            let pieces = (0..<Int.random(in: 0...3, using: &random)).map { _ in ClaimJSONTests.awkward.randomElement(using: &random)! }
            return pieces.joined(separator: " ")
        }

        mutating func money() -> Money {
            Money(amountMinor: Int64.random(in: -1_000_000...1_000_000, using: &random), currency: [.usd, .eur, .jpy].randomElement(using: &random)!)
        }

        mutating func maybe<T>(_ make: (inout Values) -> T) -> T? {
            Bool.random(using: &random) ? make(&self) : nil
        }

        mutating func explanation() -> ClaimExplanation {
            let rows = (0..<Int.random(in: 0...4, using: &random)).map { _ in
                ClaimSourceRow(dataset: text(), rowId: text(), date: maybe { _ in CivilDate(year: 2026, month: 2, day: 28) },
                               quantity: maybe { $0.random.next() % 2 == 0 ? -3 : 12 }, amount: maybe { $0.money() }, description: text())
            }
            let netting = (0..<Int.random(in: 0...3, using: &random)).map { _ in
                ClaimNettingStep(label: text(), units: Int.random(in: -50...50, using: &random))
            }
            return ClaimExplanation(sourceRows: rows, netting: netting, summary: text())
        }

        mutating func valuation() -> ClaimValuation {
            ClaimValuation(basis: ClaimValuation.Basis.allCases.randomElement(using: &random)!, unitValue: maybe { $0.money() },
                           isEstimate: Bool.random(using: &random), source: text())
        }

        mutating func sourceIds() -> [ClaimSourceKind: String] {
            var ids: [ClaimSourceKind: String] = [:]
            for kind in ClaimSourceKind.allCases where Bool.random(using: &random) { ids[kind] = text() }
            return ids
        }
    }

    @Test(arguments: [1, 2, 3, 4])
    func theWriterWritesWhatTheEncoderWrites(seed: UInt64) throws {
        var values = Values(random: SplitMix64(seed: seed))
        var json = JSONByteWriter()
        for _ in 0..<300 {
            let explanation = values.explanation(), valuation = values.valuation(), sourceIds = values.sourceIds()
            json.reset()
            ClaimJSON.write(explanation, to: &json)
            #expect(json.bytes == (try ClaimJSON.encoder.encodeToBytes(explanation)), "\(explanation)")
            #expect(try JSONDecoder().decode(ClaimExplanation.self, from: Data(json.bytes)) == explanation)
            json.reset()
            ClaimJSON.write(valuation, to: &json)
            #expect(json.bytes == (try ClaimJSON.encoder.encodeToBytes(valuation)), "\(valuation)")
            json.reset()
            ClaimJSON.write(sourceIds, to: &json)
            let byName = Dictionary(uniqueKeysWithValues: sourceIds.map { ($0.key.rawValue, $0.value) })
            #expect(json.bytes == (try ClaimJSON.encoder.encodeToBytes(byName)), "\(sourceIds)")
        }
    }
}
