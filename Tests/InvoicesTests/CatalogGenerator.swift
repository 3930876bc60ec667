import Foundation
@testable import OpsideInvoices

/// A seller catalog of product families in many variants (colour, size, pack count), with
/// Amazon-style titles, and supplier-style invoice descriptions of its items with the SKU each
/// one means (or none: packaging supplies, products the seller does not sell, pack sizes the
/// catalog does not have).
struct CatalogGenerator {
    struct Family {
        var name: String
        var sizes: [String]
        var packs: [Int]
        var abbreviation: String
        var supplierName: String
    }

    struct Variant: Equatable {
        var family: Int
        var size: String
        var color: String
        var pack: Int
    }

    struct PlantedLine {
        var description: String
        /// The SKU the line means; nil when it should stay unmapped.
        var sku: String?
        var kind: String
    }

    static let families: [Family] = [
        Family(name: "Stainless Steel Water Bottle", sizes: ["500ml", "750ml", "1L"], packs: [1, 2], abbreviation: "SS Water Bottle", supplierName: "Vacuum Insulated Bottle"),
        Family(name: "Silicone Baking Mat", sizes: ["Half Sheet", "Quarter Sheet"], packs: [1, 2, 3], abbreviation: "Silicone Bake Mat", supplierName: "Food Grade Silicone Baking Mat"),
        Family(name: "Insulated Lunch Bag", sizes: ["8L", "12L", "15L"], packs: [1], abbreviation: "Lunch Bag Insulated", supplierName: "Thermal Lunch Cooler Bag"),
        Family(name: "Bamboo Cutting Board", sizes: ["Small", "Large"], packs: [1, 3], abbreviation: "Bamboo Chopping Board", supplierName: "Organic Bamboo Cutting Board"),
        Family(name: "Glass Meal Prep Container", sizes: ["2 Compartment", "3 Compartment"], packs: [5, 10], abbreviation: "Glass Food Container", supplierName: "Borosilicate Glass Meal Prep Container"),
        Family(name: "Yoga Mat", sizes: ["6mm", "8mm", "10mm"], packs: [1], abbreviation: "TPE Yoga Mat", supplierName: "Non Slip Yoga Exercise Mat"),
        Family(name: "Microfiber Cleaning Cloth", sizes: ["12x12 inch", "16x16 inch"], packs: [12, 24, 50], abbreviation: "Microfibre Cloth", supplierName: "Microfiber Cleaning Towel"),
        Family(name: "Ceramic Coffee Mug", sizes: ["12oz", "16oz"], packs: [1, 2, 4], abbreviation: "Ceramic Mug", supplierName: "Stoneware Coffee Mug"),
        Family(name: "Velvet Hangers", sizes: ["Standard", "Slim"], packs: [30, 50, 100], abbreviation: "Velvet Hanger", supplierName: "Non Slip Velvet Clothes Hangers"),
        Family(name: "Reusable Produce Bags", sizes: ["Mesh", "Cotton"], packs: [9, 15], abbreviation: "Produce Bag", supplierName: "Reusable Mesh Produce Bags"),
        Family(name: "LED Desk Lamp", sizes: ["Clamp", "Base"], packs: [1], abbreviation: "LED Table Lamp", supplierName: "Dimmable LED Desk Lamp"),
        Family(name: "Shower Caddy", sizes: ["2 Tier", "3 Tier"], packs: [1], abbreviation: "Shower Shelf", supplierName: "Rustproof Shower Caddy"),
    ]
    static let colors = ["Black", "White", "Navy", "Grey", "Sage Green", "Matte Black", "Blush Pink", "Sky Blue"]
    static let colorAbbreviations = ["Black": "BLK", "White": "WHT", "Navy": "NVY", "Grey": "GRY", "Sage Green": "Sage Green",
                                     "Matte Black": "Matte Black", "Blush Pink": "Blush Pink", "Sky Blue": "Sky Blue"]

    var random: SeededRandom

    /// `count` distinct variants and their catalog items.
    mutating func catalog(count: Int) -> (items: [CatalogItem], variants: [Variant]) {
        var all: [Variant] = []
        for (index, family) in Self.families.enumerated() {
            for size in family.sizes {
                for color in Self.colors {
                    for pack in family.packs { all.append(Variant(family: index, size: size, color: color, pack: pack)) }
                }
            }
        }
        all.shuffle(using: &random)
        let chosen = Array(all.prefix(count))
        var items: [CatalogItem] = []
        for (index, variant) in chosen.enumerated() {
            let family = Self.families[variant.family]
            let pack = variant.pack > 1 ? random.pick([" (\(variant.pack) Pack)", ", Pack of \(variant.pack)", " - \(variant.pack) Count"]) : ""
            let marketing = random.pick(["", " – Dishwasher Safe", " for Home and Office", " – Premium Quality", " – BPA Free"])
            let title = "Acme \(family.name) \(variant.size), \(variant.color)\(pack)\(marketing)"
            let sku = "ACME-\(family.abbreviation.prefix(2).uppercased())-\(String(format: "%03d", index + 1))"
            items.append(CatalogItem(sku: sku, asin: "B0" + String(format: "%08d", 10_000_000 + index * 37), fnsku: nil, title: title))
        }
        return (items, chosen)
    }

    /// A supplier's way of writing a variant.
    mutating func describe(_ variant: Variant) -> String {
        let family = Self.families[variant.family]
        let name = random.pick([family.name, family.abbreviation, family.supplierName])
        var size = variant.size
        if size.hasSuffix("ml"), random.chance(0.4) { size = size.replacingOccurrences(of: "ml", with: " ML") }
        if size == "1L", random.chance(0.5) { size = "1000ml" }
        if size.hasSuffix("oz"), random.chance(0.4) { size = size.replacingOccurrences(of: "oz", with: " OZ") }
        let color = random.chance(0.4) ? Self.colorAbbreviations[variant.color]! : variant.color
        var pack = ""
        if variant.pack > 1 {
            pack = random.pick(["\(variant.pack)PK", "\(variant.pack) pack", "pack of \(variant.pack)", "\(variant.pack) pcs/set", "\(variant.pack)-Pack"])
        }
        let extras = random.chance(0.5) ? [random.pick(["OEM", "custom logo", "export carton", "with color box", "new mould"])] : []
        var parts = [name, size, color] + (pack.isEmpty ? [] : [pack]) + extras
        if random.chance(0.3) { parts.swapAt(1, 2) }
        var text = parts.joined(separator: random.pick([" ", ", ", " - "]))
        if random.chance(0.25) { text = text.uppercased() }
        return text
    }

    /// Lines meaning catalog items, and lines that must stay unmapped.
    mutating func plantedLines(items: [CatalogItem], variants: [Variant], count: Int) -> [PlantedLine] {
        var lines: [PlantedLine] = []
        for _ in 0..<count {
            let roll = random.int(0...99)
            if roll < 75 {
                let index = random.int(0...(items.count - 1))
                lines.append(PlantedLine(description: describe(variants[index]), sku: items[index].sku, kind: "catalog item"))
            } else if roll < 88 {
                // A pack size the catalog does not carry for that variant: must not map.
                let index = random.int(0...(items.count - 1))
                var variant = variants[index]
                let family = Self.families[variant.family]
                let missing = [1, 2, 3, 4, 5, 6, 8, 10, 12, 20, 24].filter { pack in
                    !family.packs.contains(pack) && !variants.contains { $0.family == variant.family && $0.size == variant.size && $0.color == variant.color && $0.pack == pack }
                }
                guard let pack = missing.first(where: { _ in random.chance(0.5) }) ?? missing.first else { continue }
                variant.pack = pack
                var description = describe(variant)
                if pack == 1 { description += " single" }
                lines.append(PlantedLine(description: description, sku: nil, kind: "pack size not in catalog"))
            } else {
                let text = random.pick(["Polybag 20x30cm with warning label", "Master carton 60x40x40cm 5 ply", "Custom printed insert card",
                                        "Shipping labels FBA 100 sheets", "Silica gel desiccant 2g", "Bubble wrap roll 50m",
                                        "Wooden Spoon Set 5 pieces", "Beach Towel Oversized Striped", "Phone Case iPhone 15 Clear"])
                lines.append(PlantedLine(description: text, sku: nil, kind: "not in catalog"))
            }
        }
        return lines
    }
}
