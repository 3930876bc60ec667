import Foundation
import OpsideAmazonSPAPI

/// The two payment files a seller downloads: the Flat File V2 settlement report and Seller
/// Central's Date Range transaction report. Both carry exactly the money of the seller's Finances
/// events (every amount of every event, once), so detection from files finds what detection from
/// the API finds.
enum SandboxPaymentReports {
    static let settlementReportType = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"
    static let transactionReportType = "GET_DATE_RANGE_FINANCIAL_TRANSACTION_DATA"

    static let settlementHeader = [
        "settlement-id", "settlement-start-date", "settlement-end-date", "deposit-date", "total-amount", "currency", "transaction-type",
        "order-id", "merchant-order-id", "adjustment-id", "shipment-id", "marketplace-name", "amount-type", "amount-description", "amount",
        "fulfillment-id", "posted-date", "posted-date-time", "order-item-code", "merchant-order-item-id", "merchant-adjustment-item-id", "sku",
        "quantity-purchased", "promotion-id",
    ]
    static let transactionHeader = [
        "date/time", "settlement id", "type", "order id", "sku", "description", "quantity", "marketplace", "fulfillment", "order city",
        "order state", "order postal", "tax collection model", "product sales", "product sales tax", "shipping credits", "shipping credits tax",
        "gift wrap credits", "giftwrap credits tax", "Regulatory Fee", "Tax On Regulatory Fee", "promotional rebates", "promotional rebates tax",
        "marketplace withheld tax", "selling fees", "fba fees", "other transaction fees", "other", "total",
    ]

    /// One amount of a Finances event, as the settlement file itemises it.
    struct Amount {
        let transactionType: String
        let amountType: String
        let description: String
        let minor: Int64
    }

    /// One Finances event with its amounts.
    struct Entry {
        let date: Date
        let orderID: String
        let orderItemCode: String
        let sku: String
        let quantity: Int?
        /// The transaction report's `type` and `description`.
        let kind: String
        let description: String
        let amounts: [Amount]
        var total: Int64 { amounts.reduce(0) { $0 + $1.minor } }
    }

    /// The Finances events posted in `from...end`, amount by amount (the same amounts the
    /// Finances API serves for them).
    static func entries(_ history: SellerHistory, from: Date, end: Date) -> [Entry] {
        history.finances.filter { $0.date >= from && $0.date <= end }.map { event in
            switch event {
            case .shipment(let index, let date):
                let order = history.orders[index]
                let product = history.products[order.product]
                return Entry(date: date, orderID: order.id, orderItemCode: order.itemID, sku: product.sku, quantity: order.quantity, kind: "Order",
                             description: product.title, amounts: [
                                 Amount(transactionType: "Order", amountType: "ItemPrice", description: "Principal", minor: order.priceMinor),
                                 Amount(transactionType: "Order", amountType: "ItemFees", description: "Commission", minor: -order.commissionMinor),
                                 Amount(transactionType: "Order", amountType: "ItemFees", description: "FBAPerUnitFulfillmentFee", minor: -order.feeMinor),
                             ])
            case .refund(let index, let date, let amount):
                let order = history.orders[index]
                let product = history.products[order.product]
                return Entry(date: date, orderID: order.id, orderItemCode: order.itemID, sku: product.sku, quantity: order.quantity, kind: "Refund",
                             description: product.title, amounts: [
                                 Amount(transactionType: "Refund", amountType: "ItemPrice", description: "Principal", minor: -amount),
                                 Amount(transactionType: "Refund", amountType: "ItemFees", description: "Commission", minor: order.commissionMinor),
                             ])
            case .adjustment(let type, let date, let productIndex, let quantity, let perUnit, let orderID, let moneyOnlyAmount):
                let product = history.products[productIndex]
                return Entry(date: date, orderID: orderID ?? "", orderItemCode: "", sku: product.sku, quantity: quantity, kind: "Adjustment",
                             description: "FBA Inventory Reimbursement - \(type)", amounts: [
                                 Amount(transactionType: "other-transaction", amountType: "FBA Inventory Reimbursement", description: type,
                                        minor: FinanceEvent.adjustmentTotal(quantity: quantity, perUnitMinor: perUnit,
                                                                            moneyOnlyAmountMinor: moneyOnlyAmount)),
                             ])
            case .serviceFee(let date, let productIndex, _, let amount):
                let product = history.products[productIndex]
                return Entry(date: date, orderID: "", orderItemCode: "", sku: product.sku, quantity: nil, kind: "FBA Inventory Fee",
                             description: "FBA storage fee", amounts: [
                                 Amount(transactionType: "other-transaction", amountType: "other-transaction", description: "Storage Fee", minor: -amount),
                             ])
            case .safetReimbursement(let index, let date, let amount):
                let order = history.orders[index]
                let product = history.products[order.product]
                return Entry(date: date, orderID: order.id, orderItemCode: order.itemID, sku: product.sku, quantity: order.quantity,
                             kind: "SAFE-T reimbursement", description: "SAFE-T claim SAFET-\(order.id)", amounts: [
                                 Amount(transactionType: "SAFE-T reimbursement", amountType: "other-transaction", description: "SAFE-T reimbursement",
                                        minor: amount),
                             ])
            case .removalShipment(let index, let date):
                let removal = history.removals[index]
                let product = history.products[removal.product]
                return Entry(date: date, orderID: removal.orderID, orderItemCode: "", sku: product.sku, quantity: removal.quantity, kind: "Liquidations",
                             description: "Wholesale liquidation", amounts: [
                                 Amount(transactionType: "Liquidations", amountType: "Liquidations", description: "LiquidationsRevenue",
                                        minor: SandboxFinances.liquidationRevenue(removal, product)),
                                 Amount(transactionType: "Liquidations", amountType: "Liquidations", description: "LiquidationsBrokerageFee",
                                        minor: -SandboxFinances.liquidationFee(removal)),
                             ])
            }
        }
    }

    /// The settlement report types. Amazon generates them as each settlement closes; they cannot
    /// be requested (docs/amazon-reports-backfill.md §2.2), only listed with `getReports`.
    static let settlementTypes: Set<String> = [
        settlementReportType, "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE", "GET_V2_SETTLEMENT_REPORT_DATA_XML",
    ]

    /// A settlement period: Amazon settles every 14 days from the history's start (§2.3: about
    /// every two weeks), `start..<end`.
    struct SettlementPeriod: Equatable {
        let index: Int
        let start: Date
        let end: Date
    }

    static let settlementDays = 14.0

    /// The settlement periods closed by `now`, oldest first.
    static func closedSettlements(_ history: SellerHistory, now: Date) -> [SettlementPeriod] {
        let length = settlementDays * 86_400
        let closed = Int(max(0, now.timeIntervalSince(history.start)) / length)
        return (0..<closed).map { index in
            SettlementPeriod(index: index, start: history.start.addingTimeInterval(Double(index) * length),
                             end: history.start.addingTimeInterval(Double(index + 1) * length))
        }
    }

    /// The report's text and data-row count, or nil when `type` is not a payment report.
    static func render(type: String, history: SellerHistory, from: Date, end: Date) -> (String, Int)? {
        switch type {
        case settlementReportType: settlement(history, from: from, end: end)
        case transactionReportType: transactions(history, from: from, end: end)
        default: nil
        }
    }

    static func domain(_ history: SellerHistory) -> String {
        let url = AmazonMarketplace.all.first { $0.id == history.marketplaceID }?.sellerCentralURL ?? "https://sellercentral.amazon.com"
        return url.replacingOccurrences(of: "https://sellercentral.", with: "").replacingOccurrences(of: "https://sellercentral-europe.", with: "")
    }

    /// Settlement ids: one per 14-day settlement period since the history began, numeric as Amazon's.
    static func settlementID(_ history: SellerHistory, at date: Date) -> String {
        var hash: UInt32 = 2_166_136_261
        for byte in history.sellingPartnerID.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        let period = max(0, Int(date.timeIntervalSince(history.start) / (14 * 86_400)))
        return String(10_000 + hash % 80_000) + String(period).leftPad(5)
    }

    static func utcFormatter(_ format: String) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = format
        return formatter
    }

    /// One settlement covering the requested range: its summary row first, then one row per amount.
    static func settlement(_ history: SellerHistory, from: Date, end: Date) -> (String, Int) {
        let entries = entries(history, from: from, end: end)
        guard !entries.isEmpty else { return ("", 0) }
        let dateTime = utcFormatter("yyyy-MM-dd HH:mm:ss 'UTC'")
        let day = utcFormatter("yyyy-MM-dd")
        let money = { (minor: Int64) in decimalString(minor, currency: history.currency) }
        let id = settlementID(history, at: from)
        let marketplaceName = "Amazon." + domain(history).replacingOccurrences(of: "amazon.", with: "")
        var rows: [[String]] = []
        var summary = Array(repeating: "", count: settlementHeader.count)
        summary[0] = id
        summary[1] = dateTime.string(from: from)
        summary[2] = dateTime.string(from: end)
        summary[3] = dateTime.string(from: end.addingTimeInterval(86_400))
        summary[4] = money(entries.reduce(0) { $0 + $1.total })
        summary[5] = history.currency
        rows.append(summary)
        for entry in entries {
            for (index, amount) in entry.amounts.enumerated() {
                rows.append([id, "", "", "", "", "", amount.transactionType, entry.orderID, "", "", "", marketplaceName, amount.amountType, amount.description, money(amount.minor), "AFN", day.string(from: entry.date),
                             dateTime.string(from: entry.date), entry.orderItemCode, "", "", entry.sku,
                             index == 0 ? entry.quantity.map(String.init) ?? "" : "", ""])
            }
        }
        let text = settlementHeader.joined(separator: "\t") + "\n" + rows.map { $0.joined(separator: "\t") }.joined(separator: "\n") + "\n"
        return (text, rows.count)
    }

    /// The Date Range transaction CSV: a preamble, the quoted header, one row per event with its
    /// money split into Seller Central's columns; dates in the marketplace's time zone.
    static func transactions(_ history: SellerHistory, from: Date, end: Date) -> (String, Int) {
        let entries = entries(history, from: from, end: end)
        guard !entries.isEmpty else { return ("", 0) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = history.timeZone
        formatter.dateFormat = "MMM d, yyyy h:mm:ss a zzz"
        let money = { (minor: Int64) in decimalString(minor, currency: history.currency) }
        func quoted(_ fields: [String]) -> String { fields.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: ",") }
        var lines = [
            quoted(["Includes Amazon Marketplace, Fulfillment by Amazon (FBA), and Amazon Webstore transactions"]),
            quoted(["All amounts in \(history.currency), unless specified"]),
            quoted(["Definitions:"]),
            quoted(["Selling fees: Includes variable closing fees and referral fees."]),
            quoted(["Other: Includes non-order transaction amounts. For more details, see the \"Type\" and \"Description\" columns for each order ID."]),
            quoted(transactionHeader),
        ]
        let marketplace = domain(history)
        for entry in entries {
            var productSales: Int64 = 0, sellingFees: Int64 = 0, fbaFees: Int64 = 0, otherTransactionFees: Int64 = 0, other: Int64 = 0
            for amount in entry.amounts {
                switch amount.description {
                case "Principal", "LiquidationsRevenue": productSales += amount.minor
                case "Commission": sellingFees += amount.minor
                case "FBAPerUnitFulfillmentFee": fbaFees += amount.minor
                case "LiquidationsBrokerageFee": otherTransactionFees += amount.minor
                default: other += amount.minor
                }
            }
            let zero = money(0)
            lines.append(quoted([
                formatter.string(from: entry.date), settlementID(history, at: entry.date), entry.kind, entry.orderID, entry.sku, entry.description,
                entry.quantity.map { String(abs($0)) } ?? "", marketplace, "Amazon", "", "", "", "MarketplaceFacilitator", money(productSales), zero,
                zero, zero, zero, zero, zero, zero, zero, zero, zero, money(sellingFees), money(fbaFees), money(otherTransactionFees), money(other),
                money(entry.total),
            ]))
        }
        return (lines.joined(separator: "\n") + "\n", entries.count)
    }
}
