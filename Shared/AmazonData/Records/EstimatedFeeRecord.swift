import Foundation
import OpsideCore

/// A SKU's dimensions and estimated FBA fees (`GET_FBA_ESTIMATED_FBA_FEES_TXT_DATA`); dimensions and weight are exact decimals.
public struct EstimatedFeeRecord: AmazonRecord, Hashable {
    public static let table = AmazonTables.estimatedFees

    public let connectionID: UUID
    public let marketplaceID: String
    public let sku: String
    public let fnsku: String?
    public let asin: String?
    public let currency: String?
    /// In the row's `currency` (nil when the amount or the currency is missing).
    public let yourPrice: Money?
    public let longestSide: Decimal?
    public let medianSide: Decimal?
    public let shortestSide: Decimal?
    public let unitOfDimension: String?
    public let itemPackageWeight: Decimal?
    public let unitOfWeight: String?
    public let sizeTier: String?
    /// In the row's `currency` (nil when the amount or the currency is missing).
    public let estimatedFeeTotal: Money?
    /// In the row's `currency` (nil when the amount or the currency is missing).
    public let estimatedReferralFee: Money?
    /// In the row's `currency` (nil when the amount or the currency is missing).
    public let expectedFulfillmentFee: Money?

    public init(_ values: AmazonRecordValues) throws {
        connectionID = try values.uuid("connection_id")
        marketplaceID = try values.text("marketplace_id")
        sku = try values.text("sku")
        fnsku = try values.optionalText("fnsku")
        asin = try values.optionalText("asin")
        currency = try values.optionalText("currency")
        yourPrice = try values.money("your_price_minor")
        longestSide = try values.decimal("longest_side")
        medianSide = try values.decimal("median_side")
        shortestSide = try values.decimal("shortest_side")
        unitOfDimension = try values.optionalText("unit_of_dimension")
        itemPackageWeight = try values.decimal("item_package_weight")
        unitOfWeight = try values.optionalText("unit_of_weight")
        sizeTier = try values.optionalText("size_tier")
        estimatedFeeTotal = try values.money("estimated_fee_total_minor")
        estimatedReferralFee = try values.money("estimated_referral_fee_minor")
        expectedFulfillmentFee = try values.money("expected_fulfillment_fee_minor")
    }
}
