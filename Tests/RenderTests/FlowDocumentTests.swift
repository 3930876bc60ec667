import Foundation
import OpsideRender
import Testing

@Suite("Flow-layout PDF documents")
struct FlowDocumentTests {
    @Test func longTableBreaksAcrossThreePagesWithRepeatedHeaderAndFooter() throws {
        let pdf = try PDFRenderer.render(RenderFixtures.packet(rows: 100))
        let info = try ExternalTool.pdfInfo(pdf)
        #expect(info["Pages"] == "3")
        #expect(info["Title"] == "Proof packet 4711")
        #expect(info["Author"] == "Opside")
        #expect(info["Page size"]?.hasPrefix("595.276 x 841.89") == true)
        for page in 1...3 {
            let text = try ExternalTool.pdfText(pdf, first: page, last: page)
            // The header row repeats on every page the table spans.
            #expect(text.contains("Description") && text.contains("Unit Price") && text.contains("Amount"), "page \(page) lacks the header")
            #expect(text.contains("Page \(page) of 3"), "page \(page) lacks its footer")
            #expect(text.contains("Opside proof packet 4711"))
        }
        let all = try ExternalTool.pdfText(pdf)
        // Every row made it onto some page, once.
        for index in 0..<100 {
            #expect(all.components(separatedBy: RenderFixtures.rowDescription(index)).count == 2, "row \(index)")
        }
        #expect(all.contains("unit cost = 1,236.00 / 400 = 3.09"))
        #expect(all.contains("End of invoice lines."))
    }

    @Test func highlightedRowsAreDrawnOnTheHighlightColour() throws {
        let document = RenderFixtures.packet(rows: 12)
        let pages = try document.paginate()
        #expect(pages.count == 1)
        let highlightFills = pages[0].elements.filter {
            if case let .rectangle(_, fill, _, _) = $0 { return fill == .highlight }
            return false
        }
        #expect(highlightFills.count == (0..<12).filter(RenderFixtures.isHighlighted).count)
        // The colour really reaches the pixels, behind the highlighted row's text.
        let raster = try RasterRenderer.render(pages[0], dpi: 72)
        var highlighted = 0
        for index in stride(from: 0, to: raster.pixels.count, by: 3)
        where raster.pixels[index] == 255 && raster.pixels[index + 1] == 241 && raster.pixels[index + 2] == 168 {
            highlighted += 1
        }
        #expect(highlighted > 1000)
        let text = try ExternalTool.pdfText(try PDFRenderer.render(document))
        #expect(text.contains(RenderFixtures.rowDescription(5)))
    }

    @Test func sellerTextWithMarkupCharactersPrintsLiterally() throws {
        let hostile = "Acme <b>Bold</b> & Sons &amp; <i>unclosed <span x=\"1\">"
        var document = RenderDocument(metadata: RenderFixtures.metadata)
        document.append(.heading(hostile, level: 2))
        document.append(.paragraph(RichText(hostile) + .bold(" <u>&lt;")))
        document.append(.keyValues([KeyValuePair("Supplier <b>", RichText(hostile))]))
        document.append(.table(RenderTable(columns: [TableColumn("Name & <Co>")], rows: [TableRow(strings: [hostile])])))
        let text = try ExternalTool.pdfText(try PDFRenderer.render(document), layout: false)
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(lines.filter { $0 == hostile }.count == 3) // heading, key–value value, table cell
        #expect(lines.contains("\(hostile) <u>&lt;"))
        #expect(lines.contains("Supplier <b>"))
        #expect(lines.contains("Name & <Co>"))
    }

    @Test func controlCharactersDoNotTruncateText() throws {
        var document = RenderDocument(metadata: RenderFixtures.metadata)
        document.append(.paragraph("before\u{0}after\u{7}end"))
        let text = try ExternalTool.pdfText(try PDFRenderer.render(document), layout: false)
        #expect(text.contains("before after end"))
    }

    @Test func fontsAreDejaVuAndEmbedded() throws {
        let directory = try TemporaryDirectory()
        let file = try directory.write(try PDFRenderer.render(RenderFixtures.packet(rows: 3)), named: "fonts.pdf")
        let fonts = try ExternalTool.run("pdffonts", [file.path])
        let rows = fonts.split(separator: "\n").dropFirst(2)
        #expect(rows.contains { $0.contains("+DejaVuSans ") })
        #expect(rows.contains { $0.contains("+DejaVuSansMono") })
        #expect(rows.contains { $0.contains("+DejaVuSans-Bold") })
        // Columns "emb sub uni": every font embedded as a subset.
        #expect(!rows.isEmpty && rows.allSatisfy { $0.contains(" yes yes ") })
    }

    @Test func imagesAreScaledToWidthAndEmbedded() throws {
        let png = try RasterImage(width: 40, height: 20, filledWith: RenderColor(hex: 0x3366AA)).pngData()
        let image = try RenderImage(png: png)
        #expect(image.pixelWidth == 40 && image.pixelHeight == 20)
        var document = RenderDocument(metadata: RenderFixtures.metadata, footer: nil)
        document.append(.image(image, width: 200))
        document.append(.image(image, width: nil))
        let pages = try document.paginate()
        let rects = pages[0].elements.compactMap { element -> PageRect? in
            if case let .image(_, rect) = element { return rect }
            return nil
        }
        #expect(rects.map(\.width) == [200, 595.2756 - 102])
        #expect(rects.first?.height == 100)
        let directory = try TemporaryDirectory()
        let file = try directory.write(try PDFRenderer.render(document), named: "images.pdf")
        let list = try ExternalTool.run("pdfimages", ["-list", file.path])
        #expect(list.split(separator: "\n").dropFirst(2).count == 2)
        #expect(list.contains("   40    20 "))
        #expect(throws: RenderError.self) { try RenderImage(png: Data("not a png".utf8)) }
    }

    @Test func longParagraphSplitsBetweenLinesAcrossPages() throws {
        let sentence = "Each unit was received at the fulfilment centre and later reported lost. "
        var document = RenderDocument(metadata: RenderFixtures.metadata)
        document.append(.paragraph(RichText((0..<120).map { "[\($0)] \(sentence)" }.joined())))
        let pdf = try PDFRenderer.render(document)
        let pages = Int(try ExternalTool.pdfInfo(pdf)["Pages"] ?? "") ?? 0
        #expect(pages >= 2)
        let text = try ExternalTool.pdfText(pdf, layout: false).replacingOccurrences(of: "\n", with: " ")
        // No line lost or repeated at the break.
        for index in [0, 40, 60, 80, 119] { #expect(text.components(separatedBy: "[\(index)] Each unit").count == 2, "sentence \(index)") }
    }

    @Test func marginsThatLeaveNoRoomAreRejected() {
        let document = RenderDocument(margins: PageMargins(all: 290), metadata: RenderFixtures.metadata)
        #expect(throws: RenderError.self) { try PDFRenderer.render(document) }
    }
}
