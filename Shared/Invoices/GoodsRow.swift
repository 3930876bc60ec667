import Foundation

/// One goods-table line as read from its cells, before continuation lines are added.
struct GoodsRow: Sendable {
    var description: String
    var supplierSku: String?
    var sellerSku: String?
    var asin: String?
    var unit: String?
    var quantity: Int?
    var unitPrice: Decimal?
    var priceDigits: Int = 2
    var amount: Decimal?
    var amountDigits: Int = 2
    var discountPercent: Decimal?
    var discountAmount: Decimal?
    /// OCR repairs or separator readings were needed.
    var repaired = false
    /// What was worked out rather than read ("unit price = 282.00 / 120").
    var derived: String?
    /// quantity × price (less discount) agrees with the amount; nil when one is missing.
    var adds: Bool?
}

/// Reads one layout line as a goods row under a header: which cell belongs to which column,
/// then the figures, choosing among separator readings the one that makes the line add up.
enum GoodsRowReader {
    /// The texts each column received on `line`, by column index.
    ///
    /// Cells keep their left-to-right order across columns, a figure column takes one figure,
    /// and each cell goes where it lines up best: a dynamic program over the whole row, so one
    /// cell shifted by OCR or a proportional font cannot push its neighbour out of its column.
    static func cellTexts(of line: LayoutLine, columns: [TableColumn], format: NumberFormat) -> [Int: [String]] {
        // Cells that span several columns are cut first.
        var pieces: [(start: Int, end: Int, text: String)] = []
        for cell in line.cells {
            let overlapping = columns.indices.filter { overlap(cell.start, cell.end, columns[$0]) > 0 }
            if overlapping.count >= 2, cell.words.count >= 2 {
                for (_, words) in split(cell.words, columns: columns, format: format) {
                    pieces.append((words.first!.start, words.last!.end, words.map(\.text).joined(separator: " ")))
                }
            } else {
                pieces.append((cell.start, cell.end, cell.text))
            }
        }
        guard !pieces.isEmpty, !columns.isEmpty else { return [:] }
        let assignment = assign(pieces, columns: columns, format: format)
        var texts: [Int: [String]] = [:]
        for (piece, column) in zip(pieces, assignment) { texts[column, default: []].append(piece.text) }
        return texts
    }

    /// Whether a cell is only a currency mark or a unit ("$", "USD", "pcs"): it may share a
    /// figure column with the figure.
    static func isDecoration(_ text: String) -> Bool {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.count <= 5, !trimmed.contains(where: \.isNumber) else { return false }
        if NumberReader.currencyMarkers.contains(trimmed) || CurrencyDigits.isKnown(trimmed) { return true }
        return NumberReader.unitWords.contains(trimmed.lowercased())
    }

    /// The column of each piece: non-decreasing left to right, one figure per figure column, at
    /// the least total misalignment; a figure column given text that reads as no figure costs a
    /// lot but stays possible (an OCR-mangled figure still belongs somewhere).
    static func assign(_ pieces: [(start: Int, end: Int, text: String)], columns: [TableColumn], format: NumberFormat) -> [Int] {
        let count = pieces.count, columnCount = columns.count
        let impossible = Double.infinity
        var costs = Array(repeating: Array(repeating: 0.0, count: columnCount), count: count)
        var decoration = Array(repeating: false, count: count)
        for (index, piece) in pieces.enumerated() {
            decoration[index] = isDecoration(piece.text)
            let isQuantity = NumberReader.quantity(piece.text, format: format) != nil
            let isNumber = isQuantity || NumberReader.read(piece.text, format: format) != nil
            for (column, header) in columns.enumerated() {
                var cost = distance(piece.start, piece.end, header) + 0.5 * intrusion(piece.start, piece.end, into: columns, except: column)
                if !decoration[index] {
                    switch header.role {
                    case .quantity, .lineNumber:
                        if !isQuantity { cost += 40 }
                    case .unitPrice, .amount, .discount:
                        if !isNumber { cost += 40 }
                    default:
                        if isNumber, piece.text.allSatisfy({ $0.isNumber || ".,".contains($0) }) { cost += 2 }
                    }
                }
                costs[index][column] = cost
            }
        }
        // best[i][j]: least cost of pieces 0...i with piece i in column j.
        var best = Array(repeating: Array(repeating: impossible, count: columnCount), count: count)
        var back = Array(repeating: Array(repeating: -1, count: columnCount), count: count)
        for column in 0..<columnCount { best[0][column] = costs[0][column] }
        for index in 1..<max(1, count) where count > 1 {
            for column in 0..<columnCount {
                for previous in 0...column where best[index - 1][previous] < impossible {
                    // Two pieces share a column only if it holds text or one is a decoration.
                    if previous == column, columns[column].role.isNumeric, !decoration[index], !decoration[index - 1] { continue }
                    let total = best[index - 1][previous] + costs[index][column]
                    if total < best[index][column] { best[index][column] = total; back[index][column] = previous }
                }
            }
        }
        var column = (0..<columnCount).min { best[count - 1][$0] < best[count - 1][$1] } ?? 0
        if best[count - 1][column] == impossible {
            return pieces.map { nearest($0.start, $0.end, columns: columns) }
        }
        var result = Array(repeating: 0, count: count)
        for index in stride(from: count - 1, through: 0, by: -1) {
            result[index] = column
            column = back[index][column]
        }
        return result
    }

    /// Whether every cell of `line` falls in a text column (a description that continues).
    static func isTextOnly(_ texts: [Int: [String]], columns: [TableColumn]) -> Bool {
        !texts.isEmpty && texts.keys.allSatisfy { !columns[$0].role.isNumeric }
    }

    /// The row `texts` spell, or nil when the figures a goods line needs are not there.
    static func row(_ texts: [Int: [String]], columns: [TableColumn], format: NumberFormat, currencyDigits: Int) -> GoodsRow? {
        var byRole: [LabelVocabulary.ColumnRole: String] = [:]
        for (index, pieces) in texts.sorted(by: { $0.key < $1.key }) {
            let role = columns[index].role
            var text = pieces.joined(separator: " ")
            if role.isNumeric, pieces.count > 1, NumberReader.read(text, format: format) == nil,
               NumberReader.quantity(text, format: format) == nil,
               let figure = pieces.first(where: { NumberReader.read($0, format: format) != nil }) {
                text = figure
            }
            if let existing = byRole[role] {
                byRole[role] = role == .detail ? existing + ", " + text : existing + " " + text
            } else {
                byRole[role] = text
            }
        }
        var row = GoodsRow(description: byRole[.description] ?? "")
        if let detail = byRole[.detail] { row.description = row.description.isEmpty ? detail : row.description + ", " + detail }
        row.supplierSku = byRole[.supplierSku].map(cleanCode)
        row.sellerSku = byRole[.sellerSku].map(cleanCode)
        row.asin = byRole[.asin].flatMap(ASINText.find)
        row.unit = byRole[.unit]
        guard !row.description.isEmpty || row.supplierSku != nil || row.sellerSku != nil else { return nil }
        // Text in the description column that is only a number is a stray figure, not goods.
        if row.description.allSatisfy({ $0.isNumber || ".,".contains($0) }), row.supplierSku == nil, row.sellerSku == nil {
            return nil
        }
        let hasQuantityColumn = columns.contains { $0.role == .quantity }
        let quantityReading = byRole[.quantity].flatMap { NumberReader.quantity($0, format: format) }
        let priceReading = byRole[.unitPrice].flatMap { NumberReader.read($0, format: format) }.flatMap { $0.isPercent ? nil : $0 }
        let amountReading = byRole[.amount].flatMap { NumberReader.read($0, format: format) }.flatMap { $0.isPercent ? nil : $0 }
        if let discountText = byRole[.discount], let discount = NumberReader.read(discountText, format: format), discount.value != 0 {
            if discount.isPercent || (columns.first { $0.role == .discount }?.label.contains("%") ?? false) {
                row.discountPercent = abs(discount.value)
            } else {
                row.discountAmount = abs(discount.value)
            }
        }
        row.repaired = (quantityReading?.repaired ?? false) || (priceReading?.repaired ?? false) || (amountReading?.repaired ?? false)
        if !hasQuantityColumn {
            // A price list: a price is all a line needs.
            guard let priceReading else { return nil }
            row.unitPrice = priceReading.value
            row.priceDigits = priceReading.fractionDigits
            if let amountReading { row.amount = amountReading.value; row.amountDigits = amountReading.fractionDigits }
            return row
        }
        let found = [quantityReading != nil, priceReading != nil, amountReading != nil].filter { $0 }.count
        guard found >= 2 || (quantityReading != nil && priceReading != nil) else { return nil }
        if let quantityReading, let priceReading, let amountReading {
            // The first combination of readings that adds up, primary readings first.
            let prices = [(priceReading.value, priceReading.fractionDigits)]
                + (priceReading.alternatives + priceReading.shifted).map { ($0.value, $0.fractionDigits) }
            let amounts = [(amountReading.value, amountReading.fractionDigits)]
                + (amountReading.alternatives + amountReading.shifted).map { ($0.value, $0.fractionDigits) }
            row.quantity = quantityReading.value
            row.unitPrice = priceReading.value
            row.priceDigits = priceReading.fractionDigits
            row.amount = amountReading.value
            row.amountDigits = amountReading.fractionDigits
            row.adds = false
            search: for amount in amounts {
                for price in prices where LineArithmetic.adds(quantity: quantityReading.value, unitPrice: price.0, priceDigits: price.1,
                                                              discountPercent: row.discountPercent, discountAmount: row.discountAmount,
                                                              amount: amount.0, currencyDigits: max(currencyDigits, amount.1)) {
                    if price.0 != priceReading.value || amount.0 != amountReading.value { row.repaired = true }
                    row.unitPrice = price.0
                    row.priceDigits = price.1
                    row.amount = amount.0
                    row.amountDigits = amount.1
                    row.adds = true
                    break search
                }
            }
            return row
        }
        if let quantityReading, let priceReading {
            row.quantity = quantityReading.value
            row.unitPrice = priceReading.value
            row.priceDigits = priceReading.fractionDigits
            return row
        }
        if let priceReading, let amountReading, priceReading.value != 0 {
            let ratio = amountReading.value / priceReading.value
            let whole = DecimalArithmetic.rounded(ratio, scale: 0)
            guard whole > 0, let quantity = Int(whole.description),
                  LineArithmetic.adds(quantity: quantity, unitPrice: priceReading.value, priceDigits: priceReading.fractionDigits,
                                      discountPercent: nil, discountAmount: nil, amount: amountReading.value,
                                      currencyDigits: currencyDigits) else { return nil }
            row.quantity = quantity
            row.unitPrice = priceReading.value
            row.priceDigits = priceReading.fractionDigits
            row.amount = amountReading.value
            row.amountDigits = amountReading.fractionDigits
            row.adds = true
            row.derived = "quantity \(quantity) = \(amountReading.value) / \(priceReading.value)"
            return row
        }
        if let quantityReading, let amountReading, quantityReading.value != 0 {
            let price = DecimalArithmetic.rounded(amountReading.value / Decimal(quantityReading.value), scale: 4)
            row.quantity = quantityReading.value
            row.unitPrice = price
            row.priceDigits = 4
            row.amount = amountReading.value
            row.amountDigits = amountReading.fractionDigits
            row.derived = "unit price \(price) = \(amountReading.value) / \(quantityReading.value)"
            return row
        }
        return nil
    }

    // MARK: Cells to columns

    static func overlap(_ start: Int, _ end: Int, _ column: TableColumn) -> Int {
        max(0, min(end, column.end) - max(start, column.start))
    }

    /// How far a span sits from a column: left edges, right edges or centres lined up.
    static func distance(_ start: Int, _ end: Int, _ column: TableColumn) -> Double {
        let left = Double(abs(start - column.start))
        let right = Double(abs(end - column.end))
        let middle = abs(Double(start + end) / 2 - column.center)
        return min(left, right, middle) - (overlap(start, end, column) > 0 ? 0.5 : 0)
    }

    /// Characters of a span lying under other columns' header labels: text that reaches into
    /// the next column belongs, at least in part, to it.
    static func intrusion(_ start: Int, _ end: Int, into columns: [TableColumn], except index: Int) -> Double {
        var total = 0
        for (other, column) in columns.enumerated() where other != index { total += overlap(start, end, column) }
        return Double(total)
    }

    static func nearest(_ start: Int, _ end: Int, columns: [TableColumn]) -> Int {
        var best = 0
        var bestDistance = Double.infinity
        for (index, column) in columns.enumerated() {
            let value = distance(start, end, column)
            if value < bestDistance { best = index; bestDistance = value }
        }
        return best
    }

    /// A cell that spans several columns (columns OCR or tight spacing ran together), cut into
    /// runs of words, one per column, at the least cost: runs line up with their column, and a
    /// run in a figure column must read as a figure.
    static func split(_ words: [LayoutWord], columns: [TableColumn], format: NumberFormat) -> [(Int, [LayoutWord])] {
        let count = words.count, columnCount = columns.count
        let impossible = 1e9
        // cost[i][j]: best cost for words[0..<i] with the last run in column j.
        var cost = Array(repeating: Array(repeating: impossible, count: columnCount), count: count + 1)
        var back = Array(repeating: Array(repeating: (0, -1), count: columnCount), count: count + 1)
        var memo: [Int: Double] = [:]
        func runCost(_ from: Int, _ to: Int, _ column: Int) -> Double {
            let key = (from * (count + 1) + to) * columnCount + column
            if let known = memo[key] { return known }
            let value = computeRunCost(from, to, column)
            memo[key] = value
            return value
        }
        var kinds: [Int: (quantity: Bool, number: Bool)] = [:]
        func kind(_ from: Int, _ to: Int) -> (quantity: Bool, number: Bool) {
            let key = from * (count + 1) + to
            if let known = kinds[key] { return known }
            let text = words[from..<to].map(\.text).joined(separator: " ")
            let value = (NumberReader.quantity(text, format: format) != nil, NumberReader.read(text, format: format) != nil)
            kinds[key] = value
            return value
        }
        func computeRunCost(_ from: Int, _ to: Int, _ column: Int) -> Double {
            let run = Array(words[from..<to])
            let role = columns[column].role
            var typeCost = 0.0
            switch role {
            case .quantity, .lineNumber: typeCost = kind(from, to).quantity ? 0 : impossible
            case .unitPrice, .amount, .discount: typeCost = kind(from, to).number ? 0 : impossible
            default: typeCost = 0
            }
            // Text columns are left-aligned: a run of text starts where its header starts.
            let alignment = role.isNumeric ? distance(run.first!.start, run.last!.end, columns[column])
                : Double(abs(run.first!.start - columns[column].start))
            return typeCost + alignment + intrusion(run.first!.start, run.last!.end, into: columns, except: column) + 2
        }
        for end in 1...count {
            for column in 0..<columnCount {
                cost[end][column] = runCost(0, end, column)
                back[end][column] = (0, -1)
            }
        }
        for end in 1..<count {
            for column in 0..<columnCount where cost[end][column] < impossible {
                for next in (end + 1)...count {
                    for nextColumn in (column + 1)..<columnCount {
                        let total = cost[end][column] + runCost(end, next, nextColumn)
                        if total < cost[next][nextColumn] { cost[next][nextColumn] = total; back[next][nextColumn] = (end, column) }
                    }
                }
            }
        }
        guard let bestColumn = (0..<columnCount).min(by: { cost[count][$0] < cost[count][$1] }), cost[count][bestColumn] < impossible else {
            return [(nearest(words.first!.start, words.last!.end, columns: columns), words)]
        }
        var result: [(Int, [LayoutWord])] = []
        var end = count, column = bestColumn
        while end > 0 {
            let (start, previous) = back[end][column]
            result.append((column, Array(words[start..<end])))
            end = start
            if previous < 0 { break }
            column = previous
        }
        return result.reversed()
    }

    /// A code as printed, without the punctuation around it.
    static func cleanCode(_ text: String) -> String {
        text.trimmingCharacters(in: CharacterSet(charactersIn: " :;,."))
    }
}

/// quantity × unit price against a line amount, with the tolerance a rounded printed price
/// allows: half a unit of the price's last printed digit per unit, plus half a minor unit.
enum LineArithmetic {
    static func expected(quantity: Int, unitPrice: Decimal, discountPercent: Decimal?, discountAmount: Decimal?) -> Decimal {
        var value = unitPrice * Decimal(quantity)
        if let discountPercent { value -= value * discountPercent / 100 }
        if let discountAmount { value -= discountAmount }
        return value
    }

    static func tolerance(quantity: Int, priceDigits: Int, currencyDigits: Int) -> Decimal {
        let halfPriceUnit = DecimalArithmetic.make(5, fractionDigits: priceDigits + 1)
        let halfMinorUnit = DecimalArithmetic.make(5, fractionDigits: currencyDigits + 1)
        return halfPriceUnit * Decimal(abs(quantity)) + halfMinorUnit
    }

    static func adds(quantity: Int, unitPrice: Decimal, priceDigits: Int, discountPercent: Decimal?, discountAmount: Decimal?,
                     amount: Decimal, currencyDigits: Int) -> Bool {
        let difference = expected(quantity: quantity, unitPrice: unitPrice, discountPercent: discountPercent,
                                  discountAmount: discountAmount) - amount
        return abs(difference) <= tolerance(quantity: quantity, priceDigits: max(priceDigits, currencyDigits),
                                            currencyDigits: currencyDigits)
    }
}

/// Amazon identifiers in text.
enum ASINText {
    /// The first ASIN (`B0` and eight upper-case letters or digits) in `text`.
    static func find(_ text: String) -> String? {
        for raw in text.split(whereSeparator: { " ,;:()[]/|".contains($0) }) {
            let word = raw.trimmingCharacters(in: CharacterSet(charactersIn: ".#-"))
            if word.count == 10, word.hasPrefix("B0"), word.allSatisfy({ ($0.isUppercase || $0.isNumber) && $0.isASCII }) {
                return word
            }
        }
        return nil
    }

    /// A seller SKU named in text: the word after "SKU:", "MSKU:", "Seller SKU:" or "Your SKU:".
    static func sellerSKU(in text: String) -> String? {
        let words = text.split(separator: " ").map(String.init)
        for (index, word) in words.enumerated() {
            let normalized = LabelVocabulary.normalize(word)
            guard ["sku", "msku"].contains(normalized), word.hasSuffix(":") || (index + 1 < words.count && words[index + 1] == ":") else { continue }
            if index > 0, ["supplier", "vendor", "factory"].contains(LabelVocabulary.normalize(words[index - 1])) { continue }
            var next = index + 1
            if next < words.count, words[next] == ":" { next += 1 }
            guard next < words.count else { return nil }
            let value = words[next].trimmingCharacters(in: CharacterSet(charactersIn: ",;.()"))
            return value.isEmpty ? nil : value
        }
        return nil
    }
}
