import Foundation

/// The goods table of a document: its lines, its header, and the layout lines it used.
struct GoodsTable: Sendable {
    var lines: [InvoiceLine] = []
    var rows: [GoodsRow] = []
    var header: TableHeader?
    /// Goods rows and their continuation lines.
    var goodsLines: Set<LineKey> = []
    /// Header lines (first and repeated).
    var headerLines: Set<LineKey> = []
    var repairedLines: [Int] = []
}

/// Reads the goods table across pages: finds the header by its labels, assigns each line's cells
/// to columns by position, joins continuation lines of long descriptions, follows the table onto
/// later pages (with or without a repeated header), and stops at the totals.
struct GoodsTableReader {
    let pages: [[LayoutLine]]
    let format: NumberFormat
    let currencyDigits: Int

    private enum State { case searching, inTable, closed }

    /// Words that end the goods table when they open a line.
    static let endWords: Set<String> = ["bank", "beneficiary", "remarks", "remark", "notes", "note", "swift", "iban",
                                        "account", "payment", "terms", "declaration", "signature", "authorized",
                                        "authorised", "thank", "thanks", "say", "packing", "shipping", "marks"]
    static let endWordsWithoutColon: Set<String> = ["thank", "thanks", "say", "signature", "authorized", "authorised", "declaration"]

    private struct Item {
        var row: GoodsRow
        var page: Int
        var lines: [LayoutLine]
        var prefix: [String] = []
        var suffix: [String] = []
        var prefixLines: [LayoutLine] = []
    }

    func read() -> GoodsTable {
        var table = GoodsTable()
        var state = State.searching
        var header: TableHeader?
        var closedPage = 0
        var items: [Item] = []
        var pending: [LayoutLine] = []
        var prefixForNext: [LayoutLine] = []

        func textOf(_ line: LayoutLine, columns: [TableColumn]) -> String {
            let texts = GoodsRowReader.cellTexts(of: line, columns: columns, format: format)
            return texts.sorted { $0.key < $1.key }.filter { [.description, .detail].contains(columns[$0.key].role) }
                .flatMap(\.value).joined(separator: " ")
        }
        /// Pending text lines go to the previous item when they follow it closely.
        func settlePending(nextRowLine: LayoutLine?) {
            defer { pending = [] }
            guard !pending.isEmpty, let columns = header?.columns else { return }
            let previous = items.last.flatMap { $0.page == pending[0].page ? $0 : nil }
            // The last run of text lines, if it touches the next row and a blank line parts it
            // from what came before, starts that row's description (vertically centred rows).
            var runStart = pending.count - 1
            while runStart > 0, pending[runStart].index == pending[runStart - 1].index + 1 { runStart -= 1 }
            if let nextRowLine, nextRowLine.page == pending[0].page, nextRowLine.index == pending.last!.index + 1 {
                let before = runStart > 0 ? pending[runStart - 1].index : previous?.lines.last?.index
                if before.map({ pending[runStart].index - $0 > 1 }) ?? true {
                    prefixForNext = Array(pending[runStart...])
                    pending.removeSubrange(runStart...)
                }
            }
            guard !pending.isEmpty else { return }
            let gapBefore = previous.map { pending[0].index - $0.lines.last!.index - 1 } ?? Int.max
            guard let _ = previous, gapBefore <= 1 else { return }
            for line in pending {
                let text = textOf(line, columns: columns)
                guard !text.isEmpty else { continue }
                items[items.count - 1].suffix.append(text)
                items[items.count - 1].lines.append(line)
            }
        }
        for page in pages {
            var rowsOnPage = 0
            var headerOnPage = false
            var position = 0
            while position < page.count {
                let line = page[position]
                defer { position += 1 }
                if line.isBlank { continue }
                let next = position + 1 < page.count ? page[position + 1] : nil
                if state != .closed || line.page > closedPage,
                   let found = TableHeaderDetector.header(at: line, next: next) {
                    if state == .inTable { settlePending(nextRowLine: nil) }
                    if header == nil || state != .searching { table.header = table.header ?? found }
                    header = found
                    table.header = table.header ?? found
                    state = .inTable
                    headerOnPage = true
                    for offset in 0..<found.lineCount { table.headerLines.insert(LineKey(page: line.page, index: line.index + offset)) }
                    position += found.lineCount - 1
                    continue
                }
                guard state == .inTable, let columns = header?.columns else { continue }
                if line.isPageMark { continue }
                switch summaryKind(line) {
                case .end:
                    settlePending(nextRowLine: nil)
                    state = .closed
                    closedPage = line.page
                    continue
                case .charge:
                    continue
                case .none:
                    break
                }
                let texts = GoodsRowReader.cellTexts(of: line, columns: columns, format: format)
                if let row = GoodsRowReader.row(texts, columns: columns, format: format, currencyDigits: currencyDigits) {
                    // On a page the header did not repeat on, the first row must add up: the
                    // page's own heading lines must never pass for goods.
                    if !headerOnPage, rowsOnPage == 0, row.adds != true { pending = []; continue }
                    settlePending(nextRowLine: line)
                    var item = Item(row: row, page: line.page, lines: [line])
                    if !prefixForNext.isEmpty {
                        item.prefix = prefixForNext.map { textOf($0, columns: columns) }.filter { !$0.isEmpty }
                        item.prefixLines = prefixForNext
                        prefixForNext = []
                    }
                    items.append(item)
                    rowsOnPage += 1
                    continue
                }
                if GoodsRowReader.isTextOnly(texts, columns: columns), rowsOnPage > 0 || headerOnPage, !opensWithLabel(line) {
                    if let last = pending.last, line.index - last.index > 2 { settlePending(nextRowLine: nil) }
                    pending.append(line)
                }
            }
            if state == .inTable { settlePending(nextRowLine: nil) }
            prefixForNext = []
        }

        for item in items {
            let row = item.row
            let description = (item.prefix + [row.description] + item.suffix).filter { !$0.isEmpty }.joined(separator: " ")
            let allLines = item.prefixLines + item.lines
            let source = allLines.map { $0.text }.joined(separator: "\n")
            let sellerSku = row.sellerSku ?? ASINText.sellerSKU(in: description)
            let asin = row.asin ?? ASINText.find(description) ?? row.supplierSku.flatMap(ASINText.find)
            let line = InvoiceLine(description: description, supplierSku: row.supplierSku, sku: sellerSku, asin: asin,
                                   quantity: row.quantity, unit: row.unit, unitPrice: row.unitPrice ?? 0,
                                   discountPercent: row.discountPercent, discountAmount: row.discountAmount,
                                   lineTotal: row.amount, page: item.page, lineIndex: allLines.first!.index,
                                   lineCount: allLines.last!.index - allLines.first!.index + 1, sourceText: source)
            if row.repaired { table.repairedLines.append(table.lines.count) }
            table.lines.append(line)
            table.rows.append(row)
            for used in allLines { table.goodsLines.insert(used.key) }
        }
        if table.lines.isEmpty, table.header == nil {
            table = ShapeRowReader(pages: pages, format: format, currencyDigits: currencyDigits).read()
        }
        return table
    }

    private enum SummaryKind { case end, charge, none }

    /// Whether a line is a totals line (a label and figures only): subtotal, total and tax end
    /// the table; a charge (freight, duty, a fee, a discount) or a carried-forward figure
    /// inside it is skipped and left to the totals. A goods line whose text only starts with
    /// such a word ("Shipping boxes 12x10") is neither.
    private func summaryKind(_ line: LayoutLine) -> SummaryKind {
        if opensWithLabel(line) { return .end }
        // A row of totals labels ("Subtotal   Freight   Total") over their amounts.
        if line.cells.count >= 2, line.cells.allSatisfy({ cell in
            let key = LabelVocabulary.words(cell.text).joined(separator: " ")
            return LabelVocabulary.summary[key] != nil
        }) { return .end }
        guard let first = LabelFinder.matches(in: line, vocabulary: LabelVocabulary.summary).first,
              first.atCellStart, first.firstWord == 0 || first.cell == 0 || line.cells[..<first.cell].allSatisfy({ $0.text.count <= 3 })
        else { return .none }
        let cellOf = line.cellOfWord
        let restInCell = line.words.indices.filter { $0 > first.lastWord && cellOf[$0] == first.cell }.map { line.words[$0].text }
        let otherCells = line.cells.indices.filter { $0 > first.cell }.map { line.cells[$0].text }
        let pieces = (restInCell.isEmpty ? [] : [restInCell.joined(separator: " ")]) + otherCells
        let figuresOnly = pieces.allSatisfy { piece in
            NumberReader.read(piece, format: format) != nil || NumberReader.quantity(piece, format: format) != nil
                || CurrencyReader.code(in: piece) != nil || piece.allSatisfy { ":-–$€£¥".contains($0) }
        }
        guard figuresOnly else { return .none }
        switch first.role {
        case .subtotal, .total, .balanceDue, .tax, .ignored: return .end
        case .freight, .duty, .otherCharge, .discount, .pageCarry: return .charge
        }
    }

    private func opensWithLabel(_ line: LayoutLine) -> Bool {
        guard let word = line.words.first else { return false }
        let normalized = LabelVocabulary.normalize(word.text)
        if Self.endWordsWithoutColon.contains(normalized) { return true }
        let colon = word.text.hasSuffix(":") || line.words.dropFirst().prefix(3).contains { $0.text.hasSuffix(":") }
        if Self.endWords.contains(normalized), colon { return true }
        if let match = LabelFinder.matches(in: line, vocabulary: LabelVocabulary.fields).first, match.firstWord == 0, match.colon {
            return true
        }
        return false
    }
}
