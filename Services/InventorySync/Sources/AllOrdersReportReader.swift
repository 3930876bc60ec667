import Foundation
import OpsideAmazonData
import OpsideAmazonSPAPI
import OpsideCore

/// Reads an All Orders flat file (`AllOrdersRow`, one line per item of an order) into the rows
/// the Orders API path loads: one `amazon.orders` row per order and one `amazon.order_items` row
/// per SKU of it, in the same units and spellings, so both paths fill the same tables alike.
///
/// What the file lacks stays NULL and is filled by the API later, if ever (`keptWhenAbsent`):
/// the order type, replacement and Prime flags, and the item's condition. It has no order item
/// id either: an item read from it is keyed `sku:<seller SKU>` (`syntheticItemID`), and the
/// first `getOrderItems` of the order replaces the order's items with Amazon's, whole.
///
/// Derived, as the Orders API defines them: the order total (every amount of the order's lines
/// but cancelled ones, discounts subtracted), items shipped and unshipped (by each line's
/// item status), an item's quantity shipped. Amazon writes discounts negative here and positive
/// in `PromotionDiscount`: the item row keeps the API's sign.
///
/// An order's lines are one order: when one of them cannot be read, all of them are refused
/// (a partial order would carry a wrong total), and the other lines are quarantined with it.
struct AllOrdersReportReader {
    let marketplace: AmazonMarketplace
    private var orders: [String: Order] = [:]
    /// Order ids in the order of their first line: the rows come out in file order.
    private var sequence: [String] = []
    private var refusedOrders: [String: String] = [:]

    struct Order {
        var lines: [(number: Int, raw: String, row: AllOrdersRow)] = []
    }

    init(marketplace: AmazonMarketplace) { self.marketplace = marketplace }

    static func syntheticItemID(sku: String) -> String { "sku:" + sku }

    /// Amazon's channel names in the file, as the Orders API spells them.
    static func channel(_ text: String?) -> String? {
        switch text?.lowercased() {
        case "amazon": "AFN"
        case "merchant": "MFN"
        default: text
        }
    }

    mutating func read(_ record: ReportRecord) throws(ReportRowError) {
        let row: AllOrdersRow
        do throws(ReportRowError) {
            row = try AllOrdersRow(record: record)
        } catch {
            if let orderID = record.string("amazon-order-id") { refusedOrders[orderID] = refusedOrders[orderID] ?? error.reason }
            throw error
        }
        if orders[row.amazonOrderID] == nil { sequence.append(row.amazonOrderID) }
        orders[row.amazonOrderID, default: Order()].lines.append((record.line, record.fields.joined(separator: "\t"), row))
    }

    /// The orders and items of every order read whole, and the lines of the orders refused.
    mutating func finish() -> (orders: [[String?]], items: [[String?]], refused: [QuarantinedLine]) {
        var orderRows: [[String?]] = [], itemRows: [[String?]] = [], refused: [QuarantinedLine] = []
        for id in sequence {
            guard let order = orders[id] else { continue }
            do throws(ReportRowError) {
                if let reason = refusedOrders[id] { throw ReportRowError("another line of order \(id) could not be read: \(reason)") }
                let (orderRow, items) = try rows(of: order)
                orderRows.append(orderRow)
                itemRows.append(contentsOf: items)
            } catch {
                refused += order.lines.map { QuarantinedLine(lineNumber: $0.number, reason: error.reason, rawLine: $0.raw) }
            }
        }
        orders.removeAll()
        sequence.removeAll()
        return (orderRows, itemRows, refused)
    }

    private func rows(of order: Order) throws(ReportRowError) -> ([String?], [[String?]]) {
        let first = order.lines[0].row
        let dayOrder = marketplace.dayOrder
        let currencyCode = order.lines.lazy.compactMap(\.row.currency).first
        let currency = try currencyCode.map(ReportValues.currency) ?? marketplace.currency
        func minor(_ amount: ReportAmount?) throws(ReportRowError) -> Int64? {
            guard let text = try ReportValues.minor(amount, currency) else { return nil }
            return Int64(text)
        }
        func isShipped(_ row: AllOrdersRow) -> Bool { row.itemStatus?.lowercased() == "shipped" }
        func isCancelled(_ row: AllOrdersRow) -> Bool { row.itemStatus?.lowercased() == "cancelled" }

        // One item per SKU: a SKU on two lines of one order (split by status) is one item.
        var itemOrder: [String] = []
        var items: [String: (row: AllOrdersRow, quantity: Int, shipped: Int, price: Int64?, tax: Int64?, discount: Int64?)] = [:]
        var total: Int64?, shipped = 0, unshipped = 0
        for (_, _, row) in order.lines {
            let amounts = [row.itemPrice, row.itemTax, row.shippingPrice, row.shippingTax, row.giftWrapPrice, row.giftWrapTax,
                           row.itemPromotionDiscount, row.shipPromotionDiscount]
            if !isCancelled(row) {
                for amount in amounts { if let value = try minor(amount) { total = (total ?? 0) + value } }
                if isShipped(row) { shipped += row.quantity } else { unshipped += row.quantity }
            }
            let price = try minor(row.itemPrice), tax = try minor(row.itemTax)
            let discount = try minor(row.itemPromotionDiscount).map { -$0 }
            func plus(_ a: Int64?, _ b: Int64?) -> Int64? { a == nil && b == nil ? nil : (a ?? 0) + (b ?? 0) }
            if let known = items[row.sku] {
                items[row.sku] = (known.row, known.quantity + row.quantity, known.shipped + (isShipped(row) ? row.quantity : 0),
                                  plus(known.price, price), plus(known.tax, tax), plus(known.discount, discount))
            } else {
                itemOrder.append(row.sku)
                items[row.sku] = (row, row.quantity, isShipped(row) ? row.quantity : 0, price, tax, discount)
            }
        }
        var lastUpdate: String?
        for line in order.lines {
            if let updated = try ReportValues.timestamp(line.row.lastUpdatedDate, dayOrder: dayOrder), updated > lastUpdate ?? "" { lastUpdate = updated }
        }
        let orderRow: [String?] = [
            marketplace.id, first.amazonOrderID, first.merchantOrderID, try ReportValues.timestamp(first.purchaseDate, dayOrder: dayOrder),
            lastUpdate, first.orderStatus, Self.channel(first.fulfillmentChannel), first.salesChannel, nil,
            total.map(String.init), currency.code, String(shipped), String(unshipped), nil, nil,
            first.isBusinessOrder.map { $0 ? "true" : "false" }, nil,
        ]
        let itemRows: [[String?]] = itemOrder.compactMap { sku in
            guard let item = items[sku] else { return nil }
            return [marketplace.id, first.amazonOrderID, Self.syntheticItemID(sku: sku), item.row.asin, sku, item.row.productName,
                    String(item.quantity), String(item.shipped), item.price.map(String.init), item.tax.map(String.init),
                    item.discount.map(String.init), item.price == nil ? nil : currency.code, nil]
        }
        return (orderRow, itemRows)
    }
}
