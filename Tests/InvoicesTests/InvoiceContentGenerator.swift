import Foundation
@testable import OpsideInvoices

/// Makes the content of realistic supplier documents: who sells to whom, goods lines with
/// prices of 2–4 decimals, charges, taxes, dates printed the way each region prints them, and
/// the truth of every field.
struct InvoiceContentGenerator {
    enum Region: CaseIterable { case china, us, germany, italy, france, uk, india, japan }

    var random: SeededRandom

    // MARK: Parties

    static let chinaCities: [(String, String, String)] = [
        ("Shenzhen", "Guangdong", "518057"), ("Guangzhou", "Guangdong", "510620"), ("Dongguan", "Guangdong", "523000"),
        ("Yiwu", "Zhejiang", "322000"), ("Ningbo", "Zhejiang", "315000"), ("Xiamen", "Fujian", "361000"),
        ("Hangzhou", "Zhejiang", "310000"), ("Foshan", "Guangdong", "528000"), ("Suzhou", "Jiangsu", "215000"),
        ("Qingdao", "Shandong", "266000"),
    ]
    static let chinaBrands = ["Huaxin", "Bright Star", "Oceanic", "Everlight", "Jiayi", "Greenleaf", "Sunrise", "Kingwell", "Hengtai",
                              "Yongsheng", "Meiya", "Tianli", "Goldway", "Hongda", "Xinyuan", "Lianfa", "Ruifeng", "Jinlong"]
    static let chinaTrades = ["Electronics", "Houseware", "Silicone Products", "Packaging", "Bamboo Products", "Textile", "Hardware",
                              "Plastic Products", "Crafts", "Home Products", "Trading", "Industrial", "Technology"]
    static let chinaSuffixes = ["Co., Ltd.", "Co., Ltd", "Co.,Ltd.", "Company Limited", "Manufacturing Co., Ltd.", "Industrial Co., Ltd."]
    static let roads = ["Keyuan", "Huaqiang", "Jinhu", "Chouzhou", "Xingning", "Binhai", "Gongye", "Changjiang", "Fuyong", "Xinhua"]
    static let districts = ["Nanshan", "Bao'an", "Longhua", "Yinzhou", "Huli", "Shunde", "Xiaoshan", "Panyu", "Futian", "Beilun"]

    static let usBrands = ["Pacific Coast", "Midwest", "Evergreen", "Lakeshore", "Summit", "Ironwood", "Blue Ridge", "Redwood", "Granite State"]
    static let usTrades = ["Packaging", "Molding", "Manufacturing", "Supply", "Products", "Industries", "Trading"]
    static let usCities: [(String, String, String)] = [("Los Angeles", "CA", "90021"), ("Chicago", "IL", "60607"), ("Dallas", "TX", "75207"),
                                                       ("Columbus", "OH", "43215"), ("Newark", "NJ", "07105"), ("Portland", "OR", "97210")]

    static let buyers: [GeneratedParty] = [
        GeneratedParty(name: "Acme Brands LLC", address: ["1200 Commerce Way", "Austin, TX 78701, USA"], country: "USA"),
        GeneratedParty(name: "Northwind Goods Inc.", address: ["55 Harbor Street, Suite 400", "Seattle, WA 98101, USA"], country: "USA"),
        GeneratedParty(name: "Bluebird Home Co.", address: ["8 Market Square", "Boston, MA 02109, USA"], country: "USA"),
        GeneratedParty(name: "Summit Outdoor LLC", address: ["2100 Alpine Road", "Denver, CO 80202, USA"], country: "USA"),
        GeneratedParty(name: "Harbor & Pine Inc.", address: ["17 Wharf Lane", "Portland, ME 04101, USA"], country: "USA"),
    ]

    mutating func supplier(_ region: Region) -> GeneratedParty {
        switch region {
        case .china:
            let (city, province, zip) = random.pick(Self.chinaCities)
            var name = "\(city) \(random.pick(Self.chinaBrands)) \(random.pick(Self.chinaTrades)) \(random.pick(Self.chinaSuffixes))"
            if random.chance(0.2) { name = name.uppercased() }
            return GeneratedParty(name: name, address: [
                "No. \(random.int(1...388)) \(random.pick(Self.roads)) Road, \(random.pick(Self.districts)) District",
                "\(city), \(province) \(zip), China",
                "Tel: +86 \(random.int(20...799)) \(random.int(1000...9999)) \(random.int(1000...9999))",
            ] + (random.chance(0.3) ? ["Email: sales@\(random.pick(Self.chinaBrands).lowercased().replacingOccurrences(of: " ", with: ""))-\(city.lowercased()).com"] : []),
            country: "China")
        case .us:
            let (city, state, zip) = random.pick(Self.usCities)
            let name = "\(random.pick(Self.usBrands)) \(random.pick(Self.usTrades)) \(random.pick(["LLC", "Inc.", "Corp."]))"
            return GeneratedParty(name: name, address: ["\(random.int(100...9800)) \(random.pick(["Industrial", "Commerce", "Harbor", "Mill"])) \(random.pick(["Ave", "Blvd", "Street", "Drive"]))",
                                                        "\(city), \(state) \(zip), USA"], country: "USA")
        case .germany:
            let name = "\(random.pick(["Müller", "Schneider", "Fischer", "Weber", "Becker", "Hoffmann", "Schäfer"])) \(random.pick(["Haushaltswaren", "Verpackungen", "Kunststofftechnik", "Metallwaren", "Textil"])) GmbH"
            let (zip, city) = random.pick([("70565", "Stuttgart"), ("20457", "Hamburg"), ("80331", "München"), ("50667", "Köln")])
            return GeneratedParty(name: name, address: ["\(random.pick(["Industriestraße", "Hafenstraße", "Gewerbepark", "Lindenallee"])) \(random.int(1...140))",
                                                        "\(zip) \(city), \(random.pick(["Germany", "Deutschland"]))"], country: "Germany")
        case .italy:
            let name = "\(random.pick(["Bianchi", "Rossi", "Ferrari", "Colombo"])) \(random.pick(["Ceramiche", "Tessuti", "Casalinghi"])) S.r.l."
            return GeneratedParty(name: name, address: ["Via \(random.pick(["Roma", "Garibaldi", "Milano"])) \(random.int(1...90))",
                                                        "\(random.pick(["20121 Milano", "50123 Firenze", "40121 Bologna"])), Italy"], country: "Italy")
        case .france:
            let name = "\(random.pick(["Lefèvre", "Moreau", "Laurent", "Girard"])) \(random.pick(["Textiles", "Emballages", "Céramique"])) SARL"
            return GeneratedParty(name: name, address: ["\(random.int(1...80)) rue \(random.pick(["de la Paix", "Victor Hugo", "du Commerce"]))",
                                                        "\(random.pick(["69002 Lyon", "75011 Paris", "13001 Marseille"])), France"], country: "France")
        case .uk:
            let name = "\(random.pick(["Thornbury", "Ashford", "Kingsley", "Whitmore"])) \(random.pick(["Crafts", "Trading", "Packaging", "Homeware"])) Ltd"
            return GeneratedParty(name: name, address: ["Unit \(random.int(1...40)), \(random.pick(["Riverside", "Station", "Mill"])) Industrial Estate",
                                                        "\(random.pick(["Leeds LS9 0PS", "Bristol BS2 0QY", "Leicester LE4 5NU"])), United Kingdom"], country: "United Kingdom")
        case .india:
            let name = "\(random.pick(["Jaipur", "Moradabad", "Tiruppur", "Panipat"])) \(random.pick(["Handicrafts", "Textiles", "Metal Crafts"])) \(random.pick(["Exports Pvt. Ltd.", "Pvt. Ltd.", "Exports"]))"
            return GeneratedParty(name: name, address: ["Plot \(random.int(1...200)), \(random.pick(["RIICO", "Sitapura", "Industrial Area"]))",
                                                        "\(random.pick(["Jaipur 302022", "Moradabad 244001"])), India"], country: "India")
        case .japan:
            let name = "\(random.pick(["Osaka Precision", "Tokyo Kogyo", "Nagoya Seiki", "Kobe Housewares"])) \(random.pick(["Co., Ltd.", "K.K.", "Industries Co., Ltd."]))"
            return GeneratedParty(name: name, address: ["\(random.int(1...9))-\(random.int(1...30))-\(random.int(1...20)) \(random.pick(["Honmachi", "Nishiku", "Minato"]))",
                                                        "\(random.pick(["Osaka 541-0053", "Tokyo 105-0011", "Nagoya 450-0002"])), Japan"], country: "Japan")
        }
    }

    // MARK: Goods

    static let products: [(name: String, sizes: [String])] = [
        ("Stainless Steel Water Bottle", ["500ml", "750ml", "1L", "32oz"]), ("Silicone Baking Mat", ["Set of 2", "Set of 3", "Half Sheet"]),
        ("Insulated Lunch Bag", ["8L", "12L", "15L"]), ("Bamboo Cutting Board", ["Small", "Large", "Set of 3"]),
        ("Glass Meal Prep Container", ["3 Compartment", "2 Pack", "5 Pack"]), ("Yoga Mat", ["6mm", "8mm", "10mm"]),
        ("Resistance Bands Set", ["5 Levels", "3 Pack"]), ("LED Desk Lamp", ["USB-C", "Clamp On"]),
        ("Aluminum Phone Stand", ["Adjustable", "Foldable"]), ("Ceramic Coffee Mug", ["12oz", "16oz"]),
        ("Cotton Kitchen Towels", ["6 Pack", "12 Pack"]), ("Microfiber Cleaning Cloth", ["12 Pack", "24 Pack", "50 Pack"]),
        ("Silicone Spatula Set", ["5 Pieces", "3 Pieces"]), ("Reusable Produce Bags", ["9 Pack", "15 Pack"]),
        ("Pet Grooming Brush", ["Small", "Large"]), ("Kids Water Bottle", ["350ml", "400ml"]), ("Travel Toiletry Bag", ["Hanging", "Compact"]),
        ("Wireless Charger Pad", ["10W", "15W"]), ("Garden Hose Nozzle", ["8 Pattern", "10 Pattern"]), ("Shower Caddy", ["2 Tier", "3 Tier"]),
        ("Drawer Organizer", ["6 Pack", "10 Pack"]), ("Velvet Hangers", ["30 Pack", "50 Pack"]), ("Beeswax Food Wraps", ["3 Pack", "6 Pack"]),
        ("Cast Iron Skillet", ["10 inch", "12 inch"]), ("Electric Milk Frother", ["Handheld", "Rechargeable"]),
    ]
    static let colors = ["Black", "White", "Navy", "Grey", "Sage Green", "Matte Black", "Blush Pink", "Sky Blue", "Red", "Natural"]
    static let extras = ["with bamboo lid", "BPA free", "custom logo printed", "gift box packaging", "export carton 50 pcs/ctn",
                         "with carrying strap", "leak proof", "FDA grade silicone", "double wall vacuum insulated", "non-slip base",
                         "color box with barcode label", "individually polybagged"]

    mutating func asin() -> String {
        let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789")
        return "B0" + String((0..<8).map { _ in random.pick(alphabet) })
    }

    /// A goods line; `currency` fixes how many decimals totals have.
    mutating func line(currency: String, upper: Bool, skuStyle: Int, long: Bool) -> GeneratedLine {
        let product = random.pick(Self.products)
        let size = random.pick(product.sizes)
        let color = random.pick(Self.colors)
        var description = "\(product.name) \(size), \(color)"
        if long || random.chance(0.25) {
            let count = long ? random.int(2...3) : 1
            var chosen: [String] = []
            while chosen.count < count {
                let extra = random.pick(Self.extras)
                if !chosen.contains(extra) { chosen.append(extra) }
            }
            description += ", " + chosen.joined(separator: ", ")
        }
        if upper { description = description.uppercased() }
        let initials = product.name.split(separator: " ").map { String($0.prefix(1)) }.joined()
        let digits = String(random.int(100...9999))
        let colorCode = String(color.replacingOccurrences(of: " ", with: "").prefix(2)).uppercased()
        let supplierSku: String
        switch skuStyle {
        case 0: supplierSku = "\(random.pick(["HX", "YB", "NO", "EV", "KW", "JY"]))-\(initials)\(digits)-\(colorCode)"
        case 1: supplierSku = "\(initials)\(digits)"
        case 2: supplierSku = "ART-\(random.int(10000...99999))"
        default: supplierSku = "\(random.int(1000...9999))-\(random.int(10...99))"
        }
        let zeroDigits = CurrencyDigits.digits(for: currency) == 0
        let priceDigits = zeroDigits ? 0 : random.pick([2, 2, 2, 2, 2, 2, 3, 4])
        let scale = Decimal(sign: .plus, exponent: -priceDigits, significand: 1)
        let unitPrice: Decimal
        if zeroDigits {
            unitPrice = Decimal(random.int(40...6000))
        } else {
            let minor = random.int(20 * Int(pow(10, Double(priceDigits - 2)))...3500 * Int(pow(10, Double(priceDigits - 2))))
            unitPrice = Decimal(minor) * scale
        }
        let quantity = random.pick([50, 100, 120, 150, 200, 240, 250, 300, 360, 400, 480, 500, 600, 800, 1000, 1200, 1500, 2000, 2400, 3000, 5000])
            + (random.chance(0.15) ? random.int(1...49) : 0)
        let total = DecimalArithmetic.rounded(unitPrice * Decimal(quantity), scale: CurrencyDigits.digits(for: currency) ?? 2)
        return GeneratedLine(description: description, supplierSku: supplierSku, sellerSku: nil, asin: nil, quantity: quantity,
                             unitPrice: unitPrice, priceDigits: priceDigits, lineTotal: total)
    }

    // MARK: Dates

    enum DateStyle: CaseIterable { case iso, slashYMD, dayMonthYear, dashMonth, monthDayYear, abbreviatedMonth, ordinal, numericDayFirst, numericMonthFirst, dotted, german }

    static let monthNames = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
    static let germanMonths = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"]

    static func text(_ date: InvoiceDate, _ style: DateStyle) -> String {
        func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let short = String(monthNames[date.month - 1].prefix(3))
        switch style {
        case .iso: return "\(date.year)-\(pad(date.month))-\(pad(date.day))"
        case .slashYMD: return "\(date.year)/\(pad(date.month))/\(pad(date.day))"
        case .dayMonthYear: return "\(date.day) \(short) \(date.year)"
        case .dashMonth: return "\(pad(date.day))-\(short)-\(date.year)"
        case .monthDayYear: return "\(monthNames[date.month - 1]) \(date.day), \(date.year)"
        case .abbreviatedMonth: return "\(short). \(date.day), \(date.year)"
        case .ordinal:
            let suffix = [1, 21, 31].contains(date.day) ? "st" : [2, 22].contains(date.day) ? "nd" : [3, 23].contains(date.day) ? "rd" : "th"
            return "\(date.day)\(suffix) \(monthNames[date.month - 1]) \(date.year)"
        case .numericDayFirst: return "\(pad(date.day))/\(pad(date.month))/\(date.year)"
        case .numericMonthFirst: return "\(pad(date.month))/\(pad(date.day))/\(date.year)"
        case .dotted: return "\(pad(date.day)).\(pad(date.month)).\(date.year)"
        case .german: return "\(date.day). \(germanMonths[date.month - 1]) \(date.year)"
        }
    }

    mutating func date() -> InvoiceDate {
        InvoiceDate(year: random.pick([2024, 2025, 2026]), month: random.int(1...12), day: random.int(1...28))!
    }

    static func adding(_ days: Int, to date: InvoiceDate) -> InvoiceDate {
        // Civil from days (Howard Hinnant), for due dates.
        let shifted = date.daysSince1970 + days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return InvoiceDate(year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month: month, day: dayOfYear - (153 * monthIndex + 2) / 5 + 1)!
    }

    // MARK: A whole document

    /// A document's content for `region`, with `lineCount` lines.
    mutating func invoice(region: Region, lineCount: Int, european: Bool = false) -> GeneratedInvoice {
        let supplier = supplier(region)
        let buyer = random.pick(Self.buyers)
        let currency: String
        var symbol: String?
        switch region {
        case .china: currency = random.chance(0.9) ? "USD" : "CNY"
        case .us: currency = "USD"
        case .germany, .italy, .france: currency = "EUR"
        case .uk: currency = "GBP"
        case .india: currency = random.chance(0.7) ? "USD" : "INR"
        case .japan: currency = "JPY"
        }
        switch currency {
        case "USD": symbol = random.pick(["$", "US$", nil])
        case "EUR": symbol = random.pick(["€", nil])
        case "GBP": symbol = random.pick(["£", nil])
        case "JPY": symbol = random.pick(["¥", nil])
        case "CNY": symbol = random.pick(["¥", "RMB", nil])
        default: symbol = nil
        }
        let date = date()
        var styles: [DateStyle]
        switch region {
        case .us: styles = [.numericMonthFirst, .monthDayYear, .abbreviatedMonth, .iso]
        case .germany: styles = european ? [.dotted, .german, .numericDayFirst, .iso] : [.dotted, .iso]
        case .italy, .france: styles = [.dotted, .numericDayFirst, .dayMonthYear]
        case .uk, .india: styles = [.numericDayFirst, .dayMonthYear, .ordinal, .dashMonth]
        case .japan: styles = [.slashYMD, .iso]
        case .china: styles = [.iso, .slashYMD, .dayMonthYear, .dashMonth, .monthDayYear, .abbreviatedMonth, .numericDayFirst, .numericMonthFirst]
        }
        let style = random.pick(styles)
        let dueDate = Self.adding(random.pick([15, 30, 45, 60]), to: date)
        let printsDue = random.chance(0.4)
        var dateTruth: InvoiceDate? = date
        if style == .numericDayFirst || style == .numericMonthFirst, date.day <= 12, date.day != date.month {
            // Ambiguous as printed: resolved only by a clue the document carries.
            let countryClue = [.us, .germany, .italy, .france, .uk, .india].contains(region)
            let dueClue = printsDue && dueDate.day > 12
            let currencyClue = ["EUR", "GBP", "AUD", "INR"].contains(currency)
            if !(countryClue || dueClue || currencyClue) { dateTruth = nil }
        }
        var incoterm: Incoterm?
        var incotermText: String?
        let port = random.pick(["Shenzhen", "Ningbo", "Shanghai", "Xiamen", "Qingdao", "Yantian"])
        let destination = random.pick(["Los Angeles", "Long Beach", "Savannah", "Ontario, CA"])
        switch region {
        case .china, .india:
            switch random.int(0...9) {
            case 0...4: incoterm = Incoterm(rule: .FOB, place: random.chance(0.3) ? "\(port), China" : port)
            case 5: incoterm = Incoterm(rule: .EXW, place: nil)
            case 6: incoterm = Incoterm(rule: .CIF, place: destination)
            case 7: incoterm = Incoterm(rule: .DDP, place: destination)
            default: incoterm = nil
            }
        case .us: incoterm = random.chance(0.3) ? Incoterm(rule: .FCA, place: "Origin") : nil
        case .germany, .italy, .france, .uk:
            incoterm = random.chance(0.7) ? Incoterm(rule: random.pick([.DAP, .EXW, .DDP, .FCA]), place: random.pick(["Hamburg", "Rotterdam", "Felixstowe", "Stuttgart"])) : nil
        case .japan: incoterm = random.chance(0.5) ? Incoterm(rule: .FOB, place: "Osaka") : nil
        }
        if let incoterm {
            incotermText = incoterm.rule.rawValue + (incoterm.place.map { " " + $0 } ?? "")
            if random.chance(0.2) { incotermText! += " (Incoterms 2020)" }
        }
        let upper = region == .china && random.chance(0.15)
        let skuStyle = random.int(0...3)
        var lines: [GeneratedLine] = []
        for _ in 0..<lineCount {
            var line = line(currency: currency, upper: upper, skuStyle: skuStyle, long: random.chance(0.2))
            if random.chance(0.12) {
                let asin = asin()
                line.asin = asin
                line.description += " ASIN: \(asin)"
            } else if random.chance(0.08) {
                let sku = "ACME-\(line.supplierSku!.filter { $0.isLetter || $0.isNumber }.suffix(6))"
                line.sellerSku = sku
                line.description += " SKU: \(sku)"
            }
            lines.append(line)
        }
        let digits = CurrencyDigits.digits(for: currency) ?? 2
        let subtotal = lines.reduce(Decimal(0)) { $0 + $1.lineTotal }
        var charges: [(kind: InvoiceCharge.Kind, label: String, amount: Decimal)] = []
        func amount(_ range: ClosedRange<Int>) -> Decimal {
            digits == 0 ? Decimal(random.int(range) * 100) : Decimal(random.int((range.lowerBound * 100)...(range.upperBound * 100))) / 100
        }
        if random.chance(0.45) {
            let labels = european && region == .germany ? ["Versandkosten", "Fracht", "Freight", "Shipping"]
                : ["Freight", "Shipping", "Ocean Freight", "Freight Charges", "Shipping & Handling", "Air Freight", "Delivery"]
            charges.append((.freight, random.pick(labels), amount(40...1500)))
        }
        if random.chance(0.25) {
            charges.append((.other, random.pick(["Insurance", "Handling", "Handling Fee", "Bank Charges", "Packing Charge", "Inspection Fee"]), amount(5...200)))
        }
        if random.chance(incoterm?.rule == .DDP ? 0.8 : 0.08) {
            charges.append((.duty, random.pick(["Duty", "Customs Duty", "Import Duty", "Tariff"]), amount(30...900)))
        }
        var taxLabel: String?
        var tax: Decimal?
        let base = subtotal + charges.reduce(Decimal(0)) { $0 + $1.amount }
        switch region {
        case .germany, .italy, .france, .uk:
            let rate = region == .germany ? 19 : region == .uk ? 20 : random.pick([20, 22])
            taxLabel = region == .germany && european && random.chance(0.5) ? "MwSt. \(rate)%" : "VAT \(rate)%"
            tax = DecimalArithmetic.rounded(base * Decimal(rate) / 100, scale: digits)
        case .us:
            if random.chance(0.3) {
                taxLabel = "Sales Tax"
                tax = DecimalArithmetic.rounded(base * Decimal(string: "0.0825")!, scale: digits)
            }
        default: break
        }
        let total = base + (tax ?? 0)
        return GeneratedInvoice(
            documentType: .invoice,
            title: random.pick(region == .china ? ["COMMERCIAL INVOICE", "INVOICE", "PROFORMA INVOICE"] : ["INVOICE", "Invoice", "TAX INVOICE"]),
            supplier: supplier, buyer: buyer, shipTo: random.chance(0.5) ? GeneratedParty(name: "Amazon.com Services LLC", address: ["FBA \(random.pick(["ONT8", "LGB8", "SBD1", "MDW2"]))", "\(random.pick(["Moreno Valley, CA 92551", "San Bernardino, CA 92408", "Joliet, IL 60436"]))"], country: "USA") : nil,
            number: invoiceNumber(date: date), poNumber: random.chance(0.6) ? "PO-\(random.int(1000...99999))" : nil,
            dateText: Self.text(date, style), dateTruth: dateTruth, dueDateText: printsDue ? Self.text(dueDate, style) : nil,
            currency: currency, symbol: symbol, incoterm: incoterm, incotermText: incotermText,
            paymentTerms: random.pick(["T/T 30% deposit, 70% before shipment", "Net 30", "100% T/T in advance", "L/C at sight", "Net 60"]),
            lines: lines, charges: charges, taxLabel: taxLabel, tax: tax, subtotal: subtotal, total: total, european: european)
    }

    mutating func invoiceNumber(date: InvoiceDate) -> String {
        switch random.int(0...5) {
        case 0: return "INV-\(date.year)-\(String(format: "%04d", random.int(1...9999)))"
        case 1: return "HX\(date.year)\(String(format: "%02d%02d", date.month, date.day))\(random.int(10...99))"
        case 2: return "CI-\(random.int(10000...99999))"
        case 3: return "\(date.year)/\(random.int(1000...9999))"
        case 4: return "INV\(random.int(100000...999999))"
        default: return "\(random.int(2400000...2699999))"
        }
    }
}
