import Foundation
import Testing
@testable import OpsideInvoices

/// Behaviours of the extractor on small hand-written documents, each pinning one rule.
@Suite struct InvoiceExtractorTests {
    let extractor = InvoiceExtractor()

    func extract(_ pages: String...) -> InvoiceFields { extractor.extract(InvoiceDocument(pages: pages)) }

    /// A small invoice; `header` and `totals` vary per test.
    func invoice(supplier: String = "Shenzhen Huaxin Electronics Co., Ltd.", address: String = "Shenzhen, Guangdong 518057, China",
                 number: String = "Invoice No.:   HX-2026-0312", date: String = "Date:          2026-03-05",
                 priceHeader: String = "Unit Price", quantity: String = "500",
                 amounts: (String, String, String) = ("2.35", "1,175.00", "1,175.00"),
                 extra: [String] = [], totals: [String]? = nil) -> String {
        var lines = [
            "                                    COMMERCIAL INVOICE",
            "",
            "  \(supplier.padding(toLength: 58, withPad: " ", startingAt: 0))\(number)",
            "  \(address.padding(toLength: 58, withPad: " ", startingAt: 0))\(date)",
        ]
        lines += extra
        lines += [
            "",
            "  Bill To:",
            "  Acme Brands LLC",
            "  1200 Commerce Way, Austin, TX 78701, USA",
            "",
            "  Description                           Item No.          Qty      \(priceHeader.padding(toLength: 12, withPad: " ", startingAt: 0))        Amount",
            "  Stainless Steel Water Bottle 500ml    HX-WB500-BK       \(quantity.padding(toLength: 9, withPad: " ", startingAt: 0))\(amounts.0.leftPad(12))    \(amounts.1.leftPad(10))",
            "",
        ]
        lines += totals ?? ["                                                        Subtotal        \(amounts.2.leftPad(10))",
                            "                                                        Total           \(amounts.2.leftPad(10))"]
        return lines.joined(separator: "\n")
    }

    // MARK: Currency

    @Test func aDollarSignAloneIsReadAsUSDAndSaysSo() {
        let fields = extract(invoice(amounts: ("$2.35", "$1,175.00", "$1,175.00")))
        #expect(fields.currency == "USD")
        #expect(fields.checks(.currencyAssumed).count == 1)
        #expect(fields.source(of: .currency)?.how.contains("'$'") == true)
    }

    @Test func aDollarSignWithCADPrintedIsCanadian() {
        let fields = extract(invoice(amounts: ("$2.35", "$1,175.00", "$1,175.00"),
                                     totals: ["                                                        Total (CAD)     $1,175.00"]))
        #expect(fields.currency == "CAD")
        #expect(fields.checks(.currencyAssumed).isEmpty)
    }

    @Test func aYenSignWithNoClueLeavesTheCurrencyEmptyAndReportsIt() {
        let fields = extract(invoice(supplier: "Bright Star Trading Co., Ltd.", address: "Building 5, Harbour Road",
                                     amounts: ("¥235", "¥117,500", "¥117,500")))
        #expect(fields.currency == nil)
        #expect(fields.checks(.ambiguousCurrency).count == 1)
        #expect(fields.checks(.missingCurrency).isEmpty)
    }

    @Test func aYenSignFromAChineseSupplierWithCentsIsYuan() {
        let fields = extract(invoice(amounts: ("¥2.35", "¥1,175.00", "¥1,175.00")))
        #expect(fields.currency == "CNY")
    }

    @Test func aYenSignFromAJapaneseSupplierIsYen() {
        let fields = extract(invoice(supplier: "Osaka Precision Industries Co., Ltd.", address: "Osaka 541-0053, Japan",
                                     amounts: ("¥235", "¥117,500", "¥117,500")))
        #expect(fields.currency == "JPY")
    }

    @Test func aCurrencyLabelWinsOverSymbols() {
        let fields = extract(invoice(amounts: ("$2.35", "$1,175.00", "$1,175.00"),
                                     extra: ["  Tel: +86 755 2345 6789                                    Currency:      EUR"]))
        #expect(fields.currency == "EUR")
        #expect(fields.source(of: .currency)?.confidence == 0.95)
    }

    // MARK: Dates

    @Test func anAmbiguousDateWithNoClueIsReportedWithBothReadings() {
        let fields = extract(invoice(date: "Date:          05/03/2026", priceHeader: "Unit Price USD"))
        #expect(fields.date == nil)
        #expect(fields.dateCandidates == [InvoiceDate(year: 2026, month: 3, day: 5)!, InvoiceDate(year: 2026, month: 5, day: 3)!])
        #expect(fields.checks(.ambiguousDate).count == 1)
        #expect(fields.checks(.missingDate).isEmpty)
    }

    @Test func aDueDateWithADayAboveTwelveSettlesTheOrder() {
        let fields = extract(invoice(date: "Date:          05/03/2026", priceHeader: "Unit Price USD",
                                     extra: ["                                                            Due Date:      20/03/2026"]))
        #expect(fields.date == InvoiceDate(year: 2026, month: 3, day: 5))
        #expect(fields.source(of: .date)?.how.contains("day first") == true)
    }

    @Test func anAmericanSupplierWritesTheMonthFirst() {
        let fields = extract(invoice(supplier: "Pacific Coast Packaging LLC", address: "Los Angeles, CA 90021, USA",
                                     date: "Date:          05/03/2026", priceHeader: "Unit Price USD"))
        #expect(fields.date == InvoiceDate(year: 2026, month: 5, day: 3))
    }

    @Test func aGermanSupplierWritesTheDayFirst() {
        let fields = extract(invoice(supplier: "Müller Haushaltswaren GmbH", address: "70565 Stuttgart, Germany",
                                     date: "Date:          05/03/2026", priceHeader: "Unit Price EUR"))
        #expect(fields.date == InvoiceDate(year: 2026, month: 3, day: 5))
    }

    @Test(arguments: [
        ("5 Mar 2026", "2026-03-05"), ("March 5, 2026", "2026-03-05"), ("05-Mar-26", "2026-03-05"), ("5th March 2026", "2026-03-05"),
        ("2026/3/5", "2026-03-05"), ("2026年3月5日", "2026-03-05"), ("5. März 2026", "2026-03-05"), ("Mar. 5, 2026", "2026-03-05"),
        ("13/03/2026", "2026-03-13"), ("03/13/2026", "2026-03-13"), ("2O26-03-l5", "2026-03-15"),
    ])
    func datesReadInTheirPrintedForms(text: String, iso: String) {
        let match = DateReader.read(text)
        #expect(match?.reading.exactValue == InvoiceDate(iso: iso), "\(text)")
    }

    @Test func aStreetNumberIsNoDate() {
        #expect(DateReader.read("4-4-16")?.isWellFormed == false)
        #expect(DateReader.read("1.234.567") == nil)
    }

    // MARK: Numbers

    @Test(arguments: [
        ("1,234.50", NumberFormat.pointDecimal, "1234.5"), ("1.234,50", .commaDecimal, "1234.5"), ("1 234,50 €", .commaDecimal, "1234.5"),
        ("1'234.50", .pointDecimal, "1234.5"), ("USD 12.3450", .pointDecimal, "12.345"), ("(45.00)", .pointDecimal, "-45"),
        ("45.00-", .pointDecimal, "-45"), ("l,2S4.5O", .pointDecimal, "1254.5"), ("1.234.50", .pointDecimal, "1234.5"),
        ("$1,175.00.", .pointDecimal, "1175"), ("1, 234.50", .pointDecimal, "1234.5"), ("12,50", .pointDecimal, "12.5"),
    ])
    func amountsReadInTheirPrintedForms(text: String, format: NumberFormat, value: String) {
        #expect(NumberReader.read(text, format: format)?.value == Decimal(string: value)!, "\(text)")
    }

    @Test func aThreeDigitGroupKeepsTheOtherReadingForTheArithmetic() {
        let reading = NumberReader.read("12,345", format: .pointDecimal)
        #expect(reading?.value == 12345)
        #expect(reading?.alternatives.map(\.value).contains(Decimal(string: "12.345")!) == true)
    }

    @Test func quantitiesDropTheirUnitsAndRefuseFractions() {
        #expect(NumberReader.quantity("1,200 pcs", format: .pointDecimal)?.value == 1200)
        #expect(NumberReader.quantity("5OO", format: .pointDecimal)?.value == 500)
        #expect(NumberReader.quantity("12.5", format: .pointDecimal) == nil)
    }

    @Test func aEuropeanInvoiceIsReadWithCommaDecimals() {
        let text = [
            "   Müller Haushaltswaren GmbH",
            "   Industriestraße 12 · 70565 Stuttgart, Deutschland",
            "",
            "   RECHNUNG",
            "   Rechnungsnummer:     RE-2026-114",
            "   Rechnungsdatum:      05.03.2026",
            "   Lieferbedingungen:   DAP Hamburg",
            "",
            "   Pos.  Artikelnr.    Bezeichnung                      Menge    Einzelpreis     Gesamtpreis",
            "   1     MH-4410       Edelstahl Trinkflasche 750ml     1.200         3,4125        4.095,00",
            "   2     MH-4411       Brotdose Bambus                    600        12,50          7.500,00",
            "",
            "                                                    Zwischensumme          11.595,00 €",
            "                                                    MwSt. 19%               2.203,05 €",
            "                                                    Gesamtbetrag           13.798,05 €",
        ].joined(separator: "\n")
        let fields = extract(text)
        #expect(fields.numberFormat == .commaDecimal)
        #expect(fields.documentType == .invoice)
        #expect(fields.number == "RE-2026-114")
        #expect(fields.date == InvoiceDate(year: 2026, month: 3, day: 5))
        #expect(fields.currency == "EUR")
        #expect(fields.incoterm == Incoterm(rule: .DAP, place: "Hamburg"))
        #expect(fields.lines.map(\.quantity) == [1200, 600])
        #expect(fields.lines.map(\.unitPrice) == [Decimal(string: "3.4125")!, Decimal(string: "12.5")!])
        #expect(fields.subtotal == Decimal(string: "11595"))
        #expect(fields.tax == Decimal(string: "2203.05"))
        #expect(fields.total == Decimal(string: "13798.05"))
        #expect(fields.checks.filter { $0.severity == .error }.isEmpty)
    }

    // MARK: Checks

    @Test func aLineThatDoesNotMultiplyOutIsReportedWithItsFigures() {
        let fields = extract(invoice(amounts: ("2.35", "1,185.00", "1,185.00")))
        let check = fields.checks(.lineArithmetic).first
        #expect(check?.severity == .error)
        #expect(check?.message.contains("500 × 2.35 = 1,175.00") == true)
        #expect(check?.message.contains("1,185.00") == true)
    }

    @Test func aRoundedUnitPriceWithinHalfACentPerUnitIsNoError() {
        // 333 × 1.2345 = 411.0885, printed 411.09 with the price rounded to 1.23: exact to
        // ±0.005 a unit, so 333 × 1.23 = 409.59 is within 333 × 0.005 + 0.005 = 1.67.
        let rounded = extract(invoice(quantity: "333", amounts: ("1.23", "411.09", "411.09")))
        #expect(rounded.lines.first?.lineTotal == Decimal(string: "411.09"))
        #expect(rounded.checks(.lineArithmetic).isEmpty)
        let wrong = extract(invoice(quantity: "333", amounts: ("1.23", "413.09", "413.09")))
        #expect(wrong.checks(.lineArithmetic).count == 1)
    }

    @Test func subtotalAndTotalDisagreementsAreReported() {
        let fields = extract(invoice(totals: [
            "                                                        Subtotal          1,170.00",
            "                                                        Freight             150.00",
            "                                                        Total             1,300.00",
        ]))
        #expect(fields.checks(.linesVersusSubtotal).first?.message.contains("1,175.00") == true)
        #expect(fields.checks(.totalMismatch).first?.message.contains("1,320.00") == true)
        #expect(fields.freight == 150)
    }

    @Test func missingFieldsAreReported() {
        let text = [
            "  Description                           Qty      Unit Price        Amount",
            "  Stainless Steel Water Bottle 500ml    500            2.35      1,175.00",
        ].joined(separator: "\n")
        let fields = extract(text)
        #expect(fields.lines.count == 1)
        let codes = Set(fields.checks.map(\.code))
        #expect(codes.isSuperset(of: [.missingDate, .missingNumber, .missingCurrency, .missingSupplier, .missingTotal]))
    }

    @Test func aMissingPageIsReported() {
        let first = invoice(totals: ["", "                                        Page 1 of 3"])
        let second = "                                        Page 2 of 3\n  Subtotal   1,175.00\n  Total   1,175.00"
        let fields = extract(first, second)
        #expect(fields.pageCount == 2)
        #expect(fields.checks(.pageNumbering).first?.message.contains("3 pages") == true)
        #expect(fields.checks(.pageCount).count == 1)
    }

    @Test func formFeedsSplitASingleTextIntoPages() {
        let fields = extract(invoice() + "\n\u{0C}\n  Remarks: none\n")
        #expect(fields.pageCount == 2)
    }

    // MARK: Fields and sources

    @Test func sourcesNameTheLabelAndThePage() {
        let fields = extract(invoice())
        #expect(fields.number == "HX-2026-0312")
        #expect(fields.source(of: .number)?.how.hasPrefix("label 'Invoice No.' on page 1") == true)
        #expect(fields.source(of: .supplier)?.how.contains("first company name") == true)
        #expect(fields.supplier == "Shenzhen Huaxin Electronics Co., Ltd.")
        #expect(fields.lines.first?.page == 1)
        #expect(fields.lines.first?.lineIndex == 10)
        #expect(fields.lines.first?.sourceText.contains("HX-WB500-BK") == true)
    }

    @Test func aLabelledSupplierWinsOverTheBuyerAtTheTop() {
        let text = [
            "  PURCHASE ORDER",
            "  Acme Brands LLC",
            "  1200 Commerce Way, Austin, TX 78701, USA",
            "",
            "  Vendor:                                         Ship To:",
            "  Ningbo Oceanic Houseware Co., Ltd.              Amazon.com Services LLC",
            "",
            "  PO Number      PO Date        Currency",
            "  PO-7781        2026-03-05     USD",
            "",
            "  SKU            Description                      Qty      Unit Cost         Total",
            "  NO-1001        Glass Food Container 3 pack      240          4.125        990.00",
        ].joined(separator: "\n")
        let fields = extract(text)
        #expect(fields.documentType == .purchaseOrder)
        #expect(fields.supplier == "Ningbo Oceanic Houseware Co., Ltd.")
        #expect(fields.number == "PO-7781")
        #expect(fields.currency == "USD")
        #expect(fields.lines.first?.unitPrice == Decimal(string: "4.125"))
    }

    @Test func sellerSkuAndAsinNamedOnALineAreRead() {
        let text = invoice().replacingOccurrences(of: "Stainless Steel Water Bottle 500ml  ", with: "Bottle 500ml ASIN: B0C7XK2M9P   ")
        let fields = extract(text)
        #expect(fields.lines.first?.asin == "B0C7XK2M9P")
        let withSKU = extract(invoice().replacingOccurrences(of: "Stainless Steel Water Bottle 500ml  ", with: "Bottle SKU: ACME-WB-500   "))
        #expect(withSKU.lines.first?.sku == "ACME-WB-500")
    }

    @Test func incotermsKeepTheirNamedPlace() {
        #expect(IncotermReader.read("FOB Shenzhen, China (Incoterms 2020)") == Incoterm(rule: .FOB, place: "Shenzhen, China"))
        #expect(IncotermReader.read("EXW") == Incoterm(rule: .EXW, place: nil))
        #expect(IncotermReader.find(in: "Terms: Delivered Duty Paid Los Angeles") == Incoterm(rule: .DDP, place: "Los Angeles"))
        #expect(IncotermReader.find(in: "Item FOB-200 blue") == nil)
    }

    @Test func aLineDiscountColumnIsReadAndChecked() {
        let text = [
            "  INVOICE                                        Invoice No.: 7781     Date: 2026-03-05",
            "  Kingwell Hardware Factory",
            "",
            "  Description                 Qty    Unit Price    Disc.       Amount (USD)",
            "  Garden Hose Nozzle          400         3.50      10%           1,260.00",
            "  Shower Caddy 2 Tier         100        12.00                    1,200.00",
            "",
            "  Subtotal                                                        2,460.00",
            "  Less Discount                                                     -60.00",
            "  Total                                                           2,400.00",
        ].joined(separator: "\n")
        let fields = extract(text)
        #expect(fields.lines.first?.discountPercent == 10)
        #expect(fields.lines.first?.netAmount == 1260)
        #expect(fields.discount == 60)
        #expect(fields.checks.filter { $0.severity == .error }.isEmpty)
        #expect(fields.supplier == "Kingwell Hardware Factory")
    }

    @Test func fieldsEncodeDatesAsDays() throws {
        let fields = extract(invoice())
        let data = try JSONEncoder().encode(fields)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"date\":\"2026-03-05\""))
        #expect(try JSONDecoder().decode(InvoiceFields.self, from: data) == fields)
    }

    // MARK: Tables

    @Test func aCSVPriceListHasNoQuantities() {
        let rows: [[String]] = [
            ["Yiwu Bright Star Trading Co., Ltd.", "", ""],
            ["Price List 2026", "", ""],
            ["Currency: USD", "", ""],
            ["Model", "Product Name", "FOB Price"],
            ["YB-2231", "Silicone Spatula Set 5 pieces", "1.2850"],
            ["YB-2232", "Silicone Baking Mat Half Sheet", "2.10"],
        ]
        let fields = extractor.extract(InvoiceDocument(tables: [rows]))
        #expect(fields.documentType == .priceList)
        #expect(fields.lines.count == 2)
        #expect(fields.lines.allSatisfy { $0.quantity == nil && $0.lineTotal == nil && $0.fromTable })
        #expect(fields.lines.first?.unitPrice == Decimal(string: "1.285"))
        #expect(fields.lines.first?.supplierSku == "YB-2231")
        #expect(fields.currency == "USD")
        #expect(fields.supplier == "Yiwu Bright Star Trading Co., Ltd.")
        #expect(fields.checks(.missingTotal).isEmpty)
    }

    @Test func aSpreadsheetPurchaseOrderReadsItsHeaderRowsAndTotals() {
        let rows: [[String]] = [
            ["PURCHASE ORDER", "", "", "", ""],
            ["PO Number", "PO-2026-118", "", "Date", "2026-03-05"],
            ["Supplier", "Dongguan Everlight Silicone Products Factory", "", "Currency", "USD"],
            ["", "", "", "", ""],
            ["Item No.", "Description", "Qty", "Unit Price", "Amount"],
            ["EV-100", "Silicone Baking Mat", "1000", "1.85", "1850.00"],
            ["EV-101", "Silicone Spatula Set", "500", "2.4", "1200.00"],
            ["Total", "", "1500", "", "3050.00"],
        ]
        let fields = extractor.extract(InvoiceDocument(tables: [rows]))
        #expect(fields.documentType == .purchaseOrder)
        #expect(fields.number == "PO-2026-118")
        #expect(fields.date == InvoiceDate(year: 2026, month: 3, day: 5))
        #expect(fields.supplier == "Dongguan Everlight Silicone Products Factory")
        #expect(fields.lines.map(\.quantity) == [1000, 500])
        #expect(fields.total == 3050)
        #expect(fields.source(of: .number)?.fromTable == true)
        #expect(fields.checks.filter { $0.severity == .error }.isEmpty)
    }

    /// A sheet that names its currency only in a column title: the title is read for it, and
    /// its words stay out of the header fields.
    @Test func aSheetsCurrencyMayBeNamedOnlyInAColumnTitle() {
        let rows: [[String]] = [
            ["Art.-Nr.", "Description", "Qty", "Unit Cost (EUR)", "Amount (EUR)"],
            ["MH-2231", "Edelstahl Schneebesen 30 cm", "240", "3.10", "744.00"],
            ["MH-2232", "Silikon Backmatte", "120", "2.75", "330.00"],
            ["", "", "", "Total", "1074.00"],
        ]
        let fields = extractor.extract(InvoiceDocument(tables: [rows]))
        #expect(fields.currency == "EUR")
        #expect(fields.source(of: .currency)?.fromTable == true)
        #expect(fields.lines.count == 2 && fields.supplier == nil && fields.number == nil, "\(fields.lines.count) \(fields.supplier ?? "") \(fields.number ?? "")")
    }
}

extension String {
    func leftPad(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
