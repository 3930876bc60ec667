/// A column of the goods table: its role and the character columns its header label occupies.
struct TableColumn: Sendable, Equatable {
    var role: LabelVocabulary.ColumnRole
    var label: String
    var start: Int
    var end: Int
    var center: Double { Double(start + end) / 2 }
}

/// The header row of a goods table, found by its labels.
struct TableHeader: Sendable {
    /// Left to right.
    var columns: [TableColumn]
    var page: Int
    var lineIndex: Int
    /// 2 when the labels wrap ("Unit" above "Price").
    var lineCount: Int
    /// Header words that are no label: a header with many is prose.
    var unmatched: Int

    var roles: Set<LabelVocabulary.ColumnRole> { Set(columns.map(\.role)) }
    var hasQuantity: Bool { roles.contains(.quantity) }

    /// A goods table needs something naming the goods and at least two of quantity, price and
    /// amount, or a price alone (a price list).
    var isPlausible: Bool {
        let roles = self.roles
        let names = roles.contains(.description) || roles.contains(.supplierSku) || roles.contains(.sellerSku)
        let figures = [LabelVocabulary.ColumnRole.quantity, .unitPrice, .amount].filter(roles.contains).count
        let labelled = columns.filter { $0.role != .ignored }.count
        return names && (figures >= 2 || roles.contains(.unitPrice)) && labelled >= 2 && unmatched * 2 <= columns.count
    }

    /// More labels and fewer stray words score higher.
    var score: Int { columns.count * 2 - unmatched }
}

/// Finds goods-table headers in layout lines.
enum TableHeaderDetector {
    /// The header that `line` (or `line` with the next line, for labels that wrap) spells, if any.
    static func header(at line: LayoutLine, next: LayoutLine?) -> TableHeader? {
        guard !line.isBlank else { return nil }
        let single = detect(cells: line.cells.map(\.words), page: line.page, lineIndex: line.index, lineCount: 1)
        guard let next, !next.isBlank, next.index == line.index + 1, !next.text.contains(where: \.isNumber) else {
            return single.flatMap { $0.isPlausible ? $0 : nil }
        }
        // Labels that wrap onto a second line ("Unit" over "Price", "Item" over "Description").
        let merged = detect(cells: mergeVertically(line, next), page: line.page, lineIndex: line.index, lineCount: 2)
        let nextIsLabels = isAllLabels(next)
        if let merged, merged.isPlausible {
            if let single, single.isPlausible {
                if nextIsLabels, merged.columns.count >= single.columns.count, merged.unmatched <= single.unmatched + 1 { return merged }
                return nextIsLabels ? TableHeader(columns: single.columns, page: single.page, lineIndex: single.lineIndex,
                                                  lineCount: 2, unmatched: single.unmatched) : single
            }
            return merged
        }
        if let single, single.isPlausible {
            return nextIsLabels ? TableHeader(columns: single.columns, page: single.page, lineIndex: single.lineIndex, lineCount: 2,
                                              unmatched: single.unmatched) : single
        }
        return nil
    }

    /// Whether every word of a line is part of a column label ("Description   Each").
    static func isAllLabels(_ line: LayoutLine) -> Bool {
        let words = line.words.map { LabelVocabulary.normalize($0.text) }.filter { !$0.isEmpty }
        guard !words.isEmpty, words.count <= 12 else { return false }
        return words.allSatisfy { labelWords.contains($0) || LabelVocabulary.droppedWords.contains($0) }
    }

    static let labelWords: Set<String> = Set(LabelVocabulary.columns.keys.flatMap { $0.split(separator: " ").map(String.init) })
        .union(["each", "per", "unit", "usd", "eur", "pcs", "price", "no", "#", "of", "in"])

    /// The labels of a row of cells (each cell's words), with duplicate roles settled.
    static func detect(cells: [[LayoutWord]], page: Int, lineIndex: Int, lineCount: Int) -> TableHeader? {
        var columns: [TableColumn] = []
        var unmatched = 0
        for cell in cells {
            let words = cell.compactMap { word -> (String, LayoutWord)? in
                let normalized = LabelVocabulary.normalize(word.text)
                if normalized.isEmpty || LabelVocabulary.droppedWords.contains(normalized) { return nil }
                if normalized.allSatisfy({ $0.isNumber || $0 == "%" }) { return nil }
                return (normalized, word)
            }
            var index = 0
            while index < words.count {
                var matched = false
                for length in stride(from: min(LabelVocabulary.longestPhrase, words.count - index), through: 1, by: -1) {
                    let phrase = words[index..<(index + length)].map(\.0).joined(separator: " ")
                    if let role = LabelVocabulary.columns[phrase] {
                        let first = words[index].1, last = words[index + length - 1].1
                        columns.append(TableColumn(role: role, label: words[index..<(index + length)].map(\.1.text).joined(separator: " "),
                                                   start: first.start, end: last.end))
                        index += length
                        matched = true
                        break
                    }
                }
                if !matched {
                    unmatched += 1
                    index += 1
                }
            }
        }
        guard columns.count >= 2 else { return nil }
        columns.sort { $0.start < $1.start }
        settleDuplicates(&columns)
        return TableHeader(columns: columns, page: page, lineIndex: lineIndex, lineCount: lineCount, unmatched: unmatched)
    }

    /// Two description columns: the generic one ("Item", "Product") names the goods by code.
    /// Two amount or quantity columns: the rightmost is the line's, the other is ignored.
    static func settleDuplicates(_ columns: inout [TableColumn]) {
        let descriptions = columns.indices.filter { columns[$0].role == .description }
        if descriptions.count > 1 {
            let generic: Set<String> = ["item", "product", "article", "name", "artikel", "articolo", "goods"]
            for index in descriptions where generic.contains(LabelVocabulary.words(columns[index].label).joined(separator: " ")) {
                columns[index].role = columns.contains(where: { $0.role == .supplierSku }) ? .ignored : .supplierSku
                if columns.filter({ $0.role == .description }).count == 1 { break }
            }
            let remaining = columns.indices.filter { columns[$0].role == .description }
            for index in remaining.dropFirst() { columns[index].role = .detail }
        }
        for role in [LabelVocabulary.ColumnRole.amount, .quantity, .unitPrice, .lineNumber, .supplierSku] {
            let indices = columns.indices.filter { columns[$0].role == role }
            guard indices.count > 1 else { continue }
            let keep = role == .unitPrice || role == .lineNumber || role == .supplierSku ? indices.first! : indices.last!
            for index in indices where index != keep { columns[index].role = .ignored }
        }
    }

    /// Cells of two lines joined where they sit above each other: "Unit" over "Price" becomes
    /// one cell "Unit Price".
    static func mergeVertically(_ top: LayoutLine, _ bottom: LayoutLine) -> [[LayoutWord]] {
        var clusters: [(start: Int, end: Int, top: [LayoutWord], bottom: [LayoutWord])] = []
        for cell in top.cells { clusters.append((cell.start, cell.end, cell.words, [])) }
        for cell in bottom.cells {
            if let index = clusters.firstIndex(where: { cell.start <= $0.end + 1 && cell.end >= $0.start - 1 }) {
                clusters[index].bottom += cell.words
                clusters[index].start = min(clusters[index].start, cell.start)
                clusters[index].end = max(clusters[index].end, cell.end)
            } else {
                clusters.append((cell.start, cell.end, [], cell.words))
            }
        }
        clusters.sort { $0.start < $1.start }
        return clusters.map { $0.top + $0.bottom }
    }
}
