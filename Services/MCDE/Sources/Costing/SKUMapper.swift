import Foundation
import OpsideInvoices

/// Maps invoice lines to the seller's catalog, most certain evidence first: the SKU, ASIN or
/// FNSKU printed on the line (1.0); the seller's supplier-SKU table (0.98); a mapping the seller
/// confirmed before for the same supplier (0.97); title similarity, where numbers must agree (a
/// 6-pack never maps to a 12-pack) and ties are reported as ambiguous; otherwise unmapped.
public struct SKUMapper: Sendable {
    /// - Parameters:
    ///   - acceptance: fuzzy matches below it need a person's review.
    ///   - minimumSimilarity: below it a line stays unmapped.
    ///   - tieMargin: candidates this close to the best are a tie.
    public struct Settings: Sendable, Equatable {
        public var acceptance: Double
        public var minimumSimilarity: Double
        public var tieMargin: Double
        /// Candidates this close to the best are compared on the words they leave unexplained.
        public var closeMargin: Double

        public init(acceptance: Double = 0.6, minimumSimilarity: Double = 0.4, tieMargin: Double = 0.02, closeMargin: Double = 0.06) {
            self.acceptance = acceptance
            self.minimumSimilarity = minimumSimilarity
            self.tieMargin = tieMargin
            self.closeMargin = closeMargin
        }
    }

    public let catalog: [CatalogItem]
    public let settings: Settings
    private let supplierTable: [String: String]
    private let supplierCodes: [String: Set<String>]
    private let confirmed: [ConfirmedMapping]
    private let features: [TitleFeatures]
    private let weights: [String: Double]
    private let unseenWeight: Double

    public init(catalog: [CatalogItem], supplierSKUs: [SupplierSKUEntry] = [], confirmed: [ConfirmedMapping] = [],
                settings: Settings = Settings()) {
        self.catalog = catalog
        self.settings = settings
        var table: [String: String] = [:]
        var codes: [String: Set<String>] = [:]
        for entry in supplierSKUs {
            table[Self.supplierKey(entry.supplier) + "|" + Self.codeKey(entry.supplierSku)] = entry.sku
            codes[Self.codeKey(entry.supplierSku), default: []].insert(entry.sku)
        }
        supplierTable = table
        supplierCodes = codes
        self.confirmed = confirmed
        features = catalog.map { TitleFeatures($0.title) }
        // Words many titles share ("bottle" in every bottle) weigh less than the ones that tell
        // items apart (a colour, a size).
        var documentFrequency: [String: Int] = [:]
        for feature in features { for word in feature.words { documentFrequency[word, default: 0] += 1 } }
        let count = Double(max(1, catalog.count))
        weights = documentFrequency.mapValues { log(1 + count / Double($0)) }
        unseenWeight = log(1 + count)
    }

    /// The mapping of `line`, printed by `supplier`.
    public func map(_ line: InvoiceLine, supplier: String?) -> SKUMapping {
        if let exact = exactMatch(line) { return exact }
        if let code = line.supplierSku.map(Self.codeKey), !code.isEmpty {
            if let supplier, let sku = supplierTable[Self.supplierKey(supplier) + "|" + code] {
                return SKUMapping(sku: sku, confidence: 0.98, reason: "supplier table: \(supplier) code \(line.supplierSku!) is \(sku)",
                                  method: .supplierTable)
            }
            if supplier == nil, let skus = supplierCodes[code], skus.count == 1 {
                return SKUMapping(sku: skus.first!, confidence: 0.9,
                                  reason: "supplier table: code \(line.supplierSku!) is \(skus.first!) (supplier not read, the code is unique in the table)",
                                  method: .supplierTable)
            }
        }
        if let supplier, let match = confirmedMatch(line, supplier: supplier) { return match }
        return fuzzyMatch(line)
    }

    // MARK: Exact

    private func exactMatch(_ line: InvoiceLine) -> SKUMapping? {
        func item(sku: String) -> CatalogItem? { catalog.first { $0.sku.caseInsensitiveCompare(sku) == .orderedSame } }
        if let sku = line.sku, let found = item(sku: sku.trimmingCharacters(in: .whitespaces)) {
            return SKUMapping(sku: found.sku, confidence: 1.0, reason: "SKU on the line (\(found.sku))", method: .exact)
        }
        if let asin = line.asin, let found = catalog.first(where: { $0.asin == asin }) {
            return SKUMapping(sku: found.sku, confidence: 1.0, reason: "SKU on the line: ASIN \(asin) is \(found.sku)", method: .exact)
        }
        // The seller's SKU, ASIN or FNSKU printed as the supplier's code or inside the text.
        let words = ([line.supplierSku ?? ""] + line.description.split(whereSeparator: { " ,;:()[]".contains($0) }).map(String.init))
            .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: ".#")) }
            .filter { $0.count >= 4 && $0.contains(where: \.isNumber) }
        for word in words {
            if let found = item(sku: word) {
                return SKUMapping(sku: found.sku, confidence: 1.0, reason: "SKU on the line (\(found.sku))", method: .exact)
            }
            if let found = catalog.first(where: { $0.asin == word || $0.fnsku == word }) {
                return SKUMapping(sku: found.sku, confidence: 1.0,
                                  reason: "SKU on the line: \(found.asin == word ? "ASIN" : "FNSKU") \(word) is \(found.sku)", method: .exact)
            }
        }
        return nil
    }

    // MARK: Confirmed before

    private func confirmedMatch(_ line: InvoiceLine, supplier: String) -> SKUMapping? {
        let key = Self.supplierKey(supplier)
        let description = Self.descriptionKey(line.description)
        let code = line.supplierSku.map(Self.codeKey)
        for mapping in confirmed where Self.supplierKey(mapping.supplier) == key {
            if let code, let confirmedCode = mapping.supplierSku.map(Self.codeKey), code == confirmedCode {
                return SKUMapping(sku: mapping.sku, confidence: 0.97,
                                  reason: "confirmed before: \(supplier) code \(line.supplierSku!) was mapped to \(mapping.sku)", method: .confirmed)
            }
            if let confirmedDescription = mapping.description, Self.descriptionKey(confirmedDescription) == description {
                return SKUMapping(sku: mapping.sku, confidence: 0.97,
                                  reason: "confirmed before: \(supplier)'s '\(line.description.prefix(50))' was mapped to \(mapping.sku)",
                                  method: .confirmed)
            }
        }
        return nil
    }

    // MARK: Title similarity

    private func fuzzyMatch(_ line: InvoiceLine) -> SKUMapping {
        let lineFeatures = TitleFeatures(line.description)
        var scored: [(index: Int, similarity: Double)] = []
        var rejected: [(sku: String, why: String)] = []
        for (index, item) in features.enumerated() {
            if let conflict = lineFeatures.conflict(with: item) {
                if lineFeatures.words.intersection(item.words).count >= 2 { rejected.append((catalog[index].sku, conflict)) }
                continue
            }
            scored.append((index, similarity(lineFeatures, item)))
        }
        scored.sort { $0.similarity != $1.similarity ? $0.similarity > $1.similarity : catalog[$0.index].sku < catalog[$1.index].sku }
        guard let top = scored.first, top.similarity >= settings.minimumSimilarity else {
            var reason = "no catalog title is similar enough"
            if let closest = rejected.first { reason += "; \(closest.sku) shares words but \(closest.why)" }
            return SKUMapping(sku: nil, confidence: 0, reason: reason, method: .unmapped)
        }
        // Among near-equal candidates, the one that leaves fewest words unexplained wins. A word
        // of the line the title lacks counts double (supplier lines are short; titles carry
        // marketing); a word of a title part the line matches in part counts once ("matte" in
        // "Matte Black" for a line saying "Black"); and when the line has words the title lacks,
        // the title's untouched parts count too: "Navy" where the line says "Grey". Each number
        // both state alike ("500 ml") explains two.
        func unexplained(_ index: Int) -> Int {
            let title = features[index]
            let lineMissing = lineFeatures.words.filter { weights[$0] != nil && !title.words.contains($0) }.count
            let untouched = lineMissing > 0 ? title.segments.filter { $0.isDisjoint(with: lineFeatures.words) }.reduce(0) { $0 + $1.count } : 0
            let agreeing = lineFeatures.agreements(with: title).count
            return 2 * lineMissing + title.residual(against: lineFeatures) + untouched - 2 * agreeing
        }
        let close = scored.prefix { top.similarity - $0.similarity < settings.closeMargin }
            .map { (index: $0.index, similarity: $0.similarity, unexplained: unexplained($0.index)) }
        let fewest = close.map(\.unexplained).min()!
        let contenders = close.filter { $0.unexplained == fewest }
        let best = (index: contenders[0].index, similarity: contenders[0].similarity)
        scored.removeAll { $0.index == best.index }
        scored.insert(best, at: 0)
        let tied = contenders.dropFirst().filter { best.similarity - $0.similarity < settings.tieMargin }
        let item = catalog[best.index]
        let shared = lineFeatures.words.intersection(features[best.index].words).sorted()
        let agreements = lineFeatures.agreements(with: features[best.index])
        var reason = "title similarity \(String(format: "%.2f", best.similarity)) with '\(item.title)': shared words "
            + (shared.isEmpty ? "none" : shared.joined(separator: ", "))
        if !agreements.isEmpty { reason += "; \(agreements.joined(separator: ", ")) agree" }
        if best.index != top.index {
            reason += "; preferred to \(catalog[top.index].sku) (\(String(format: "%.2f", top.similarity))), which leaves more of the words unexplained"
        }
        let alternatives = scored.dropFirst().prefix(3).map { SKUMapping.Candidate(sku: catalog[$0.index].sku, similarity: $0.similarity) }
        if !tied.isEmpty {
            let names = ([item.sku] + tied.map { catalog[$0.index].sku }).joined(separator: ", ")
            return SKUMapping(sku: item.sku, confidence: min(0.95, best.similarity) / 2,
                              reason: "ambiguous: \(names) are equally similar (\(String(format: "%.2f", best.similarity))); " + reason,
                              method: .fuzzyTitle, isAmbiguous: true, alternatives: alternatives, needsReview: true)
        }
        let confidence = min(0.95, best.similarity)
        return SKUMapping(sku: item.sku, confidence: confidence, reason: reason, method: .fuzzyTitle,
                          alternatives: alternatives, needsReview: confidence < settings.acceptance)
    }

    /// Weighted word overlap (how much of the title the line covers, and of the line the title)
    /// blended with character-trigram overlap, which forgives spelling and abbreviations.
    func similarity(_ line: TitleFeatures, _ title: TitleFeatures) -> Double {
        func weight(_ word: String) -> Double { weights[word] ?? unseenWeight }
        let sharedWords = line.words.intersection(title.words)
        let shared = sharedWords.reduce(0.0) { $0 + weight($1) }
        // A title part the line matches in part ("Matte Black" against "Black") counts in full:
        // its other words tell variants apart. A part the line does not touch at all (a
        // marketing tail, "– Premium Quality") counts a fifth.
        var titleWeight = 0.0
        var counted: Set<String> = []
        for segment in title.segments {
            let factor = segment.isDisjoint(with: sharedWords) ? 0.2 : 1.0
            for word in segment where title.words.contains(word) && !counted.contains(word) {
                counted.insert(word)
                titleWeight += factor * weight(word)
            }
        }
        for word in title.words where !counted.contains(word) { titleWeight += weight(word) }
        // Only the line's words the catalog knows count against a title: a supplier's own
        // words ("OEM", "export carton") say nothing about which item it is, but "matte" in the
        // line and not in the title says it is another item.
        let lineWeight = line.words.filter { weights[$0] != nil }.reduce(0.0) { $0 + weight($1) }
        let titleCoverage = titleWeight > 0 ? shared / titleWeight : 0
        let lineCoverage = lineWeight > 0 ? shared / lineWeight : 0
        let words = 0.5 * titleCoverage + 0.5 * lineCoverage
        let common = Double(line.trigrams.intersection(title.trigrams).count)
        let total = Double(line.trigrams.count + title.trigrams.count)
        let trigrams = total > 0 ? 2 * common / total : 0
        let agreeing = Double(line.agreements(with: title).count)
        return min(1, 0.65 * words + 0.35 * trigrams + 0.03 * agreeing)
    }

    // MARK: Keys

    /// A supplier's name without case, punctuation or legal form: "Shenzhen Huaxin Co., Ltd." and
    /// "SHENZHEN HUAXIN CO LTD" are one supplier.
    static func supplierKey(_ name: String) -> String {
        let legal: Set<String> = ["co", "ltd", "limited", "llc", "inc", "corp", "corporation", "gmbh", "company", "srl", "sarl", "bv", "plc"]
        return name.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init)
            .filter { !legal.contains($0) }.joined(separator: " ")
    }

    static func codeKey(_ code: String) -> String {
        code.uppercased().filter { $0.isLetter || $0.isNumber }
    }

    static func descriptionKey(_ description: String) -> String {
        description.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).joined(separator: " ")
    }
}
