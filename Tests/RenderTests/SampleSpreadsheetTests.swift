import Foundation
import OpsideDocumentSamples
import Testing

@Suite("Sample CSV and XLSX price lists")
struct SampleSpreadsheetTests {
    @Test(arguments: [(InvoiceLayout.classic, UInt64(1)), (.europe, 2), (.purchaseOrder, 3), (.commercial, 4), (.modern, 5), (.classic, 6)])
    func csvHasTheHeaderWhereTheTruthSaysAndEveryLine(layout: InvoiceLayout, seed: UInt64) throws {
        var generator = SampleInvoiceGenerator(seed: seed)
        let invoice = generator.invoice(layout: layout)
        let sheet = SampleSpreadsheetWriter.csv(invoice, seed: seed)
        let layoutTruth = sheet.layout
        let delimiter = try #require(layoutTruth.delimiter?.first)
        #expect(delimiter == (invoice.numberStyle == .european ? ";" : ","))
        let rows = CSVReading.rows(String(decoding: sheet.data, as: UTF8.self), delimiter: delimiter)
        try #require(rows.count >= layoutTruth.headerRowIndex + 1 + invoice.lines.count)
        #expect(rows[layoutTruth.headerRowIndex] == layoutTruth.columnTitles)
        let style = layoutTruth.numberStyle
        for (index, line) in invoice.lines.enumerated() {
            let row = rows[layoutTruth.headerRowIndex + 1 + index]
            func cell(_ column: SampleSpreadsheetColumn) -> String? { layoutTruth.columns.firstIndex(of: column).map { row[$0] } }
            #expect(cell(.supplierSku) == line.supplierSku)
            #expect(cell(.quantity) == "\(line.quantity)")
            #expect(cell(.unitPrice) == style.plainAmount(line.unitPrice))
            #expect(cell(.lineTotal) == style.plainAmount(line.lineTotal))
            #expect(cell(.description)?.hasPrefix(line.description) == true)
            if let sellerColumn = cell(.sellerSku) { #expect(sellerColumn == (line.sellerSku ?? "")) }
        }
        if let totalRow = layoutTruth.totalRowIndex {
            #expect(rows[totalRow].contains(style.plainAmount(invoice.subtotal)))
        }
        #expect(rows.count == layoutTruth.headerRowIndex + 1 + invoice.lines.count + (layoutTruth.totalRowIndex == nil ? 0 : 1))
    }

    @Test(arguments: [UInt64(1), 2, 3, 4, 5, 6])
    func xlsxUnzipsToAWorkbookWithNumericCells(seed: UInt64) throws {
        var generator = SampleInvoiceGenerator(seed: seed)
        let invoice = generator.invoice(layout: seed % 2 == 0 ? .purchaseOrder : .classic)
        let sheet = try SampleSpreadsheetWriter.xlsx(invoice, seed: seed)
        let directory = try TemporaryDirectory()
        let file = try directory.write(sheet.data, named: "prices.xlsx")
        let parts = Set(try ExternalTool.run("unzip", ["-Z1", file.path]).split(separator: "\n").map(String.init))
        #expect(parts == ["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
                          "xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/styles.xml"])
        _ = try ExternalTool.run("unzip", ["-tq", file.path]) // CRCs and streams intact

        let rows = try XLSXReading.read(file)
        let truth = sheet.layout
        try #require(rows.count >= truth.headerRowIndex + 1 + invoice.lines.count + (truth.totalRowIndex == nil ? 0 : 1))
        #expect(rows[truth.headerRowIndex].map(\.text) == truth.columnTitles)
        for (index, line) in invoice.lines.enumerated() {
            let row = rows[truth.headerRowIndex + 1 + index]
            func cell(_ column: SampleSpreadsheetColumn) -> XLSXReadCell? {
                let letter = String(UnicodeScalar(UInt8(65 + truth.columns.firstIndex(of: column)!)))
                return row.first { $0.reference.hasPrefix(letter) && $0.reference.dropFirst().allSatisfy(\.isNumber) }
            }
            #expect(cell(.supplierSku)?.text == line.supplierSku)
            // Numbers are numeric cells (no t="s"), not strings.
            let quantity = try #require(cell(.quantity))
            #expect(quantity.type == nil && quantity.value == "\(line.quantity)")
            let total = try #require(cell(.lineTotal))
            #expect(total.type == nil && Decimal(string: total.value ?? "") == line.lineTotal)
            #expect((total.formula != nil) == truth.formulas)
            #expect(Decimal(string: cell(.unitPrice)?.value ?? "") == line.unitPrice)
        }
        if let totalRow = truth.totalRowIndex {
            let sum = try #require(rows[totalRow].first { $0.formula?.hasPrefix("SUM(") == true })
            #expect(Decimal(string: sum.value ?? "") == invoice.subtotal)
        }
    }
}
