import Foundation

/// Reads the fields of a supplier invoice, purchase order or price list from the text the
/// document parser produced (pdftotext `-layout` or OCR pages, CSV/XLSX tables).
///
/// Pure and deterministic: the same document always gives the same fields, and nothing is
/// guessed silently. A value that needed a guess carries a lower `FieldSource.confidence` and,
/// where a person should look, an `InvoiceCheck`.
public struct InvoiceExtractor: Sendable {
    /// Rendered table rows carry page numbers from here up, so they never collide with text pages.
    static let tablePageBase = 10_000

    public init() {}

    /// Extracts the fields of `document`.
    public func extract(_ document: InvoiceDocument) -> InvoiceFields {
        var pageTexts = document.pages
        if pageTexts.count == 1, pageTexts[0].contains("\u{0C}") {
            // pdftotext without -f/-l writes every page into one text, split by form feeds.
            pageTexts = pageTexts[0].split(separator: "\u{0C}", omittingEmptySubsequences: false).map(String.init)
            while pageTexts.count > 1, pageTexts.last?.trimmed.isEmpty == true { pageTexts.removeLast() }
        }
        let textPages: [[LayoutLine]] = pageTexts.enumerated().map { pageIndex, text in
            text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().map { index, line in
                LayoutLine(page: pageIndex + 1, index: index, text: String(line))
            }
        }
        var allWords: [String] = textPages.flatMap { $0.flatMap { $0.words.map(\.text) } }
        for table in document.tables { allWords += table.flatMap { $0 } }
        let format = NumberFormatDetector.detect(allWords)

        // MARK: Goods
        var goods = GoodsTableReader(pages: textPages, format: format, currencyDigits: 2).read()
        var tablePages: [[LayoutLine]] = []
        var tableHeaderLines: [LayoutLine] = []
        for (index, rows) in document.tables.enumerated() {
            let sheet = SpreadsheetReader(rows: rows, page: Self.tablePageBase + index + 1, format: format, currencyDigits: 2).read()
            tablePages.append(sheet.layout)
            if let line = sheet.headerLine { tableHeaderLines.append(line) }
            if goods.lines.isEmpty, !sheet.lines.isEmpty {
                goods.lines = sheet.lines
                goods.rows = sheet.rows
                goods.header = sheet.header
                goods.repairedLines = sheet.repairedLines
            }
        }
        let pages = textPages + tablePages

        // MARK: Header fields and totals
        let header = HeaderFieldReader(pages: pages, goodsLines: goods.goodsLines,
                                       tableStart: goods.header.map { LineKey(page: $0.page, index: $0.lineIndex) }).read()
        let amountColumn = goods.header?.page ?? 0 < Self.tablePageBase ? goods.header?.columns.first { $0.role == .amount } : nil
        let figures = TotalsReader(pages: pages, goodsLines: goods.goodsLines.union(goods.headerLines), format: format,
                                   amountColumn: amountColumn).read()

        var fields = InvoiceFields(pageCount: pageTexts.count, numberFormat: format)
        fields.documentType = header.documentType
        fields.supplier = header.supplier
        fields.number = header.number
        fields.purchaseOrderNumber = header.poNumber
        fields.lines = Self.withoutRowNumbers(goods.lines)
        fields.sources = header.sources.map(Self.tableAware)

        // MARK: Currency
        var supplierLines: Set<LineKey> = []
        var supplierText: [String] = []
        if let line = header.supplierLine, let page = pages.first(where: { $0.first?.page == line.page }) {
            // The supplier's block: its name line and the address lines under it, to the first blank line.
            for candidate in page where candidate.index >= line.index && candidate.index <= line.index + 5 {
                if candidate.isBlank { break }
                supplierLines.insert(candidate.key)
                let cells = candidate.cells.filter { abs($0.start - header.supplierColumn) <= 3 || candidate.index == line.index && $0.start >= header.supplierColumn }
                supplierText += cells.map(\.text)
            }
        }
        let allLines = pages.flatMap { $0 }
        // A sheet's column titles may be the only place its currency is named ("Amount (EUR)").
        let currency = CurrencyReader.decide(lines: allLines + tableHeaderLines, labelled: header.labelledCurrency, supplierLines: supplierLines,
                                             amountMarkers: figures.compactMap { figure in figure.marker.map { ($0, figure.line) } })
        fields.currency = currency.code
        if let source = currency.source { fields.sources.append(Self.tableAware(source)) }
        fields.checks += currency.checks
        let digits = fields.currency.flatMap(CurrencyDigits.digits(for:)) ?? 2

        // MARK: Date
        if let found = header.date {
            switch found.match.reading {
            case .exact(let date), .ordered(let date, _):
                fields.date = date
                fields.sources.append(Self.tableAware(FieldSource(field: .date, page: found.line.page, lineIndex: found.line.index,
                                                                  text: found.line.text.trimmed, how: found.how, confidence: found.confidence)))
            case .ambiguous(let dayFirst, let monthFirst):
                let others = header.allDates.filter { $0.text != found.match.text }
                let resolution = DateOrderResolver.resolve(separator: found.match.numericSeparator, otherDates: others,
                                                           supplierText: supplierText, currency: fields.currency)
                if let isDayFirst = resolution.dayFirst {
                    fields.date = isDayFirst ? dayFirst : monthFirst
                    fields.sources.append(Self.tableAware(FieldSource(field: .date, page: found.line.page, lineIndex: found.line.index,
                                                                      text: found.line.text.trimmed,
                                                                      how: "\(found.how); '\(found.match.text)' read \(isDayFirst ? "day" : "month") first because \(resolution.reason)",
                                                                      confidence: min(found.confidence, 0.8))))
                } else {
                    fields.dateCandidates = [dayFirst, monthFirst]
                    fields.checks.append(InvoiceCheck(code: .ambiguousDate, severity: .warning,
                                                      message: "'\(found.match.text)' may be \(dayFirst) (day first) or \(monthFirst) (month first): \(resolution.reason). The date is left empty.",
                                                      page: Self.tableAware(found.line.page), lineIndex: found.line.index))
                }
            }
        }

        // MARK: Incoterm
        fields.incoterm = header.incoterm?.value

        // MARK: Totals
        let beforeTotals = fields
        let goodsTotal = Self.sum(of: goods.lines)
        Self.apply(figures, to: &fields, goodsTotal: goodsTotal, digits: digits)
        if digits > 0, Self.totalsAgree(fields, digits: digits) == false {
            // A figure whose decimal mark OCR lost or moved ("70111" for 701.11) is read with the
            // mark where the totals agree, and the repair is reported.
            repair: for index in figures.indices where figures[index].role != .ignored {
                for alternative in figures[index].alternatives where DecimalArithmetic.fractionDigits(of: alternative) <= digits {
                    var corrected = figures
                    corrected[index].value = alternative
                    var candidate = beforeTotals
                    Self.apply(corrected, to: &candidate, goodsTotal: goodsTotal, digits: digits)
                    guard Self.totalsAgree(candidate, digits: digits) == true else { continue }
                    fields = candidate
                    fields.checks.append(InvoiceCheck(code: .repairedNumber, severity: .warning,
                                                      message: "'\(figures[index].label)' reads \(figures[index].value); read as \(alternative) (the decimal mark placed elsewhere) because only then do the totals add up.",
                                                      page: Self.tableAware(figures[index].line.page), lineIndex: figures[index].line.index))
                    break repair
                }
            }
        }

        // MARK: Type
        if fields.documentType == .unknown, !fields.lines.isEmpty, fields.lines.allSatisfy({ $0.quantity == nil }) {
            fields.documentType = .priceList
            fields.sources.append(FieldSource(field: .documentType, page: 1, lineIndex: 0, text: "",
                                              how: "no title; lines give prices without quantities", confidence: 0.7))
        }
        if !fields.lines.isEmpty {
            let first = fields.lines[0]
            fields.sources.append(FieldSource(field: .lines, page: first.page, lineIndex: first.lineIndex, text: first.sourceText,
                                              how: goods.header.map { "goods table under the header '\($0.columns.map(\.label).joined(separator: " | "))' on page \(Self.tableAware($0.page))" }
                                                  ?? "lines ending in quantity, unit price and amount (no header found)",
                                              confidence: goods.header == nil ? 0.7 : 0.9, fromTable: first.fromTable))
        }
        fields.checks += InvoiceChecker.checks(for: fields, rows: goods.rows, repairedLines: goods.repairedLines, digits: digits,
                                               claimedPages: header.claimedPages.map { ($0.count, $0.line.page) })
        return fields
    }

    // MARK: Totals

    private static func sum(of lines: [InvoiceLine]) -> Decimal? {
        guard !lines.isEmpty, lines.allSatisfy({ $0.lineTotal != nil }) else { return nil }
        return lines.reduce(Decimal(0)) { $0 + $1.lineTotal! }
    }

    /// Settles the totals figures: the last subtotal and total win (totals close the last page);
    /// charges and taxes with distinct labels add up; "Balance due" counts only without a total.
    private static func apply(_ figures: [SummaryFigure], to fields: inout InvoiceFields, goodsTotal: Decimal?, digits: Int) {
        func record(_ field: FieldSource.Field, _ figure: SummaryFigure, confidence: Double = 0.9) {
            fields.sources.removeAll { $0.field == field }
            fields.sources.append(tableAware(FieldSource(field: field, page: figure.line.page, lineIndex: figure.line.index,
                                                         text: figure.line.text.trimmed, how: figure.how,
                                                         confidence: figure.repaired ? confidence - 0.2 : confidence)))
        }
        let totals = figures.filter { $0.role == .total }
        if let subtotal = figures.last(where: { $0.role == .subtotal }) {
            fields.subtotal = subtotal.value
            record(.subtotal, subtotal)
        } else if totals.count >= 2, let goodsTotal, let first = totals.first, first.value == goodsTotal, totals.last!.value != goodsTotal {
            // A "Total" row under the goods and a "Total" after the charges: the first is the subtotal.
            fields.subtotal = first.value
            record(.subtotal, first, confidence: 0.8)
        }
        if let total = totals.last ?? figures.last(where: { $0.role == .balanceDue }) {
            fields.total = total.value
            record(.total, total)
        }
        var seen: Set<String> = []
        for figure in figures {
            let key = "\(figure.role.rawValue)|\(figure.label.lowercased())|\(figure.value)"
            guard !seen.contains(key) else { continue }
            seen.insert(key)
            let kind: InvoiceCharge.Kind?
            switch figure.role {
            case .freight: kind = .freight
            case .duty: kind = .duty
            case .otherCharge: kind = .other
            case .tax:
                fields.tax = (fields.tax ?? 0) + figure.value
                record(.tax, figure)
                continue
            case .discount:
                fields.discount = (fields.discount ?? 0) + abs(figure.value)
                record(.discount, figure)
                continue
            default:
                continue
            }
            guard let kind else { continue }
            fields.charges.append(InvoiceCharge(kind: kind, label: figure.label, amount: figure.value,
                                                page: tableAware(figure.line.page), lineIndex: figure.line.index))
            switch kind {
            case .freight: fields.freight = (fields.freight ?? 0) + figure.value; record(.freight, figure)
            case .duty: fields.duty = (fields.duty ?? 0) + figure.value; record(.duty, figure)
            case .other: fields.otherCharges = (fields.otherCharges ?? 0) + figure.value; record(.otherCharges, figure)
            }
        }
    }

    /// Whether subtotal (or the lines) + charges + tax − discount make the total; nil when a
    /// figure is missing.
    static func totalsAgree(_ fields: InvoiceFields, digits: Int) -> Bool? {
        guard let total = fields.total, let base = fields.subtotal ?? sum(of: fields.lines) else { return nil }
        let expected = base + (fields.freight ?? 0) + (fields.duty ?? 0) + (fields.otherCharges ?? 0) + (fields.tax ?? 0) - (fields.discount ?? 0)
        return abs(expected - total) <= DecimalArithmetic.make(1, fractionDigits: digits)
    }

    // MARK: Table pages

    static func tableAware(_ page: Int) -> Int { page > tablePageBase ? page - tablePageBase : page }

    static func tableAware(_ source: FieldSource) -> FieldSource {
        guard source.page > tablePageBase else { return source }
        var copy = source
        copy.page -= tablePageBase
        copy.fromTable = true
        return copy
    }

    /// A "No." column read into the item codes ("1 WI-73243", "2 WI-73244"): when every line's
    /// code starts with its own row number, the number is the row's, not the code's.
    static func withoutRowNumbers(_ lines: [InvoiceLine]) -> [InvoiceLine] {
        guard lines.count >= 1 else { return lines }
        let numbered = lines.enumerated().allSatisfy { index, line in
            guard let code = line.supplierSku else { return false }
            return code.hasPrefix("\(index + 1) ") && code.count > "\(index + 1) ".count
        }
        guard numbered else { return lines }
        return lines.enumerated().map { index, line in
            var line = line
            line.supplierSku = String(line.supplierSku!.dropFirst("\(index + 1) ".count))
            return line
        }
    }
}
