import Foundation
import OpsideCore

// MARK: Product Fees v0 (productFeesV0.json)

/// Product Fees `MoneyType`: `Amount` is a JSON number, read as a `Decimal` from its text
/// (never through `Double`).
public struct FeesMoney: Codable, Sendable, Equatable {
    public let CurrencyCode: String?
    public let Amount: Decimal?

    public init(CurrencyCode: String, Amount: Decimal) {
        self.CurrencyCode = CurrencyCode
        self.Amount = Amount
    }

    /// An amount to send: its decimal text, as a JSON number.
    public init(_ money: Money) {
        CurrencyCode = money.currency.code
        Amount = Decimal(string: money.decimalString, locale: Locale(identifier: "en_US_POSIX"))
    }

    /// As `Money`; nil when a part is absent. Rounded half-even to the currency's minor unit, as
    /// the API's numbers may carry floating-point tails.
    /// - Throws: `MoneyError` for an unknown currency.
    public func money() throws(MoneyError) -> Money? {
        guard let CurrencyCode, let Amount else { return nil }
        return try Money(parsing: "\(Amount)", currencyCode: CurrencyCode, rounding: .halfEven)
    }
}

public struct FeesEstimateRequestBody: Codable, Sendable {
    public struct Price: Codable, Sendable {
        public let ListingPrice: FeesMoney
        public let Shipping: FeesMoney?
    }
    public struct Inner: Codable, Sendable {
        public let MarketplaceId: String
        public let IsAmazonFulfilled: Bool?
        public let PriceToEstimateFees: Price
        public let Identifier: String
    }
    public let FeesEstimateRequest: Inner

    public init(marketplaceID: String, isAmazonFulfilled: Bool, listingPrice: FeesMoney, shipping: FeesMoney? = nil, identifier: String) {
        FeesEstimateRequest = Inner(MarketplaceId: marketplaceID, IsAmazonFulfilled: isAmazonFulfilled,
                                    PriceToEstimateFees: Price(ListingPrice: listingPrice, Shipping: shipping), Identifier: identifier)
    }
}

public struct FeesEstimateResult: Codable, Sendable {
    public struct FeeDetail: Codable, Sendable {
        public let FeeType: String
        public let FeeAmount: FeesMoney
        public let FeePromotion: FeesMoney?
        public let TaxAmount: FeesMoney?
        public let FinalFee: FeesMoney
    }
    public struct Estimate: Codable, Sendable {
        public let TimeOfFeesEstimation: String
        public let TotalFeesEstimate: FeesMoney?
        public let FeeDetailList: [FeeDetail]?
    }
    public struct Identifier: Codable, Sendable {
        public let MarketplaceId: String?
        public let SellerId: String?
        public let IdType: String?
        public let IdValue: String?
        public let IsAmazonFulfilled: Bool?
        public let SellerInputIdentifier: String?
    }
    public struct EstimateError: Codable, Sendable {
        public let `Type`: String
        public let Code: String
        public let Message: String
    }
    public let Status: String?
    public let FeesEstimateIdentifier: Identifier?
    public let FeesEstimate: Estimate?
    public let Error: EstimateError?
}

public struct FeesEstimateResponsePayload: Codable, Sendable {
    public let FeesEstimateResult: FeesEstimateResult?
}

extension SellingPartnerAPI {
    public func getMyFeesEstimateForSKU(_ sku: String, _ request: FeesEstimateRequestBody) async throws -> FeesEstimateResponsePayload {
        try await call(SPAPIPayloadResponse<FeesEstimateResponsePayload>.self, method: .POST,
                       path: "/products/fees/v0/listings/\(SPAPIPath.encode(sku))/feesEstimate", body: request,
                       operation: SPAPIOperations.productFees("getMyFeesEstimateForSKU")).payload
    }

    public func getMyFeesEstimateForASIN(_ asin: String, _ request: FeesEstimateRequestBody) async throws -> FeesEstimateResponsePayload {
        try await call(SPAPIPayloadResponse<FeesEstimateResponsePayload>.self, method: .POST,
                       path: "/products/fees/v0/items/\(SPAPIPath.encode(asin))/feesEstimate", body: request,
                       operation: SPAPIOperations.productFees("getMyFeesEstimateForASIN")).payload
    }
}
