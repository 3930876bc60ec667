import Foundation
import OpsideAmazonData
import OpsideAmazonSPAPI
import OpsideCore

/// Turns one page of finance events into staging rows, one table per event type.
struct FinanceRows {
    var shipments: [[String?]] = []
    var refunds: [[String?]] = []
    var adjustments: [[String?]] = []
    var serviceFees: [[String?]] = []
    var safet: [[String?]] = []
    var removals: [[String?]] = []

    var count: Int { shipments.count + refunds.count + adjustments.count + serviceFees.count + safet.count + removals.count }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func json<T: Encodable>(_ value: T?) -> String? {
        guard let value, let data = try? encoder.encode(value) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// An amount's minor units, as COPY text.
    static func minor(_ amount: FinancesCurrency?) throws(MoneyError) -> String? {
        try amount?.money().map { String($0.amountMinor) }
    }

    /// The sum of `amounts` (those present), nil when none is: amounts in two currencies are an
    /// error, never added up.
    static func total(_ amounts: [FinancesCurrency?]) throws(MoneyError) -> Money? {
        var total: Money?
        for amount in amounts {
            guard let money = try amount?.money() else { continue }
            total = try total.map { total throws(MoneyError) in try total + money } ?? money
        }
        return total
    }

    /// - Throws: `MoneyError` for an amount in an unknown currency, or a total over two currencies.
    mutating func add(_ lists: FinancialEvents, marketplace: String, windowStart: Date) throws(MoneyError) {
        for event in lists.ShipmentEventList ?? [] {
            for item in event.ShipmentItemList ?? [] {
                shipments.append(try Self.itemRow(event: event, item: item, marketplace: marketplace, itemID: item.OrderItemId,
                                              charges: item.ItemChargeList, fees: item.ItemFeeList))
            }
        }
        for event in lists.RefundEventList ?? [] {
            for item in event.ShipmentItemAdjustmentList ?? event.ShipmentItemList ?? [] {
                refunds.append(try Self.itemRow(event: event, item: item, marketplace: marketplace,
                                            itemID: item.OrderAdjustmentItemId ?? item.OrderItemId,
                                            charges: item.ItemChargeAdjustmentList ?? item.ItemChargeList,
                                            fees: item.ItemFeeAdjustmentList ?? item.ItemFeeList))
            }
        }
        for event in lists.AdjustmentEventList ?? [] {
            let items = event.AdjustmentItemList ?? []
            if items.isEmpty {
                let currency = event.AdjustmentAmount?.CurrencyCode
                adjustments.append([marketplace, event.AdjustmentType, event.PostedDate, event.StoreName, nil, nil, nil, nil, nil, nil,
                                    nil, try Self.minor(event.AdjustmentAmount), currency, Self.apiSource])
            }
            for item in items {
                let currency = item.TotalAmount?.CurrencyCode ?? event.AdjustmentAmount?.CurrencyCode
                adjustments.append([marketplace, event.AdjustmentType, event.PostedDate, event.StoreName, item.SellerSKU, item.FnSKU,
                                    item.ASIN, item.ProductDescription, item.TransactionNumber, item.Quantity.flatMap { Int($0) }.map(String.init),
                                    try Self.minor(item.PerUnitAmount), try Self.minor(item.TotalAmount), currency, Self.apiSource])
            }
        }
        let window = windowStart.formatted(.iso8601)
        for event in lists.ServiceFeeEventList ?? [] {
            let total = try Self.total((event.FeeList ?? []).map(\.FeeAmount))
            let currency = total?.currency.code ?? event.FeeList?.first?.FeeAmount?.CurrencyCode
            serviceFees.append([marketplace, window, event.AmazonOrderId, event.FeeReason, event.SellerSKU, event.FnSKU, event.ASIN,
                                event.FeeDescription, event.StoreName, String(total?.amountMinor ?? 0), currency, Self.json(event.FeeList)])
        }
        for event in lists.SAFETReimbursementEventList ?? [] {
            safet.append([marketplace, event.PostedDate, event.SAFETClaimId, event.ReasonCode,
                          try Self.minor(event.ReimbursedAmount), event.ReimbursedAmount?.CurrencyCode,
                          Self.json(event.SAFETReimbursementItemList)])
        }
        for event in lists.RemovalShipmentEventList ?? [] {
            removals.append([marketplace, event.PostedDate, event.OrderId, event.MerchantOrderId, event.TransactionType, event.StoreName,
                             Self.json(event.RemovalShipmentItemList)])
        }
    }

    /// The `source` of the rows the Finances API brings.
    static let apiSource = AmazonTables.FinancialEventSource.financesAPI.rawValue

    static func itemRow(event: ShipmentEvent, item: ShipmentItem, marketplace: String, itemID: String?,
                        charges: [ChargeComponent]?, fees: [FeeComponent]?) throws(MoneyError) -> [String?] {
        try itemRow(marketplace: marketplace, orderID: event.AmazonOrderId, sellerOrderID: event.SellerOrderId,
                    marketplaceName: event.MarketplaceName, postedAt: event.PostedDate, sku: item.SellerSKU, itemID: itemID,
                    quantity: item.QuantityShipped, charges: charges, fees: fees, source: .financesAPI)
    }

    /// A shipment or refund item's row, from the API's events or from a report's lines (whose
    /// charges and fees are put in the API's components so that one reader serves both):
    /// `principal_minor` is the `Principal` charge, `charges_minor` and `fees_minor` the totals.
    static func itemRow(marketplace: String, orderID: String?, sellerOrderID: String?, marketplaceName: String?, postedAt: String?,
                        sku: String?, itemID: String?, quantity: Int?, charges: [ChargeComponent]?, fees: [FeeComponent]?,
                        source: AmazonTables.FinancialEventSource) throws(MoneyError) -> [String?] {
        let chargeList = charges ?? []
        let feeList = fees ?? []
        // One currency for the row's three totals: charges and fees in two currencies are refused.
        let principal = try total(chargeList.filter { $0.ChargeType == "Principal" }.map(\.ChargeAmount))
        let chargeTotal = try total(chargeList.map(\.ChargeAmount))
        let feeTotal = try total(feeList.map(\.FeeAmount))
        let currencies = Set([chargeTotal?.currency, feeTotal?.currency].compactMap { $0 })
        if currencies.count > 1 { throw .currencyMismatch(chargeTotal!.currency, feeTotal!.currency) }
        let currency = currencies.first?.code ?? chargeList.first?.ChargeAmount?.CurrencyCode ?? feeList.first?.FeeAmount?.CurrencyCode
        return [marketplace, orderID, sellerOrderID, marketplaceName, postedAt, sku, itemID,
                quantity.map(String.init), String(principal?.amountMinor ?? 0), String(chargeTotal?.amountMinor ?? 0),
                String(feeTotal?.amountMinor ?? 0), currency,
                json(charges), json(fees), source.rawValue]
    }
}
