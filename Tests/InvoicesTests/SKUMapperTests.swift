import Foundation
import Testing
@testable import OpsideInvoices

@Suite struct SKUMapperTests {
    let catalog = [
        CatalogItem(sku: "ACME-WB-500-BK", asin: "B0C7XK2M9P", title: "Acme Stainless Steel Water Bottle 500ml, Matte Black – Leak Proof"),
        CatalogItem(sku: "ACME-WB-750-BK", asin: "B0C7XK2M9Q", title: "Acme Stainless Steel Water Bottle 750ml, Matte Black"),
        CatalogItem(sku: "ACME-MC-12", asin: "B0D1111111", title: "Acme Microfiber Cleaning Cloth (12 Pack), Grey"),
        CatalogItem(sku: "ACME-MC-24", asin: "B0D2222222", title: "Acme Microfiber Cleaning Cloth (24 Pack), Grey"),
        CatalogItem(sku: "ACME-MUG-BL", title: "Acme Ceramic Coffee Mug 12oz, Blue"),
        CatalogItem(sku: "ACME-MUG-BL2", title: "Acme Ceramic Coffee Mug 12oz, Blue"),
    ]

    func line(_ description: String, supplierSku: String? = nil, sku: String? = nil, asin: String? = nil) -> InvoiceLine {
        InvoiceLine(description: description, supplierSku: supplierSku, sku: sku, asin: asin, quantity: 100, unitPrice: 2, lineTotal: 200)
    }

    @Test func aSKUOnTheLineMapsWithFullConfidence() {
        let mapper = SKUMapper(catalog: catalog)
        let bySKU = mapper.map(line("Bottle", sku: "acme-wb-750-bk"), supplier: nil)
        #expect(bySKU.sku == "ACME-WB-750-BK")
        #expect(bySKU.confidence == 1.0)
        #expect(bySKU.method == .exact)
        #expect(bySKU.reason.hasPrefix("SKU on the line"))
        let byASIN = mapper.map(line("Bottle", asin: "B0C7XK2M9P"), supplier: nil)
        #expect(byASIN.sku == "ACME-WB-500-BK")
        let inText = mapper.map(line("Cleaning cloth for ACME-MC-24 listing"), supplier: nil)
        #expect(inText.sku == "ACME-MC-24")
    }

    @Test func theSupplierTableMapsTheSuppliersCode() {
        let mapper = SKUMapper(catalog: catalog, supplierSKUs: [SupplierSKUEntry(supplier: "Shenzhen Huaxin Electronics Co., Ltd.",
                                                                                 supplierSku: "HX-WB500", sku: "ACME-WB-500-BK")])
        let mapping = mapper.map(line("SS bottle", supplierSku: "hx-wb500"), supplier: "SHENZHEN HUAXIN ELECTRONICS CO LTD")
        #expect(mapping.sku == "ACME-WB-500-BK")
        #expect(mapping.confidence == 0.98)
        #expect(mapping.method == .supplierTable)
        // The same code from another supplier means nothing.
        let other = mapper.map(line("unrelated widget", supplierSku: "HX-WB500"), supplier: "Another Factory")
        #expect(other.method != .supplierTable)
    }

    @Test func aMappingConfirmedBeforeIsReused() {
        let mapper = SKUMapper(catalog: catalog, confirmed: [ConfirmedMapping(supplier: "Yiwu Bright Star Trading Co., Ltd.",
                                                                              description: "Magic Cloth 30x30 GRY 12pcs", sku: "ACME-MC-12")])
        let mapping = mapper.map(line("MAGIC CLOTH 30X30 GRY 12PCS"), supplier: "Yiwu Bright Star Trading Co., Ltd")
        #expect(mapping.sku == "ACME-MC-12")
        #expect(mapping.confidence == 0.97)
        #expect(mapping.method == .confirmed)
    }

    @Test func aSupplierDescriptionMapsByTitleSimilarityNamingTheSharedWords() {
        let mapper = SKUMapper(catalog: catalog)
        let mapping = mapper.map(line("SS WATER BOTTLE 750 ML MATTE BLACK OEM LOGO"), supplier: "Huaxin")
        #expect(mapping.sku == "ACME-WB-750-BK")
        #expect(mapping.method == .fuzzyTitle)
        #expect(!mapping.needsReview)
        #expect(mapping.confidence > 0.6 && mapping.confidence <= 0.95)
        #expect(mapping.reason.contains("bottle"))
        #expect(mapping.reason.contains("750 ml agree"))
    }

    @Test func aSixPackNeverMapsToATwelvePack() {
        let mapper = SKUMapper(catalog: catalog)
        let six = mapper.map(line("Microfiber Cleaning Cloth Grey 6 pack"), supplier: nil)
        #expect(six.sku == nil)
        #expect(six.method == .unmapped)
        #expect(six.reason.contains("pack size"))
        let twelve = mapper.map(line("MICROFIBER CLEANING CLOTH GREY 12PK"), supplier: nil)
        #expect(twelve.sku == "ACME-MC-12")
        let single = mapper.map(line("Microfiber Cleaning Cloth Grey"), supplier: nil)
        #expect(single.sku == nil)
    }

    @Test func equallySimilarItemsAreAmbiguousWithLowerConfidence() {
        let mapper = SKUMapper(catalog: catalog)
        let mapping = mapper.map(line("Ceramic Coffee Mug 12oz Blue"), supplier: nil)
        #expect(mapping.isAmbiguous)
        #expect(mapping.needsReview)
        #expect(mapping.acceptedSKU == nil)
        #expect(mapping.reason.hasPrefix("ambiguous: ACME-MUG-BL, ACME-MUG-BL2"))
        #expect(mapping.confidence < 0.5)
    }

    @Test func unrelatedGoodsStayUnmapped() {
        let mapper = SKUMapper(catalog: catalog)
        let mapping = mapper.map(line("Master carton 60x40x40cm 5 ply"), supplier: nil)
        #expect(mapping.sku == nil)
        #expect(mapping.method == .unmapped)
    }
}
