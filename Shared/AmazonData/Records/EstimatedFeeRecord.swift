import Foundation

/// A SKU's dimensions and estimated FBA fees (`GET_FBA_ESTIMATED_FBA_FEES_TXT_DATA`); dimensions and weight are exact decimals.
public struct EstimatedFeeRecord: AmazonRecord, Hashable {
    public static let table = AmazonTables.estimatedFees

    public let connectionID: UUID
    public let marketplaceID: String
    public let sku: String
    public let fnsku: String?
    public let asin: String?
    public let currency: String?
    /// Minor units of `currency`.
    public let yourPriceMinor: Int64?
    public let longestSide: Decimal?
    public let medianSide: Decimal?
    public let shortestSide: Decimal?
    public let unitOfDimension: String?
    public let itemPackageWeight: Decimal?
    public let unitOfWeight: String?
    public let sizeTier: String?
    /// Minor units of `currency`.
    public let estimatedFeeTotalMinor: Int64?
    /// Minor units of `currency`.
    public let estimatedReferralFeeMinor: Int64?
    /// Minor units of `currency`.
    public let expectedFulfillmentFeeMinor: Int64?

    public init(_ values: AmazonRecordValues) throws {
        connectionID = try values.uuid("connection_id")
        marketplaceID = try values.text("marketplace_id")
        sku = try values.text("sku")
        fnsku = try values.optionalText("fnsku")
        asin = try values.optionalText("asin")
        currency = try values.optionalText("currency")
        yourPriceMinor = try values.minor("your_price_minor")
        longestSide = try values.decimal("longest_side")
        medianSide = try values.decimal("median_side")
        shortestSide = try values.decimal("shortest_side")
        unitOfDimension = try values.optionalText("unit_of_dimension")
        itemPackageWeight = try values.decimal("item_package_weight")
        unitOfWeight = try values.optionalText("unit_of_weight")
        sizeTier = try values.optionalText("size_tier")
        estimatedFeeTotalMinor = try values.minor("estimated_fee_total_minor")
        estimatedReferralFeeMinor = try values.minor("estimated_referral_fee_minor")
        expectedFulfillmentFeeMinor = try values.minor("expected_fulfillment_fee_minor")
    }
}
