import Foundation
import OpsideDocumentSamples
import OpsideRender
import Testing

@Suite("Sample invoices: truth and text PDFs")
struct SampleInvoiceTests {
    static func invoice(_ layout: InvoiceLayout, seed: UInt64 = 20_250_314) -> SampleInvoice {
        var generator = SampleInvoiceGenerator(seed: seed)
        return generator.invoice(layout: layout)
    }

    @Test(arguments: InvoiceLayout.allCases)
    func textPDFShowsTheNumberTheTotalAndEveryLine(layout: InvoiceLayout) throws {
        let invoice = Self.invoice(layout)
        let pdf = try SampleDocumentRenderer.textPDF(invoice, layout: layout)
        let text = try ExternalTool.pdfText(pdf)
        #expect(text.contains(invoice.number))
        #expect(text.contains(invoice.printedTotal), "total \(invoice.printedTotal)")
        #expect(text.contains(invoice.printedIssueDate))
        let rows = text.split(separator: "\n").map(String.init)
        for line in invoice.lines {
            // Every line's row: its supplier code, quantity and amount side by side, once.
            let matching = rows.filter { $0.contains(line.supplierSku) }
            #expect(matching.count == 1, "\(line.supplierSku) appears on \(matching.count) rows")
            guard let row = matching.first else { continue }
            let tokens = row.split(separator: " ").map(String.init)
            #expect(tokens.contains(invoice.numberStyle.quantity(line.quantity)), "quantity of \(line.supplierSku) in: \(row)")
            #expect(row.contains(invoice.numberStyle.amount(line.lineTotal)), "amount of \(line.supplierSku) in: \(row)")
            if let sku = line.sellerSku { #expect(text.contains("Seller SKU: \(sku)")) }
            if let asin = line.asin { #expect(text.contains("ASIN: \(asin)")) }
        }
        let info = try ExternalTool.pdfInfo(pdf)
        #expect(info["Author"] == (layout == .purchaseOrder ? invoice.billTo.name : invoice.supplier.name))
    }

    @Test func multiPageInvoiceContinuesItsTableWithTotalsOnTheLastPage() throws {
        let invoice = Self.invoice(.multiPage)
        #expect((60...120).contains(invoice.lines.count))
        let pdf = try SampleDocumentRenderer.textPDF(invoice, layout: .multiPage)
        let pages = try #require(Int(try ExternalTool.pdfInfo(pdf)["Pages"] ?? ""))
        #expect(pages >= 2)
        for page in 1...pages {
            let text = try ExternalTool.pdfText(pdf, first: page, last: page)
            #expect(text.contains("Page \(page) of \(pages)"))
            #expect(text.contains("Unit Price") && text.contains("Description"), "header on page \(page)")
            #expect(text.contains("Subtotal") == (page == pages), "totals only on the last page (page \(page))")
            if page > 1 { #expect(text.contains("continued")) }
        }
    }

    @Test(arguments: InvoiceLayout.allCases)
    func truthArithmeticIsExactToTheCent(layout: InvoiceLayout) {
        for seed in UInt64(1)...5 {
            let invoice = Self.invoice(layout, seed: seed)
            for line in invoice.lines { #expect(Decimal(line.quantity) * line.unitPrice == line.lineTotal) }
            #expect(invoice.lines.reduce(Decimal(0)) { $0 + $1.lineTotal } == invoice.subtotal)
            let charges = invoice.otherCharges.reduce(Decimal(0)) { $0 + $1.amount }
            #expect(invoice.subtotal + invoice.freight + invoice.duty + charges + invoice.tax == invoice.total)
            #expect(invoice.numberStyle == (layout == .europe ? .european : .us))
            #expect((invoice.kind == .purchaseOrder) == (layout == .purchaseOrder))
        }
    }

    @Test func linesReferToTheCatalogTheWayTheTruthSays() {
        let catalog = SellerCatalog.sample(seed: 9, count: 12)
        let bySku = Dictionary(uniqueKeysWithValues: catalog.map { ($0.sku, $0) })
        var generator = SampleInvoiceGenerator(seed: 9, catalog: catalog)
        var references = Set<SampleLineReference>()
        for _ in 0..<4 {
            for line in generator.invoice(layout: .multiPage).lines {
                references.insert(line.reference)
                guard let sku = line.catalogSku else {
                    #expect(line.reference == .none && line.sellerSku == nil && line.asin == nil)
                    continue
                }
                let item = bySku[sku]
                #expect(item != nil, "catalog SKU \(sku) not in the catalog")
                switch line.reference {
                case .sellerSku: #expect(line.sellerSku == sku && line.asin == nil)
                case .asin: #expect(line.asin == item?.asin && line.sellerSku == nil)
                case .supplierCode, .paraphrasedTitle:
                    #expect(line.sellerSku == nil && line.asin == nil)
                    #expect(!line.description.contains(sku))
                case .none: Issue.record("a catalog line marked as no reference")
                }
            }
        }
        #expect(references == [.sellerSku, .asin, .supplierCode, .paraphrasedTitle, .none])
    }

    @Test func aCallersCatalogWithUnknownTitlesIsParaphrased() {
        let catalog = [SellerCatalogItem(sku: "ZZ-MAT-6", asin: "B0ZZZZZZZZ", title: "Yoga Mat 6mm 2-Pack")]
        var generator = SampleInvoiceGenerator(seed: 3, catalog: catalog)
        let lines = (0..<6).flatMap { _ in generator.invoice(layout: .classic).lines }.filter { $0.catalogSku == "ZZ-MAT-6" }
        #expect(!lines.isEmpty)
        let paraphrased = lines.filter { $0.reference == .paraphrasedTitle }.map(\.description)
        #expect(paraphrased.allSatisfy { $0.hasPrefix("yoga mat 6mm (2 pcs)") })
    }

    @Test func truthRoundTripsThroughJSON() throws {
        for layout in InvoiceLayout.allCases {
            let invoice = Self.invoice(layout)
            let data = try SampleCorpus.manifestEncoder.encode(invoice)
            #expect(try JSONDecoder().decode(SampleInvoice.self, from: data) == invoice)
        }
    }

    @Test func amountsAndDatesAreFormattedAsTheStyleSays() {
        #expect(SampleNumberStyle.us.amount(Decimal(string: "1234.5")!) == "1,234.50")
        #expect(SampleNumberStyle.european.amount(Decimal(string: "1234.5")!) == "1.234,50")
        #expect(SampleNumberStyle.european.money(Decimal(string: "1234.5")!, currency: "EUR") == "1.234,50 €")
        #expect(SampleNumberStyle.us.money(Decimal(string: "1234567.05")!, currency: "USD") == "$1,234,567.05")
        #expect(SampleNumberStyle.us.quantity(1200) == "1,200")
        #expect(SampleNumberStyle.european.plainAmount(Decimal(string: "1234.5")!) == "1234,50")
        let date = SampleDate(year: 2025, month: 3, day: 4)
        #expect(SampleDateStyle.europeanDots.format(date) == "04.03.2025")
        #expect(SampleDateStyle.usLong.format(date) == "Mar 4, 2025")
        #expect(SampleDateStyle.dayMonthAbbreviation.format(date) == "04-Mar-2025")
        #expect(SampleDate(daysSince1970: date.daysSince1970) == date)
        #expect(SampleDate(daysSince1970: 0) == SampleDate(year: 1970, month: 1, day: 1))
        #expect(SampleDate(year: 2024, month: 2, day: 28).adding(days: 1) == SampleDate(year: 2024, month: 2, day: 29))
    }
}

@Suite("Sample invoices: scans and photos")
struct ScannedSampleTests {
    @Test(arguments: InvoiceLayout.allCases)
    func scannedPDFHasNoTextLayerAndOCRFindsTheInvoiceNumber(layout: InvoiceLayout) throws {
        let invoice = SampleInvoiceTests.invoice(layout)
        let pdf = try SampleDocumentRenderer.scannedPDF(invoice, layout: layout, seed: 11)
        #expect(try ExternalTool.pdfText(pdf).trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
        #expect(try ExternalTool.pdfInfo(pdf)["Pages"] == "\(layout.pages(for: invoice).count)")
        let png = try SampleDocumentRenderer.scannedPNG(invoice, layout: layout, seed: 11)
        let header = try #require(PNGHeader(png))
        #expect(header.colorType == 0) // greyscale, like an office scanner
        // OCR output may break a token with a space; the number must be there all the same.
        let ocr = try ExternalTool.ocr(png).filter { !$0.isWhitespace }
        #expect(ocr.contains(invoice.number), "OCR of \(layout) scan did not find \(invoice.number)")
    }

    @Test func photoIsColourUnevenlyLitAndReadable() throws {
        let invoice = SampleInvoiceTests.invoice(.classic)
        let png = try SampleDocumentRenderer.photoPNG(invoice, layout: .classic, seed: 4)
        let header = try #require(PNGHeader(png))
        #expect(header.colorType == 2)
        let image = try RasterImage(png: png)
        // Average brightness of the left and right margins differ: the light falls off.
        func columnMean(_ x: Int) -> Double {
            var sum = 0
            for y in stride(from: image.height / 4, to: image.height * 3 / 4, by: 4) { sum += Int(image.pixels[(y * image.width + x) * 3]) }
            return Double(sum) / Double((image.height / 2) / 4)
        }
        let top = { (y: Int) -> Double in
            var sum = 0
            for x in stride(from: image.width / 4, to: image.width * 3 / 4, by: 4) { sum += Int(image.pixels[(y * image.width + x) * 3]) }
            return Double(sum) / Double((image.width / 2) / 4)
        }
        let horizontal = abs(columnMean(40) - columnMean(image.width - 40))
        let vertical = abs(top(40) - top(image.height - 40))
        #expect(max(horizontal, vertical) > 12)
        let ocr = try ExternalTool.ocr(png).filter { !$0.isWhitespace }
        #expect(ocr.contains(invoice.number))
    }
}
