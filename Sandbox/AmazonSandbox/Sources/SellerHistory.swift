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

/// A claim a perfect detector would find, as planted by the generator.
public struct PlantedClaim: Encodable, Sendable, Equatable {
    /// `warehouse_lost`, `warehouse_damaged`, `refund_without_return`, `inbound_shortage`,
    /// `fee_overcharge`, `underpaid_reimbursement`.
    public let type: String
    public let fnsku: String
    public let sku: String
    public let orderId: String?
    public let shipmentId: String?
    public let reimbursementId: String?
    public let referenceId: String?
    public let quantity: Int
    public let amountMinor: Int64
    public let currency: String
    public let date: String
    /// Outstanding between `occurredAt` and `resolvedAt`, and again from `reopenedAt`.
    let occurredAt: Date
    let resolvedAt: Date?
    let reopenedAt: Date?

    enum CodingKeys: String, CodingKey {
        case type, fnsku, sku, orderId, shipmentId, reimbursementId, referenceId, quantity, amountMinor, currency, date
    }

    func isOutstanding(at now: Date) -> Bool {
        guard occurredAt <= now else { return false }
        if let reopenedAt, reopenedAt <= now { return true }
        if let resolvedAt, resolvedAt <= now { return false }
        return true
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
    case adjustment(type: String, date: Date, product: Int, quantity: Int, perUnitMinor: Int64)
    case serviceFee(date: Date, product: Int, feeType: String, amountMinor: Int64)
    /// A SAFE-T claim Amazon paid for an order (index into `orders`).
    case safetReimbursement(order: Int, date: Date, amountMinor: Int64)
    /// A removal order (index into `removals`) shipped to a liquidator: revenue and a fee.
    case removalShipment(removal: Int, date: Date)

    var date: Date {
        switch self {
        case .shipment(_, let date), .refund(_, let date, _), .adjustment(_, let date, _, _, _), .serviceFee(let date, _, _, _),
             .safetReimbursement(_, let date, _), .removalShipment(_, let date): date
        }
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

struct RemovalLine: Sendable {
    let requested: Date
    let shipped: Date
    let orderID: String
    let product: Int
    let quantity: Int
    let tracking: String
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
    public let start: Date
    public let end: Date
    let products: [SandboxProduct]
    let orders: [SandboxOrder]
    let ledger: [LedgerEvent]
    let finances: [FinanceEvent]
    let reimbursements: [ReimbursementLine]
    let returns: [ReturnLine]
    let replacements: [ReplacementLine]
    let removals: [RemovalLine]
    let shipments: [InboundShipmentRecord]
    let planted: [PlantedClaim]

    /// Claims outstanding at `now`.
    public func groundTruth(at now: Date) -> [PlantedClaim] {
        planted.filter { $0.isOutstanding(at: now) }
    }

    /// Units on hand per product at `now`: the sum of ledger quantities (the ledger conserves).
    func balances(at now: Date) -> [Int] {
        var balance = Array(repeating: 0, count: products.count)
        for event in ledger where event.date <= now { balance[event.product] += event.quantity }
        return balance
    }
}

enum SellerHistoryGenerator {
    static let day: TimeInterval = 86_400
    static let fulfillmentCenters = ["PHX7", "ONT8", "BFI4", "MDW2", "TEB9"]

    /// Generates a history ending at `anchor` (midnight UTC of the day the seller was created),
    /// simulated 120 days further so later outcomes appear as the clock advances.
    static func generate(_ request: SellerHistoryRequest, anchor: Date) -> SellerHistory {
        var random = SplitMix64(seed: request.seed &* 0x9E37_79B9 &+ 17)
        let marketplace = marketplaceFor(request.marketplace)
        var idGenerator = SplitMix64(seed: request.seed)
        let sellingPartnerID = "A" + idGenerator.code(13)
        let days = max(30, request.months * 30)
        let start = anchor.addingTimeInterval(-Double(days) * day)
        let horizon = days + 120
        let end = anchor
        let currency = marketplace.currency

        var products: [SandboxProduct] = []
        for index in 0..<max(1, request.skus) {
            let price = Int64(random.between(999, 7999))
            let fee = Int64(random.between(322, 899))
            let overcharged = random.chance(0.03)
            products.append(SandboxProduct(
                sku: "SKU-\(request.seed)-\(String(index).leftPad(4))", asin: "B0" + random.code(8), fnsku: "X00" + random.code(7),
                title: "Sandbox product \(index) \(random.code(4))", priceMinor: price, unitCostMinor: price * Int64(random.between(25, 45)) / 100,
                fulfillmentFeeMinor: fee, chargedFulfillmentFeeMinor: overcharged ? fee + Int64(random.between(80, 250)) : fee,
                lengthCm: Double(random.between(10, 45)), widthCm: Double(random.between(5, 30)), heightCm: Double(random.between(2, 15)),
                weightKg: Double(random.between(100, 2500)) / 1000))
        }

        var orders: [SandboxOrder] = []
        var ledger: [LedgerEvent] = []
        var finances: [FinanceEvent] = []
        var reimbursements: [ReimbursementLine] = []
        var returns: [ReturnLine] = []
        var replacements: [ReplacementLine] = []
        var removals: [RemovalLine] = []
        var shipments: [InboundShipmentRecord] = []
        var planted: [PlantedClaim] = []
        var serial = 0
        func nextID(_ prefix: String) -> String {
            serial += 1
            return prefix + String(serial).leftPad(9)
        }
        func date(_ dayIndex: Int, _ seconds: Int = 0) -> Date { start.addingTimeInterval(Double(dayIndex) * day + Double(seconds)) }
        func iso(_ date: Date) -> String { date.formatted(.iso8601) }

        for (productIndex, product) in products.enumerated() {
            var balance = 0
            var pendingReceipts: [(day: Int, shipment: Int)] = []
            var nextInbound = random.below(10)
            let demand = 0.15 + Double(random.below(30)) / 100
            for dayIndex in 0..<horizon {
                // Inbound shipments: created, then received a few days later, sometimes short.
                if dayIndex == nextInbound {
                    let shipped = random.between(30, 120)
                    let shortage = random.chance(0.06) ? random.between(1, 6) : 0
                    let receiveDay = dayIndex + random.between(4, 9)
                    let shipment = InboundShipmentRecord(
                        id: "FBA" + random.code(9), name: "Sandbox inbound \(product.sku) \(dayIndex)", created: date(dayIndex, 3600),
                        receivedAt: date(receiveDay, 7200), product: productIndex, shipped: shipped, received: shipped - shortage,
                        fulfillmentCenter: fulfillmentCenters[random.below(fulfillmentCenters.count)])
                    shipments.append(shipment)
                    pendingReceipts.append((receiveDay, shipments.count - 1))
                    nextInbound = dayIndex + random.between(35, 60)
                }
                for pending in pendingReceipts where pending.day == dayIndex {
                    let shipment = shipments[pending.shipment]
                    ledger.append(LedgerEvent(date: shipment.receivedAt, product: productIndex, eventType: "Receipts", referenceID: shipment.id,
                                              quantity: shipment.received, fulfillmentCenter: shipment.fulfillmentCenter,
                                              disposition: "SELLABLE", reason: ""))
                    balance += shipment.received
                    let shortage = shipment.shipped - shipment.received
                    if shortage > 0 {
                        let autoReimbursed = random.chance(0.3)
                        let resolved: Date? = autoReimbursed ? date(dayIndex + random.between(15, 40), 5000) : nil
                        if let resolved {
                            let id = String(random.between(1_000_000_000, 1_999_999_999))
                            reimbursements.append(ReimbursementLine(date: resolved, id: id, caseID: nil, orderID: nil, reason: "Lost_Inbound",
                                                                    product: productIndex, perUnitMinor: product.unitCostMinor,
                                                                    quantityCash: shortage, quantityInventory: 0, originalID: nil, originalType: nil))
                            finances.append(.adjustment(type: "MISSING_FROM_INBOUND", date: resolved, product: productIndex, quantity: shortage,
                                                        perUnitMinor: product.unitCostMinor))
                        }
                        planted.append(PlantedClaim(type: "inbound_shortage", fnsku: product.fnsku, sku: product.sku, orderId: nil,
                                                    shipmentId: shipment.id, reimbursementId: nil, referenceId: shipment.id, quantity: shortage,
                                                    amountMinor: Int64(shortage) * product.unitCostMinor, currency: currency,
                                                    date: iso(shipment.receivedAt), occurredAt: shipment.receivedAt, resolvedAt: resolved, reopenedAt: nil))
                    }
                }
                // Customer orders, one unit each, never more than is on hand.
                if balance > 0, random.chance(demand) {
                    let orderDate = date(dayIndex, random.between(3600, 80000))
                    let commission = product.priceMinor * 15 / 100
                    let order = SandboxOrder(id: "\(random.between(111, 114))-\(random.code(7).numeric)-\(random.code(7).numeric)",
                                             itemID: random.code(14).numeric, product: productIndex, purchased: orderDate, quantity: 1,
                                             priceMinor: product.priceMinor, feeMinor: product.chargedFulfillmentFeeMinor, commissionMinor: commission)
                    orders.append(order)
                    let orderIndex = orders.count - 1
                    let fc = fulfillmentCenters[random.below(fulfillmentCenters.count)]
                    ledger.append(LedgerEvent(date: orderDate, product: productIndex, eventType: "Shipments", referenceID: order.id,
                                              quantity: -1, fulfillmentCenter: fc, disposition: "SELLABLE", reason: ""))
                    balance -= 1
                    finances.append(.shipment(order: orderIndex, date: orderDate.addingTimeInterval(day)))
                    if product.chargedFulfillmentFeeMinor > product.fulfillmentFeeMinor {
                        let charged = orderDate.addingTimeInterval(day)
                        planted.append(PlantedClaim(type: "fee_overcharge", fnsku: product.fnsku, sku: product.sku, orderId: order.id, shipmentId: nil,
                                                    reimbursementId: nil, referenceId: nil, quantity: 1,
                                                    amountMinor: product.chargedFulfillmentFeeMinor - product.fulfillmentFeeMinor, currency: currency,
                                                    date: iso(charged), occurredAt: charged, resolvedAt: charged.addingTimeInterval(90 * day), reopenedAt: nil))
                    }
                    if random.chance(0.06) {
                        let refundDate = orderDate.addingTimeInterval(Double(random.between(3, 12)) * day)
                        finances.append(.refund(order: orderIndex, date: refundDate, amountMinor: product.priceMinor))
                        // Now and then the seller's SAFE-T claim for the refund is paid, half the price three weeks
                        // later (derived from the order, not drawn, so every other part of the history stays as it was).
                        if orderIndex % 3 == 0 {
                            finances.append(.safetReimbursement(order: orderIndex, date: refundDate.addingTimeInterval(21 * day),
                                                                amountMinor: product.priceMinor / 2))
                        }
                        if random.chance(0.8) {
                            let returnDate = refundDate.addingTimeInterval(Double(random.between(2, 20)) * day)
                            let sellable = random.chance(0.8)
                            returns.append(ReturnLine(date: returnDate, orderID: order.id, product: productIndex, quantity: 1, fulfillmentCenter: fc,
                                                      disposition: sellable ? "SELLABLE" : "CUSTOMER_DAMAGED",
                                                      reason: sellable ? "UNWANTED_ITEM" : "DEFECTIVE", status: "Unit returned to inventory",
                                                      licensePlate: "LPN" + random.code(9)))
                            ledger.append(LedgerEvent(date: returnDate, product: productIndex, eventType: "CustomerReturns", referenceID: order.id,
                                                      quantity: 1, fulfillmentCenter: fc, disposition: sellable ? "SELLABLE" : "CUSTOMER_DAMAGED", reason: ""))
                        } else {
                            let autoReimbursed = random.chance(0.4)
                            let resolved: Date? = autoReimbursed ? refundDate.addingTimeInterval(Double(random.between(45, 60)) * day) : nil
                            if let resolved {
                                reimbursements.append(ReimbursementLine(date: resolved, id: String(random.between(1_000_000_000, 1_999_999_999)),
                                                                        caseID: nil, orderID: order.id, reason: "CustomerReturn", product: productIndex,
                                                                        perUnitMinor: product.priceMinor - commission, quantityCash: 1,
                                                                        quantityInventory: 0, originalID: nil, originalType: nil))
                                finances.append(.adjustment(type: "FREE_REPLACEMENT_REFUND_ITEMS", date: resolved, product: productIndex,
                                                            quantity: 1, perUnitMinor: product.priceMinor - commission))
                            }
                            planted.append(PlantedClaim(type: "refund_without_return", fnsku: product.fnsku, sku: product.sku, orderId: order.id,
                                                        shipmentId: nil, reimbursementId: nil, referenceId: nil, quantity: 1,
                                                        amountMinor: product.priceMinor - commission, currency: currency, date: iso(refundDate),
                                                        occurredAt: refundDate, resolvedAt: resolved, reopenedAt: nil))
                        }
                    } else if balance > 0, random.chance(0.01) {
                        // A replacement shipped; the original came back (no claim).
                        let replacementDate = orderDate.addingTimeInterval(Double(random.between(5, 15)) * day)
                        let replacementID = "\(random.between(111, 114))-\(random.code(7).numeric)-\(random.code(7).numeric)"
                        replacements.append(ReplacementLine(date: replacementDate, product: productIndex, quantity: 1, replacementOrderID: replacementID,
                                                            originalOrderID: order.id, fulfillmentCenter: fc))
                        ledger.append(LedgerEvent(date: replacementDate, product: productIndex, eventType: "Shipments", referenceID: replacementID,
                                                  quantity: -1, fulfillmentCenter: fc, disposition: "SELLABLE", reason: ""))
                        let back = replacementDate.addingTimeInterval(Double(random.between(5, 20)) * day)
                        returns.append(ReturnLine(date: back, orderID: order.id, product: productIndex, quantity: 1, fulfillmentCenter: fc,
                                                  disposition: "SELLABLE", reason: "DEFECTIVE", status: "Unit returned to inventory",
                                                  licensePlate: "LPN" + random.code(9)))
                        ledger.append(LedgerEvent(date: back, product: productIndex, eventType: "CustomerReturns", referenceID: order.id,
                                                  quantity: 1, fulfillmentCenter: fc, disposition: "SELLABLE", reason: ""))
                                    }
                }
                // Units lost or damaged in the warehouse.
                if balance > 3, random.chance(0.012) {
                    let quantity = random.between(1, min(3, balance - 1))
                    let eventDate = date(dayIndex, random.between(3600, 80000))
                    let damaged = random.chance(0.4)
                    let fc = fulfillmentCenters[random.below(fulfillmentCenters.count)]
                    let referenceID = random.code(11).numeric
                    var event = LedgerEvent(date: eventDate, product: productIndex, eventType: "Adjustments", referenceID: referenceID,
                                            quantity: -quantity, fulfillmentCenter: fc, disposition: "SELLABLE",
                                            reason: damaged ? "E" : (random.chance(0.5) ? "M" : "5"))
                    balance -= quantity
                    if damaged {
                        // E moves units to the damaged disposition (P); they are disposed of later.
                        ledger.append(LedgerEvent(date: eventDate, product: productIndex, eventType: "Adjustments", referenceID: referenceID,
                                                  quantity: quantity, fulfillmentCenter: fc, disposition: "WAREHOUSE_DAMAGED", reason: "P"))
                        ledger.append(LedgerEvent(date: eventDate.addingTimeInterval(10 * day), product: productIndex, eventType: "Adjustments",
                                                  referenceID: referenceID, quantity: -quantity, fulfillmentCenter: fc,
                                                  disposition: "WAREHOUSE_DAMAGED", reason: "D"))
                    }
                    let outcome = random.below(100)
                    let claimType = damaged ? "warehouse_damaged" : "warehouse_lost"
                    if outcome < 15 && !damaged {
                        let foundDate = eventDate.addingTimeInterval(Double(random.between(5, 20)) * day)
                        ledger.append(LedgerEvent(date: foundDate, product: productIndex, eventType: "Adjustments", referenceID: referenceID,
                                                  quantity: quantity, fulfillmentCenter: fc, disposition: "SELLABLE", reason: "F"))
                        balance += quantity
                        event.reconciliations.append((foundDate, quantity))
                    } else if outcome < 65 {
                        let paidDate = eventDate.addingTimeInterval(Double(random.between(7, 30)) * day)
                        let underpaid = random.chance(0.2)
                        let perUnit = underpaid ? product.unitCostMinor * 4 / 10 : product.unitCostMinor
                        let reimbursementID = String(random.between(1_000_000_000, 1_999_999_999))
                        reimbursements.append(ReimbursementLine(date: paidDate, id: reimbursementID, caseID: nil, orderID: nil,
                                                                reason: damaged ? "Damaged_Warehouse" : "Lost_Warehouse", product: productIndex,
                                                                perUnitMinor: perUnit, quantityCash: quantity, quantityInventory: 0,
                                                                originalID: nil, originalType: nil))
                        finances.append(.adjustment(type: damaged ? "WAREHOUSE_DAMAGE" : "WAREHOUSE_LOST", date: paidDate, product: productIndex,
                                                    quantity: quantity, perUnitMinor: perUnit))
                        event.reconciliations.append((paidDate, quantity))
                        var reopened: Date?
                        if random.chance(0.1) {
                            let reversal = paidDate.addingTimeInterval(Double(random.between(30, 60)) * day)
                            reopened = reversal
                            reimbursements.append(ReimbursementLine(date: reversal, id: String(random.between(1_000_000_000, 1_999_999_999)),
                                                                    caseID: nil, orderID: nil, reason: "Reimbursement_Reversal", product: productIndex,
                                                                    perUnitMinor: -perUnit, quantityCash: -quantity, quantityInventory: 0,
                                                                    originalID: reimbursementID, originalType: damaged ? "Damaged_Warehouse" : "Lost_Warehouse"))
                            finances.append(.adjustment(type: "REVERSAL_REIMBURSEMENT", date: reversal, product: productIndex, quantity: -quantity,
                                                        perUnitMinor: perUnit))
                            event.reconciliations.append((reversal, -quantity))
                        }
                        planted.append(PlantedClaim(type: claimType, fnsku: product.fnsku, sku: product.sku, orderId: nil, shipmentId: nil,
                                                    reimbursementId: nil, referenceId: referenceID, quantity: quantity,
                                                    amountMinor: Int64(quantity) * product.unitCostMinor, currency: currency, date: iso(eventDate),
                                                    occurredAt: eventDate, resolvedAt: paidDate, reopenedAt: reopened))
                        if underpaid {
                            planted.append(PlantedClaim(type: "underpaid_reimbursement", fnsku: product.fnsku, sku: product.sku, orderId: nil,
                                                        shipmentId: nil, reimbursementId: reimbursementID, referenceId: referenceID, quantity: quantity,
                                                        amountMinor: Int64(quantity) * (product.unitCostMinor - perUnit), currency: currency,
                                                        date: iso(paidDate), occurredAt: paidDate, resolvedAt: reopened, reopenedAt: nil))
                        }
                    } else {
                        planted.append(PlantedClaim(type: claimType, fnsku: product.fnsku, sku: product.sku, orderId: nil, shipmentId: nil,
                                                    reimbursementId: nil, referenceId: referenceID, quantity: quantity,
                                                    amountMinor: Int64(quantity) * product.unitCostMinor, currency: currency, date: iso(eventDate),
                                                    occurredAt: eventDate, resolvedAt: nil, reopenedAt: nil))
                    }
                    ledger.append(event)
                }
                // Seller-requested removals shipped back.
                if balance > 12, random.chance(0.003) {
                    let quantity = random.between(2, 6)
                    let requested = date(dayIndex, 40000)
                    let shippedDate = requested.addingTimeInterval(3 * day)
                    let orderID = "R" + random.code(9)
                    removals.append(RemovalLine(requested: requested, shipped: shippedDate, orderID: orderID, product: productIndex,
                                                quantity: quantity, tracking: "1Z" + random.code(16)))
                    // Every third removal goes to a liquidator, which Finances reports as a removal shipment event.
                    if removals.count % 3 == 1 {
                        finances.append(.removalShipment(removal: removals.count - 1, date: shippedDate.addingTimeInterval(day)))
                    }
                    ledger.append(LedgerEvent(date: shippedDate, product: productIndex, eventType: "VendorReturns", referenceID: orderID,
                                              quantity: -quantity, fulfillmentCenter: fulfillmentCenters[0], disposition: "SELLABLE", reason: ""))
                    balance -= quantity
                }
                // Monthly storage fee.
                if dayIndex % 30 == 29, balance > 0 {
                    finances.append(.serviceFee(date: date(dayIndex, 50000), product: productIndex, feeType: "FBAStorageFee",
                                                amountMinor: Int64(balance) * 12))
                }
            }
        }
        ledger.sort { $0.date < $1.date }
        finances.sort { $0.date < $1.date }
        reimbursements.sort { $0.date < $1.date }
        returns.sort { $0.date < $1.date }
        // Orders stay in generation order: finance events refer to them by index.
        return SellerHistory(sellingPartnerID: sellingPartnerID, marketplaceID: marketplace.id, countryCode: marketplace.countryCode,
                             currency: currency, start: start, end: end, products: products, orders: orders, ledger: ledger,
                             finances: finances, reimbursements: reimbursements, returns: returns, replacements: replacements,
                             removals: removals, shipments: shipments, planted: planted)
    }

    /// The seller's marketplace by country code, from the suite's marketplace catalog; the US one
    /// when none (or an unknown one) is asked for.
    static func marketplaceFor(_ code: String?) -> (id: String, countryCode: String, currency: String, region: String) {
        let marketplace = code.flatMap(AmazonMarketplace.forCountry) ?? AmazonMarketplace.forCountry("US")!
        return (marketplace.id, marketplace.countryCode, marketplace.currency.code, marketplace.region.rawValue)
    }
}

extension String {
    func leftPad(_ width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }

    /// Letters mapped to digits, for order-id-looking strings.
    var numeric: String { String(unicodeScalars.map { Character(String(($0.value % 10))) }) }
}
