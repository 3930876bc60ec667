import Foundation
import OpsideRender

/// Documents the render tests share: a proof-packet-like summary whose invoice table spans pages.
enum RenderFixtures {
    static let packetDate = Date(timeIntervalSince1970: 1_741_953_600) // 2025-03-14T12:00:00Z

    static let metadata = DocumentMetadata(title: "Proof packet 4711", author: "Opside", subject: "Lost inventory claim",
                                           date: packetDate)

    /// The description of table row `index`; rows whose index is a multiple of 17 are highlighted.
    static func rowDescription(_ index: Int) -> String { "Silicone baking mat 2-pack, lot \(1000 + index)" }
    static func isHighlighted(_ index: Int) -> Bool { index % 17 == 5 }

    /// A summary with a heading, text, key–values, arithmetic and a table of `rows` invoice lines.
    static func packet(rows: Int, pageSize: PageSize = .a4) -> RenderDocument {
        var document = RenderDocument(pageSize: pageSize, metadata: metadata, footer: PageFooter(text: "Opside proof packet 4711"))
        document.append(.heading("Proof packet 4711", level: 1))
        document.append(.paragraph(RichText("This packet shows the supplier invoice lines that establish the unit cost of ")
                                   + .bold("BW-MAT-2") + RichText(" and the arithmetic of the claimed amount. ")
                                   + .italic("Matched lines are highlighted.")))
        document.append(.keyValues([KeyValuePair("Supplier", "Ningbo Haoyun Household Products Co., Ltd."),
                                    KeyValuePair("Invoice", "HY-2025-0314"),
                                    KeyValuePair("Currency", "USD")]))
        document.append(.monospace("unit cost = 1,236.00 / 400 = 3.09\nclaimed   = 3.09 × 12 = 37.08"))
        document.append(.rule)
        document.append(.heading("Invoice lines", level: 2))
        let columns = [TableColumn("Description", width: .relative(3)), TableColumn("SKU", width: .relative(1.2)),
                       TableColumn("Qty", width: .points(44), alignment: .right),
                       TableColumn("Unit Price", width: .points(64), alignment: .right),
                       TableColumn("Amount", width: .points(70), alignment: .right)]
        let tableRows = (0..<rows).map { index in
            TableRow(strings: [rowDescription(index), "SKU-\(index)", "\(10 + index)", "3.09", String(format: "%.2f", Double(10 + index) * 3.09)],
                     highlighted: isHighlighted(index))
        }
        document.append(.table(RenderTable(columns: columns, rows: tableRows)))
        document.append(.paragraph("End of invoice lines."))
        return document
    }
}
