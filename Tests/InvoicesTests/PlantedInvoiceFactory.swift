import Foundation
@testable import OpsideInvoices

/// A generated document: its pages and its truth.
struct PlantedInvoice {
    var layout: InvoiceLayout
    var pages: [String]
    var truth: PlantedTruth
}

/// Makes `count` documents of a layout from a seed: content, then printing, then (for the OCR
/// layout) noise.
enum PlantedInvoiceFactory {
    static func make(_ layout: InvoiceLayout, count: Int, seed: UInt64) -> [PlantedInvoice] {
        var random = SeededRandom(seed: seed)
        var documents: [PlantedInvoice] = []
        for index in 0..<count {
            var content = InvoiceContentGenerator(random: SeededRandom(seed: random.next()))
            var renderer = InvoiceTextRenderer(random: SeededRandom(seed: random.next()))
            let printedLayout: InvoiceLayout = layout == .ocrNoised
                ? [InvoiceLayout.classic, .rightLabels, .twoColumnHeader, .european, .multiPage][index % 5] : layout
            var invoice: GeneratedInvoice
            switch printedLayout {
            case .european:
                invoice = content.invoice(region: content.random.pick([.germany, .germany, .italy, .france]), lineCount: content.random.int(2...12), european: true)
            case .multiPage:
                invoice = content.invoice(region: content.random.pick([.china, .china, .us, .uk]), lineCount: content.random.int(60...90))
            default:
                let region = content.random.pick([InvoiceContentGenerator.Region.china, .china, .china, .us, .uk, .india, .japan, .germany])
                invoice = content.invoice(region: region, lineCount: content.random.int(2...12))
            }
            if printedLayout == .twoColumnHeader, content.random.chance(0.2) {
                invoice.documentType = .purchaseOrder
                invoice.poNumber = invoice.poNumber ?? "PO-\(content.random.int(1000...99999))"
            }
            if printedLayout == .twoColumnHeader, content.random.chance(0.3) {
                invoice.hasSellerSkuColumn = true
                for index in invoice.lines.indices where invoice.lines[index].sellerSku == nil {
                    let code = String(invoice.lines[index].supplierSku!.filter { $0.isLetter || $0.isNumber }.suffix(6))
                    invoice.lines[index].sellerSku = "ACME-\(code)-\(index + 1)"
                }
            }
            if printedLayout == .classic, invoice.tax == nil, content.random.chance(0.12) {
                // A discount column: line totals after the discount, totals follow.
                invoice.hasDiscountColumn = true
                let digits = CurrencyDigits.digits(for: invoice.currency) ?? 2
                for index in invoice.lines.indices {
                    let percent = content.random.pick([0, 0, 3, 5, 10])
                    guard percent > 0 else { continue }
                    let line = invoice.lines[index]
                    invoice.lines[index].discountPercent = percent
                    invoice.lines[index].lineTotal = DecimalArithmetic.rounded(
                        line.unitPrice * Decimal(line.quantity) * Decimal(100 - percent) / 100, scale: digits)
                }
                invoice.subtotal = invoice.lines.reduce(Decimal(0)) { $0 + $1.lineTotal }
                invoice.total = invoice.subtotal + invoice.charges.reduce(Decimal(0)) { $0 + $1.amount }
            }
            var pages: [String]
            switch printedLayout {
            case .classic: pages = renderer.classic(invoice)
            case .rightLabels: pages = renderer.rightLabels(invoice)
            case .twoColumnHeader: pages = renderer.twoColumnHeader(invoice)
            case .multiPage: pages = renderer.multiPage(invoice)
            case .european: pages = renderer.european(invoice)
            case .ocrNoised: fatalError("printed layouts are clean")
            }
            if layout == .ocrNoised {
                var noise = OCRNoise(random: SeededRandom(seed: random.next()))
                pages = pages.map { noise.apply(to: $0) }
            }
            var truth = invoice.truth
            if invoice.documentType == .purchaseOrder { truth.number = invoice.poNumber }
            documents.append(PlantedInvoice(layout: layout, pages: pages, truth: truth))
        }
        return documents
    }
}
