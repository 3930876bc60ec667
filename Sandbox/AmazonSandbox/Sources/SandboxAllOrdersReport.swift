import Foundation

/// The All Orders flat files (`GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL` and
/// `…_BY_LAST_UPDATE_GENERAL`) over a seller's history: one line per order item, the same orders,
/// amounts and dates `getOrders` and `getOrderItems` serve, with Amazon's limits
/// (docs/amazon-reports-backfill.md §1): at most 30 days a report (a longer range ends FATAL
/// with Amazon's words in the document), orders under two years old, no regeneration limit.
enum SandboxAllOrdersReport {
    static let byOrderDate = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL"
    static let byLastUpdate = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL"
    static let types: Set<String> = [byOrderDate, byLastUpdate]
    static let maximumRangeDays = 30
    static let ageLimitDays = 730

    /// Columns in the order of real files, which carry more than Amazon's list (parse by name);
    /// `cpf` only in the report by order date.
    static func header(_ type: String) -> [String] {
        ["amazon-order-id", "merchant-order-id", "purchase-date", "last-updated-date", "order-status", "fulfillment-channel", "sales-channel",
         "order-channel", "url", "ship-service-level", "product-name", "sku", "asin", "number-of-items", "item-status", "tax-collection-model",
         "tax-collection-responsible-party", "quantity", "currency", "item-price", "item-tax", "shipping-price", "shipping-tax",
         "gift-wrap-price", "gift-wrap-tax", "item-promotion-discount", "ship-promotion-discount", "address-type", "ship-city", "ship-state",
         "ship-postal-code", "ship-country", "promotion-ids"] + (type == byOrderDate ? ["cpf"] : []) + ["is-business-order",
         "purchase-order-number", "price-designation"]
    }

    /// Why Amazon refuses the report's range, or nil. Both bounds default to now, as `createReport` says.
    static func refusal(dataStart: Date?, dataEnd: Date?, now: Date) -> String? {
        let start = dataStart ?? now, end = dataEnd ?? now
        guard end.timeIntervalSince(start) <= Double(maximumRangeDays) * 86_400 else {
            return "Date range exceeded. Report can be requested only upto \(maximumRangeDays) days"
        }
        return nil
    }

    /// The instant as the report writes it: ISO 8601 with a numeric offset.
    static func instant(_ date: Date) -> String { String(date.iso.dropLast()) + "+00:00" }

    /// - Returns: the file text and its number of lines of data.
    static func render(type: String, history: SellerHistory, start: Date?, end: Date, now: Date) -> (String, Int) {
        let from = max(start ?? end, now.addingTimeInterval(-Double(ageLimitDays) * 86_400))
        let money = { (minor: Int64) in decimalString(minor, currency: history.currency) }
        var lines: [String] = []
        for order in history.orders where order.purchased <= now {
            let updated = SandboxOrders.lastUpdate(order)
            let filtered = type == byOrderDate ? order.purchased : updated
            guard filtered >= from, filtered <= end, order.purchased >= now.addingTimeInterval(-Double(ageLimitDays) * 86_400) else { continue }
            let product = history.products[order.product]
            let fields = [order.id, "", instant(order.purchased), instant(updated), SandboxOrders.status, "Amazon", SandboxOrders.salesChannel,
                          "", "", "Expedited", product.title, product.sku, product.asin, "", "Shipped", "", "", String(order.quantity),
                          history.currency, money(order.priceMinor), money(0), money(0), money(0), money(0), money(0), money(0), money(0),
                          "", "", "", "", history.countryCode, ""] + (type == byOrderDate ? [""] : []) + ["false", "", ""]
            lines.append(fields.joined(separator: "\t"))
        }
        guard !lines.isEmpty else { return ("", 0) }
        return (([header(type).joined(separator: "\t")] + lines).joined(separator: "\n") + "\n", lines.count)
    }
}
