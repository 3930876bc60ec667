import Foundation
import OpsideCore

// MARK: Finances v0 (financesV0.json). Field names mirror the model so they grep against it.

/// Finances v0 `Currency`: `CurrencyAmount` is a JSON number (BigDecimal). Foundation's
/// `JSONDecoder` reads a `Decimal` from the number's text (never through `Double`), so the
/// amount is exactly what Amazon wrote.
public struct FinancesCurrency: Codable, Sendable, Equatable {
    public let CurrencyCode: String?
    public let CurrencyAmount: Decimal?

    public init(CurrencyCode: String?, CurrencyAmount: Decimal?) {
        self.CurrencyCode = CurrencyCode
        self.CurrencyAmount = CurrencyAmount
    }

    /// As `Money`; nil when a part is absent. Rounded half-even to the currency's minor unit:
    /// the API serialises BigDecimals made from doubles, so `-1.1400000000000001` happens.
    /// - Throws: `MoneyError` for an unknown currency.
    public func money() throws(MoneyError) -> Money? {
        guard let CurrencyCode, let CurrencyAmount else { return nil }
        return try Money(parsing: "\(CurrencyAmount)", currencyCode: CurrencyCode, rounding: .halfEven)
    }
}

public struct ChargeComponent: Codable, Sendable {
    public let ChargeType: String?
    public let ChargeAmount: FinancesCurrency?

    /// A charge as a report file states it (a settlement line's `ItemPrice`), in the API's shape.
    public init(ChargeType: String?, ChargeAmount: FinancesCurrency?) {
        self.ChargeType = ChargeType
        self.ChargeAmount = ChargeAmount
    }
}

public struct FeeComponent: Codable, Sendable {
    public let FeeType: String?
    public let FeeAmount: FinancesCurrency?

    /// A fee as a report file states it (a settlement line's `ItemFees`), in the API's shape.
    public init(FeeType: String?, FeeAmount: FinancesCurrency?) {
        self.FeeType = FeeType
        self.FeeAmount = FeeAmount
    }
}

public struct ShipmentItem: Codable, Sendable {
    public let SellerSKU: String?
    public let OrderItemId: String?
    public let OrderAdjustmentItemId: String?
    public let QuantityShipped: Int?
    public let ItemChargeList: [ChargeComponent]?
    public let ItemChargeAdjustmentList: [ChargeComponent]?
    public let ItemFeeList: [FeeComponent]?
    public let ItemFeeAdjustmentList: [FeeComponent]?
}

/// A shipment; the same shape carries refunds (`RefundEventList`), guarantee claims and chargebacks.
public struct ShipmentEvent: Codable, Sendable {
    public let AmazonOrderId: String?
    public let SellerOrderId: String?
    public let MarketplaceName: String?
    public let PostedDate: String?
    public let ShipmentItemList: [ShipmentItem]?
    public let ShipmentItemAdjustmentList: [ShipmentItem]?
}

public struct AdjustmentItem: Codable, Sendable {
    public let Quantity: String?
    public let PerUnitAmount: FinancesCurrency?
    public let TotalAmount: FinancesCurrency?
    public let SellerSKU: String?
    public let FnSKU: String?
    public let ProductDescription: String?
    public let ASIN: String?
    public let TransactionNumber: String?
}

/// `AdjustmentType` is an open string: live data carries values the model does not list.
public struct AdjustmentEvent: Codable, Sendable {
    public let AdjustmentType: String?
    public let PostedDate: String?
    public let StoreName: String?
    public let AdjustmentAmount: FinancesCurrency?
    public let AdjustmentItemList: [AdjustmentItem]?
}

public struct ServiceFeeEvent: Codable, Sendable {
    public let AmazonOrderId: String?
    public let FeeReason: String?
    public let FeeList: [FeeComponent]?
    public let SellerSKU: String?
    public let FnSKU: String?
    public let FeeDescription: String?
    public let ASIN: String?
    public let StoreName: String?
}

/// A SAFE-T claim Amazon reimbursed (seller-fulfilled orders).
public struct SAFETReimbursementEvent: Codable, Sendable {
    public let PostedDate: String?
    public let SAFETClaimId: String?
    public let ReimbursedAmount: FinancesCurrency?
    public let ReasonCode: String?
    public let SAFETReimbursementItemList: [SAFETReimbursementItem]?
}

public struct SAFETReimbursementItem: Codable, Sendable {
    public let itemChargeList: [ChargeComponent]?
    public let productDescription: String?
    /// A string in the model.
    public let quantity: String?
}

/// A removal order's shipment (liquidations): revenue, fees and taxes per item.
public struct RemovalShipmentEvent: Codable, Sendable {
    public let PostedDate: String?
    public let MerchantOrderId: String?
    public let OrderId: String?
    public let TransactionType: String?
    public let StoreName: String?
    public let RemovalShipmentItemList: [RemovalShipmentItem]?
}

public struct RemovalShipmentItem: Codable, Sendable {
    public let RemovalShipmentItemId: String?
    public let TaxCollectionModel: String?
    public let FulfillmentNetworkSKU: String?
    public let Quantity: Int?
    public let Revenue: FinancesCurrency?
    public let FeeAmount: FinancesCurrency?
    public let TaxAmount: FinancesCurrency?
    public let TaxWithheld: FinancesCurrency?
}

/// The event lists this suite reads; the others in the model are ignored when decoding.
public struct FinancialEvents: Codable, Sendable {
    public let ShipmentEventList: [ShipmentEvent]?
    public let RefundEventList: [ShipmentEvent]?
    public let GuaranteeClaimEventList: [ShipmentEvent]?
    public let ChargebackEventList: [ShipmentEvent]?
    public let ServiceFeeEventList: [ServiceFeeEvent]?
    public let AdjustmentEventList: [AdjustmentEvent]?
    public let SAFETReimbursementEventList: [SAFETReimbursementEvent]?
    public let RemovalShipmentEventList: [RemovalShipmentEvent]?
}

public struct FinancialEventsPage: Codable, Sendable {
    public let NextToken: String?
    public let FinancialEvents: FinancialEvents?
}

public struct FinancialEventGroup: Codable, Sendable {
    public let FinancialEventGroupId: String?
    public let ProcessingStatus: String?
    public let FundTransferStatus: String?
    public let OriginalTotal: FinancesCurrency?
    public let ConvertedTotal: FinancesCurrency?
    public let FundTransferDate: String?
    public let TraceId: String?
    public let AccountTail: String?
    public let BeginningBalance: FinancesCurrency?
    public let FinancialEventGroupStart: String?
    public let FinancialEventGroupEnd: String?
}

public struct FinancialEventGroupsPage: Codable, Sendable {
    public let NextToken: String?
    public let FinancialEventGroupList: [FinancialEventGroup]?
}

extension SellingPartnerAPI {
    /// One page of `listFinancialEvents` between `PostedAfter` and `PostedBefore` (ISO 8601; Amazon
    /// answers nothing for ranges over 180 days, so callers page through history in windows).
    public func listFinancialEvents(postedAfter: String, postedBefore: String?, maxResultsPerPage: Int? = nil,
                                    nextToken: String? = nil) async throws -> FinancialEventsPage {
        var query: [(String, String)] = [("PostedAfter", postedAfter)]
        if let postedBefore { query.append(("PostedBefore", postedBefore)) }
        if let maxResultsPerPage { query.append(("MaxResultsPerPage", String(maxResultsPerPage))) }
        if let nextToken { query.append(("NextToken", nextToken)) }
        return try await call(SPAPIPayloadResponse<FinancialEventsPage>.self, method: .GET, path: "/finances/v0/financialEvents",
                              query: query, operation: SPAPIOperations.financesV0("listFinancialEvents")).payload
    }

    /// Every page of `listFinancialEvents` (empty pages with a token are possible and followed).
    public func allFinancialEvents(postedAfter: String, postedBefore: String?) -> SPAPIPages<FinancialEventsPage> {
        pages(fetch: { try await listFinancialEvents(postedAfter: postedAfter, postedBefore: postedBefore, nextToken: $0) },
              nextToken: { $0.NextToken })
    }

    /// One page of an order's financial events.
    public func listFinancialEventsByOrderID(_ orderID: String, nextToken: String? = nil) async throws -> FinancialEventsPage {
        try await call(SPAPIPayloadResponse<FinancialEventsPage>.self, method: .GET,
                       path: "/finances/v0/orders/\(SPAPIPath.encode(orderID))/financialEvents",
                       query: nextToken.map { [("NextToken", $0)] } ?? [],
                       operation: SPAPIOperations.financesV0("listFinancialEventsByOrderId")).payload
    }

    /// One page of financial event groups (settlements) started in a range.
    public func listFinancialEventGroups(startedAfter: String?, startedBefore: String? = nil,
                                         nextToken: String? = nil) async throws -> FinancialEventGroupsPage {
        var query: [(String, String)] = []
        if let startedAfter { query.append(("FinancialEventGroupStartedAfter", startedAfter)) }
        if let startedBefore { query.append(("FinancialEventGroupStartedBefore", startedBefore)) }
        if let nextToken { query.append(("NextToken", nextToken)) }
        return try await call(SPAPIPayloadResponse<FinancialEventGroupsPage>.self, method: .GET,
                              path: "/finances/v0/financialEventGroups", query: query,
                              operation: SPAPIOperations.financesV0("listFinancialEventGroups")).payload
    }

    /// Every page of financial event groups.
    public func allFinancialEventGroups(startedAfter: String?, startedBefore: String? = nil) -> SPAPIPages<FinancialEventGroupsPage> {
        pages(fetch: { try await listFinancialEventGroups(startedAfter: startedAfter, startedBefore: startedBefore, nextToken: $0) },
              nextToken: { $0.NextToken })
    }
}
