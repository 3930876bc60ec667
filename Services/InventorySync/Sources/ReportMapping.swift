import Foundation
import OpsideAmazonData
import OpsideAmazonSPAPI
import OpsideCore

/// How one flat-file report type becomes rows of its `amazon` table. The shared typed rows of
/// `OpsideAmazonSPAPI` (`LedgerDetailRow`…) do the parsing and validation; a mapping only puts
/// their values in staging-column order, in the text form COPY reads.
///
/// The API path and the file import both go through these mappings, so a report downloaded by
/// a seller from Seller Central lands exactly like one fetched through the Reports API.
struct ReportMapping: Sendable {
    let dataset: SyncDataset
    let reportType: String
    let table: AmazonTable
    /// Columns (any spelling) whose presence identifies the report in an imported file.
    let signature: [String]
    /// Columns without which no row can load; each entry lists the accepted spellings.
    let required: [[String]]
    let map: @Sendable (ReportRecord, inout ReportMappingContext) throws(ReportRowError) -> [String?]

    /// The required columns the header lacks.
    func missingColumns(in header: ReportHeader) -> [String] {
        required.filter { alternatives in alternatives.allSatisfy { header.index(of: $0) == nil } }.map { $0[0] }
    }

    /// How well a header matches: the share of signature columns present (in thousandths), nil
    /// below all-but-one of them. One may be missing so that a file lacking a required column is
    /// still recognised, and refused with a message naming the column.
    func score(_ header: ReportHeader) -> Int? {
        let present = signature.filter { header.index(of: $0) != nil }.count
        guard present >= max(2, signature.count - 1) else { return nil }
        return present * 1000 / signature.count * 100 + present
    }

    static let all: [ReportMapping] = [
        ledgerDetail, ledgerSummary, reimbursements, customerReturns, replacements, removalOrders, removalShipments,
        estimatedFees, listings,
    ]

    static func forDataset(_ dataset: SyncDataset) -> ReportMapping? { all.first { $0.dataset == dataset } }

    /// The report type of a file, from its header alone: the mapping whose signature matches
    /// most columns.
    static func detect(_ header: ReportHeader) -> ReportMapping? {
        all.compactMap { mapping in mapping.score(header).map { (mapping, $0) } }.max { $0.1 < $1.1 }?.0
    }

    // MARK: The mappings

    static let ledgerDetail = ReportMapping(
        dataset: .ledgerDetail, reportType: LedgerDetailRow.reportType, table: AmazonTables.ledgerDetail,
        signature: ["FNSKU", "Event Type", "Reference ID", "Quantity", "Disposition"],
        required: [["Date", "Date and Time"], ["FNSKU"], ["Event Type"], ["Quantity"]]
    ) { record, context throws(ReportRowError) in
        let row = try LedgerDetailRow(record: record)
        let order = context.marketplace.dayOrder
        // `Date and Time` is optional: a spelling no reader knows loses the time, never the row.
        let dateTime = context.optional("Date and Time", record.string("Date and Time")) { text throws(ReportRowError) in
            try ReportValues.timestamp(text, dayOrder: order)
        }
        let day = try ReportValues.date(record.string("Date") ?? row.date, dayOrder: order)
        return [context.marketplace.id, day, dateTime, row.fnsku, row.asin, row.msku, row.title, row.eventType, row.referenceID,
                String(row.quantity), row.fulfillmentCenter, row.disposition, row.reason, row.country,
                row.reconciledQuantity.map(String.init), row.unreconciledQuantity.map(String.init)]
    }

    static let ledgerSummary = ReportMapping(
        dataset: .ledgerSummary, reportType: LedgerSummaryRow.reportType, table: AmazonTables.ledgerSummary,
        signature: ["FNSKU", "Starting Warehouse Balance", "Ending Warehouse Balance"],
        required: [["Date"], ["FNSKU"]]
    ) { record, context throws(ReportRowError) in
        let marketplace = context.marketplace.id
        let row = try LedgerSummaryRow(record: record)
        return [marketplace, row.date, row.fnsku, row.disposition ?? "", row.location ?? "", row.asin, row.msku,
                String(row.startingWarehouseBalance), String(row.inTransitBetweenWarehouses), String(row.receipts),
                String(row.customerShipments), String(row.customerReturns), String(row.vendorReturns),
                String(row.warehouseTransferInOut), String(row.found), String(row.lost), String(row.damaged),
                String(row.disposed), String(row.otherEvents), String(row.endingWarehouseBalance), String(row.unknownEvents)]
    }

    static let reimbursements = ReportMapping(
        dataset: .reimbursements, reportType: ReimbursementRow.reportType, table: AmazonTables.reimbursements,
        signature: ["reimbursement-id", "approval-date", "amount-total"],
        required: [["approval-date"], ["reimbursement-id"], ["reason"], ["currency-unit"]]
    ) { record, context throws(ReportRowError) in
        let marketplace = context.marketplace.id, order = context.marketplace.dayOrder
        let row = try ReimbursementRow(record: record)
        let currency = try ReportValues.currency(row.currency)
        return [marketplace, row.reimbursementID, row.sku ?? "", row.fnsku ?? "", row.amazonOrderID ?? "",
                try ReportValues.timestamp(row.approvalDate, dayOrder: order), row.caseID, row.reason, row.asin, row.condition, currency.code,
                try ReportValues.minor(row.amountPerUnit, currency), try ReportValues.minor(row.amountTotal, currency),
                String(row.quantityReimbursedCash), String(row.quantityReimbursedInventory), String(row.quantityReimbursedTotal),
                row.originalReimbursementID, row.originalReimbursementType]
    }

    static let customerReturns = ReportMapping(
        dataset: .customerReturns, reportType: CustomerReturnRow.reportType, table: AmazonTables.customerReturns,
        signature: ["return-date", "order-id", "detailed-disposition"],
        required: [["return-date"], ["order-id"]]
    ) { record, context throws(ReportRowError) in
        let marketplace = context.marketplace.id, order = context.marketplace.dayOrder
        let row = try CustomerReturnRow(record: record)
        guard let returned = try ReportValues.timestamp(row.returnDate, dayOrder: order) else { throw ReportRowError("missing return-date") }
        return [marketplace, row.orderID, row.fnsku ?? "", row.licensePlateNumber ?? "", returned, row.sku, row.asin,
                row.productName, String(row.quantity), row.fulfillmentCenterID, row.detailedDisposition, row.reason,
                row.status, row.customerComments]
    }

    static let replacements = ReportMapping(
        dataset: .replacements, reportType: ReplacementRow.reportType, table: AmazonTables.replacements,
        signature: ["replacement-amazon-order-id", "original-amazon-order-id"],
        required: [["shipment-date"], ["replacement-amazon-order-id"], ["original-amazon-order-id"]]
    ) { record, context throws(ReportRowError) in
        let marketplace = context.marketplace.id, order = context.marketplace.dayOrder
        let row = try ReplacementRow(record: record)
        return [marketplace, row.replacementAmazonOrderID, row.originalAmazonOrderID, row.sku ?? "",
                try ReportValues.timestamp(row.shipmentDate, dayOrder: order), row.asin, row.fulfillmentCenterID, row.originalFulfillmentCenterID,
                String(row.quantity), row.replacementReasonCode]
    }

    static let removalOrders = ReportMapping(
        dataset: .removalOrders, reportType: RemovalOrderDetailRow.reportType, table: AmazonTables.removalOrders,
        signature: ["request-date", "order-id", "requested-quantity"],
        required: [["request-date"], ["order-id"]]
    ) { record, context throws(ReportRowError) in
        let marketplace = context.marketplace.id, order = context.marketplace.dayOrder
        let row = try RemovalOrderDetailRow(record: record)
        let currency = try row.currency.map(ReportValues.currency) ?? context.marketplace.currency
        return [marketplace, row.orderID, row.sku ?? "", row.fnsku ?? "", row.disposition ?? "",
                try ReportValues.timestamp(row.requestDate, dayOrder: order), row.orderType, row.orderStatus, try ReportValues.timestamp(row.lastUpdatedDate, dayOrder: order),
                String(row.requestedQuantity), String(row.cancelledQuantity), String(row.disposedQuantity),
                String(row.shippedQuantity), String(row.inProcessQuantity), try ReportValues.minor(row.removalFee, currency), currency.code]
    }

    static let removalShipments = ReportMapping(
        dataset: .removalShipments, reportType: RemovalShipmentDetailRow.reportType, table: AmazonTables.removalShipments,
        signature: ["request-date", "order-id", "shipment-date", "tracking-number"],
        required: [["request-date"], ["order-id"]]
    ) { record, context throws(ReportRowError) in
        let marketplace = context.marketplace.id, order = context.marketplace.dayOrder
        let row = try RemovalShipmentDetailRow(record: record)
        return [marketplace, row.orderID, row.trackingNumber ?? "", row.sku ?? "", row.fnsku ?? "",
                try ReportValues.timestamp(row.requestDate, dayOrder: order), try ReportValues.timestamp(row.shipmentDate, dayOrder: order), row.disposition,
                String(row.shippedQuantity), row.carrier, row.removalOrderType]
    }

    static let estimatedFees = ReportMapping(
        dataset: .estimatedFees, reportType: EstimatedFeeRow.reportType, table: AmazonTables.estimatedFees,
        signature: ["sku", "estimated-fee-total"],
        required: [["sku"]]
    ) { record, context throws(ReportRowError) in
        let marketplace = context.marketplace.id
        let row = try EstimatedFeeRow(record: record)
        let currency = try row.currency.map(ReportValues.currency) ?? context.marketplace.currency
        return [marketplace, row.sku, row.fnsku, row.asin, currency.code, try ReportValues.minor(row.yourPrice, currency),
                ReportValues.decimal(row.longestSide), ReportValues.decimal(row.medianSide), ReportValues.decimal(row.shortestSide),
                row.unitOfDimension, ReportValues.decimal(row.itemPackageWeight), row.unitOfWeight, row.sizeTier,
                try ReportValues.minor(row.estimatedFeeTotal, currency), try ReportValues.minor(row.estimatedReferralFeePerUnit, currency),
                try ReportValues.minor(row.expectedFulfillmentFeePerUnit, currency)]
    }

    static let listings = ReportMapping(
        dataset: .listings, reportType: MerchantListingRow.reportType, table: AmazonTables.listings,
        signature: ["seller-sku", "item-name"],
        required: [["seller-sku"]]
    ) { record, context throws(ReportRowError) in
        let marketplace = context.marketplace.id
        let row = try MerchantListingRow(record: record)
        let currency = context.marketplace.currency
        return [marketplace, row.sellerSKU, row.itemName, row.listingID, try ReportValues.minor(row.price, currency), currency.code,
                row.quantity.map(String.init), row.openDate, row.asin, row.fulfillmentChannel, row.status]
    }
}

/// What a mapping knows besides the row: the report's marketplace (its id, currency and day
/// order), and the warnings of the row being mapped.
struct ReportMappingContext {
    let marketplace: AmazonMarketplace
    /// Values of optional columns the row loads without, reset for each row.
    var warnings: [(column: String, value: String, reason: String)] = []

    init(marketplace: AmazonMarketplace) { self.marketplace = marketplace }

    /// An optional column's value, read by `read`; when it cannot be read, nil and a warning:
    /// the row still loads (a column the report may lack is never worth a row).
    mutating func optional<Value>(_ column: String, _ text: String?,
                                  _ read: (String?) throws(ReportRowError) -> Value?) -> Value? {
        do throws(ReportRowError) {
            return try read(text)
        } catch {
            warnings.append((column, text ?? "", error.reason))
            return nil
        }
    }
}

/// Values in the text form COPY reads, validated here so a bad field quarantines its row
/// instead of failing the whole COPY.
enum ReportValues {
    /// Money in minor units of `currency`.
    /// - Throws: when the amount is finer than the currency's minor unit.
    static func minor(_ amount: ReportAmount?, _ currency: Currency) throws(ReportRowError) -> String? {
        guard let amount else { return nil }
        do throws(MoneyError) {
            return String(try amount.money(in: currency).amountMinor)
        } catch {
            throw ReportRowError(error.description)
        }
    }

    /// A report's currency column.
    /// - Throws: for a code that is not ISO 4217's.
    static func currency(_ code: String) throws(ReportRowError) -> Currency {
        do throws(MoneyError) {
            return try Currency(code: code)
        } catch {
            throw ReportRowError(error.description)
        }
    }

    static func decimal(_ value: Decimal?) -> String? {
        value.map { NSDecimalNumber(decimal: $0).stringValue }
    }

    /// A date as PostgreSQL writes it (`yyyy-mm-dd`), from `yyyy-mm-dd…`, `yyyy/mm/dd`,
    /// `mm/dd/yyyy` or `dd/mm/yyyy` (as `dayOrder` says, unless a number over 12 says
    /// otherwise) or `dd.mm.yyyy`; a day the calendar lacks (2024-02-30) is refused here rather
    /// than by COPY.
    static func date(_ text: String?, dayOrder: AmazonMarketplace.DayOrder) throws(ReportRowError) -> String? {
        guard let text, !text.isEmpty else { return nil }
        var utf8 = text
        guard let day = utf8.withUTF8({ CivilDate(reportText: $0, dayOrder: dayOrder) }) else { throw ReportRowError("not a date: \(text)") }
        return String(unsafeUninitializedCapacity: CivilDate.textLength) { day.write(to: $0) }
    }

    /// A timestamp as PostgreSQL writes a timestamptz in UTC (`2024-03-01 10:00:00.5+00`), from
    /// a date as `date` reads it, with or without a time and a zone (UTC assumed): ISO 8601
    /// with an offset or `Z`, or a zone abbreviation Amazon's downloads use (`PST`, `CET`…).
    /// Written in PostgreSQL's own form so that the ledger's event keys, hashed here from the
    /// staged text, equal those the database computes from the stored values. Checked byte by
    /// byte (no regex, no Foundation): it runs for every row of multi-million-row files.
    static func timestamp(_ text: String?, dayOrder: AmazonMarketplace.DayOrder) throws(ReportRowError) -> String? {
        guard let text, !text.isEmpty else { return nil }
        var utf8 = text
        switch utf8.withUTF8({ ReportInstant.read($0, dayOrder: dayOrder) }) {
        case .instant(let instant): return instant.text
        case .notADate: throw ReportRowError("not a date: \(text)")
        case .notATimestamp: throw ReportRowError("not a timestamp: \(text)")
        }
    }
}

/// A calendar day as reports write it and as PostgreSQL writes it.
extension CivilDate {
    static let textLength = 10

    /// From the first ten bytes of a date or timestamp: `yyyy-mm-dd`, `yyyy/mm/dd`,
    /// `mm/dd/yyyy` or `dd/mm/yyyy`, `dd.mm.yyyy`; nil for anything else or a day the calendar
    /// lacks. Which of the first two numbers is the month: the one that can be (a day over 12
    /// cannot), else the marketplace's order; with dots, the day always comes first.
    init?(reportText bytes: UnsafeBufferPointer<UInt8>, dayOrder: AmazonMarketplace.DayOrder) {
        guard bytes.count >= 10 else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                guard (0x30...0x39).contains(bytes[index]) else { return nil }
                value = value * 10 + Int(bytes[index] - 0x30)
            }
            return value
        }
        if bytes[4] == bytes[7], bytes[4] == 0x2D || bytes[4] == 0x2F, let year = number(0..<4), let month = number(5..<7),
           let day = number(8..<10) {
            self.init(year: year, month: month, day: day)
        } else if bytes[2] == bytes[5], bytes[2] == 0x2F || bytes[2] == 0x2E, let first = number(0..<2), let second = number(3..<5),
                  let year = number(6..<10) {
            let dayFirst = first > 12 || (second <= 12 && (bytes[2] == 0x2E || dayOrder == .dayFirst))
            self.init(year: year, month: dayFirst ? second : first, day: dayFirst ? first : second)
        } else {
            return nil
        }
        guard year >= 1, exists else { return nil }
    }

    /// Writes `yyyy-mm-dd`; returns its length.
    func write(to output: UnsafeMutableBufferPointer<UInt8>) -> Int {
        var written = ReportDigits.write(year, width: 4, to: output, at: 0)
        output[written] = 0x2D
        written = ReportDigits.write(month, width: 2, to: output, at: written + 1)
        output[written] = 0x2D
        return ReportDigits.write(day, width: 2, to: output, at: written + 1)
    }
}

/// An instant read from a report, to the microsecond, as PostgreSQL reads it.
struct ReportInstant {
    /// Microseconds since 1970-01-01 00:00 UTC.
    let microseconds: Int

    enum Reading {
        case instant(ReportInstant)
        case notADate
        case notATimestamp
    }

    static let microsecondsPerSecond = 1_000_000
    static let secondsPerDay = 86_400

    /// A bare date (midnight UTC) or `date[T ]hh:mm[:ss[.fraction]][zone]`, the zone being blank,
    /// `Z`, `±hh`, `±hhmm`, `±hh:mm` or an abbreviation of `zoneAbbreviations`. Like PostgreSQL: 24:00:00 is the next
    /// midnight, second 60 (without a fraction) the next minute, a fraction is rounded to the
    /// microsecond, an offset is at most 15:59.
    static func read(_ bytes: UnsafeBufferPointer<UInt8>, dayOrder: AmazonMarketplace.DayOrder) -> Reading {
        guard let day = CivilDate(reportText: bytes, dayOrder: dayOrder) else { return .notADate }
        let midnight = day.daysSince1970 * secondsPerDay
        if bytes.count == 10 { return instant(seconds: midnight, fraction: 0) }
        func number(_ index: Int) -> Int? {
            guard index + 1 < bytes.count, (0x30...0x39).contains(bytes[index]), (0x30...0x39).contains(bytes[index + 1]) else { return nil }
            return Int(bytes[index] - 0x30) * 10 + Int(bytes[index + 1] - 0x30)
        }
        guard bytes[10] == 0x54 || bytes[10] == 0x20, let hour = number(11), bytes.count > 13, bytes[13] == 0x3A,
              let minute = number(14) else { return .notATimestamp }
        var second = 0, fraction = 0, end = 16
        if end < bytes.count, bytes[end] == 0x3A {
            guard let seconds = number(17) else { return .notATimestamp }
            second = seconds
            end = 19
            if end < bytes.count, bytes[end] == 0x2E {
                let digits = end + 1
                end = digits
                while end < bytes.count, (0x30...0x39).contains(bytes[end]) { end += 1 }
                guard end > digits, let value = Double("0." + String(decoding: bytes[digits..<end], as: UTF8.self)) else {
                    return .notATimestamp
                }
                // PostgreSQL's rint(strtod(fraction) * 1e6).
                fraction = Int((value * Double(microsecondsPerSecond)).rounded(.toNearestOrEven))
            }
        }
        guard hour < 24 || (hour == 24 && minute == 0 && second == 0 && fraction == 0), minute < 60,
              second < 60 || (second == 60 && fraction == 0),
              let offset = offsetSeconds(UnsafeBufferPointer(rebasing: bytes[end...])) else { return .notATimestamp }
        return instant(seconds: midnight + hour * 3600 + minute * 60 + second - offset, fraction: fraction)
    }

    /// The zone abbreviations Amazon's downloads write after a time, as offsets east of UTC in
    /// seconds. An abbreviation names its offset (PST is always -8, PDT -7): the download says
    /// which one applied. Where an abbreviation names two zones the marketplace's wins: IST is
    /// India Standard Time (+5:30, Amazon.in), not Irish or Israel time; CST is US Central, not
    /// China's.
    static let zoneAbbreviations: [String: Int] = [
        "UTC": 0, "GMT": 0, "BST": 3600, "CET": 3600, "CEST": 7200,
        "PST": -8 * 3600, "PDT": -7 * 3600, "MST": -7 * 3600, "MDT": -6 * 3600,
        "CST": -6 * 3600, "CDT": -5 * 3600, "EST": -5 * 3600, "EDT": -4 * 3600,
        "JST": 9 * 3600, "AEST": 10 * 3600, "AEDT": 11 * 3600, "IST": 5 * 3600 + 1800,
    ]

    private static func instant(seconds: Int, fraction: Int) -> Reading {
        let instant = ReportInstant(microseconds: seconds * microsecondsPerSecond + fraction)
        guard (1...9999).contains(instant.day.year) else { return .notATimestamp }
        return .instant(instant)
    }

    /// The zone's offset east of UTC in seconds; nil when it is not one of the accepted forms.
    private static func offsetSeconds(_ zone: UnsafeBufferPointer<UInt8>) -> Int? {
        withTrimmedZone(zone) { zone -> Int? in
            if zone.isEmpty || zone.elementsEqual("Z".utf8) { return 0 }
            guard let sign = zone.first, sign == 0x2B || sign == 0x2D else {
                return zone.count <= 4 ? zoneAbbreviations[String(decoding: zone, as: UTF8.self)] : nil
            }
            let digits = zone.dropFirst().filter { $0 != 0x3A }
            let colons = zone.count - 1 - digits.count
            let canonical = (zone.count == 3 && colons == 0) || (zone.count == 5 && colons == 0) || (zone.count == 6 && colons == 1 && zone[3] == 0x3A)
            guard canonical, digits.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
            let values = digits.map { Int($0 - 0x30) }
            let hours = values[0] * 10 + values[1], minutes = values.count == 4 ? values[2] * 10 + values[3] : 0
            guard hours <= 15, minutes < 60 else { return nil }
            return (sign == 0x2D ? -1 : 1) * (hours * 3600 + minutes * 60)
        }
    }

    /// The zone without surrounding blanks. Foundation trims only text with non-ASCII bytes, the
    /// rare case where Unicode blanks other than space and tab could surround it.
    private static func withTrimmedZone<Result>(_ zone: UnsafeBufferPointer<UInt8>,
                                                _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        guard zone.allSatisfy({ $0 < 0x80 }) else {
            var trimmed = String(decoding: zone, as: UTF8.self).trimmingCharacters(in: .whitespaces)
            return trimmed.withUTF8(body)
        }
        var start = zone.startIndex, end = zone.endIndex
        while start < end, zone[start] == 0x20 || zone[start] == 0x09 { start += 1 }
        while end > start, zone[end - 1] == 0x20 || zone[end - 1] == 0x09 { end -= 1 }
        return body(UnsafeBufferPointer(rebasing: zone[start..<end]))
    }

    private var secondsSinceEpoch: Int { microseconds >= 0 ? microseconds / Self.microsecondsPerSecond : (microseconds + 1) / Self.microsecondsPerSecond - 1 }
    var day: CivilDate {
        let seconds = secondsSinceEpoch
        return CivilDate(daysSince1970: seconds >= 0 ? seconds / Self.secondsPerDay : (seconds + 1) / Self.secondsPerDay - 1)
    }

    /// `yyyy-mm-dd hh:mm:ss[.ffffff]+00`, trailing zeros of the fraction dropped: PostgreSQL's
    /// text for a timestamptz in UTC.
    var text: String {
        let seconds = secondsSinceEpoch
        let fraction = microseconds - seconds * Self.microsecondsPerSecond
        let secondOfDay = seconds - day.daysSince1970 * Self.secondsPerDay
        return String(unsafeUninitializedCapacity: 32) { output in
            var written = day.write(to: output)
            output[written] = 0x20
            written = ReportDigits.write(secondOfDay / 3600, width: 2, to: output, at: written + 1)
            output[written] = 0x3A
            written = ReportDigits.write(secondOfDay / 60 % 60, width: 2, to: output, at: written + 1)
            output[written] = 0x3A
            written = ReportDigits.write(secondOfDay % 60, width: 2, to: output, at: written + 1)
            if fraction > 0 {
                var digits = 6, shown = fraction
                while shown % 10 == 0 { shown /= 10; digits -= 1 }
                output[written] = 0x2E
                written = ReportDigits.write(shown, width: digits, to: output, at: written + 1)
            }
            for byte in "+00".utf8 {
                output[written] = byte
                written += 1
            }
            return written
        }
    }
}

/// Zero-padded decimal numbers written into a buffer.
enum ReportDigits {
    /// Writes `value` in `width` digits at `start`; returns the index after them.
    static func write(_ value: Int, width: Int, to output: UnsafeMutableBufferPointer<UInt8>, at start: Int) -> Int {
        var remaining = value
        for index in stride(from: start + width - 1, through: start, by: -1) {
            output[index] = UInt8(0x30 + remaining % 10)
            remaining /= 10
        }
        return start + width
    }
}
