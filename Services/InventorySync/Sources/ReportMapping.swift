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
///
/// The payment reports (settlement, transaction) are not one row per line: their lines become
/// the financial events the Finances API returns, in three tables; a `FinanceReportReader`
/// does that instead of a row map.
struct ReportMapping: Sendable {
    typealias RowMap = @Sendable (ReportRecord, inout ReportMappingContext) throws(ReportRowError) -> [String?]

    /// Where a report's lines go.
    enum Target: Sendable {
        /// One row of `table` per line.
        case table(AmazonTable, map: RowMap)
        /// Financial events, read by the payment report's reader.
        case financialEvents(FinanceReportFormat)
        /// Orders and their items, several lines per order (`AllOrdersReportReader`).
        case orders
    }

    let dataset: SyncDataset
    let reportType: String
    let target: Target
    /// Columns (any spelling) whose presence identifies the report in an imported file.
    let signature: [String]
    /// Columns without which no row can load; each entry lists the accepted spellings.
    let required: [[String]]

    init(dataset: SyncDataset, reportType: String, table: AmazonTable, signature: [String], required: [[String]], map: @escaping RowMap) {
        self.init(dataset: dataset, reportType: reportType, target: .table(table, map: map), signature: signature, required: required)
    }

    init(dataset: SyncDataset, reportType: String, target: Target, signature: [String], required: [[String]]) {
        self.dataset = dataset
        self.reportType = reportType
        self.target = target
        self.signature = signature
        self.required = required
    }

    /// The table of a one-row-per-line report; nil for the payment reports.
    var table: AmazonTable? {
        if case .table(let table, _) = target { table } else { nil }
    }

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
        estimatedFees, listings, settlement, transactions, allOrders,
    ]

    /// The mapping the API path requests for a report dataset (the payment reports are imports).
    static func forDataset(_ dataset: SyncDataset) -> ReportMapping? { all.first { $0.dataset == dataset && $0.table != nil } }

    /// The report type of a file, from its header alone: the mapping whose signature matches
    /// most columns.
    static func detect(_ header: ReportHeader) -> ReportMapping? {
        all.compactMap { mapping in mapping.score(header).map { (mapping, $0) } }.max { $0.1 < $1.1 }?.0
    }

    // MARK: The mappings

    static let settlement = ReportMapping(
        dataset: .financialEvents, reportType: FinanceReportFormat.settlement.reportType, target: .financialEvents(.settlement),
        signature: ["settlement-id", "transaction-type", "amount-type", "amount-description", "amount"],
        required: [["settlement-id"], ["transaction-type"], ["amount-type"], ["amount-description"], ["amount"],
                   ["posted-date-time", "posted-date"]])

    static let transactions = ReportMapping(
        dataset: .financialEvents, reportType: FinanceReportFormat.transactions.reportType, target: .financialEvents(.transactions),
        signature: ["date/time", "settlement id", "type", "order id", "description", "product sales", "total"],
        required: [["date/time"], ["type"], ["order id"], ["total"]])

    /// The All Orders report by order date: the orders backfill, and a file a seller downloads
    /// from Seller Central (the report by last update has the same columns and lands alike).
    static let allOrders = ReportMapping(
        dataset: .orders, reportType: AllOrdersRow.reportType, target: .orders,
        signature: ["amazon-order-id", "purchase-date", "last-updated-date", "order-status", "item-status", "item-price"],
        required: [["amazon-order-id"], ["purchase-date"], ["sku"], ["quantity"]])

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
