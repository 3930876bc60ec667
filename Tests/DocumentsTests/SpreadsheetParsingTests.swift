import Foundation
import Testing
@testable import OpsideDocuments

@Suite("Spreadsheets and CSV")
struct SpreadsheetParsingTests {
    @Test func smallWorkbookGivesExactRowsInSheetOrder() async throws {
        let folder = try TestFolder()
        let prices = """
            <row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row>\
            <row r="2"><c r="A2" t="s"><v>3</v></c><c r="B2"><v>12</v></c><c r="C2"><v>3.5</v></c></row>\
            <row r="4"><c r="A4" t="inlineStr"><is><t>Gadget &amp; Co</t></is></c><c r="C4"><f>B2*C2</f><v>0.30000000000000004</v></c>\
            <c r="D4" t="b"><v>1</v></c><c r="E4" s="1"><v>45366</v></c><c r="F4" t="e"><v>#N/A</v></c></row>
            """
        let notes = #"<row r="1"><c r="B1" t="s"><v>4</v></c></row>"#
        let sharedStrings = [
            "<t>SKU</t>", "<t>Qty</t>", "<t>Price</t>",
            // Rich text: two runs make one string; the phonetic guide is not part of it.
            #"<r><rPr><b/></rPr><t>Widget </t></r><r><t xml:space="preserve">blue</t></r><rPh sb="0" eb="1"><t>ウィ</t></rPh>"#,
            "<t>Line one_x000D_\nLine two</t>",
        ]
        let styles = #"<numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="164"/></cellXfs>"#
        let file = try folder.write(TestWorkbook.xlsx(sheets: [("Prices", prices), ("Notes", notes)], sharedStrings: sharedStrings, styles: styles),
                                    named: "prices.xlsx")

        let document = try await TestParser.parsing().parse(fileAt: file)

        #expect(document.kind == .xlsx)
        #expect(document.method == .xlsx)
        #expect(document.pageCount == 2)
        #expect(document.tables.map(\.name) == ["Prices", "Notes"])
        #expect(document.tables[0].rows == [
            ["SKU", "Qty", "Price"],
            ["Widget blue", "12", "3.5"],
            [],
            ["Gadget & Co", "", "0.3", "TRUE", "2024-03-15", "#N/A"],
        ])
        #expect(document.tables[1].rows == [["", "Line one\r\nLine two"]])
    }

    @Test func zipBombWorkbookIsRefusedFromItsDeclaredSize() async throws {
        let folder = try TestFolder()
        let bomb = try TestWorkbook.zipBomb(sheetBytes: 300 * 1_048_576)
        #expect(bomb.count < 2 * 1_048_576)
        let file = try folder.write(bomb, named: "bomb.xlsx")
        #expect(try DocumentKind.sniff(fileAt: file) == .xlsx)

        let rejection = await #expect(throws: DocumentRejection.self) { try await TestParser.parsing().parse(fileAt: file) }

        #expect(rejection?.code == .zipBomb)
        #expect(rejection?.message.contains("would unpack to 300 MB") == true)
    }

    @Test func workbookPackedFarTighterThanARealSheetIsRefused() async throws {
        let folder = try TestFolder()
        // 40 MB is within the 50 MB unpacked limit; packed about 1000× it is no spreadsheet.
        let file = try folder.write(TestWorkbook.zipBomb(sheetBytes: 40 * 1_048_576), named: "dense.xlsx")

        let rejection = await #expect(throws: DocumentRejection.self) { try await TestParser.parsing().parse(fileAt: file) }

        #expect(rejection?.code == .zipBomb)
        #expect(rejection?.message.contains("the limit is 200×") == true)
    }

    @Test func zipBombThatLiesAboutItsSizeIsCaughtWhileUnpacking() async throws {
        let folder = try TestFolder()
        // 120 MB of cells declared as 1000 bytes: only counting the inflated bytes catches it.
        let lying = TestWorkbook.declaringUncompressedSize(1000, for: "xl/worksheets/sheet1.xml",
                                                            in: try TestWorkbook.zipBomb(sheetBytes: 120 * 1_048_576))
        let file = try folder.write(lying, named: "lying.xlsx")

        let rejection = await #expect(throws: DocumentRejection.self) { try await TestParser.parsing().parse(fileAt: file) }

        #expect(rejection?.code == .zipBomb)
        #expect(rejection?.message.contains("unpacks to more than") == true)
    }

    @Test func workbookWithADocumentTypeDeclarationIsRefused() async throws {
        let folder = try TestFolder()
        let entityBomb = #"<!DOCTYPE lol [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><t>&b;</t>"#
        let file = try folder.write(TestWorkbook.xlsx(sheets: [("S", #"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#)], sharedStrings: [entityBomb]),
                                    named: "entities.xlsx")

        let rejection = await #expect(throws: DocumentRejection.self) { try await TestParser.parsing().parse(fileAt: file) }

        #expect(rejection?.code == .malformed)
        #expect(rejection?.message.contains("document type declaration") == true)
    }

    @Test func csvWithQuotesSemicolonsAndBOMGivesExactRows() async throws {
        let folder = try TestFolder()
        let text = "Artikel;Beschreibung;Preis\r\nA-1;\"Schraube; 5\"\" lang\";3,50\r\n\r\nB-2;\"zwei\nZeilen\";\"\"\r\nC-3;ohne Anführung;4,00"
        let file = try folder.write(Data([0xEF, 0xBB, 0xBF]) + Data(text.utf8), named: "preise.csv")

        let document = try await TestParser.parsing().parse(fileAt: file)

        #expect(document.kind == .csv)
        #expect(document.method == .csv)
        #expect(document.tables == [ParsedTable(name: nil, rows: [
            ["Artikel", "Beschreibung", "Preis"],
            ["A-1", "Schraube; 5\" lang", "3,50"],
            ["B-2", "zwei\nZeilen", ""],
            ["C-3", "ohne Anführung", "4,00"],
        ])])
    }

    @Test func csvDelimiterIsTheOneUsedConsistently() {
        #expect(CSVDialect.sniffDelimiter(in: "a,b,c\n1,2,3\n4,5,6\n", sampleIsWholeFile: true) == ",")
        // Decimal commas inside semicolon-separated fields do not make it a comma CSV.
        #expect(CSVDialect.sniffDelimiter(in: "Name;Preis\nA;1,50\nB;2,30\nC;4\n", sampleIsWholeFile: true) == ";")
        #expect(CSVDialect.sniffDelimiter(in: "a\tb\n1\t2\n", sampleIsWholeFile: true) == "\t")
        #expect(CSVDialect.sniffDelimiter(in: "just words\nand more words\n", sampleIsWholeFile: true) == nil)
    }
}
