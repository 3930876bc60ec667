import Foundation

/// One figure of the totals block.
struct SummaryFigure: Sendable {
    var role: LabelVocabulary.SummaryRole
    var label: String
    var value: Decimal
    var line: LayoutLine
    var how: String
    var repaired: Bool
    var marker: String?
    /// Fraction digits as printed: 0 for "70111" where OCR may have lost the mark of 701.11.
    var fractionDigits: Int
    /// Other readings of the printed digits (the mark elsewhere), for the totals to confirm.
    var alternatives: [Decimal] = []
}

/// Reads the totals block: subtotal, freight, duty, other charges, discount, tax, total, each
/// from a label and the amount beside (or below) it.
struct TotalsReader {
    let pages: [[LayoutLine]]
    let goodsLines: Set<LineKey>
    let format: NumberFormat
    /// The goods table's amount column, whose position the totals usually share.
    let amountColumn: TableColumn?

    /// Words after a totals label that make it something else ("Tax ID", "Shipping Marks").
    static let disqualifiers: Set<String> = [
        "id", "no", "number", "nr", "reg", "registration", "code", "#", "identification", "account", "terms", "term",
        "mark", "marks", "method", "date", "via", "by", "address", "to", "mode", "port", "agent", "forwarder", "company",
        "included", "incl", "inclusive", "exempt", "invoice", "details", "info", "information", "weight", "point",
    ]

    func read() -> [SummaryFigure] {
        var figures: [SummaryFigure] = []
        for page in pages {
            for line in page where !line.isBlank && !goodsLines.contains(line.key) {
                let matches = LabelFinder.matches(in: line, vocabulary: LabelVocabulary.summary)
                for match in matches where match.atCellStart || match.colon {
                    if match.role == .ignored || match.role == .pageCarry { continue }
                    let nextWord = match.lastWord + 1 < line.words.count ? LabelVocabulary.normalize(line.words[match.lastWord + 1].text) : ""
                    if Self.disqualifiers.contains(nextWord) { continue }
                    guard let (reading, where_, valueLine) = value(for: match, on: line, page: page) else { continue }
                    let label = match.text.trimmingCharacters(in: CharacterSet(charactersIn: ": "))
                    figures.append(SummaryFigure(role: match.role, label: label, value: reading.value, line: valueLine,
                                                 how: "label '\(label)' on page \(line.page), line \(line.index + 1), amount \(where_)",
                                                 repaired: reading.repaired, marker: reading.currencyMarker,
                                                 fractionDigits: reading.fractionDigits,
                                                 alternatives: (reading.alternatives + reading.shifted).map(\.value)))
                }
            }
        }
        return figures
    }

    /// The amount of a totals label: in its cell, then the amount cell right of it (the one
    /// under the goods table's amount column if any, else the last), then below, then left.
    private func value(for match: LabelMatch<LabelVocabulary.SummaryRole>, on line: LayoutLine, page: [LayoutLine])
        -> (NumberReading, String, LayoutLine)? {
        let cellOf = line.cellOfWord
        // Same cell: "Subtotal: USD 1,234.50".
        let rest = line.words.indices.filter { $0 > match.lastWord && cellOf[$0] == match.cell }.map { line.words[$0].text }
        if !rest.isEmpty {
            // Try the whole remainder, then its last word ("VAT 20% 246.90" keeps 246.90).
            let candidates = [rest.joined(separator: " "), rest.last!]
            for text in candidates {
                if let reading = NumberReader.read(text, format: format), !reading.isPercent {
                    return (reading, "after it", line)
                }
            }
        }
        let right = line.cells.indices.filter { $0 > match.cell }.compactMap { index -> (LayoutCell, NumberReading)? in
            let cell = line.cells[index]
            if let reading = NumberReader.read(cell.text, format: format), !reading.isPercent { return (cell, reading) }
            // "USD   1,234.50" split oddly: the cell's last word.
            if let last = cell.words.last, let reading = NumberReader.read(last.text, format: format), !reading.isPercent,
               cell.words.count <= 2 { return (cell, reading) }
            return nil
        }
        // A label with another label between it and the amount is not this amount's label.
        if let amountColumn, let aligned = right.first(where: { GoodsRowReader.overlap($0.0.start, $0.0.end, amountColumn) > 0 }) {
            return (aligned.1, "to its right", line)
        }
        if let last = right.last {
            let labelsBetween = line.cells.indices.filter { $0 > match.cell && line.cells[$0].start < last.0.start }
                .contains { LabelVocabulary.isLabel(line.cells[$0].text) }
            if !labelsBetween { return (last.1, "to its right", line) }
        }
        if right.isEmpty {
            // Below (a box of labels over values), then left.
            if let position = page.firstIndex(where: { $0.index == line.index }) {
                for below in page[(position + 1)...].prefix(2) where !below.isBlank {
                    if let cell = below.cells.first(where: { $0.end > match.start - 2 && $0.start < match.end + 2 }),
                       let reading = NumberReader.read(cell.text, format: format), !reading.isPercent {
                        return (reading, "below it", below)
                    }
                    break
                }
            }
            if match.cell > 0, match.cell == line.cells.count - 1, match.atCellStart, let reading = NumberReader.read(line.cells[match.cell - 1].text, format: format),
               !reading.isPercent, line.cells.count == 2 {
                return (reading, "to its left", line)
            }
        }
        return nil
    }
}
