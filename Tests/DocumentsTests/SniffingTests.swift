import Foundation
import Testing
@testable import OpsideDocuments

@Suite("Sniffing a document's kind from its bytes")
struct SniffingTests {
    @Test func eachAcceptedKindIsRecognisedFromItsMagicBytes() throws {
        #expect(try DocumentKind.sniff(TestPDF.text(pages: [["Invoice"]])) == .pdf)
        #expect(try DocumentKind.sniff(Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13])) == .png)
        #expect(try DocumentKind.sniff(Data([0xFF, 0xD8, 0xFF, 0xE0, 0, 16])) == .jpeg)
        #expect(try DocumentKind.sniff(Data([0x49, 0x49, 0x2A, 0x00, 8, 0, 0, 0])) == .tiff)
        #expect(try DocumentKind.sniff(Data([0x4D, 0x4D, 0x00, 0x2A, 0, 0, 0, 8])) == .tiff)
        #expect(try DocumentKind.sniff(Self.isoMediaHeader(major: "heic", compatible: ["mif1", "heic"])) == .heic)
        #expect(try DocumentKind.sniff(Self.isoMediaHeader(major: "mif1", compatible: ["heic"])) == .heic)
        #expect(try DocumentKind.sniff(TestWorkbook.xlsx(sheets: [("Prices", "<row r=\"1\"><c r=\"A1\"><v>1</v></c></row>")])) == .xlsx)
        #expect(try DocumentKind.sniff(Data("sku,qty,price\nA-1,2,3.50\nB-2,1,4.00\n".utf8)) == .csv)
        #expect(try DocumentKind.sniff(Data([0xEF, 0xBB, 0xBF] + Array("Artikel;Menge;Preis\r\nA-1;2;3,50\r\n".utf8))) == .csv)
        #expect(try DocumentKind.sniff(Data("sku\tqty\nA-1\t2\n".utf8)) == .csv)
    }

    @Test func pdfMarkerIsFoundAfterUpTo1024BytesOfJunkButNotLater() throws {
        var junkThenPDF = Data(repeating: 0x20, count: 1000)
        junkThenPDF.append(TestPDF.text(pages: [["Invoice"]]))
        #expect(try DocumentKind.sniff(junkThenPDF) == .pdf)

        var tooMuchJunk = Data(repeating: 0x07, count: 2000)
        tooMuchJunk.append(TestPDF.text(pages: [["Invoice"]]))
        #expect(throws: DocumentRejection.self) { try DocumentKind.sniff(tooMuchJunk) }
    }

    @Test func renamedProgramZipAndWordDocumentAreRefusedNamingWhatTheyAre() throws {
        let program = Data("MZ\u{90}\u{0}\u{3}\u{0}\u{0}\u{0}This program cannot be run in DOS mode".utf8)
        let programRejection = #expect(throws: DocumentRejection.self) { try DocumentKind.sniff(program) }
        #expect(programRejection?.code == .unsupportedType)
        #expect(programRejection?.message.contains("Windows program") == true)

        let folder = try TestFolder()
        let plainZip = try Self.zip(["notes.txt": "hello", "invoice.pdf.txt": "not a pdf"])
        let zipRejection = #expect(throws: DocumentRejection.self) { try DocumentKind.sniff(fileAt: folder.write(plainZip, named: "invoice.xlsx")) }
        #expect(zipRejection?.code == .unsupportedType)
        #expect(zipRejection?.message.contains("a ZIP archive") == true)

        let wordDocument = try Self.zip(["[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"])
        let wordRejection = #expect(throws: DocumentRejection.self) { try DocumentKind.sniff(fileAt: folder.write(wordDocument, named: "prices.xlsx")) }
        #expect(wordRejection?.code == .unsupportedType)
        #expect(wordRejection?.message.contains("Word document") == true)
    }

    @Test func sniffingAFileOnDiskUsesItsBytesNotItsName() throws {
        let folder = try TestFolder()
        let workbookNamedAsPDF = try folder.write(TestWorkbook.xlsx(sheets: [("S", "")]), named: "invoice.pdf")
        #expect(try DocumentKind.sniff(fileAt: workbookNamedAsPDF) == .xlsx)
        let pdfNamedAsCSV = try folder.write(TestPDF.text(pages: [["x"]]), named: "data.csv")
        #expect(try DocumentKind.sniff(fileAt: pdfNamedAsCSV) == .pdf)
    }

    @Test func textThatIsNotACSVIsRefusedWithAdvice() throws {
        let prose = #expect(throws: DocumentRejection.self) { try DocumentKind.sniff(Data("Dear supplier\nplease find attached\nthe invoice\n".utf8)) }
        #expect(prose?.message.contains("without a consistent comma, semicolon or tab") == true)

        let latin1 = Data([0x50, 0x72, 0x65, 0x69, 0x73, 0x3B, 0x4D, 0xE4, 0x72, 0x7A, 0x0A, 0x31, 0x3B, 0x32, 0x0A])  // "Preis;März" in Latin-1
        let latin1Rejection = #expect(throws: DocumentRejection.self) { try DocumentKind.sniff(latin1) }
        #expect(latin1Rejection?.message.contains("CSV UTF-8") == true)

        let empty = #expect(throws: DocumentRejection.self) { try DocumentKind.sniff(Data()) }
        #expect(empty?.code == .malformed)
    }

    @Test func otherMediaFilesInAnISOBoxAreRefused() throws {
        let avif = #expect(throws: DocumentRejection.self) { try DocumentKind.sniff(Self.isoMediaHeader(major: "avif", compatible: ["mif1", "avif"])) }
        #expect(avif?.message.contains("AVIF") == true)
        let video = #expect(throws: DocumentRejection.self) { try DocumentKind.sniff(Self.isoMediaHeader(major: "isom", compatible: ["mp41"])) }
        #expect(video?.code == .unsupportedType)
    }

    // MARK: Helpers

    static func isoMediaHeader(major: String, compatible: [String]) -> Data {
        let size = 16 + 4 * compatible.count
        var box = Data([0, 0, 0, UInt8(size)])
        box.append(Data("ftyp\(major)".utf8))
        box.append(contentsOf: [0, 0, 0, 0])
        for brand in compatible { box.append(Data(brand.utf8)) }
        box.append(Data(repeating: 0, count: 32))
        return box
    }

    static func zip(_ files: [String: String]) throws -> Data {
        try TestWorkbook.zip(files)
    }
}
