import Foundation
import OpsideRender

/// Makes realistic supplier invoices and purchase orders from a seed: supplier names and
/// addresses from Shenzhen, Yiwu, Ningbo…, the US and the EU; lines for the seller's catalog
/// items that refer to them by seller SKU, ASIN, supplier code or a paraphrased title; freight,
/// duty, fees and tax; totals exact to the cent. The same seed and catalog always give the same
/// invoices.
public struct SampleInvoiceGenerator: Sendable {
    public let catalog: [SellerCatalogItem]
    private var random: DeterministicRandom

    /// - Parameters:
    ///   - seed: Determines every choice.
    ///   - catalog: The seller's products the lines refer to; a sample catalog when empty.
    public init(seed: UInt64, catalog: [SellerCatalogItem] = []) {
        self.catalog = catalog.isEmpty ? SellerCatalog.sample(seed: seed) : catalog
        self.random = DeterministicRandom(seed: seed)
    }

    private enum Region { case china, unitedStates, europe }

    /// The next invoice for `layout`.
    /// - Parameter lineCount: How many lines; the layout's usual range (60–120 for `multiPage`) when `nil`.
    public mutating func invoice(layout: InvoiceLayout, lineCount: Int? = nil) -> SampleInvoice {
        // Each invoice draws from its own stream, so the invoices of one seed do not shift when
        // one of them changes how many values it draws.
        var random = self.random.derived(UInt64(layout.rawValue.utf8.count) &* 31 &+ UInt64(self.random.next() & 0xFFFF))
        _ = self.random.next()

        let region: Region = switch layout {
        case .commercial: .china
        case .europe: .europe
        case .classic: random.chance(0.6) ? .china : .unitedStates
        case .modern, .purchaseOrder, .multiPage: random.chance(0.5) ? .china : .unitedStates
        }
        let issueDate = SampleDate(year: 2024, month: 1, day: 1).adding(days: random.below(730))
        var supplier = Self.supplier(region: region, random: &random)
        let seller = random.pick(SampleVocabulary.sellers)
        let sellerDomain = seller.name.lowercased().filter { $0.isLetter }.prefix(16) + ".com"
        let billTo = SampleParty(name: seller.name, addressLines: [seller.street, seller.city], country: "United States", countryCode: "US",
                                 email: "purchasing@\(sellerDomain)")
        let numberStyle: SampleNumberStyle = region == .europe ? .european : .us
        let dateStyle: SampleDateStyle = switch layout {
        case .classic: .usLong
        case .modern: .iso
        case .commercial: .dayMonthAbbreviation
        case .europe: .europeanDots
        case .purchaseOrder: .usSlashes
        case .multiPage: random.pick([.usLong, .iso, .usSlashes])
        }
        let currency = region == .europe ? "EUR" : "USD"
        let port = supplier.addressLines.last.flatMap { line in SampleVocabulary.chineseCities.first { line.hasPrefix($0.name) }?.port } ?? "Shenzhen"
        let cityName = supplier.addressLines.last?.split(separator: ",").first.map(String.init) ?? "Shenzhen"

        // MARK: Number, terms, incoterm
        let kind: SampleInvoice.Kind = layout == .purchaseOrder ? .purchaseOrder : layout == .commercial ? .commercialInvoice : .invoice
        let yy = SampleDate.two(issueDate.year % 100), mm = SampleDate.two(issueDate.month), dd = SampleDate.two(issueDate.day)
        let initials = String(supplier.name.split(separator: " ").dropFirst(region == .china ? 1 : 0).compactMap(\.first).prefix(2)).uppercased()
        let number = switch layout {
        case .classic: "INV-\(issueDate.year)-\(random.digits(4))"
        case .modern: "\(initials)\(issueDate.year)\(mm)\(dd)-\(random.digits(2))"
        case .commercial: "CI-\(initials)\(yy)\(mm)-\(random.digits(3))"
        case .europe: "RE-\(issueDate.year)-\(random.digits(5))"
        case .purchaseOrder: "PO-\(issueDate.year)-\(random.digits(4))"
        case .multiPage: "\(yy)-\(random.digits(5))"
        }
        let paymentTerms: String
        let dueDays: Int?
        switch region {
        case .china:
            paymentTerms = random.pick(["T/T 30% deposit, 70% before shipment", "T/T 100% before shipment", "T/T 50% deposit, balance against B/L copy"])
            dueDays = nil
        case .unitedStates:
            let days = random.pick([15, 30, 45])
            paymentTerms = "Net \(days)"
            dueDays = days
        case .europe:
            let days = random.pick([14, 30])
            paymentTerms = supplier.countryCode == "DE" ? "Zahlbar innerhalb \(days) Tagen netto" : "Payment within \(days) days net"
            dueDays = days
        }
        var incoterm: SampleIncoterm?
        switch (layout, region) {
        case (.commercial, _):
            incoterm = random.pick([SampleIncoterm(term: "FOB", place: port), SampleIncoterm(term: "FOB", place: port),
                                    SampleIncoterm(term: "CIF", place: "Los Angeles"), SampleIncoterm(term: "DDP", place: "Ontario, CA")])
        case (_, .china):
            incoterm = random.chance(0.5) ? SampleIncoterm(term: "FOB", place: port) : random.chance(0.3) ? SampleIncoterm(term: "EXW", place: cityName) : nil
        case (_, .europe):
            incoterm = random.chance(0.4) ? random.pick([SampleIncoterm(term: "DAP", place: "Hamburg"), SampleIncoterm(term: "EXW", place: cityName)]) : nil
        case (_, .unitedStates):
            incoterm = nil
        }
        if region != .europe { supplier.taxID = nil }

        // MARK: Lines
        let usualCount = switch layout {
        case .classic: random.between(4, 10)
        case .modern: random.between(3, 8)
        case .commercial: random.between(5, 12)
        case .europe: random.between(3, 9)
        case .purchaseOrder: random.between(4, 10)
        case .multiPage: random.between(60, 120)
        }
        let count = max(lineCount ?? usualCount, 1)
        let priceFactor = switch region {
        case .china: 1.0
        case .unitedStates: 1.7
        case .europe: 1.5
        }
        let codePrefix = initials.isEmpty ? "SP" : initials
        var usedCodes = Set<String>()
        func supplierCode(_ random: inout DeterministicRandom) -> String {
            while true {
                // Fixed length, so no code is a prefix of another on the same document.
                let code = "\(codePrefix)-\(random.digits(5))"
                if usedCodes.insert(code).inserted { return code }
            }
        }
        let extraCount = layout == .multiPage ? count / 12 : min(random.below(3), max(count - 1, 0))
        let productCount = max(count - extraCount, 1)
        var items = catalog
        var lines: [SampleInvoiceLine] = []
        let colours = ["Black", "White", "Navy", "Grey", "Sage Green", "Blush Pink", "Teal", "Charcoal"]
        for index in 0..<productCount {
            if items.isEmpty { items = catalog }
            let item = items.remove(at: random.below(items.count))
            let template = SampleVocabulary.products.first { $0.title == item.title }
            var description = template?.supplierDescription ?? "\(item.title), bulk packed"
            var paraphrase = template?.paraphrase ?? Self.paraphrase(item.title)
            if index >= catalog.count || layout == .multiPage && random.chance(0.5) {
                let variant = ", colour: \(random.pick(colours))"
                description += variant
                paraphrase += variant
            }
            let reference: SampleLineReference = switch random.below(20) {
            case 0..<6: .sellerSku
            case 6..<9: .asin
            case 9..<15: .supplierCode
            default: .paraphrasedTitle
            }
            let quantity = layout == .multiPage
                ? random.pick([12, 24, 36, 48, 50, 60, 72, 96, 100, 120, 144, 200, 240, 300, 500])
                : random.pick([100, 120, 150, 200, 240, 250, 300, 400, 500, 600, 800, 1000, 1200, 1500, 2000, 2400, 3000])
            let range = template?.unitCost ?? 1.5...6.0
            let unitCents = Int64((random.uniform(range.lowerBound, range.upperBound) * priceFactor * 100).rounded())
            lines.append(SampleInvoiceLine(description: reference == .paraphrasedTitle ? paraphrase : description,
                                           supplierSku: supplierCode(&random),
                                           sellerSku: reference == .sellerSku ? item.sku : nil,
                                           asin: reference == .asin ? item.asin : nil,
                                           catalogSku: item.sku, reference: reference, quantity: quantity,
                                           unitPrice: SampleMoney.decimal(cents: unitCents),
                                           lineTotal: SampleMoney.decimal(cents: unitCents * Int64(quantity))))
        }
        for _ in 0..<extraCount {
            let extra = random.pick(SampleVocabulary.extras)
            let quantity = extra.perUnit && !lines.isEmpty ? random.pick(lines).quantity : 1
            let unitCents = Int64((random.uniform(extra.cost.lowerBound, extra.cost.upperBound) * priceFactor * 100).rounded())
            let line = SampleInvoiceLine(description: extra.description, supplierSku: supplierCode(&random), sellerSku: nil, asin: nil,
                                         catalogSku: nil, reference: .none, quantity: quantity,
                                         unitPrice: SampleMoney.decimal(cents: unitCents),
                                         lineTotal: SampleMoney.decimal(cents: unitCents * Int64(quantity)))
            lines.insert(line, at: random.between(lines.isEmpty ? 0 : 1, lines.count))
        }

        // MARK: Charges and totals
        let subtotalCents = lines.reduce(Int64(0)) { $0 + SampleMoney.cents($1.lineTotal) }
        var freightCents: Int64 = 0
        var dutyCents: Int64 = 0
        switch layout {
        case .commercial:
            freightCents = incoterm?.term == "FOB" ? Int64(random.between(80, 260)) * 100 : Int64(random.between(600, 2400)) * 100 + Int64(random.below(100))
            dutyCents = incoterm?.term == "DDP" ? subtotalCents * Int64(random.between(4, 25)) / 100 : 0
        default:
            if random.chance(region == .china ? 0.4 : 0.65) { freightCents = Int64(random.between(25, 900)) * 100 + Int64(random.below(100)) }
            if region == .china && incoterm?.term == "DDP" { dutyCents = subtotalCents / 10 }
        }
        var otherCharges: [SampleCharge] = []
        if random.chance(0.3) {
            let (label, low, high) = random.pick([("Bank charges", 25, 45), ("Inspection fee", 120, 300), ("Palletising", 30, 90)])
            otherCharges.append(SampleCharge(label: label, amount: SampleMoney.decimal(cents: Int64(random.between(low, high)) * 100)))
        }
        var taxBasisPoints: Int64 = 0 // percent × 100
        switch region {
        case .europe:
            taxBasisPoints = Int64(SampleVocabulary.euSuppliers.first { $0.code == supplier.countryCode }?.vat ?? 19) * 100
        case .unitedStates:
            if random.chance(0.25) { taxBasisPoints = Int64(random.pick([625, 700, 825, 887])) }
        case .china:
            taxBasisPoints = 0
        }
        let taxCents = (subtotalCents * taxBasisPoints + 5_000) / 10_000
        let otherCents = otherCharges.reduce(Int64(0)) { $0 + SampleMoney.cents($1.amount) }
        let totalCents = subtotalCents + freightCents + dutyCents + otherCents + taxCents

        var shipTo: SampleParty?
        if layout == .purchaseOrder || random.chance(0.3) {
            let centre = random.pick(SampleVocabulary.fulfilmentCentres)
            shipTo = SampleParty(name: "Amazon.com Services LLC (FBA \(centre.code))", addressLines: [centre.street, centre.city],
                                 country: "United States", countryCode: "US")
        }
        return SampleInvoice(kind: kind, number: number, issueDate: issueDate, dueDate: dueDays.map { issueDate.adding(days: $0) },
                             currency: currency, supplier: supplier, billTo: billTo, shipTo: shipTo, incoterm: incoterm,
                             paymentTerms: paymentTerms, lines: lines, freight: SampleMoney.decimal(cents: freightCents),
                             duty: SampleMoney.decimal(cents: dutyCents), otherCharges: otherCharges,
                             subtotal: SampleMoney.decimal(cents: subtotalCents), taxRate: SampleMoney.decimal(cents: taxBasisPoints),
                             tax: SampleMoney.decimal(cents: taxCents), total: SampleMoney.decimal(cents: totalCents),
                             numberStyle: numberStyle, dateStyle: dateStyle)
    }

    private static func supplier(region: Region, random: inout DeterministicRandom) -> SampleParty {
        switch region {
        case .china:
            let city = random.pick(SampleVocabulary.chineseCities)
            let core = random.pick(SampleVocabulary.chineseNameCores)
            let name = "\(city.name) \(core) \(random.pick(SampleVocabulary.chineseCompanyKinds))"
            let district = random.pick(city.districts)
            return SampleParty(name: name, addressLines: [random.pick(SampleVocabulary.chineseStreets), district,
                                                          "\(city.name), \(city.province) \(city.postal + random.below(90) * 10)"],
                               country: "China", countryCode: "CN", email: "sales@\(core.lowercased())-trade.com",
                               phone: "+86 \(city.areaCode) \(random.digits(4)) \(random.digits(4))")
        case .unitedStates:
            let name = random.pick(SampleVocabulary.usSuppliers)
            return SampleParty(name: name, addressLines: [random.pick(SampleVocabulary.usStreets), random.pick(SampleVocabulary.usCities)],
                               country: "United States", countryCode: "US",
                               email: "orders@\(name.lowercased().filter { $0.isLetter }.prefix(14)).com",
                               phone: "+1 (\(random.between(201, 989))) 555-\(random.digits(4))")
        case .europe:
            let entry = random.pick(SampleVocabulary.euSuppliers)
            return SampleParty(name: entry.name, addressLines: [entry.street, entry.city], country: entry.country, countryCode: entry.code,
                               email: "info@\(entry.domain)", phone: "+\(entry.dial) \(random.digits(3)) \(random.digits(6))",
                               taxID: "\(entry.code)\(random.digits(9))")
        }
    }

    /// A supplier's rewording of a listing title it has no template for: "Yoga Mat 6mm 2-Pack"
    /// becomes "yoga mat 6mm (2 pcs)".
    static func paraphrase(_ title: String) -> String {
        var words = title.split(separator: " ").map(String.init)
        var count: String?
        if words.count >= 2, words.last?.lowercased() == "pack", Int(words[words.count - 2]) != nil {
            count = words[words.count - 2]
            words.removeLast(2)
        } else if let last = words.last, last.lowercased().hasSuffix("-pack"), let number = Int(last.dropLast(5)) {
            count = String(number)
            words.removeLast()
        }
        let base = words.joined(separator: " ").lowercased()
        return count.map { "\(base) (\($0) pcs)" } ?? "\(base), assorted"
    }
}
