import Foundation
import OpsideAmazonSPAPI

/// What `POST /_sandbox/sellers` asks for.
public struct SellerHistoryRequest: Codable, Sendable, Equatable {
    public var seed: UInt64
    public var skus: Int
    public var months: Int
    /// ISO country code of the home marketplace; default US.
    public var marketplace: String?

    public init(seed: UInt64, skus: Int, months: Int, marketplace: String? = nil) {
        self.seed = seed
        self.skus = skus
        self.months = months
        self.marketplace = marketplace
    }
}

struct SandboxProduct: Sendable {
    let sku: String
    let asin: String
    let fnsku: String
    let title: String
    let priceMinor: Int64
    let unitCostMinor: Int64
    /// The fee the correct dimensions give, and the fee actually charged (higher when planted).
    let fulfillmentFeeMinor: Int64
    let chargedFulfillmentFeeMinor: Int64
    let lengthCm: Double
    let widthCm: Double
    let heightCm: Double
    let weightKg: Double
}

struct SandboxOrder: Sendable {
    let id: String
    let itemID: String
    let product: Int
    let purchased: Date
    let quantity: Int
    let priceMinor: Int64
    let feeMinor: Int64
    let commissionMinor: Int64
}

struct LedgerEvent: Sendable {
    let date: Date
    let product: Int
    /// Shipments, Receipts, CustomerReturns, VendorReturns, Adjustments.
    let eventType: String
    let referenceID: String
    let quantity: Int
    let fulfillmentCenter: String
    let disposition: String
    let reason: String
    /// For M/5/E adjustments: units later found or reimbursed, by when.
    var reconciliations: [(date: Date, quantity: Int)] = []
}

enum FinanceEvent: Sendable {
    case shipment(order: Int, date: Date)
    case refund(order: Int, date: Date, amountMinor: Int64)
    /// An FBA inventory reimbursement (or its reversal, or a fee correction) paid in cash; the
    /// order id when the reimbursement carries one. Its total is quantity × per unit, except for a
    /// money-only adjustment (the case desk's fee corrections and general adjustments: no units,
    /// quantity 0), whose `moneyOnlyAmountMinor` is the total.
    case adjustment(type: String, date: Date, product: Int, quantity: Int, perUnitMinor: Int64, orderID: String?,
                    moneyOnlyAmountMinor: Int64? = nil)
    case serviceFee(date: Date, product: Int, feeType: String, amountMinor: Int64)
    /// A SAFE-T claim Amazon paid for an order (index into `orders`).
    case safetReimbursement(order: Int, date: Date, amountMinor: Int64)
    /// A removal order (index into `removals`) shipped to a liquidator: revenue and a fee.
    case removalShipment(removal: Int, date: Date)

    var date: Date {
        switch self {
        case .shipment(_, let date), .refund(_, let date, _), .adjustment(_, let date, _, _, _, _, _), .serviceFee(let date, _, _, _),
             .safetReimbursement(_, let date, _), .removalShipment(_, let date): date
        }
    }

    /// An adjustment's total: quantity × per unit, or the money alone of a money-only one.
    static func adjustmentTotal(quantity: Int, perUnitMinor: Int64, moneyOnlyAmountMinor: Int64?) -> Int64 {
        moneyOnlyAmountMinor ?? Int64(quantity) * perUnitMinor
    }
}

struct ReimbursementLine: Sendable {
    let date: Date
    let id: String
    let caseID: String?
    let orderID: String?
    let reason: String
    let product: Int
    let perUnitMinor: Int64
    let quantityCash: Int
    let quantityInventory: Int
    let originalID: String?
    let originalType: String?
    /// The money of a reimbursement paid with no units (a desk-approved fee correction or general
    /// adjustment: quantity 0), which `amount-total` carries alone; nil when the row's money is
    /// its per-unit amount × cash units.
    var moneyOnlyAmountMinor: Int64? = nil

    /// The report's `amount-total`. Only cash units carry money; units paid in kind are worth
    /// nothing on the row.
    var amountTotalMinor: Int64 { moneyOnlyAmountMinor ?? perUnitMinor * Int64(abs(quantityCash)) }
}

struct ReturnLine: Sendable {
    let date: Date
    let orderID: String
    let product: Int
    let quantity: Int
    let fulfillmentCenter: String
    let disposition: String
    let reason: String
    let status: String
    let licensePlate: String
}

struct ReplacementLine: Sendable {
    let date: Date
    let product: Int
    let quantity: Int
    let replacementOrderID: String
    let originalOrderID: String
    let fulfillmentCenter: String
}

/// A removal order: `Return` (shipped back to the seller) or `Disposal` (destroyed at the
/// seller's request). It completes at `shipped` (the disposal day for a disposal).
struct RemovalLine: Sendable {
    let requested: Date
    let shipped: Date
    let orderID: String
    let product: Int
    /// Requested units.
    let quantity: Int
    let tracking: String
    var orderType = "Return"
    /// Units the order detail reports shipped (fewer than requested when units vanished).
    var shippedQuantity: Int
    /// Units on the removal shipment report (fewer than shipped for a short delivery).
    var deliveredQuantity: Int
    var disposedQuantity = 0
}

struct InboundShipmentRecord: Sendable {
    let id: String
    let name: String
    let created: Date
    let receivedAt: Date
    let product: Int
    let shipped: Int
    let received: Int
    let fulfillmentCenter: String
}

/// A seller's whole generated history. Everything is dated; endpoints show what is dated on or
/// before the sandbox clock's now, so advancing the clock reveals later events (automatic
/// reimbursements, reversals) and changes the ground truth accordingly.
public struct SellerHistory: Sendable {
    public let sellingPartnerID: String
    public let marketplaceID: String
    public let countryCode: String
    public let currency: String
    /// The marketplace's time zone: report days and claim clocks are its local days.
    let timeZone: TimeZone
    public let start: Date
    public let end: Date
    let products: [SandboxProduct]
    let orders: [SandboxOrder]
    let ledger: [LedgerEvent]
    /// Both in date order, and changed after generation only by `addReimbursement`, which keeps it.
    private(set) var finances: [FinanceEvent]
    private(set) var reimbursements: [ReimbursementLine]
    let returns: [ReturnLine]
    let replacements: [ReplacementLine]
    let removals: [RemovalLine]
    let shipments: [InboundShipmentRecord]
    let planted: [PlantedClaim]
    let traps: [PlantedTrap]

    /// How much the history holds, for benchmarks and size checks.
    public var volume: (orders: Int, ledgerEvents: Int, financeEvents: Int, plantedClaims: Int) {
        (orders.count, ledger.count, finances.count, planted.count)
    }

    /// Adds a reimbursement paid after generation (one the case desk approved) with its Finances
    /// event, each after every entry of the same or an earlier date: reports and pagination read
    /// both lists in date order, and a decision is usually dated before the generated future.
    mutating func addReimbursement(_ line: ReimbursementLine, event: FinanceEvent) {
        let lineIndex = reimbursements.partitioningIndex { $0.date > line.date }
        reimbursements.insert(line, at: lineIndex)
        let eventIndex = finances.partitioningIndex { $0.date > event.date }
        finances.insert(event, at: eventIndex)
    }

    /// Units on hand per product at `now`: the sum of ledger quantities (the ledger conserves).
    func balances(at now: Date) -> [Int] {
        var balance = Array(repeating: 0, count: products.count)
        for event in ledger where event.date <= now { balance[event.product] += event.quantity }
        return balance
    }
}

extension Array {
    /// The first index whose element satisfies `belongsAfter`, for an array partitioned by it
    /// (every element that does comes after every one that does not): a binary search.
    func partitioningIndex(where belongsAfter: (Element) -> Bool) -> Int {
        var low = 0, high = count
        while low < high {
            let middle = (low + high) / 2
            if belongsAfter(self[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}

extension String {
    func leftPad(_ width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }

    /// Letters mapped to digits, for order-id-looking strings.
    var numeric: String { String(decoding: utf8.map { UInt8(ascii: "0") + $0 % 10 }, as: UTF8.self) }
}
