import Foundation

/// The header fields of a document, before currency and day/month order are settled.
struct HeaderFields: Sendable {
    var documentType: InvoiceDocumentType = .unknown
    var documentTypeFromTitle = false
    var supplier: String?
    var supplierLine: LayoutLine?
    var supplierColumn = 0
    var number: String?
    var poNumber: String?
    var bareNumber: String?
    var date: (match: DateMatch, line: LayoutLine, how: String, confidence: Double)?
    /// Every date in the document, for evidence of day/month order.
    var allDates: [DateMatch] = []
    var labelledCurrency: (code: String, line: LayoutLine)?
    var incoterm: (value: Incoterm, line: LayoutLine, how: String)?
    /// "Page 1 of 4": the count the document claims.
    var claimedPages: (count: Int, line: LayoutLine)?
    var sources: [FieldSource] = []
    /// Whether labels announced an invoice number or a PO number (to infer the type).
    var sawInvoiceLabel = false
    var sawPOLabel = false
    /// "Bill To", "Due Date", "Amount Due": what invoices print and purchase orders do not.
    var sawInvoiceEvidence = false
}

/// Reads the header fields (type, supplier, number, date, currency label, Incoterm) from the
/// lines that are not goods rows.
struct HeaderFieldReader {
    let pages: [[LayoutLine]]
    /// Goods rows and their continuation lines: never header fields.
    let goodsLines: Set<LineKey>
    /// The goods table's header line, when one was found: the document's "top" ends there.
    let tableStart: LineKey?

    private var lines: [LayoutLine] { pages.flatMap { $0 }.filter { !goodsLines.contains($0.key) } }

    /// Lines at the top of the first page, above the goods table.
    private var topLines: [LayoutLine] {
        guard let first = pages.first else { return [] }
        let limit = tableStart.map { $0.page == first.first?.page ? $0.index : Int.max } ?? 40
        return first.filter { $0.index < min(limit, 60) && !goodsLines.contains($0.key) }
    }

    func read() -> HeaderFields {
        var fields = HeaderFields()
        readTitle(into: &fields)
        var buyerRegions: [(key: LineKey, start: Int, end: Int)] = []
        var dateCandidates: [(priority: Int, match: DateMatch, line: LayoutLine, how: String)] = []
        var numberCandidates: [(priority: Int, value: String, line: LayoutLine, how: String)] = []
        var poCandidates: [(priority: Int, value: String, line: LayoutLine, how: String)] = []
        var supplierCandidate: (value: String, line: LayoutLine, column: Int, how: String)?
        let isLabel: (String) -> Bool = LabelVocabulary.isLabel
        for line in lines where !line.isBlank {
            let page = pages.first { $0.first?.page == line.page } ?? []
            for match in LabelFinder.matches(in: line, vocabulary: LabelVocabulary.fields) {
                let normalizedKey = LabelVocabulary.words(match.text).joined(separator: " ")
                let short = ["no", "nr", "n°", "number", "#", "to", "dt", "data", "po", "invoice", "purchase order",
                             "payment", "due", "issued", "customer", "client", "buyer", "ref", "order #", "order#"]
                    .contains(normalizedKey)
                guard match.atCellStart || match.colon else { continue }
                if short, !match.colon, !["invoice", "po", "purchase order", "customer", "client", "buyer"].contains(normalizedKey) {
                    continue
                }
                let how = "label '\(match.text.trimmingCharacters(in: CharacterSet(charactersIn: ": ")))' on page \(line.page), line \(line.index + 1)"
                switch match.role {
                case .invoiceNumber, .poNumber, .bareNumber:
                    let bare = ["invoice", "po", "purchase order"].contains(normalizedKey) && !match.colon
                    if match.role == .bareNumber, let tableStart, line.key > tableStart { continue }
                    let places: [LabelFinder.Place] = bare || match.role == .bareNumber ? [.sameCell, .right] : [.sameCell, .right, .below, .above, .left]
                    for candidate in LabelFinder.candidates(for: match, on: line, page: page, places: places, isLabel: isLabel) {
                        guard let value = Self.identifier(candidate.text) else { continue }
                        let where_ = "\(how), value \(candidate.place.rawValue)"
                        switch match.role {
                        case .invoiceNumber:
                            fields.sawInvoiceLabel = true
                            numberCandidates.append((bare ? 2 : 0, value, candidate.line, where_))
                        case .poNumber:
                            fields.sawPOLabel = true
                            poCandidates.append((bare ? 2 : 0, value, candidate.line, where_))
                        default:
                            if fields.bareNumber == nil { fields.bareNumber = value }
                            numberCandidates.append((3, value, candidate.line, where_))
                        }
                        break
                    }
                case .invoiceDate, .genericDate, .poDate, .otherDate:
                    if ["due date", "payment due", "due", "date due"].contains(normalizedKey) { fields.sawInvoiceEvidence = true }
                    for candidate in LabelFinder.candidates(for: match, on: line, page: page, isLabel: isLabel) {
                        let words = candidate.text.split(separator: " ").map(String.init)
                        guard let date = DateReader.find(in: words).first, date.firstWord == 0 else { continue }
                        let priority: Int
                        switch match.role {
                        case .invoiceDate: priority = 0
                        case .genericDate: priority = 1
                        case .poDate: priority = 2
                        default: priority = 9
                        }
                        dateCandidates.append((priority, date, candidate.line, "\(how), value \(candidate.place.rawValue)"))
                        break
                    }
                case .supplier:
                    guard supplierCandidate == nil else { continue }
                    // "Seller SKU:" under a line item labels a product's code, not the seller.
                    let next = match.lastWord + 1 < line.words.count ? LabelVocabulary.normalize(line.words[match.lastWord + 1].text) : ""
                    if ["sku", "sku:", "asin", "asin:"].contains(next) { continue }
                    for candidate in LabelFinder.candidates(for: match, on: line, page: page, places: [.sameCell, .right, .below], isLabel: isLabel) {
                        guard let name = Self.supplierName(candidate.text) else { continue }
                        let column = candidate.place == .sameCell ? match.start : (candidate.line.cells.first { $0.text == candidate.text }?.start ?? match.start)
                        // "Shipper / Exporter" with the consignee's name level with it, under its
                        // own label: that name is the buyer's; the shipper's is below.
                        if candidate.place == .right, Self.inRegion(buyerRegions, line: candidate.line, start: column) { continue }
                        supplierCandidate = (name, candidate.line, column, "\(how), value \(candidate.place.rawValue)")
                        break
                    }
                case .buyer:
                    if ["bill to", "billed to", "invoice to", "invoiced to", "sold to"].contains(normalizedKey) { fields.sawInvoiceEvidence = true }
                    let end = match.cell + 1 < line.cells.count ? line.cells[match.cell + 1].start - 1 : Int.max
                    buyerRegions.append((line.key, match.start, end))
                case .currency:
                    for candidate in LabelFinder.candidates(for: match, on: line, page: page, places: [.sameCell, .right, .below], isLabel: isLabel) {
                        guard let code = CurrencyReader.code(in: candidate.text) else { continue }
                        if fields.labelledCurrency == nil { fields.labelledCurrency = (code, candidate.line) }
                        break
                    }
                case .incoterm, .paymentTerms:
                    for candidate in LabelFinder.candidates(for: match, on: line, page: page, places: [.sameCell, .right, .below], isLabel: isLabel) {
                        guard let incoterm = IncotermReader.read(candidate.text) else { continue }
                        if fields.incoterm == nil || match.role == .incoterm && !(fields.incoterm?.how.hasPrefix("label") ?? false) {
                            fields.incoterm = (incoterm, candidate.line, "\(how), value \(candidate.place.rawValue)")
                        }
                        break
                    }
                }
            }
            if let claimed = Self.claimedPageCount(line), fields.claimedPages == nil { fields.claimedPages = (claimed, line) }
            fields.allDates += DateReader.find(in: line.words.map(\.text)).filter(\.isWellFormed)
        }
        // MARK: Number
        // Without a title: an invoice number label, invoice-only labels, or a number of its own
        // beside a PO reference make an invoice; a PO number alone makes a purchase order.
        let invoiceLike = fields.sawInvoiceLabel || fields.sawInvoiceEvidence || (fields.bareNumber != nil && fields.sawPOLabel)
        let isPO = fields.documentType == .purchaseOrder || (!fields.documentTypeFromTitle && fields.sawPOLabel && !invoiceLike)
        if let best = numberCandidates.min(by: { $0.priority < $1.priority }) {
            fields.number = best.value
            fields.sources.append(FieldSource(field: .number, page: best.line.page, lineIndex: best.line.index, text: best.line.text.trimmed,
                                              how: best.how, confidence: best.priority == 0 ? 0.95 : 0.75))
        }
        if let best = poCandidates.min(by: { $0.priority < $1.priority }) {
            fields.poNumber = best.value
            fields.sources.append(FieldSource(field: .purchaseOrderNumber, page: best.line.page, lineIndex: best.line.index,
                                              text: best.line.text.trimmed, how: best.how, confidence: 0.9))
            if isPO, numberCandidates.allSatisfy({ $0.priority >= 3 }) {
                fields.number = best.value
                fields.sources.removeAll { $0.field == .number }
                fields.sources.append(FieldSource(field: .number, page: best.line.page, lineIndex: best.line.index,
                                                  text: best.line.text.trimmed, how: best.how + " (a purchase order's number)", confidence: 0.9))
            }
        }
        if fields.number == nil, let found = patternNumber() {
            fields.number = found.value
            fields.sources.append(FieldSource(field: .number, page: found.line.page, lineIndex: found.line.index, text: found.line.text.trimmed,
                                              how: "'\(found.value)' looks like an invoice number (no label) on page \(found.line.page)", confidence: 0.6))
        }
        // MARK: Date
        let order = isPO ? [2, 1, 0] : [0, 1, 2]
        if let best = order.lazy.compactMap({ priority in dateCandidates.first { $0.priority == priority } }).first {
            fields.date = (best.match, best.line, best.how, 0.95)
        } else if let fallback = topLines.lazy.compactMap({ line -> (DateMatch, LayoutLine)? in
            let labelled = LabelFinder.matches(in: line, vocabulary: LabelVocabulary.fields).contains { $0.role == .otherDate }
            // Without a label, only a date with a four-digit year or a month name: "4-4-16" is
            // a Japanese street address, not 4 April 2016.
            guard !labelled, let match = DateReader.find(in: line.words.map(\.text)).first(where: \.isWellFormed) else { return nil }
            return (match, line)
        }).first {
            fields.date = (fallback.0, fallback.1, "first date at the top of page \(fallback.1.page) (no label)", 0.6)
        }
        // MARK: Supplier
        var supplierConfidence = 0.95
        if supplierCandidate == nil, isPO, let vendor = poVendor(buyerRegions: buyerRegions) {
            supplierCandidate = vendor
            supplierConfidence = 0.6
        }
        if let supplierCandidate {
            fields.supplier = supplierCandidate.value
            fields.supplierLine = supplierCandidate.line
            fields.supplierColumn = supplierCandidate.column
            fields.sources.append(FieldSource(field: .supplier, page: supplierCandidate.line.page, lineIndex: supplierCandidate.line.index,
                                              text: supplierCandidate.line.text.trimmed, how: supplierCandidate.how,
                                              confidence: supplierConfidence))
        } else if !isPO {
            search: for line in topLines {
                for cell in line.cells {
                    guard !Self.inRegion(buyerRegions, line: line, start: cell.start), !LabelVocabulary.isLabel(cell.text), CompanyName.isCompany(cell.text),
                          var name = Self.supplierName(cell.text) else { continue }
                    var text = cell.text
                    // A legal form set apart in the next cell: a title's wide spacing read from a photo.
                    if let index = line.cells.firstIndex(where: { $0.start == cell.start }), index + 1 < line.cells.count,
                       CompanyName.isLegalFormOnly(line.cells[index + 1].text), let joined = Self.supplierName(text + " " + line.cells[index + 1].text) {
                        text += " " + line.cells[index + 1].text
                        name = joined
                    }
                    // A long name wraps: "Shenzhen Huaxin Trading Co.," then "Ltd." under it.
                    if let next = topLines.first(where: { $0.page == line.page && $0.index == line.index + 1 }),
                       let tail = next.cells.first(where: { abs($0.start - cell.start) <= 2 }),
                       CompanyName.isLegalFormOnly(tail.text), let joined = Self.supplierName(text + " " + tail.text) {
                        name = joined
                    }
                    fields.supplier = name
                    fields.supplierLine = line
                    fields.supplierColumn = cell.start
                    fields.sources.append(FieldSource(field: .supplier, page: line.page, lineIndex: line.index, text: line.text.trimmed,
                                                      how: "first company name at the top of page \(line.page), line \(line.index + 1)",
                                                      confidence: 0.8))
                    break search
                }
            }
        }
        // MARK: Incoterm without a label
        if fields.incoterm == nil {
            for line in lines where !line.isBlank {
                for cell in line.cells {
                    guard let incoterm = IncotermReader.find(in: cell.text) else { continue }
                    fields.incoterm = (incoterm, line, "'\(incoterm.rule.rawValue)' in the text on page \(line.page), line \(line.index + 1)")
                    break
                }
                if fields.incoterm != nil { break }
            }
        }
        if let incoterm = fields.incoterm {
            fields.sources.append(FieldSource(field: .incoterm, page: incoterm.line.page, lineIndex: incoterm.line.index,
                                              text: incoterm.line.text.trimmed, how: incoterm.how,
                                              confidence: incoterm.how.hasPrefix("label") ? 0.95 : 0.8))
        }
        if !fields.documentTypeFromTitle {
            if invoiceLike {
                fields.documentType = .invoice
                fields.sources.append(FieldSource(field: .documentType, page: 1, lineIndex: 0, text: "",
                                                  how: "no title; invoice labels (invoice number, Bill To or Due Date)", confidence: 0.75))
            } else if fields.sawPOLabel {
                fields.documentType = .purchaseOrder
                fields.sources.append(FieldSource(field: .documentType, page: 1, lineIndex: 0, text: "",
                                                  how: "no title; a PO number and no invoice labels", confidence: 0.7))
            }
        }
        return fields
    }

    // MARK: Title

    private func readTitle(into fields: inout HeaderFields) {
        for line in topLines.prefix(30) {
            for cell in line.cells {
                var words = cell.words.map(\.text)
                // Letter-spaced titles: "I N V O I C E".
                if words.count >= 4, words.allSatisfy({ $0.count == 1 }) { words = [words.joined()] }
                let key = LabelVocabulary.words(words.joined(separator: " ")).joined(separator: " ")
                guard let type = LabelVocabulary.titles[key] else { continue }
                fields.documentType = type
                fields.documentTypeFromTitle = true
                fields.sources.append(FieldSource(field: .documentType, page: line.page, lineIndex: line.index, text: cell.text,
                                                  how: "title '\(cell.text)' on page \(line.page)", confidence: 0.95))
                return
            }
        }
    }

    // MARK: Values

    /// An invoice or order number: the first word with a digit, 2–32 characters, no date, no
    /// amount.
    static func identifier(_ text: String) -> String? {
        var words = text.split(separator: " ").map(String.init)
        while let first = words.first, ["#", "no", "no.", "nr", "nr.", "number", ":", "-", "n°", "no:", "#:"].contains(first.lowercased()) {
            words.removeFirst()
        }
        guard var first = words.first else { return nil }
        if first.hasPrefix("#") || first.hasPrefix(":") { first.removeFirst() }
        if !first.contains(where: \.isNumber), first.count <= 4, first.allSatisfy(\.isLetter), words.count > 1,
           words[1].contains(where: \.isNumber) {
            first += " " + words[1]
        }
        let value = first.trimmingCharacters(in: CharacterSet(charactersIn: ".,;:()"))
        guard value.count >= 2, value.count <= 32, value.contains(where: \.isNumber) else { return nil }
        guard DateReader.read(value) == nil else { return nil }
        if value.contains("."), NumberReader.read(value, format: .pointDecimal) != nil { return nil }
        if value.contains(","), NumberReader.read(value, format: .commaDecimal) != nil, !value.contains("-") { return nil }
        return value
    }

    /// Whether text starting at column `start` of `line` stands under a buyer's label (within
    /// six lines below it, from its column to the next cell's).
    static func inRegion(_ regions: [(key: LineKey, start: Int, end: Int)], line: LayoutLine, start: Int) -> Bool {
        regions.contains { region in
            region.key.page == line.page && line.index >= region.key.index && line.index <= region.key.index + 6
                && start >= region.start - 2 && start < region.end
        }
    }

    /// A purchase order's vendor when no label names it (a scan or photo often loses the small
    /// "VENDOR" caption): the order is the buyer's own paper, so the first company at its top is
    /// the buyer; the vendor is the next one named, outside a buyer's block, and not Amazon's
    /// fulfillment center the goods are shipped to.
    func poVendor(buyerRegions: [(key: LineKey, start: Int, end: Int)]) -> (value: String, line: LayoutLine, column: Int, how: String)? {
        var companies: [(name: String, line: LayoutLine, column: Int)] = []
        for line in topLines {
            for cell in line.cells where !LabelVocabulary.isLabel(cell.text) && CompanyName.isCompany(cell.text) {
                guard let name = Self.supplierName(cell.text) else { continue }
                companies.append((name, line, cell.start))
            }
        }
        guard let issuer = companies.first else { return nil }
        let vendor = companies.dropFirst().first { company in
            company.name != issuer.name && !company.name.lowercased().contains("amazon")
                && !Self.inRegion(buyerRegions, line: company.line, start: company.column)
        }
        return vendor.map { ($0.name, $0.line, $0.column,
                             "a purchase order's second company at the top of page \($0.line.page), line \($0.line.index + 1) (the first, \(issuer.name), issued it)") }
    }

    /// A supplier name as printed, without label remnants; nil for text that names no one.
    static func supplierName(_ text: String) -> String? {
        // "/ Exporter" is what is left of a "Shipper / Exporter" label split over two cells.
        var value = CompanyName.spacedAfterStops(text).trimmingCharacters(in: CharacterSet(charactersIn: " :;,-/|"))
        if value.lowercased().hasPrefix("name:") { value = String(value.dropFirst(5)).trimmingCharacters(in: .whitespaces) }
        guard value.filter(\.isLetter).count >= 3, !(value.first?.isNumber ?? true) else { return nil }
        guard !LabelVocabulary.isLabel(value), !value.contains("@"), !value.lowercased().hasPrefix("www") else { return nil }
        // "Seller SKU: QB-GLASS-5" under a line item: a product's code, not the seller's name.
        let firstWord = value.split(separator: " ").first.map { $0.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: ":#.")) }
        guard !["sku", "asin", "fnsku", "id", "no"].contains(firstWord ?? "") else { return nil }
        let key = LabelVocabulary.words(value).joined(separator: " ")
        guard LabelVocabulary.titles[key] == nil else { return nil }
        return value
    }

    /// "Page 1 of 4", "Page 1/4", "Seite 1 von 4", "1/4" alone.
    static func claimedPageCount(_ line: LayoutLine) -> Int? {
        let words = line.words.map { LabelVocabulary.normalize($0.text) }
        for index in words.indices where ["page", "seite", "página", "pagina", "pg"].contains(words[index]) {
            if index + 3 < words.count, ["of", "von", "de", "di", "/"].contains(words[index + 2]),
               Int(words[index + 1]) != nil, let total = Int(words[index + 3]) { return total }
            if index + 1 < words.count {
                let parts = words[index + 1].split(separator: "/")
                if parts.count == 2, Int(parts[0]) != nil, let total = Int(parts[1]) { return total }
            }
        }
        return nil
    }

    /// A number like `INV-2026-0042` printed without a label.
    private func patternNumber() -> (value: String, line: LayoutLine)? {
        for line in topLines {
            for word in line.words {
                let text = word.text.trimmingCharacters(in: CharacterSet(charactersIn: "#:,;()"))
                let upper = text.uppercased()
                guard upper.hasPrefix("INV"), text.count >= 5, text.contains(where: \.isNumber) else { continue }
                return (text, line)
            }
        }
        return nil
    }
}
