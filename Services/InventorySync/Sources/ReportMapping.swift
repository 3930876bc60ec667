import Foundation
import OpsideAmazonSPAPI

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
    let map: @Sendable (ReportRecord, String) throws(ReportRowError) -> [String?]

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
    ) { record, marketplace throws(ReportRowError) in
        let row = try LedgerDetailRow(record: record)
        let dateTime = try ReportValues.timestamp(record.string("Date and Time"))
        let day = try ReportValues.date(record.string("Date") ?? row.date)
        return [marketplace, day, dateTime, row.fnsku, row.asin, row.msku, row.title, row.eventType, row.referenceID,
                String(row.quantity), row.fulfillmentCenter, row.disposition, row.reason, row.country,
                row.reconciledQuantity.map(String.init), row.unreconciledQuantity.map(String.init)]
    }

    static let ledgerSummary = ReportMapping(
        dataset: .ledgerSummary, reportType: LedgerSummaryRow.reportType, table: AmazonTables.ledgerSummary,
        signature: ["FNSKU", "Starting Warehouse Balance", "Ending Warehouse Balance"],
        required: [["Date"], ["FNSKU"]]
    ) { record, marketplace throws(ReportRowError) in
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
    ) { record, marketplace throws(ReportRowError) in
        let row = try ReimbursementRow(record: record)
        let currency = row.currency.uppercased()
        return [marketplace, row.reimbursementID, row.sku ?? "", row.fnsku ?? "", row.amazonOrderID ?? "",
                try ReportValues.timestamp(row.approvalDate), row.caseID, row.reason, row.asin, row.condition, currency,
                ReportValues.minor(row.amountPerUnit, currency), ReportValues.minor(row.amountTotal, currency),
                String(row.quantityReimbursedCash), String(row.quantityReimbursedInventory), String(row.quantityReimbursedTotal),
                row.originalReimbursementID, row.originalReimbursementType]
    }

    static let customerReturns = ReportMapping(
        dataset: .customerReturns, reportType: CustomerReturnRow.reportType, table: AmazonTables.customerReturns,
        signature: ["return-date", "order-id", "detailed-disposition"],
        required: [["return-date"], ["order-id"]]
    ) { record, marketplace throws(ReportRowError) in
        let row = try CustomerReturnRow(record: record)
        guard let returned = try ReportValues.timestamp(row.returnDate) else { throw ReportRowError("missing return-date") }
        return [marketplace, row.orderID, row.fnsku ?? "", row.licensePlateNumber ?? "", returned, row.sku, row.asin,
                row.productName, String(row.quantity), row.fulfillmentCenterID, row.detailedDisposition, row.reason,
                row.status, row.customerComments]
    }

    static let replacements = ReportMapping(
        dataset: .replacements, reportType: ReplacementRow.reportType, table: AmazonTables.replacements,
        signature: ["replacement-amazon-order-id", "original-amazon-order-id"],
        required: [["shipment-date"], ["replacement-amazon-order-id"], ["original-amazon-order-id"]]
    ) { record, marketplace throws(ReportRowError) in
        let row = try ReplacementRow(record: record)
        return [marketplace, row.replacementAmazonOrderID, row.originalAmazonOrderID, row.sku ?? "",
                try ReportValues.timestamp(row.shipmentDate), row.asin, row.fulfillmentCenterID, row.originalFulfillmentCenterID,
                String(row.quantity), row.replacementReasonCode]
    }

    static let removalOrders = ReportMapping(
        dataset: .removalOrders, reportType: RemovalOrderDetailRow.reportType, table: AmazonTables.removalOrders,
        signature: ["request-date", "order-id", "requested-quantity"],
        required: [["request-date"], ["order-id"]]
    ) { record, marketplace throws(ReportRowError) in
        let row = try RemovalOrderDetailRow(record: record)
        let currency = (row.currency ?? MarketplaceCurrency.code(for: marketplace)).uppercased()
        return [marketplace, row.orderID, row.sku ?? "", row.fnsku ?? "", row.disposition ?? "",
                try ReportValues.timestamp(row.requestDate), row.orderType, row.orderStatus, try ReportValues.timestamp(row.lastUpdatedDate),
                String(row.requestedQuantity), String(row.cancelledQuantity), String(row.disposedQuantity),
                String(row.shippedQuantity), String(row.inProcessQuantity), ReportValues.minor(row.removalFee, currency), currency]
    }

    static let removalShipments = ReportMapping(
        dataset: .removalShipments, reportType: RemovalShipmentDetailRow.reportType, table: AmazonTables.removalShipments,
        signature: ["request-date", "order-id", "shipment-date", "tracking-number"],
        required: [["request-date"], ["order-id"]]
    ) { record, marketplace throws(ReportRowError) in
        let row = try RemovalShipmentDetailRow(record: record)
        return [marketplace, row.orderID, row.trackingNumber ?? "", row.sku ?? "", row.fnsku ?? "",
                try ReportValues.timestamp(row.requestDate), try ReportValues.timestamp(row.shipmentDate), row.disposition,
                String(row.shippedQuantity), row.carrier, row.removalOrderType]
    }

    static let estimatedFees = ReportMapping(
        dataset: .estimatedFees, reportType: EstimatedFeeRow.reportType, table: AmazonTables.estimatedFees,
        signature: ["sku", "estimated-fee-total"],
        required: [["sku"]]
    ) { record, marketplace throws(ReportRowError) in
        let row = try EstimatedFeeRow(record: record)
        let currency = (row.currency ?? MarketplaceCurrency.code(for: marketplace)).uppercased()
        return [marketplace, row.sku, row.fnsku, row.asin, currency, ReportValues.minor(row.yourPrice, currency),
                ReportValues.decimal(row.longestSide), ReportValues.decimal(row.medianSide), ReportValues.decimal(row.shortestSide),
                row.unitOfDimension, ReportValues.decimal(row.itemPackageWeight), row.unitOfWeight, row.sizeTier,
                ReportValues.minor(row.estimatedFeeTotal, currency), ReportValues.minor(row.estimatedReferralFeePerUnit, currency),
                ReportValues.minor(row.expectedFulfillmentFeePerUnit, currency)]
    }

    static let listings = ReportMapping(
        dataset: .listings, reportType: MerchantListingRow.reportType, table: AmazonTables.listings,
        signature: ["seller-sku", "item-name"],
        required: [["seller-sku"]]
    ) { record, marketplace throws(ReportRowError) in
        let row = try MerchantListingRow(record: record)
        let currency = MarketplaceCurrency.code(for: marketplace)
        return [marketplace, row.sellerSKU, row.itemName, row.listingID, ReportValues.minor(row.price, currency), currency,
                row.quantity.map(String.init), row.openDate, row.asin, row.fulfillmentChannel, row.status]
    }
}

/// Values in the text form COPY reads, validated here so a bad field quarantines its row
/// instead of failing the whole COPY.
enum ReportValues {
    /// Money in minor units of `currency`.
    static func minor(_ amount: Decimal?, _ currency: String) -> String? {
        amount.map { String(SPAPIMoney(amount: $0, currencyCode: currency).minorUnits) }
    }

    static func decimal(_ value: Decimal?) -> String? {
        value.map { NSDecimalNumber(decimal: $0).stringValue }
    }

    /// A date as `yyyy-mm-dd`, from `yyyy-mm-dd…`, `mm/dd/yyyy` or `yyyy/mm/dd`.
    static func date(_ text: String?) throws(ReportRowError) -> String? {
        guard let text, !text.isEmpty else { return nil }
        var utf8 = text
        let day = utf8.withUTF8 { bytes -> String? in
            guard let layout = DayLayout(bytes) else { return nil }
            return String(unsafeUninitializedCapacity: 10) { output in layout.write(bytes, to: output) }
        }
        guard let day else { throw ReportRowError("not a date: \(text)") }
        return day
    }

    /// A timestamp PostgreSQL reads: ISO 8601 with or without a zone (UTC assumed), or a bare date.
    /// Checked and rewritten byte by byte into one new string (no regex, no Foundation): it runs
    /// for every row of multi-million-row files.
    static func timestamp(_ text: String?) throws(ReportRowError) -> String? {
        guard let text, !text.isEmpty else { return nil }
        var utf8 = text
        let reading = utf8.withUTF8 { Self.timestamp(bytes: $0) }
        switch reading {
        case .timestamp(let value): return value
        case .notADate: throw ReportRowError("not a date: \(text)")
        case .notATimestamp: throw ReportRowError("not a timestamp: \(text)")
        }
    }

    private enum TimestampReading {
        case timestamp(String)
        case notADate
        case notATimestamp
    }

    private static func timestamp(bytes: UnsafeBufferPointer<UInt8>) -> TimestampReading {
        guard let layout = DayLayout(bytes) else { return .notADate }
        let midnight: StaticString = "T00:00:00Z"
        if bytes.count == 10 {
            return .timestamp(String(unsafeUninitializedCapacity: 10 + midnight.utf8CodeUnitCount) { output in
                let day = layout.write(bytes, to: output)
                UnsafeMutableBufferPointer(rebasing: output[day...]).initialize(from: UnsafeBufferPointer(start: midnight.utf8Start,
                                                                                                         count: midnight.utf8CodeUnitCount))
                return day + midnight.utf8CodeUnitCount
            })
        }
        func digit(_ index: Int) -> Bool { index < bytes.count && (0x30...0x39).contains(bytes[index]) }
        guard bytes.count > 15, bytes[10] == 0x54 || bytes[10] == 0x20, digit(11), digit(12),
              bytes[13] == 0x3A, digit(14), digit(15) else { return .notATimestamp }
        var timeEnd = 16
        if timeEnd < bytes.count, bytes[timeEnd] == 0x3A {
            guard digit(17), digit(18) else { return .notATimestamp }
            timeEnd = 19
            if timeEnd < bytes.count, bytes[timeEnd] == 0x2E {
                timeEnd += 1
                let first = timeEnd
                while digit(timeEnd) { timeEnd += 1 }
                guard timeEnd > first else { return .notATimestamp }
            }
        }
        let time = UnsafeBufferPointer(rebasing: bytes[11..<timeEnd])
        let zone = UnsafeBufferPointer(rebasing: bytes[timeEnd...])
        let result = Self.withTrimmedZone(zone) { zone -> String? in
            let isUTC = zone.isEmpty || zone.elementsEqual("Z".utf8) || zone.elementsEqual("UTC".utf8) || zone.elementsEqual("GMT".utf8)
            let isOffset = (zone.first == 0x2B || zone.first == 0x2D) && (zone.count == 3 || zone.count == 5 || zone.count == 6)
                && zone.dropFirst().allSatisfy { (0x30...0x39).contains($0) || $0 == 0x3A }
            guard isUTC || isOffset else { return nil }
            return String(unsafeUninitializedCapacity: 11 + time.count + max(zone.count, 1)) { output in
                var end = layout.write(bytes, to: output)
                output[end] = 0x54  // T
                end += 1
                end = UnsafeMutableBufferPointer(rebasing: output[end...]).initialize(fromContentsOf: time) + end
                if isUTC {
                    output[end] = 0x5A  // Z
                    return end + 1
                }
                return UnsafeMutableBufferPointer(rebasing: output[end...]).initialize(fromContentsOf: zone) + end
            }
        }
        return result.map(TimestampReading.timestamp) ?? .notATimestamp
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

    /// Where year, month and day sit in the first ten bytes of an accepted date form.
    private struct DayLayout {
        let year: Int, month: Int, day: Int

        init?(_ bytes: UnsafeBufferPointer<UInt8>) {
            guard bytes.count >= 10 else { return nil }
            func digits(_ range: Range<Int>) -> Bool { range.allSatisfy { (0x30...0x39).contains(bytes[$0]) } }
            if digits(0..<4), digits(5..<7), digits(8..<10), bytes[4] == bytes[7], bytes[4] == 0x2D || bytes[4] == 0x2F {
                (year, month, day) = (0, 5, 8)  // yyyy-mm-dd, yyyy/mm/dd
            } else if digits(0..<2), digits(3..<5), digits(6..<10), bytes[2] == 0x2F, bytes[5] == 0x2F {
                (year, month, day) = (6, 0, 3)  // mm/dd/yyyy
            } else {
                return nil
            }
        }

        /// Writes `yyyy-mm-dd` at the start of `output`; returns its length.
        func write(_ bytes: UnsafeBufferPointer<UInt8>, to output: UnsafeMutableBufferPointer<UInt8>) -> Int {
            for offset in 0..<4 { output[offset] = bytes[year + offset] }
            output[4] = 0x2D
            output[5] = bytes[month]
            output[6] = bytes[month + 1]
            output[7] = 0x2D
            output[8] = bytes[day]
            output[9] = bytes[day + 1]
            return 10
        }
    }
}
