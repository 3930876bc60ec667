import Foundation

/// One SKU's cost from one invoice: manufacturing (what the goods cost, after line and invoice
/// discounts; no freight, duty, handling or insurance, as Amazon's manufacturing cost defines it)
/// and landed (manufacturing plus its share of the charges), each as a total and per unit, with
/// the arithmetic in words.
public struct SKUCost: Codable, Sendable, Equatable {
    public var sku: String
    public var currency: String
    public var quantity: Int
    public var manufacturingTotal: Decimal
    /// Four decimals, half-up.
    public var manufacturingUnitCost: Decimal
    public var freight: Decimal
    public var duty: Decimal
    public var otherCharges: Decimal
    public var landedTotal: Decimal
    /// Four decimals, half-up.
    public var landedUnitCost: Decimal
    /// The arithmetic, one step a line, as a cost document prints it.
    public var steps: [String]
}

/// The result of allocating one invoice.
public struct CostAllocationResult: Codable, Sendable, Equatable {
    public var currency: String
    public var method: ChargeAllocationMethod
    public var costs: [SKUCost]
    /// Each line's share of each charge in minor units, by line index (unmapped lines too):
    /// the shares of a charge add up to it exactly.
    public var shares: [LineShare]
    /// Lines left out: no quantity, zero quantity, or no value.
    public var skippedLines: [Int]
    /// Remarks a person should read (a DDP price already holding duty and freight).
    public var notes: [String]

    public struct LineShare: Codable, Sendable, Equatable {
        public var lineIndex: Int
        public var sku: String?
        public var freightMinor: Int64
        public var dutyMinor: Int64
        public var otherMinor: Int64
        public var discountMinor: Int64
    }
}
