import Foundation
import OpsideCore
import OpsideAmazonSPAPI

/// A pool of one FNSKU's losses that deductions (found units, reimbursements) net oldest loss
/// first (docs/claim-detection.md). The generator only resolves a loss when every older loss of
/// the pool is already resolved and stays so; then netting the pool oldest first gives exactly the
/// planted claims, and Amazon's per-row `Unreconciled Quantity` agrees with it.
struct LossPool {
    /// Set once a loss stays owed (or a reversal will reopen one): later losses stay owed too.
    var blocked = false
    /// When the newest resolution of the pool lands.
    var lastResolution = Date.distantPast

    /// When a resolution drawn for `date` may land, or nil when the pool is blocked.
    func resolution(at date: Date) -> Date? {
        blocked ? nil : max(date, lastResolution.addingTimeInterval(60))
    }
}

public enum SellerHistoryGenerator {
    static let day: TimeInterval = 86_400
    static let fulfillmentCenters = ["PHX7", "ONT8", "BFI4", "MDW2", "TEB9"]

    /// Generates a history ending at `anchor` (midnight UTC of the day the seller was created),
    /// simulated 120 days further so later outcomes appear as the clock advances. Every claim type
    /// of docs/claim-detection.md and every trap is planted at a set rate; `planted` and `traps`
    /// record them for the ground truth.
    public static func generate(_ request: SellerHistoryRequest, anchor: Date) -> SellerHistory {
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
            // Prices well above the fees, so a unit sold is always worth something after them.
            let price = Int64(random.between(2499, 9499))
            let fee = Int64(random.between(322, 899))
            // A few products are charged a fulfillment fee above what their dimensions give.
            let overcharged = random.chance(0.03) || index % 50 == 7
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
        var traps: [PlantedTrap] = []
        var serial = 0
        var deliveredRemovals = 0
        var safetPaidByNow = false
        var liquidatedByNow = false
        func date(_ dayIndex: Int, _ seconds: Int = 0) -> Date { start.addingTimeInterval(Double(dayIndex) * day + Double(seconds)) }
        func later(_ date: Date, days low: Int, _ high: Int) -> Date { date.addingTimeInterval(Double(random.between(low, high)) * day) }
        func reimbursementID() -> String {
            serial += 1
            return String(1_100_000_000 + serial)
        }
        func referenceID() -> String { random.code(11).numeric }
        func orderID() -> String { String(random.between(111, 114)) + "-" + random.code(7).numeric + "-" + random.code(7).numeric }
        /// A cash reimbursement: the report row and the Finances adjustment event.
        func reimburse(_ date: Date, reason: String, adjustment: String, product: Int, perUnit: Int64, units: Int, orderID: String? = nil) -> String {
            let id = reimbursementID()
            reimbursements.append(ReimbursementLine(date: date, id: id, caseID: nil, orderID: orderID, reason: reason, product: product,
                                                    perUnitMinor: perUnit, quantityCash: units, quantityInventory: 0, originalID: nil, originalType: nil))
            finances.append(.adjustment(type: adjustment, date: date, product: product, quantity: units, perUnitMinor: perUnit, orderID: orderID))
            return id
        }
        /// Claws a cash reimbursement back. The reversal row carries no order id, so it never
        /// reads as a reimbursement of the order.
        func reverse(_ date: Date, originalID: String, originalReason: String, product: Int, perUnit: Int64, units: Int) -> String {
            let id = reimbursementID()
            reimbursements.append(ReimbursementLine(date: date, id: id, caseID: nil, orderID: nil, reason: "Reimbursement_Reversal", product: product,
                                                    perUnitMinor: -perUnit, quantityCash: -units, quantityInventory: 0,
                                                    originalID: originalID, originalType: originalReason))
            finances.append(.adjustment(type: "REVERSAL_REIMBURSEMENT", date: date, product: product, quantity: -units, perUnitMinor: perUnit, orderID: nil))
            return id
        }
        func plant(_ type: String, _ product: Int, source: String, ids: [String: String], units: Int, perUnit: Int64, clock: Date,
                   occurred: Date? = nil, changes: [(date: Date, units: Int)] = []) {
            planted.append(PlantedClaim(type: type, product: product, sourceID: source, ids: ids, units: units, perUnitMinor: perUnit,
                                        clockStart: clock, occurredAt: occurred ?? clock, changes: changes))
        }
        func trap(_ kind: String, looksLike type: String, _ product: Int, source: String, ids: [String: String], completed: Date, owed: Int? = nil) {
            traps.append(PlantedTrap(kind: kind, claimType: type, product: product, sourceID: source, ids: ids, completedAt: completed, owedUnits: owed))
        }

        for (productIndex, product) in products.enumerated() {
            var balance = 0
            /// Sellable units that arrive later (returns, found units): counted on hand from their day on.
            var arrivals: [(date: Date, units: Int)] = []
            var pendingReceipts: [(day: Int, shipment: Int)] = []
            var nextInbound = random.below(10)
            let demand = 0.15 + Double(random.below(30)) / 100
            var lostPool = LossPool(), damagedPool = LossPool(), inboundPool = LossPool()
            /// F and N rows of the product, and the spans no F or N may fall in (a planted
            /// reimbursement reversal must stay unexplained by found units).
            var foundDates: [Date] = []
            var quietSpans: [ClosedRange<Date>] = []
            func foundAllowed(_ date: Date) -> Bool { !quietSpans.contains { $0.contains(date) } }
            let commission = product.priceMinor * 15 / 100
            /// A post-order unit's value: price minus commission and the fulfillment fee charged.
            let postOrderValue = product.priceMinor - commission - product.chargedFulfillmentFeeMinor
            func adjustment(_ date: Date, _ quantity: Int, reason: String, reference: String, disposition: String = "SELLABLE",
                            fc: String) -> LedgerEvent {
                LedgerEvent(date: date, product: productIndex, eventType: "Adjustments", referenceID: reference, quantity: quantity,
                            fulfillmentCenter: fc, disposition: disposition, reason: reason)
            }

            for dayIndex in 0..<horizon {
                if !arrivals.isEmpty {
                    let dayStart = date(dayIndex)
                    balance += arrivals.filter { $0.date < dayStart }.reduce(0) { $0 + $1.units }
                    arrivals.removeAll { $0.date < dayStart }
                }
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
                        // The detector reads closed shipments only: the claim exists once it closes.
                        let closes = SandboxInventory.closedAt(shipment)
                        var changes: [(date: Date, units: Int)] = []
                        if random.chance(0.3), let paid = inboundPool.resolution(at: date(dayIndex + random.between(15, 40), 5000)) {
                            inboundPool.lastResolution = paid
                            _ = reimburse(paid, reason: "Lost_Inbound", adjustment: "MISSING_FROM_INBOUND", product: productIndex,
                                          perUnit: product.unitCostMinor, units: shortage)
                            changes.append((paid, 0))
                        } else {
                            inboundPool.blocked = true
                        }
                        plant("inbound_shortage", productIndex, source: shipment.id, ids: ["shipmentId": shipment.id], units: shortage,
                              perUnit: product.unitCostMinor, clock: shipment.receivedAt, occurred: closes, changes: changes)
                    }
                }
                // Customer orders, one unit each, never more than is on hand.
                if balance > 0, random.chance(demand) {
                    let orderDate = date(dayIndex, random.between(7300, 80000))
                    let order = SandboxOrder(id: orderID(), itemID: random.code(14).numeric, product: productIndex, purchased: orderDate, quantity: 1,
                                             priceMinor: product.priceMinor, feeMinor: product.chargedFulfillmentFeeMinor, commissionMinor: commission)
                    orders.append(order)
                    let orderIndex = orders.count - 1
                    let fc = fulfillmentCenters[random.below(fulfillmentCenters.count)]
                    ledger.append(LedgerEvent(date: orderDate, product: productIndex, eventType: "Shipments", referenceID: order.id,
                                              quantity: -1, fulfillmentCenter: fc, disposition: "SELLABLE", reason: ""))
                    balance -= 1
                    let charged = orderDate.addingTimeInterval(day)
                    finances.append(.shipment(order: orderIndex, date: charged))
                    let refunded = random.chance(0.06)
                    var feeCorrected = false
                    if product.chargedFulfillmentFeeMinor > product.fulfillmentFeeMinor {
                        let overcharge = product.chargedFulfillmentFeeMinor - product.fulfillmentFeeMinor
                        var changes: [(date: Date, units: Int)] = []
                        // Now and then Amazon corrects the fee by itself (never on a refunded order,
                        // whose reimbursements are about the refund).
                        if !refunded, random.chance(0.1) {
                            let corrected = later(charged, days: 20, 40)
                            _ = reimburse(corrected, reason: "FeeCorrection", adjustment: "INCORRECT_FEES_ITEMS", product: productIndex,
                                          perUnit: overcharge, units: 1, orderID: order.id)
                            changes.append((corrected, 0))
                            feeCorrected = true
                        }
                        plant("fee_overcharge", productIndex, source: order.id, ids: ["orderId": order.id], units: 1, perUnit: overcharge,
                              clock: charged, changes: changes)
                    }
                    if refunded {
                        let refundDate = later(orderDate, days: 3, 12)
                        finances.append(.refund(order: orderIndex, date: refundDate, amountMinor: product.priceMinor))
                        let orderIDs = ["orderId": order.id]
                        if random.chance(0.8) {
                            let returnDate = later(refundDate, days: 2, 20)
                            // Until the return arrives, the refund is one without a return (too early to claim):
                            // a detector looking before then rightly lists it, and the return resolves it.
                            plant("refund_without_return", productIndex, source: order.id, ids: orderIDs, units: 1, perUnit: postOrderValue,
                                  clock: refundDate, changes: [(returnDate, 0)])
                            let kind = random.below(100)
                            let plate = "LPN" + random.code(9)
                            if kind < 12 {
                                // Amazon logged the unit as returned to inventory but never restocked it,
                                // or the carrier damaged it; sometimes it is restocked late (inside the window).
                                let carrierDamaged = kind >= 8
                                returns.append(ReturnLine(date: returnDate, orderID: order.id, product: productIndex, quantity: 1, fulfillmentCenter: fc,
                                                          disposition: carrierDamaged ? "CARRIER_DAMAGED" : "SELLABLE", reason: "UNWANTED_ITEM",
                                                          status: "Unit returned to inventory", licensePlate: plate))
                                var changes: [(date: Date, units: Int)] = []
                                if !carrierDamaged, random.chance(0.4) {
                                    let restocked = later(returnDate, days: 10, 30)
                                    ledger.append(LedgerEvent(date: restocked, product: productIndex, eventType: "CustomerReturns", referenceID: order.id,
                                                              quantity: 1, fulfillmentCenter: fc, disposition: "SELLABLE", reason: ""))
                                    arrivals.append((restocked, 1))
                                    changes.append((restocked, 0))
                                    trap("return_restocked_late", looksLike: "return_not_restocked", productIndex, source: order.id, ids: orderIDs,
                                         completed: restocked)
                                }
                                plant("return_not_restocked", productIndex, source: order.id,
                                      ids: ["orderId": order.id, "licensePlateNumber": plate], units: 1, perUnit: postOrderValue,
                                      clock: refundDate, occurred: returnDate, changes: changes)
                            } else {
                                let sellable = random.chance(0.8)
                                returns.append(ReturnLine(date: returnDate, orderID: order.id, product: productIndex, quantity: 1, fulfillmentCenter: fc,
                                                          disposition: sellable ? "SELLABLE" : "CUSTOMER_DAMAGED",
                                                          reason: sellable ? "UNWANTED_ITEM" : "DEFECTIVE", status: "Unit returned to inventory",
                                                          licensePlate: plate))
                                ledger.append(LedgerEvent(date: returnDate, product: productIndex, eventType: "CustomerReturns", referenceID: order.id,
                                                          quantity: 1, fulfillmentCenter: fc, disposition: sellable ? "SELLABLE" : "CUSTOMER_DAMAGED", reason: ""))
                                if sellable { arrivals.append((returnDate, 1)) }
                                // Now and then the seller's SAFE-T claim for a returned order is paid, half the
                                // price three weeks after the refund (a SAFE-T payment is no FBA reimbursement).
                                // (The first one paid by the seller's creation day always is, so even a small seller has one.)
                                let safetDate = refundDate.addingTimeInterval(21 * day)
                                if orderIndex % 2 == 0 || (!safetPaidByNow && safetDate <= end) {
                                    if safetDate <= end { safetPaidByNow = true }
                                    finances.append(.safetReimbursement(order: orderIndex, date: safetDate,
                                                                        amountMinor: product.priceMinor / 2))
                                }
                            }
                        } else {
                            // Refunded and never returned; Amazon sometimes reimburses by itself, sometimes
                            // short, and sometimes claws a reimbursement back later.
                            var changes: [(date: Date, units: Int)] = []
                            if random.chance(0.45) {
                                let paid = later(refundDate, days: 45, 60)
                                let underpaid = random.chance(0.2)
                                let perUnit = underpaid ? postOrderValue / 2 : postOrderValue
                                let paidID = reimburse(paid, reason: "CustomerReturn", adjustment: "FREE_REPLACEMENT_REFUND_ITEMS", product: productIndex,
                                                       perUnit: perUnit, units: 1, orderID: order.id)
                                changes.append((paid, 0))
                                if underpaid {
                                    plant("underpaid_reimbursement", productIndex, source: paidID, ids: ["reimbursementId": paidID, "orderId": order.id],
                                          units: 1, perUnit: postOrderValue - perUnit, clock: paid)
                                } else if random.chance(0.3) {
                                    let reversed = later(paid, days: 20, 50)
                                    if !foundDates.contains(where: { $0 >= paid && $0 <= reversed }) {
                                        quietSpans.append(paid...reversed)
                                        let reversalID = reverse(reversed, originalID: paidID, originalReason: "CustomerReturn", product: productIndex,
                                                                 perUnit: perUnit, units: 1)
                                        plant("reimbursement_reversal", productIndex, source: reversalID,
                                              ids: ["reimbursementId": reversalID, "originalReimbursementId": paidID, "orderId": order.id], units: 1, perUnit: perUnit,
                                              clock: reversed)
                                    }
                                }
                            }
                            plant("refund_without_return", productIndex, source: order.id, ids: orderIDs, units: 1, perUnit: postOrderValue,
                                  clock: refundDate, changes: changes)
                        }
                    } else if !feeCorrected, balance > 0, random.chance(0.012) {
                        // A replacement shipped; the original usually comes back (a trap), else a claim.
                        let replacementDate = later(orderDate, days: 5, 15)
                        let replacementID = orderID()
                        replacements.append(ReplacementLine(date: replacementDate, product: productIndex, quantity: 1, replacementOrderID: replacementID,
                                                            originalOrderID: order.id, fulfillmentCenter: fc))
                        ledger.append(LedgerEvent(date: replacementDate, product: productIndex, eventType: "Shipments", referenceID: replacementID,
                                                  quantity: -1, fulfillmentCenter: fc, disposition: "SELLABLE", reason: ""))
                        balance -= 1
                        let ids = ["originalOrderId": order.id, "replacementOrderId": replacementID]
                        var changes: [(date: Date, units: Int)] = []
                        if random.chance(0.6) {
                            let back = later(replacementDate, days: 5, 20)
                            returns.append(ReturnLine(date: back, orderID: order.id, product: productIndex, quantity: 1, fulfillmentCenter: fc,
                                                      disposition: "SELLABLE", reason: "DEFECTIVE", status: "Unit returned to inventory",
                                                      licensePlate: "LPN" + random.code(9)))
                            ledger.append(LedgerEvent(date: back, product: productIndex, eventType: "CustomerReturns", referenceID: order.id,
                                                      quantity: 1, fulfillmentCenter: fc, disposition: "SELLABLE", reason: ""))
                            arrivals.append((back, 1))
                            changes.append((back, 0))
                            trap("replacement_original_returned", looksLike: "replacement_not_returned", productIndex, source: order.id, ids: ids,
                                 completed: back)
                        }
                        plant("replacement_not_returned", productIndex, source: order.id, ids: ids, units: 1, perUnit: postOrderValue,
                              clock: replacementDate, changes: changes)
                    }
                }
                // Units lost or damaged in the warehouse.
                if balance > 3, random.chance(0.012) {
                    let quantity = random.between(1, min(3, balance - 1))
                    let eventDate = date(dayIndex, random.between(7300, 80000))
                    let damaged = random.chance(0.4)
                    let fc = fulfillmentCenters[random.below(fulfillmentCenters.count)]
                    let reference = referenceID()
                    var event = adjustment(eventDate, -quantity, reason: damaged ? "E" : (random.chance(0.5) ? "M" : "5"), reference: reference, fc: fc)
                    balance -= quantity
                    if damaged {
                        // E moves units to the damaged disposition (P); they are disposed of later.
                        ledger.append(adjustment(eventDate, quantity, reason: "P", reference: reference, disposition: "WAREHOUSE_DAMAGED", fc: fc))
                        ledger.append(adjustment(eventDate.addingTimeInterval(10 * day), -quantity, reason: "D", reference: referenceID(),
                                                 disposition: "WAREHOUSE_DAMAGED", fc: fc))
                    }
                    var pool = damaged ? damagedPool : lostPool
                    let claimType = damaged ? "warehouse_damaged" : "warehouse_lost"
                    let reason = damaged ? "Damaged_Warehouse" : "Lost_Warehouse"
                    let ids = ["ledgerReferenceId": reference]
                    var changes: [(date: Date, units: Int)] = []
                    func found(_ at: Date, _ units: Int) {
                        ledger.append(adjustment(at, units, reason: "F", reference: reference, fc: fc))
                        arrivals.append((at, units))
                        foundDates.append(at)
                        event.reconciliations.append((at, units))
                    }
                    let outcome = random.below(100)
                    if !damaged, outcome < 15, let foundAt = pool.resolution(at: later(eventDate, days: 5, 20)), foundAllowed(foundAt) {
                        found(foundAt, quantity)
                        pool.lastResolution = foundAt
                        changes.append((foundAt, 0))
                        trap("lost_then_found", looksLike: claimType, productIndex, source: reference, ids: ids, completed: foundAt)
                    } else if !damaged, outcome < 25, quantity >= 2, let foundAt = pool.resolution(at: later(eventDate, days: 5, 20)),
                              foundAllowed(foundAt) {
                        let units = random.between(1, quantity - 1)
                        found(foundAt, units)
                        pool.blocked = true
                        changes.append((foundAt, quantity - units))
                        trap("partly_found", looksLike: claimType, productIndex, source: reference, ids: ids, completed: foundAt,
                             owed: quantity - units)
                    } else if outcome < 70, let paid = pool.resolution(at: later(eventDate, days: 7, 30)) {
                        pool.lastResolution = paid
                        changes.append((paid, 0))
                        event.reconciliations.append((paid, quantity))
                        if !damaged, random.chance(0.2), foundAllowed(paid) {
                            // Paid in kind: the reimbursement row's inventory units and the N row are the same units.
                            let paidID = reimbursementID()
                            reimbursements.append(ReimbursementLine(date: paid, id: paidID, caseID: nil, orderID: nil, reason: reason, product: productIndex,
                                                                    perUnitMinor: 0, quantityCash: 0, quantityInventory: quantity, originalID: nil,
                                                                    originalType: nil))
                            ledger.append(adjustment(paid, quantity, reason: "N", reference: referenceID(), fc: fc))
                            arrivals.append((paid, quantity))
                            foundDates.append(paid)
                            trap("reimbursed_in_kind", looksLike: claimType, productIndex, source: reference,
                                 ids: ["ledgerReferenceId": reference, "reimbursementId": paidID], completed: paid)
                        } else {
                            let underpaid = random.chance(0.2)
                            let perUnit = underpaid ? product.unitCostMinor * 4 / 10 : product.unitCostMinor
                            let paidID = reimburse(paid, reason: reason, adjustment: damaged ? "WAREHOUSE_DAMAGE" : "WAREHOUSE_LOST", product: productIndex,
                                                   perUnit: perUnit, units: quantity)
                            var underpaidChanges: [(date: Date, units: Int)] = []
                            let roll = random.below(100)
                            let foundAt = later(paid, days: 10, 30)
                            if !damaged, roll < 20, foundAllowed(foundAt), foundAllowed(foundAt.addingTimeInterval(3600)) {
                                // The units turn up after the payment and Amazon reverses it the same day: the
                                // reversal is explained by the found units, and nothing is owed.
                                found(foundAt, quantity)
                                let reversedAt = foundAt.addingTimeInterval(3600)
                                let reversalID = reverse(reversedAt, originalID: paidID, originalReason: reason, product: productIndex, perUnit: perUnit,
                                                         units: quantity)
                                event.reconciliations.append((reversedAt, -quantity))
                                pool.lastResolution = reversedAt
                                underpaidChanges.append((reversedAt, 0))
                                trap("reversal_explained_by_found", looksLike: claimType, productIndex, source: reference,
                                     ids: ["ledgerReferenceId": reference, "reimbursementId": reversalID, "originalReimbursementId": paidID],
                                     completed: reversedAt)
                            } else if roll < 28 {
                                // Reversed with nothing found: the loss is owed again.
                                let reversedAt = later(paid, days: 30, 60)
                                _ = reverse(reversedAt, originalID: paidID, originalReason: reason, product: productIndex, perUnit: perUnit, units: quantity)
                                event.reconciliations.append((reversedAt, -quantity))
                                changes.append((reversedAt, quantity))
                                underpaidChanges.append((reversedAt, 0))
                                pool.blocked = true
                            } else if !underpaid {
                                trap(damaged ? "damaged_then_disposition_change" : "reimbursed_in_cash", looksLike: claimType, productIndex,
                                     source: reference, ids: ["ledgerReferenceId": reference, "reimbursementId": paidID], completed: paid)
                            }
                            if underpaid {
                                plant("underpaid_reimbursement", productIndex, source: paidID, ids: ["reimbursementId": paidID, "ledgerReferenceId": reference],
                                      units: quantity, perUnit: product.unitCostMinor - perUnit, clock: paid, changes: underpaidChanges)
                            }
                        }
                    } else {
                        pool.blocked = true
                    }
                    if damaged { damagedPool = pool } else { lostPool = pool }
                    plant(claimType, productIndex, source: reference, ids: ids, units: quantity, perUnit: product.unitCostMinor, clock: eventDate,
                          changes: changes)
                    ledger.append(event)
                } else if balance > 5, random.chance(0.001) {
                    // Q then P: units moved to the defective disposition (no loss), disposed of a week later.
                    let units = random.between(1, 2)
                    let at = date(dayIndex, random.between(7300, 80000))
                    let fc = fulfillmentCenters[random.below(fulfillmentCenters.count)]
                    let reference = referenceID()
                    ledger.append(adjustment(at, -units, reason: "Q", reference: reference, fc: fc))
                    ledger.append(adjustment(at, units, reason: "P", reference: reference, disposition: "DEFECTIVE", fc: fc))
                    ledger.append(adjustment(at.addingTimeInterval(7 * day), -units, reason: "D", reference: referenceID(), disposition: "DEFECTIVE", fc: fc))
                    balance -= units
                    trap("disposition_change_q_p", looksLike: "warehouse_lost", productIndex, source: reference, ids: ["ledgerReferenceId": reference],
                         completed: at)
                } else if productIndex > 0, balance > 5, random.chance(0.0008) {
                    // Product redefinition: units move out of this FNSKU (4) into another one (3).
                    let units = random.between(1, 3)
                    let at = date(dayIndex, random.between(7300, 80000))
                    let fc = fulfillmentCenters[random.below(fulfillmentCenters.count)]
                    let reference = referenceID()
                    ledger.append(adjustment(at, -units, reason: "4", reference: reference, fc: fc))
                    ledger.append(LedgerEvent(date: at, product: productIndex - 1, eventType: "Adjustments", referenceID: reference, quantity: units,
                                              fulfillmentCenter: fc, disposition: "SELLABLE", reason: "3"))
                    balance -= units
                    trap("product_redefinition", looksLike: "warehouse_lost", productIndex, source: reference,
                         ids: ["ledgerReferenceId": reference, "fnsku": products[productIndex - 1].fnsku], completed: at)
                }
                // Disposals: ordered by the seller (a removal order of type Disposal and its D row,
                // the same local day), or done by Amazon unasked (a claim).
                if balance > 8, random.chance(0.001) {
                    let units = random.between(1, 4)
                    let requested = date(dayIndex, 40000)
                    let disposed = date(dayIndex, 50000)
                    let removalID = "R" + random.code(9)
                    let reference = referenceID()
                    removals.append(RemovalLine(requested: requested, shipped: disposed, orderID: removalID, product: productIndex, quantity: units,
                                                tracking: "", orderType: "Disposal", shippedQuantity: 0, deliveredQuantity: 0, disposedQuantity: units))
                    ledger.append(adjustment(disposed, -units, reason: "D", reference: reference, fc: fulfillmentCenters[0]))
                    balance -= units
                    trap("requested_disposal", looksLike: "disposed_unrequested", productIndex, source: reference,
                         ids: ["ledgerReferenceId": reference, "removalOrderId": removalID], completed: disposed)
                } else if balance > 4, random.chance(0.001) {
                    let units = random.between(1, 3)
                    let disposed = date(dayIndex, random.between(7300, 80000))
                    let reference = referenceID()
                    ledger.append(adjustment(disposed, -units, reason: "D", reference: reference, fc: fulfillmentCenters[random.below(fulfillmentCenters.count)]))
                    balance -= units
                    plant("disposed_unrequested", productIndex, source: reference, ids: ["ledgerReferenceId": reference], units: units,
                          perUnit: product.unitCostMinor, clock: disposed)
                }
                // Seller-requested removals shipped back: delivered in full, or with units that vanished
                // or never arrived (a claim).
                if balance > 12, random.chance(0.004) {
                    let quantity = random.between(2, 6)
                    let requested = date(dayIndex, 40000)
                    let shippedDate = requested.addingTimeInterval(3 * day)
                    let removalID = "R" + random.code(9)
                    let missing = random.chance(0.25) ? random.between(1, quantity - 1) : 0
                    let vanished = missing > 0 && random.chance(0.5)
                    removals.append(RemovalLine(requested: requested, shipped: shippedDate, orderID: removalID, product: productIndex,
                                                quantity: quantity, tracking: "1Z" + random.code(16),
                                                shippedQuantity: vanished ? quantity - missing : quantity, deliveredQuantity: quantity - missing))
                    // Every third removal delivered in full goes to a liquidator, which Finances reports as a
                    // removal shipment event (and the first one by the seller's creation day always does).
                    if missing == 0 {
                        deliveredRemovals += 1
                    }
                    let liquidated = shippedDate.addingTimeInterval(day)
                    if missing == 0, deliveredRemovals % 3 == 1 || (!liquidatedByNow && liquidated <= end) {
                        if liquidated <= end { liquidatedByNow = true }
                        finances.append(.removalShipment(removal: removals.count - 1, date: liquidated))
                    }
                    ledger.append(LedgerEvent(date: shippedDate, product: productIndex, eventType: "VendorReturns", referenceID: removalID,
                                              quantity: -quantity, fulfillmentCenter: fulfillmentCenters[0], disposition: "SELLABLE", reason: ""))
                    balance -= quantity
                    if missing > 0 {
                        plant("removal_lost", productIndex, source: removalID, ids: ["removalOrderId": removalID], units: missing,
                              perUnit: product.unitCostMinor, clock: shippedDate)
                    } else {
                        trap("removal_delivered_in_full", looksLike: "removal_lost", productIndex, source: removalID, ids: ["removalOrderId": removalID],
                             completed: shippedDate)
                    }
                }
                // Monthly storage fee.
                if dayIndex % 30 == 29, balance > 0 {
                    finances.append(.serviceFee(date: date(dayIndex, 50000), product: productIndex, feeType: "FBAStorageFee",
                                                amountMinor: Int64(balance) * 12))
                }
            }
        }
        // Sorted through indices: ledger events are large, and moving them is most of a sort's cost.
        ledger = ledger.indices.sorted { (ledger[$0].date, $0) < (ledger[$1].date, $1) }.map { ledger[$0] }
        finances.sort { $0.date < $1.date }
        reimbursements.sort { $0.date < $1.date }
        returns.sort { $0.date < $1.date }
        // Orders stay in generation order: finance events refer to them by index.
        return SellerHistory(sellingPartnerID: sellingPartnerID, marketplaceID: marketplace.id, countryCode: marketplace.countryCode,
                             currency: currency, timeZone: TimeZone(identifier: marketplace.timeZone) ?? .gmt, start: start, end: end,
                             products: products, orders: orders, ledger: ledger, finances: finances, reimbursements: reimbursements,
                             returns: returns, replacements: replacements, removals: removals, shipments: shipments, planted: planted,
                             traps: traps)
    }

    /// The seller's marketplace by country code, from the suite's marketplace catalog; the US one
    /// when none (or an unknown one) is asked for.
    static func marketplaceFor(_ code: String?) -> (id: String, countryCode: String, currency: String, region: String, timeZone: String) {
        let marketplace = code.flatMap(AmazonMarketplace.forCountry) ?? AmazonMarketplace.forCountry("US")!
        return (marketplace.id, marketplace.countryCode, marketplace.currency.code, marketplace.region.rawValue, marketplace.timeZone)
    }
}
