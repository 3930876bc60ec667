import Foundation
import OpsideAmazonData
import OpsideCore

/// The rules that net an FNSKU's losses against its found units and reimbursements: warehouse
/// lost, warehouse damaged, disposed without request, inbound shortage, and reversals of
/// reimbursements that were not warehouse or inbound losses. One FNSKU's evidence at a time
/// (`InventoryEvidenceRow`s arrive in FNSKU order), so memory is one FNSKU's rows.
struct InventoryRules {
    /// A unit's value on a loss's day.
    typealias UnitValuation = (CivilDate) -> ClaimValuation

    let context: DetectionContext
    /// The claim types to emit (a benchmark may run a subset).
    let types: Set<ClaimType>

    static let types: Set<ClaimType> = [.warehouseLost, .warehouseDamaged, .disposedUnrequested, .inboundShortage, .reimbursementReversal]
    static let lostReasons: Set<String> = ["M", "5"]
    static let damagedReasons: Set<String> = ["E", "6", "7", "H", "K", "U"]

    /// The reimbursement reasons (lowercased) whose units net an FNSKU's warehouse and inbound losses.
    enum Pool: String, CaseIterable {
        case lostWarehouse = "lost_warehouse"
        case damagedWarehouse = "damaged_warehouse"
        case lostInbound = "lost_inbound"
        case damagedInbound = "damaged_inbound"
        case disposal

        init?(reason: String?) {
            guard let reason = reason?.lowercased() else { return nil }
            if let pool = Pool(rawValue: reason) { self = pool; return }
            if reason.contains("dispos") { self = .disposal; return }
            return nil
        }
    }

    static func isReversal(_ row: InventoryEvidenceRow) -> Bool {
        row.kind == .reimbursement && row.reason?.lowercased() == "reimbursement_reversal"
    }

    /// Runs every rule over one FNSKU's rows (ledger adjustments, reimbursements, disposal
    /// orders and inbound items, in day order).
    func detect(fnsku: String, rows: [InventoryEvidenceRow], emit: (DetectedClaim) async throws -> Void) async throws {
        let ledger = rows.filter { $0.kind == .ledger }
        let reimbursements = rows.filter { $0.kind == .reimbursement }
        let sku = rows.lazy.compactMap(\.sku).first { !$0.isEmpty }

        // Amazon's latest per-unit value on a warehouse or inbound reimbursement (rows are in day order).
        let estimate = reimbursements.last { row in
            guard let pool = Pool(reason: row.reason), pool != .disposal, !Self.isReversal(row) else { return false }
            return (row.perUnitMinor ?? 0) > 0
        }.map { (perUnitMinor: $0.perUnitMinor!, reimbursementId: $0.rowId) }
        // Valued on each loss's own day: the cost in force then.
        let valuation: UnitValuation = { day in context.preOrderValuation(fnsku: fnsku, sku: sku, estimate: estimate, on: day) }

        // Units per pool (cash, in kind) and reversed units per pool.
        var cash: [Pool: Int] = [:], inKind: [Pool: Int] = [:], reversed: [Pool: Int] = [:]
        var poolRows: [Pool: [ClaimSourceRow]] = [:]
        var reversalsToAudit: [InventoryEvidenceRow] = []
        for row in reimbursements {
            if Self.isReversal(row) {
                if let pool = Pool(reason: row.originalReason) {
                    reversed[pool, default: 0] += abs(row.quantity)
                    poolRows[pool, default: []].append(sourceRow(row, "reversal of \(row.originalReimbursementId ?? "?") (\(row.originalReason ?? "?")), units added back"))
                } else {
                    reversalsToAudit.append(row)
                }
                continue
            }
            guard let pool = Pool(reason: row.reason) else { continue }
            let cashUnits = row.cash ?? 0, kindUnits = row.inventory ?? 0
            cash[pool, default: 0] += (cashUnits == 0 && kindUnits == 0) ? max(0, row.quantity) : cashUnits
            inKind[pool, default: 0] += kindUnits
            poolRows[pool, default: []].append(sourceRow(row, "\(row.reason ?? "") reimbursement: \(cashUnits) in cash, \(kindUnits) in kind"))
        }
        let found = ledger.filter { $0.reason == "F" && $0.quantity > 0 }
        let foundN = ledger.filter { $0.reason == "N" && $0.quantity > 0 }
        let fUnits = found.reduce(0) { $0 + $1.quantity }, nUnits = foundN.reduce(0) { $0 + $1.quantity }

        if types.contains(.warehouseLost) {
            // An N row and `quantity-reimbursed-inventory` are the same units: counted once. N units
            // that match a damaged reimbursement's in-kind units are that reimbursement's.
            let nForLost = max(0, nUnits - (inKind[.damagedWarehouse] ?? 0))
            var pool = DeductionPool([("found units (F)", fUnits),
                                      ("reimbursed in kind (N rows and Lost_Warehouse inventory units, counted once)",
                                       max(nForLost, inKind[.lostWarehouse] ?? 0)),
                                      ("Lost_Warehouse reimbursed in cash", cash[.lostWarehouse] ?? 0)])
            pool.takeBack(reversed[.lostWarehouse] ?? 0)
            let extra = found.map { sourceRow($0, "F, inventory found") } + foundN.map { sourceRow($0, "N, inventory found or reimbursed in kind") }
                + (poolRows[.lostWarehouse] ?? [])
            try await netLosses(.warehouseLost, fnsku: fnsku, sku: sku, losses: ledger.filter { Self.lostReasons.contains($0.reason ?? "") && $0.quantity < 0 },
                                pool: &pool, valuation: valuation, extraRows: extra, words: "misplaced in Amazon's fulfillment center (ledger reason M/5)", emit: emit)
        }
        if types.contains(.warehouseDamaged) {
            var pool = DeductionPool([("Damaged_Warehouse reimbursed in kind", inKind[.damagedWarehouse] ?? 0),
                                      ("Damaged_Warehouse reimbursed in cash", cash[.damagedWarehouse] ?? 0)])
            pool.takeBack(reversed[.damagedWarehouse] ?? 0)
            try await netLosses(.warehouseDamaged, fnsku: fnsku, sku: sku,
                                losses: ledger.filter { Self.damagedReasons.contains($0.reason ?? "") && $0.quantity < 0 },
                                pool: &pool, valuation: valuation, extraRows: poolRows[.damagedWarehouse] ?? [],
                                words: "damaged in Amazon's fulfillment center (ledger reason E/6/7/H/K/U; the paired P is a disposition change)", emit: emit)
        }
        if types.contains(.disposedUnrequested) {
            try await disposals(fnsku: fnsku, sku: sku, rows: rows, cash: cash[.disposal] ?? 0, inKind: inKind[.disposal] ?? 0,
                                reversed: reversed[.disposal] ?? 0, poolRows: poolRows[.disposal] ?? [], valuation: valuation, emit: emit)
        }
        if types.contains(.inboundShortage) {
            var pool = DeductionPool([("Lost_Inbound reimbursed", (cash[.lostInbound] ?? 0) + (inKind[.lostInbound] ?? 0)),
                                      ("Damaged_Inbound reimbursed", (cash[.damagedInbound] ?? 0) + (inKind[.damagedInbound] ?? 0))])
            pool.takeBack((reversed[.lostInbound] ?? 0) + (reversed[.damagedInbound] ?? 0))
            try await inbound(fnsku: fnsku, sku: sku, items: rows.filter { $0.kind == .inboundItem }, pool: &pool,
                              poolRows: (poolRows[.lostInbound] ?? []) + (poolRows[.damagedInbound] ?? []), valuation: valuation, emit: emit)
        }
        if types.contains(.reimbursementReversal) {
            for reversal in reversalsToAudit {
                try await emit(reversalClaim(reversal, fnsku: fnsku, found: found + foundN))
            }
        }
    }

    // MARK: Lost and damaged

    /// Nets each loss (rows grouped by reference id, oldest first) against the pool, then caps it
    /// at Amazon's unreconciled quantity when the ledger gives one.
    private func netLosses(_ type: ClaimType, fnsku: String, sku: String?, losses: [InventoryEvidenceRow], pool: inout DeductionPool,
                           valuation: UnitValuation, extraRows: [ClaimSourceRow], words: String,
                           emit: (DetectedClaim) async throws -> Void) async throws {
        for group in Self.byReference(losses) {
            let lossUnits = group.reduce(0) { $0 - $1.quantity }
            let first = group[0]
            var netting = [ClaimNettingStep(label: "lost units (\(group.map { $0.reason ?? "" }.joined(separator: "+")))", units: lossUnits)]
            netting += pool.apply(to: lossUnits)
            let afterNetting = lossUnits + netting.dropFirst().reduce(0) { $0 + $1.units }
            var owed = afterNetting
            let unreconciled = group.allSatisfy { $0.unreconciled != nil } ? group.reduce(0) { $0 + ($1.unreconciled ?? 0) } : nil
            if let unreconciled, unreconciled < owed {
                netting.append(ClaimNettingStep(label: "capped at Amazon's Unreconciled Quantity \(unreconciled) (Amazon reconciled units our rows do not show)",
                                                units: unreconciled - owed))
                owed = max(0, unreconciled)
            }
            netting.append(ClaimNettingStep(label: "units owed", units: owed))
            let resolution: String? = owed > 0 ? nil
                : (afterNetting > 0 ? "Amazon's ledger shows the units reconciled (Unreconciled Quantity 0)"
                    : "the \(lossUnits) unit\(lossUnits == 1 ? "" : "s") were found or reimbursed: " + netting.dropFirst().dropLast()
                        .map { "\(-$0.units) \($0.label)" }.joined(separator: ", "))
            let rows = group.map { sourceRow($0, "\($0.reason ?? ""), \($0.disposition ?? ""), FC \($0.place ?? "?"), \($0.quantity) units") } + extraRows
            let what = "On \(context.day(first.day ?? 0)) Amazon's inventory ledger recorded \(lossUnits) unit\(lossUnits == 1 ? "" : "s") of FNSKU \(fnsku) "
                + "as \(words) (reference \(first.rowId)\(first.place.map { ", FC \($0)" } ?? "")), never made good."
            try await emit(context.unitClaim(type, fnsku: fnsku, sku: sku, units: owed, valuation: valuation(context.day(first.day ?? 0)),
                                             clock: context.day(first.day ?? 0),
                                             sourceIds: [.ledgerReferenceId: first.rowId], rows: rows, netting: netting, resolution: resolution,
                                             what: what))
        }
    }

    /// Rows grouped by reference id (one claim per reference), in the order of each group's first row.
    static func byReference(_ rows: [InventoryEvidenceRow]) -> [[InventoryEvidenceRow]] {
        var order: [String] = []
        var groups: [String: [InventoryEvidenceRow]] = [:]
        for row in rows {
            if groups[row.rowId] == nil { order.append(row.rowId) }
            groups[row.rowId, default: []].append(row)
        }
        return order.map { groups[$0]! }
    }

    // MARK: Disposed

    private func disposals(fnsku: String, sku: String?, rows: [InventoryEvidenceRow], cash: Int, inKind: Int, reversed: Int,
                           poolRows: [ClaimSourceRow], valuation: UnitValuation, emit: (DetectedClaim) async throws -> Void) async throws {
        let disposed = rows.filter { $0.kind == .ledger && $0.reason == "D" && $0.quantity < 0 && $0.disposition?.uppercased() == "SELLABLE" }
        if disposed.isEmpty { return }
        // Disposals the seller ordered, oldest request first: each covers D units on or after its request day.
        var orders = rows.filter { $0.kind == .disposalOrder && $0.quantity > 0 }.map { (row: $0, left: $0.quantity) }
        var reimbursed = DeductionPool([("reimbursed for the disposal", cash + inKind)])
        reimbursed.takeBack(reversed)
        for group in Self.byReference(disposed) {
            let first = group[0], day = first.day ?? 0
            let lossUnits = group.reduce(0) { $0 - $1.quantity }
            var netting = [ClaimNettingStep(label: "disposed units (D, sellable)", units: lossUnits)]
            var left = lossUnits
            var usedOrders: [ClaimSourceRow] = []
            for index in orders.indices where left > 0 && orders[index].left > 0 && (orders[index].row.day ?? Int.max) <= day {
                let taken = min(left, orders[index].left)
                orders[index].left -= taken
                left -= taken
                netting.append(ClaimNettingStep(label: "disposal the seller ordered (removal order \(orders[index].row.rowId))", units: -taken))
                usedOrders.append(sourceRow(orders[index].row, "Disposal removal order, \(orders[index].row.quantity) units disposed"))
            }
            let fromReimbursements = reimbursed.apply(to: left)
            netting += fromReimbursements
            left += fromReimbursements.reduce(0) { $0 + $1.units }
            var owed = left
            if group.allSatisfy({ $0.unreconciled != nil }) {
                let unreconciled = group.reduce(0) { $0 + ($1.unreconciled ?? 0) }
                if unreconciled < owed {
                    netting.append(ClaimNettingStep(label: "capped at Amazon's Unreconciled Quantity \(unreconciled)", units: unreconciled - owed))
                    owed = max(0, unreconciled)
                }
            }
            netting.append(ClaimNettingStep(label: "units owed", units: owed))
            let resolution: String? = owed > 0 ? nil : (usedOrders.isEmpty ? "the disposed units were reimbursed" : "the seller requested the disposal")
            let rows = group.map { sourceRow($0, "D, \($0.disposition ?? ""), FC \($0.place ?? "?"), \($0.quantity) units") } + usedOrders + poolRows
            let what = "On \(context.day(day)) Amazon disposed of \(lossUnits) sellable unit\(lossUnits == 1 ? "" : "s") of FNSKU \(fnsku) "
                + "(ledger reason D, reference \(first.rowId)) that the seller had not asked to dispose of."
            try await emit(context.unitClaim(.disposedUnrequested, fnsku: fnsku, sku: sku, units: owed, valuation: valuation(context.day(day)),
                                             clock: context.day(day),
                                             sourceIds: [.ledgerReferenceId: first.rowId], rows: rows, netting: netting, resolution: resolution,
                                             what: what))
        }
    }

    // MARK: Inbound

    private func inbound(fnsku: String, sku: String?, items: [InventoryEvidenceRow], pool: inout DeductionPool, poolRows: [ClaimSourceRow],
                         valuation: UnitValuation, emit: (DetectedClaim) async throws -> Void) async throws {
        // Oldest shipment first (rows arrive in delivery-day order); undelivered shipments have no clock.
        for item in items {
            guard let day = item.day else { continue }
            let received = max(item.receivedReported ?? 0, item.receivedLedger ?? 0)
            let shortage = item.quantity - received
            if shortage <= 0 { continue }
            var netting = [ClaimNettingStep(label: "shipped \(item.quantity) − received \(received) (the larger of the Inbound API's "
                                                + "\(item.receivedReported ?? 0) and the ledger's Receipts \(item.receivedLedger ?? 0))", units: shortage)]
            netting += pool.apply(to: shortage)
            let owed = shortage + netting.dropFirst().reduce(0) { $0 + $1.units }
            netting.append(ClaimNettingStep(label: "units owed", units: owed))
            let rows = [ClaimSourceRow(dataset: "inbound_shipment_items", rowId: item.rowId, date: context.day(day), quantity: item.quantity,
                                       amount: nil, description: "closed shipment \(item.rowId) to \(item.place ?? "?"): \(item.quantity) shipped, "
                                           + "\(item.receivedReported ?? 0) received (Inbound API)"),
                        ClaimSourceRow(dataset: "ledger_detail", rowId: item.rowId, date: context.day(day), quantity: item.receivedLedger ?? 0,
                                       amount: nil, description: "Receipts for the shipment and FNSKU, first on \(context.day(day))")] + poolRows
            let what = "Closed inbound shipment \(item.rowId), delivered on \(context.day(day)), was short \(shortage) unit\(shortage == 1 ? "" : "s") "
                + "of FNSKU \(fnsku)."
            try await emit(context.unitClaim(.inboundShortage, fnsku: fnsku, sku: item.sku ?? sku, units: owed,
                                             valuation: valuation(context.day(day)), clock: context.day(day), sourceIds: [.shipmentId: item.rowId], rows: rows, netting: netting,
                                             resolution: owed > 0 ? nil : "the shortage was reimbursed (Lost_Inbound / Damaged_Inbound)", what: what))
        }
    }

    // MARK: Reversals

    /// A clawback of a reimbursement that was not a warehouse or inbound loss, unless F/N units
    /// found between the original's approval and the reversal explain it.
    private func reversalClaim(_ reversal: InventoryEvidenceRow, fnsku: String, found: [InventoryEvidenceRow]) -> DetectedClaim {
        let reversalDay = reversal.day ?? 0
        let since = reversal.originalDay ?? Int.min
        let explaining = found.filter { ($0.day ?? Int.min) >= since && ($0.day ?? Int.max) <= reversalDay }
        let foundUnits = explaining.reduce(0) { $0 + $1.quantity }
        let reversedUnits = abs(reversal.quantity)
        let reversedMinor = abs(reversal.totalMinor ?? (reversal.perUnitMinor ?? 0) * Int64(reversedUnits))
        let units = reversedUnits == 0 ? 0 : max(0, reversedUnits - foundUnits)
        let amountMinor = reversedUnits == 0 ? reversedMinor : reversedMinor * Int64(units) / Int64(reversedUnits)
        let explained = reversedUnits > 0 && units == 0
        var netting = [ClaimNettingStep(label: "units clawed back", units: reversedUnits)]
        if foundUnits > 0 {
            netting.append(ClaimNettingStep(label: "found units (F/N) between the original's approval and the reversal", units: -min(foundUnits, reversedUnits)))
        }
        netting.append(ClaimNettingStep(label: "units unexplained", units: units))
        let valuation = ClaimValuation(basis: .reversedAmount, unitValue: reversal.perUnitMinor.map { context.money(abs($0)) }, isEstimate: false,
                                       source: "the amount Amazon clawed back in reversal \(reversal.rowId)")
        let amount = context.money(explained ? 0 : amountMinor)
        var ids: [ClaimSourceKind: String] = [.reimbursementId: reversal.rowId]
        if let original = reversal.originalReimbursementId { ids[.originalReimbursementId] = original }
        if let order = reversal.orderId { ids[.orderId] = order }
        let rows = [sourceRow(reversal, "Reimbursement_Reversal of \(reversal.originalReimbursementId ?? "?") (\(reversal.originalReason ?? "?"))")]
            + explaining.map { sourceRow($0, "\($0.reason ?? ""), inventory found") }
        let summary = "On \(context.day(reversalDay)) Amazon reversed reimbursement \(reversal.originalReimbursementId ?? "?") "
            + "(\(reversal.originalReason ?? "unknown reason")) for FNSKU \(fnsku), taking back \(context.money(reversedMinor)) for \(reversedUnits) unit(s). "
            + (explained ? "Nothing is owed: \(foundUnits) unit(s) found in between explain it."
                : "No found units explain \(units) of them: \(amount) should be paid back.")
        return context.assemble(.reimbursementReversal, fnsku: fnsku, sku: reversal.sku, units: units, amount: amount, valuation: valuation,
                                clock: context.day(reversalDay), sourceIds: ids, rows: rows, netting: netting,
                                resolution: explained ? "the reversal is explained by \(foundUnits) unit(s) found (F/N)" : nil, summary: summary)
    }

    private func sourceRow(_ row: InventoryEvidenceRow, _ description: String) -> ClaimSourceRow {
        switch row.kind {
        case .ledger:
            ClaimSourceRow(dataset: "ledger_detail", rowId: row.rowId, date: row.day.map(context.day), quantity: row.quantity, amount: nil,
                           description: description)
        case .reimbursement:
            ClaimSourceRow(dataset: "reimbursements", rowId: row.rowId, date: row.day.map(context.day), quantity: row.quantity,
                           amount: row.totalMinor.map(context.money), description: description)
        case .disposalOrder:
            ClaimSourceRow(dataset: "removal_orders", rowId: row.rowId, date: row.day.map(context.day), quantity: row.quantity, amount: nil,
                           description: description)
        case .inboundItem:
            ClaimSourceRow(dataset: "inbound_shipment_items", rowId: row.rowId, date: row.day.map(context.day), quantity: row.quantity,
                           amount: nil, description: description)
        }
    }
}
