import Foundation
import OpsideAmazonData
import OpsideAmazonSPAPI
import OpsideCore

/// Reads the flat-file settlement report V2 (`GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2`).
///
/// Its first data line is the settlement's summary (settlement columns only, among them the
/// currency); every other line is ONE amount: `transaction-type` (Order, Refund,
/// other-transaction…), `amount-type` (ItemPrice, ItemFees, ItemWithheldTax, Promotion,
/// FBA Inventory Reimbursement…), `amount-description` (Principal, Commission,
/// FBAPerUnitFulfillmentFee, WAREHOUSE_DAMAGE…) and `amount`. The Finances API returns one
/// item of a shipment or refund with all its amounts, so the lines of one item (same
/// transaction, order, adjustment, shipment, item code, SKU and posted time) are gathered into
/// one event, in the API's shape:
/// - `ItemPrice` lines are its charges (`Shipping` is the API's `ShippingCharge`), `ItemFees`
///   lines its fees (the descriptions are the API's fee types: `Commission`,
///   `FBAPerUnitFulfillmentFee`, `RefundCommission`…). Withheld tax and promotions are not
///   kept, as the API rows do not keep them.
/// - An `FBA Inventory Reimbursement` line is one adjustment event whose type is the line's
///   description (`WAREHOUSE_DAMAGE`, `REVERSAL_REIMBURSEMENT`…, the values the API returns as
///   `AdjustmentType`), with its SKU, units and total.
///
/// Settlements are bounded (two weeks of one account), so the items are gathered in memory.
struct SettlementReportReader: FinanceReportReading {
    let marketplace: AmazonMarketplace
    /// The summary line's currency, for the amount lines that leave theirs empty.
    private var summaryCurrency: Currency?
    private var items: [String: Item] = [:]
    /// Item keys in the order of their first line: the rows come out in file order.
    private var order: [String] = []
    private var adjustments: [[String?]] = []

    /// One shipment or refund item and the lines it was read from.
    struct Item {
        let isRefund: Bool
        let orderID: String?
        let sellerOrderID: String?
        let marketplaceName: String?
        let postedAt: String
        let sku: String?
        let itemCode: String?
        var quantity: Int?
        var charges: [ChargeComponent] = []
        var fees: [FeeComponent] = []
        var lines: [(number: Int, raw: String)] = []
        /// The first of its lines that could not be read, and why.
        var refusal: (line: Int, reason: String)?
    }

    init(marketplace: AmazonMarketplace) { self.marketplace = marketplace }

    mutating func read(_ record: ReportRecord) throws(ReportRowError) {
        guard let transactionType = record.string("transaction-type") else {
            guard record.string("settlement-start-date") != nil || record.string("total-amount") != nil else {
                throw ReportRowError("missing transaction-type")
            }
            summaryCurrency = try record.string("currency").map(ReportValues.currency)
            return
        }
        let kind = transactionType.lowercased()
        let amountType = record.string("amount-type")
        let isReimbursement = amountType?.caseInsensitiveCompare("FBA Inventory Reimbursement") == .orderedSame
        guard kind == "order" || kind == "refund" || isReimbursement else { return }
        let key = kind == "order" || kind == "refund" ? itemKey(record, kind: kind) : nil
        do throws(ReportRowError) {
            let currency = try record.string("currency").map(ReportValues.currency) ?? summaryCurrency ?? marketplace.currency
            let amount = try FinanceReportValues.money(try record.required("amount"), column: "amount", currency: currency, decimalComma: true)
            let postedAt = try FinanceReportValues.instant(record.string("posted-date-time", "posted-date"), column: "posted-date-time",
                                                           dayOrder: marketplace.dayOrder)
            let quantity = try FinanceReportValues.quantity(record, "quantity-purchased")
            guard let key else {
                let type = try record.required("amount-description")
                adjustments.append(FinanceReportValues.adjustmentRow(
                    marketplace: marketplace.id, type: type, postedAt: postedAt, sku: record.string("sku"),
                    transactionNumber: record.string("adjustment-id") ?? record.string("order-id"), quantity: quantity, total: amount,
                    source: .settlementReport))
                return
            }
            var item = items[key] ?? Item(isRefund: kind == "refund", orderID: record.string("order-id"),
                                          sellerOrderID: record.string("merchant-order-id"), marketplaceName: record.string("marketplace-name"),
                                          postedAt: postedAt, sku: record.string("sku"), itemCode: record.string("order-item-code"))
            if items[key] == nil { order.append(key) }
            item.lines.append((record.line, record.fields.joined(separator: "\t")))
            if let quantity { item.quantity = max(item.quantity ?? quantity, quantity) }
            let description = record.string("amount-description")
            switch amountType?.lowercased() {
            case "itemprice":
                item.charges.append(ChargeComponent(ChargeType: Self.chargeType(description), ChargeAmount: FinanceReportValues.currency(amount)))
            case "itemfees":
                item.fees.append(FeeComponent(FeeType: description, FeeAmount: FinanceReportValues.currency(amount)))
            default:
                break
            }
            items[key] = item
        } catch {
            // A line of an item that cannot be read makes the item's event wrong (a fee
            // missing): the item is refused whole, this line with its reason.
            guard let key else { throw error }
            var item = items[key] ?? Item(isRefund: kind == "refund", orderID: record.string("order-id"), sellerOrderID: nil,
                                          marketplaceName: nil, postedAt: "", sku: record.string("sku"), itemCode: nil)
            if items[key] == nil { order.append(key) }
            item.lines.append((record.line, record.fields.joined(separator: "\t")))
            if item.refusal == nil { item.refusal = (record.line, error.reason) }
            items[key] = item
        }
    }

    /// What makes lines one item: the transaction, its order, adjustment and shipment, the
    /// item's code and SKU, and the posted time as the file writes it.
    private func itemKey(_ record: ReportRecord, kind: String) -> String {
        [kind, record.string("order-id"), record.string("adjustment-id"), record.string("shipment-id"), record.string("order-item-code"),
         record.string("merchant-adjustment-item-id"), record.string("sku"), record.string("posted-date-time", "posted-date")]
            .map { $0 ?? "" }.joined(separator: "\u{1F}")
    }

    /// The Finances API's charge type for a settlement `ItemPrice` description.
    static func chargeType(_ description: String?) -> String? {
        switch description {
        case "Shipping": "ShippingCharge"
        default: description
        }
    }

    mutating func finish() -> (rows: FinanceRows, refused: [QuarantinedLine]) {
        var rows = FinanceRows()
        rows.adjustments = adjustments
        var refused: [QuarantinedLine] = []
        for key in order {
            guard let item = items[key] else { continue }
            var refusal = item.refusal
            if refusal == nil {
                do throws(MoneyError) {
                    let row = try FinanceRows.itemRow(
                        marketplace: marketplace.id, orderID: item.orderID, sellerOrderID: item.sellerOrderID,
                        marketplaceName: item.marketplaceName, postedAt: item.postedAt, sku: item.sku,
                        itemID: item.isRefund ? nil : item.itemCode, quantity: item.quantity, charges: item.charges, fees: item.fees,
                        source: .settlementReport)
                    if item.isRefund { rows.refunds.append(row) } else { rows.shipments.append(row) }
                    continue
                } catch {
                    refusal = (item.lines[0].number, error.description)
                }
            }
            guard let refusal else { continue }
            for line in item.lines {
                let reason = line.number == refusal.line ? refusal.reason
                    : "not loaded: line \(refusal.line) of the same item cannot be read (\(refusal.reason))"
                refused.append(QuarantinedLine(lineNumber: line.number, reason: reason, rawLine: line.raw))
            }
        }
        items.removeAll()
        order.removeAll()
        adjustments.removeAll()
        return (rows, refused.sorted { $0.lineNumber < $1.lineNumber })
    }
}
