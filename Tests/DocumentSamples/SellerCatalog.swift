import OpsideRender

/// One product in a seller's Amazon catalog.
public struct SellerCatalogItem: Sendable, Hashable, Codable {
    public var sku: String
    public var asin: String
    public var title: String

    public init(sku: String, asin: String, title: String) {
        self.sku = sku
        self.asin = asin
        self.title = title
    }
}

/// Sample seller catalogs: products like an FBA private-label seller's.
public enum SellerCatalog {
    /// `count` catalog items (at most the number of product templates), SKUs prefixed by a
    /// seller code, ASINs in Amazon's `B0` + 8 form, deterministic for the seed.
    public static func sample(seed: UInt64, count: Int = 12) -> [SellerCatalogItem] {
        var random = DeterministicRandom(seed: seed ^ 0xCA7A_1060)
        let prefix = random.pick(["BW", "NF", "TP", "HO", "SK", "LM", "QB"])
        var templates = SampleVocabulary.products
        var items: [SellerCatalogItem] = []
        for _ in 0..<min(max(count, 0), templates.count) {
            let template = templates.remove(at: random.below(templates.count))
            items.append(SellerCatalogItem(sku: "\(prefix)-\(template.skuStem)", asin: "B0" + random.code(8), title: template.title))
        }
        return items
    }
}
