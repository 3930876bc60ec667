import Foundation

/// The checks on extracted fields: arithmetic of each line, of the lines against the subtotal
/// and of the totals, missing fields, page count, repaired numbers.
enum InvoiceChecker {
    static func checks(for fields: InvoiceFields, rows: [GoodsRow], repairedLines: [Int], digits: Int,
                       claimedPages: (count: Int, page: Int)?) -> [InvoiceCheck] {
        var checks: [InvoiceCheck] = []
        func money(_ value: Decimal) -> String { DecimalArithmetic.text(value, fractionDigits: digits) }
        func price(_ value: Decimal) -> String {
            DecimalArithmetic.text(value, fractionDigits: max(digits, DecimalArithmetic.fractionDigits(of: value)))
        }
        let halfMinor = DecimalArithmetic.make(5, fractionDigits: digits + 1)
        let isPriceList = fields.documentType == .priceList

        // MARK: Lines
        for (index, line) in fields.lines.enumerated() {
            let row = index < rows.count ? rows[index] : nil
            if let quantity = line.quantity, let total = line.lineTotal {
                let priceDigits = max(row?.priceDigits ?? DecimalArithmetic.fractionDigits(of: line.unitPrice), digits)
                let expected = LineArithmetic.expected(quantity: quantity, unitPrice: line.unitPrice,
                                                       discountPercent: line.discountPercent, discountAmount: line.discountAmount)
                let tolerance = LineArithmetic.tolerance(quantity: quantity, priceDigits: priceDigits, currencyDigits: digits)
                if abs(expected - total) > tolerance {
                    var discount = ""
                    if let percent = line.discountPercent { discount += " less \(percent)%" }
                    if let amount = line.discountAmount { discount += " less \(money(amount))" }
                    checks.append(InvoiceCheck(code: .lineArithmetic, severity: .error,
                                               message: "Line \(index + 1) ('\(line.description.prefix(40))'): \(quantity) × \(price(line.unitPrice))\(discount) = \(money(expected)), but the line total reads \(money(total)) (difference \(money(total - expected)); tolerance \(DecimalArithmetic.text(tolerance, fractionDigits: priceDigits + 1)))",
                                               page: line.fromTable ? nil : line.page, lineIndex: line.lineIndex))
                }
            }
            if let derived = row?.derived {
                checks.append(InvoiceCheck(code: .derivedFigure, severity: .info,
                                           message: "Line \(index + 1): \(derived), because the figure is missing or unreadable.",
                                           page: line.page, lineIndex: line.lineIndex))
            }
        }
        if !repairedLines.isEmpty {
            let list = repairedLines.prefix(10).map { String($0 + 1) }.joined(separator: ", ")
            checks.append(InvoiceCheck(code: .repairedNumber, severity: .warning,
                                       message: "\(repairedLines.count) line(s) needed OCR repairs or another reading of a separator to add up (lines \(list)\(repairedLines.count > 10 ? ", …" : "")); compare them with the scan."))
        }

        // MARK: Totals
        let lineSum: Decimal? = fields.lines.isEmpty || fields.lines.contains { $0.lineTotal == nil } ? nil
            : fields.lines.reduce(Decimal(0)) { $0 + $1.lineTotal! }
        if let subtotal = fields.subtotal, let lineSum {
            let tolerance = halfMinor * Decimal(fields.lines.count)
            if abs(lineSum - subtotal) > tolerance {
                checks.append(InvoiceCheck(code: .linesVersusSubtotal, severity: .error,
                                           message: "The \(fields.lines.count) line totals add up to \(money(lineSum)), but the subtotal reads \(money(subtotal)) (difference \(money(subtotal - lineSum))).",
                                           page: fields.source(of: .subtotal)?.page, lineIndex: fields.source(of: .subtotal)?.lineIndex))
            }
        }
        if let total = fields.total, let base = fields.subtotal ?? lineSum {
            let charges = (fields.freight ?? 0) + (fields.duty ?? 0) + (fields.otherCharges ?? 0)
            let expected = base + charges + (fields.tax ?? 0) - (fields.discount ?? 0)
            if abs(expected - total) > halfMinor * 2 {
                var parts = ["\(fields.subtotal == nil ? "lines" : "subtotal") \(money(base))"]
                if let freight = fields.freight { parts.append("freight \(money(freight))") }
                if let duty = fields.duty { parts.append("duty \(money(duty))") }
                if let other = fields.otherCharges { parts.append("other charges \(money(other))") }
                if let tax = fields.tax { parts.append("tax \(money(tax))") }
                var text = parts.joined(separator: " + ")
                if let discount = fields.discount { text += " − discount \(money(discount))" }
                checks.append(InvoiceCheck(code: .totalMismatch, severity: .error,
                                           message: "\(text) = \(money(expected)), but the total reads \(money(total)) (difference \(money(total - expected))).",
                                           page: fields.source(of: .total)?.page, lineIndex: fields.source(of: .total)?.lineIndex))
            }
        }

        // MARK: Missing
        if fields.lines.isEmpty {
            checks.append(InvoiceCheck(code: .noLines, severity: .error, message: "No goods lines were found (no table header and no line ending in quantity, price and amount)."))
        }
        if fields.date == nil, fields.dateCandidates.isEmpty {
            checks.append(InvoiceCheck(code: .missingDate, severity: .warning, message: "No document date was found."))
        }
        if fields.number == nil, !isPriceList {
            checks.append(InvoiceCheck(code: .missingNumber, severity: .warning, message: "No invoice or order number was found."))
        }
        if fields.currency == nil, !fields.checks.contains(where: { $0.code == .ambiguousCurrency }) {
            checks.append(InvoiceCheck(code: .missingCurrency, severity: .warning,
                                       message: "No currency code or symbol was found; amounts cannot be converted without one."))
        }
        if fields.supplier == nil {
            checks.append(InvoiceCheck(code: .missingSupplier, severity: .warning, message: "No supplier name was found."))
        }
        if fields.total == nil, !isPriceList, !fields.lines.isEmpty {
            checks.append(InvoiceCheck(code: .missingTotal, severity: .warning, message: "No invoice total was found."))
        }

        // MARK: Pages
        if fields.pageCount > 0 {
            let pagesWithLines = Set(fields.lines.filter { !$0.fromTable }.map(\.page)).sorted()
            let span = pagesWithLines.isEmpty ? "no goods lines on them" : "goods lines on page\(pagesWithLines.count > 1 ? "s" : "") \(pagesWithLines.first!)\(pagesWithLines.count > 1 ? "–\(pagesWithLines.last!)" : "")"
            checks.append(InvoiceCheck(code: .pageCount, severity: .info, message: "\(fields.pageCount) page\(fields.pageCount == 1 ? "" : "s") read, \(span)."))
            if let claimedPages, claimedPages.count != fields.pageCount {
                checks.append(InvoiceCheck(code: .pageNumbering, severity: .warning,
                                           message: "The document says it has \(claimedPages.count) pages, but \(fields.pageCount) arrived: a page may be missing.",
                                           page: claimedPages.page))
            }
        }
        return checks
    }
}
