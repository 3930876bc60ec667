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
        let bytes = Array(text.utf8.prefix(10))
        func digits(_ range: Range<Int>) -> Bool { range.allSatisfy { $0 < bytes.count && (0x30...0x39).contains(bytes[$0]) } }
        if bytes.count == 10, digits(0..<4), digits(5..<7), digits(8..<10), bytes[4] == bytes[7], bytes[4] == 0x2D || bytes[4] == 0x2F {
            return String(decoding: bytes[0..<4], as: UTF8.self) + "-" + String(decoding: bytes[5..<7], as: UTF8.self) + "-"
                + String(decoding: bytes[8..<10], as: UTF8.self)
        }
        if bytes.count == 10, digits(0..<2), digits(3..<5), digits(6..<10), bytes[2] == 0x2F, bytes[5] == 0x2F {
            return String(decoding: bytes[6..<10], as: UTF8.self) + "-" + String(decoding: bytes[0..<2], as: UTF8.self) + "-"
                + String(decoding: bytes[3..<5], as: UTF8.self)
        }
        throw ReportRowError("not a date: \(text)")
    }

    /// A timestamp PostgreSQL reads: ISO 8601 with or without a zone (UTC assumed), or a bare date.
    /// Checked byte by byte (no regex): it runs for every row of multi-million-row files.
    static func timestamp(_ text: String?) throws(ReportRowError) -> String? {
        guard let text, !text.isEmpty else { return nil }
        guard let day = try date(text) else { return nil }
        let bytes = Array(text.utf8)
        if bytes.count == 10 { return day + "T00:00:00Z" }
        func digit(_ index: Int) -> Bool { index < bytes.count && (0x30...0x39).contains(bytes[index]) }
        var index = 10
        guard bytes.count > 15, bytes[index] == 0x54 || bytes[index] == 0x20, digit(11), digit(12),
              bytes[13] == 0x3A, digit(14), digit(15) else { throw ReportRowError("not a timestamp: \(text)") }
        index = 16
        if index < bytes.count, bytes[index] == 0x3A {
            guard digit(17), digit(18) else { throw ReportRowError("not a timestamp: \(text)") }
            index = 19
            if index < bytes.count, bytes[index] == 0x2E {
                index += 1
                let first = index
                while digit(index) { index += 1 }
                guard index > first else { throw ReportRowError("not a timestamp: \(text)") }
            }
        }
        let time = String(decoding: bytes[11..<index], as: UTF8.self)
        var zone = String(decoding: bytes[index...], as: UTF8.self).trimmingCharacters(in: .whitespaces)
        switch zone {
        case "", "Z", "UTC", "GMT": zone = "Z"
        default:
            let z = Array(zone.utf8)
            let valid = (z.first == 0x2B || z.first == 0x2D) && (z.count == 3 || z.count == 5 || z.count == 6)
                && z.dropFirst().allSatisfy { (0x30...0x39).contains($0) || $0 == 0x3A }
            guard valid else { throw ReportRowError("not a timestamp: \(text)") }
        }
        return day + "T" + time + zone
    }
}
