import Foundation
import OpsideAmazonSPAPI

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

    static func minor(_ currency: FinancesCurrency?) -> Int64? { currency?.money?.minorUnits }

    mutating func add(_ lists: FinancialEvents, marketplace: String, windowStart: Date) {
        for event in lists.ShipmentEventList ?? [] {
            for item in event.ShipmentItemList ?? [] {
                shipments.append(Self.itemRow(event: event, item: item, marketplace: marketplace, itemID: item.OrderItemId,
                                              charges: item.ItemChargeList, fees: item.ItemFeeList))
            }
        }
        for event in lists.RefundEventList ?? [] {
            for item in event.ShipmentItemAdjustmentList ?? event.ShipmentItemList ?? [] {
                refunds.append(Self.itemRow(event: event, item: item, marketplace: marketplace,
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
                                    nil, Self.minor(event.AdjustmentAmount).map(String.init), currency])
            }
            for item in items {
                let currency = item.TotalAmount?.CurrencyCode ?? event.AdjustmentAmount?.CurrencyCode
                adjustments.append([marketplace, event.AdjustmentType, event.PostedDate, event.StoreName, item.SellerSKU, item.FnSKU,
                                    item.ASIN, item.ProductDescription, item.TransactionNumber, item.Quantity.flatMap { Int($0) }.map(String.init),
                                    Self.minor(item.PerUnitAmount).map(String.init), Self.minor(item.TotalAmount).map(String.init), currency])
            }
        }
        let window = windowStart.formatted(.iso8601)
        for event in lists.ServiceFeeEventList ?? [] {
            let total = (event.FeeList ?? []).compactMap { Self.minor($0.FeeAmount) }.reduce(0, +)
            let currency = event.FeeList?.first?.FeeAmount?.CurrencyCode
            serviceFees.append([marketplace, window, event.AmazonOrderId, event.FeeReason, event.SellerSKU, event.FnSKU, event.ASIN,
                                event.FeeDescription, event.StoreName, String(total), currency, Self.json(event.FeeList)])
        }
        for event in lists.SAFETReimbursementEventList ?? [] {
            safet.append([marketplace, event.PostedDate, event.SAFETClaimId, event.ReasonCode,
                          Self.minor(event.ReimbursedAmount).map(String.init), event.ReimbursedAmount?.CurrencyCode,
                          Self.json(event.SAFETReimbursementItemList)])
        }
        for event in lists.RemovalShipmentEventList ?? [] {
            removals.append([marketplace, event.PostedDate, event.OrderId, event.MerchantOrderId, event.TransactionType, event.StoreName,
                             Self.json(event.RemovalShipmentItemList)])
        }
    }

    static func itemRow(event: ShipmentEvent, item: ShipmentItem, marketplace: String, itemID: String?,
                        charges: [ChargeComponent]?, fees: [FeeComponent]?) -> [String?] {
        let chargeList = charges ?? []
        let feeList = fees ?? []
        let principal = chargeList.filter { $0.ChargeType == "Principal" }.compactMap { minor($0.ChargeAmount) }.reduce(0, +)
        let chargeTotal = chargeList.compactMap { minor($0.ChargeAmount) }.reduce(0, +)
        let feeTotal = feeList.compactMap { minor($0.FeeAmount) }.reduce(0, +)
        let currency = chargeList.first?.ChargeAmount?.CurrencyCode ?? feeList.first?.FeeAmount?.CurrencyCode
        return [marketplace, event.AmazonOrderId, event.SellerOrderId, event.MarketplaceName, event.PostedDate, item.SellerSKU, itemID,
                item.QuantityShipped.map(String.init), String(principal), String(chargeTotal), String(feeTotal), currency,
                json(charges), json(fees)]
    }
}

