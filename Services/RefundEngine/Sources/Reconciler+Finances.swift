import Foundation
import Logging
import OpsideAmazonData
import OpsideCore
import OpsideEvents
import OpsidePostgres
import PostgresNIO

// Finances adjustment events beside the reimbursements report. Amazon posts the adjustment event
// when it approves a reimbursement and lists the report's line 4–5 days later (several same-day
// lines of one issue merged into one; fba-reimbursement.md §1), and some adjustments never reach
// the report. So the ledger takes money from both, counted once:
// - an event the report already lists confirms that line (same item and amount, within two weeks);
// - an event it does not list yet becomes an entry of its own (`source` `finances`), credited to
//   the one filed case it can be for, or to Amazon's automatic payments;
// - the report's line, when it comes, replaces the finance entries of the same money (same item,
//   within two weeks): it carries their money from then on, at the report's amount.
// Only the Finances API's rows add money: the same event read again from a settlement or
// transaction report file is another row of the same money, which may confirm but never add.
extension Reconciler {
    /// An entry made from a Finances adjustment event, as a report line replacing it sees it.
    struct FinanceEntry {
        var id: UUID
        var event: String
        var adjustmentType: String
        var sku: String
        var fnsku: String
        var amount: Money
        var postedAt: Date?
        var caseId: UUID?
    }

    /// The adjustment types that pay (or claw back) a reimbursement: `FBAInventoryReimbursement`
    /// and the settlement descriptions of fba-reimbursement.md §1.
    static let reimbursementAdjustmentTypes: Set<String> = [
        "FBAINVENTORYREIMBURSEMENT", "WAREHOUSE_LOST", "WAREHOUSE_LOST_MANUAL", "WAREHOUSE_DAMAGE", "WAREHOUSE_DAMAGE_EXCEPTION",
        "MISSING_FROM_INBOUND", "MISSING_FROM_INBOUND_CLAWBACK", "INBOUND_CARRIER_DAMAGE", "REMOVAL_ORDER_LOST",
        "FREE_REPLACEMENT_REFUND_ITEMS", "CS_ERROR_ITEMS", "CS_ERROR_NON_ITEMIZED", "INCORRECT_FEES_ITEMS", "INCORRECT_FEES_NON_ITEMIZED",
        "REVERSAL_REIMBURSEMENT", "COMPENSATED_CLAWBACK", "RE_EVALUATION", "MULTICHANNEL_ORDER_LOST",
    ]

    /// The claim types an adjustment type can pay: a finance entry is credited to a filed case
    /// only when its type is one of these.
    static let claimTypesByAdjustmentType: [String: Set<String>] = [
        "WAREHOUSE_LOST": ["warehouse_lost"], "WAREHOUSE_LOST_MANUAL": ["warehouse_lost"],
        "WAREHOUSE_DAMAGE": ["warehouse_damaged", "disposed_unrequested"], "WAREHOUSE_DAMAGE_EXCEPTION": ["warehouse_damaged", "disposed_unrequested"],
        "MISSING_FROM_INBOUND": ["inbound_shortage"], "INBOUND_CARRIER_DAMAGE": ["inbound_shortage"],
        "REMOVAL_ORDER_LOST": ["removal_lost"],
        "FREE_REPLACEMENT_REFUND_ITEMS": ["refund_without_return", "return_not_restocked", "replacement_not_returned"],
        "CS_ERROR_ITEMS": ["refund_without_return", "return_not_restocked", "replacement_not_returned"],
        "INCORRECT_FEES_ITEMS": ["fee_overcharge"], "INCORRECT_FEES_NON_ITEMIZED": ["fee_overcharge"],
        "RE_EVALUATION": ["underpaid_reimbursement"], "COMPENSATED_CLAWBACK": ["reimbursement_reversal"],
    ]

    /// How far apart an event and the report's line of the same money may be dated: the report
    /// lists a line 4–5 days after the approval; two weeks leave room for a late report, since a
    /// line that missed its entry would count the money twice.
    static let sameMoneyWindow: TimeInterval = 14 * 86_400

    static func eventKey(_ event: AdjustmentEventRecord) -> String { "\(event.eventKey)#\(event.occurrence)" }

    static func sameItem(sku: String, fnsku: String, as other: (sku: String, fnsku: String)) -> Bool {
        (!sku.isEmpty && sku == other.sku) || (!fnsku.isEmpty && fnsku == other.fnsku)
    }

    static func near(_ a: Date?, _ b: Date?) -> Bool {
        guard let a, let b else { return true }
        return abs(a.timeIntervalSince(b)) <= sameMoneyWindow
    }

    /// For each new report line, the finance entries of the same money it replaces, deleted here
    /// (the line is already inserted and carries their event keys from now on). A line takes the
    /// entry of its exact amount (one credited to the line's own case first), else the entries
    /// that add up to it (a merged line), else the nearest one (the report's amount corrects it);
    /// entries of the other sign are never taken.
    static func takeOver(_ lines: [Entry], connection: UUID, on db: PostgresConnection,
                         logger: Logger) async throws -> [UUID: [FinanceEntry]] {
        guard !lines.isEmpty else { return [:] }
        let rows = try await db.query("""
            SELECT entry_id, finance_event, reason, sku, fnsku, amount_minor, currency, approval_date, case_id FROM cases.recoveries
            WHERE connection_id = \(connection) AND source = 'finances' ORDER BY approval_date, entry_id FOR UPDATE
            """, logger: logger)
        var open: [FinanceEntry] = []
        for try await (id, event, type, sku, fnsku, amount, currency, posted, caseId)
            in rows.decode((UUID, String, String?, String, String, Int64, String, Date?, UUID?).self) {
            open.append(FinanceEntry(id: id, event: event, adjustmentType: type ?? "", sku: sku, fnsku: fnsku,
                                     amount: Money(amountMinor: amount, currency: try Currency(code: currency)), postedAt: posted, caseId: caseId))
        }
        guard !open.isEmpty else { return [:] }
        var replaced: [UUID: [FinanceEntry]] = [:]
        for line in lines {
            let nearby = open.filter { finance in
                finance.amount.currency == line.amount.currency && (finance.amount.amountMinor < 0) == (line.amount.amountMinor < 0)
                    && sameItem(sku: finance.sku, fnsku: finance.fnsku, as: (line.record.sku, line.record.fnsku))
                    && near(finance.postedAt, line.record.approvalDate)
            }
            guard !nearby.isEmpty else { continue }
            // The line names its case: an entry Finances already credited to that case comes first.
            let candidates = nearby.filter { $0.caseId != nil && $0.caseId == line.caseId }
                + nearby.filter { $0.caseId == nil || $0.caseId != line.caseId }
            let taken: [FinanceEntry]
            if let exact = candidates.first(where: { $0.amount == line.amount || $0.amount.amountMinor == line.cash }) {
                taken = [exact]
            } else if candidates.reduce(Int64(0), { $0 + $1.amount.amountMinor }) == line.amount.amountMinor {
                taken = candidates
            } else {
                let when = line.record.approvalDate ?? .distantPast
                taken = [candidates.min { abs(($0.postedAt ?? when).timeIntervalSince(when)) < abs(($1.postedAt ?? when).timeIntervalSince(when)) }!]
            }
            replaced[line.id] = taken
            open.removeAll { finance in taken.contains { $0.id == finance.id } }
        }
        guard !replaced.isEmpty else { return [:] }
        for (line, taken) in replaced {
            try await db.query("""
                UPDATE cases.recoveries SET replaced_entry_ids = \(taken.map(\.id)), replaced_finance_events = \(taken.map(\.event)),
                    confirmed_by_finance = true
                WHERE entry_id = \(line)
                """, logger: logger)
        }
        try await db.query("DELETE FROM cases.recoveries WHERE entry_id = ANY(\(replaced.values.flatMap { $0.map(\.id) }))", logger: logger)
        return replaced
    }

    /// What the Finances pass did.
    struct FinancePass {
        var confirmed = 0
        var added = 0
    }

    /// Confirms the report's lines that adjustment events show, and enters the events' money the
    /// report does not list (yet).
    func reconcileFinances(tenant: UUID, connection: UUID) async throws -> FinancePass {
        struct Known {
            var id: UUID
            var sku: String
            var fnsku: String
            var amount: Int64
            var cash: Int64
            var currency: String
            var date: Date?
            var confirmed: Bool
            /// The line replaced finance entries: their events are its money, no other event's.
            var replacedEvents: Bool
        }
        // A seller without reimbursement events (or before Finances synced) costs no read of the ledger.
        var events: [AdjustmentEventRecord] = []
        for try await event in reader.adjustmentEvents(tenant: tenant, connection: connection) {
            guard event.total != nil, event.postedAt != nil,
                  Self.reimbursementAdjustmentTypes.contains((event.adjustmentType ?? "").uppercased()) else { continue }
            events.append(event)
        }
        events.sort { ($0.postedAt!, Self.eventKey($0)) < ($1.postedAt!, Self.eventKey($1)) }
        guard !events.isEmpty else { return FinancePass() }
        let logger = self.logger
        // The report's entries, and every event key the ledger already holds the money of.
        let (entries, accounted) = try await database.withTransaction(tenant: tenant) { db in
            let rows = try await db.query("""
                SELECT entry_id, source, finance_event, replaced_finance_events, sku, fnsku, amount_minor, cash_minor, currency, approval_date,
                       confirmed_by_finance
                FROM cases.recoveries WHERE connection_id = \(connection) ORDER BY approval_date NULLS LAST, entry_id
                """, logger: logger)
            var entries: [Known] = []
            var accounted = Set<String>()
            for try await (id, source, event, replacedEvents, sku, fnsku, amount, cash, currency, date, confirmed)
                in rows.decode((UUID, String, String?, [String], String, String, Int64, Int64, String, Date?, Bool).self) {
                if let event { accounted.insert(event) }
                accounted.formUnion(replacedEvents)
                if source == "report" {
                    entries.append(Known(id: id, sku: sku, fnsku: fnsku, amount: amount, cash: cash, currency: currency, date: date,
                                         confirmed: confirmed, replacedEvents: !replacedEvents.isEmpty))
                }
            }
            return (entries, accounted)
        }
        func matches(_ entry: Known, _ event: AdjustmentEventRecord) -> Bool {
            guard let total = event.total, entry.currency == total.currency.code,
                  Self.sameItem(sku: event.sellerSKU ?? "", fnsku: event.fnsku ?? "", as: (entry.sku, entry.fnsku)) else { return false }
            return (entry.amount == total.amountMinor || entry.cash == total.amountMinor) && Self.near(entry.date, event.postedAt)
        }

        // Confirmation: any source's event of the same money.
        var confirmed: [UUID] = []
        for entry in entries where !entry.confirmed && events.contains(where: { matches(entry, $0) }) { confirmed.append(entry.id) }

        // Addition: the Finances API's events whose money no entry holds. Each report line holds
        // one event's money (or, merged, several of one item that add up to it).
        var unused = entries.filter { !$0.replacedEvents }
        var fresh: [AdjustmentEventRecord] = []
        for event in events where event.source == .financesAPI && !accounted.contains(Self.eventKey(event)) {
            if let index = unused.firstIndex(where: { matches($0, event) }) {
                unused.remove(at: index)
            } else {
                fresh.append(event)
            }
        }
        var merged = Set<String>()
        for entry in unused {
            let group = fresh.filter { event in
                !merged.contains(Self.eventKey(event)) && event.total?.currency.code == entry.currency
                    && Self.sameItem(sku: event.sellerSKU ?? "", fnsku: event.fnsku ?? "", as: (entry.sku, entry.fnsku))
                    && Self.near(entry.date, event.postedAt)
            }
            if group.count > 1, group.reduce(Int64(0), { $0 + ($1.total?.amountMinor ?? 0) }) == entry.amount {
                merged.formUnion(group.map(Self.eventKey))
            }
        }
        fresh.removeAll { merged.contains(Self.eventKey($0)) }

        var pass = FinancePass(confirmed: confirmed.count)
        if !confirmed.isEmpty {
            let ids = confirmed
            try await database.withTransaction(tenant: tenant) { db in
                _ = try await db.query("UPDATE cases.recoveries SET confirmed_by_finance = true WHERE entry_id = ANY(\(ids))", logger: logger)
            }
        }
        if !fresh.isEmpty { pass.added = try await enterFromFinances(fresh, tenant: tenant, connection: connection) }
        return pass
    }

    /// The case an adjustment event pays, when only one can be it. Several cases of one item (a
    /// unit lost twice, say) are told apart by what is still owed on each (the payment cannot
    /// exceed it) and then by the units: an approval in full pays the case's units, in part fewer.
    static func theOneCase(paying total: Money, quantity: Int?, among candidates: [ReimbursementCase]) -> ReimbursementCase? {
        guard candidates.count > 1 else { return candidates.first }
        guard total.amountMinor > 0 else { return nil }
        let owing = candidates.filter { total.amountMinor <= $0.amountClaimed.amountMinor - $0.recovered.amountMinor }
        if owing.count == 1 { return owing[0] }
        guard let quantity else { return nil }
        let sameUnits = owing.filter { $0.units == quantity }
        return sameUnits.count == 1 ? sameUnits[0] : nil
    }

    /// Enters adjustment events as ledger entries of their own, each credited to the one filed
    /// case it can pay (same item, a type the adjustment pays, filed before it posted; for a
    /// clawback, the one case of the item that has money) or to Amazon's automatic payments.
    private func enterFromFinances(_ events: [AdjustmentEventRecord], tenant: UUID, connection: UUID) async throws -> Int {
        let now = clocks.wall.now
        let logger = self.logger
        let store = self.store
        let added = try await database.withTransaction(tenant: tenant) { db -> Int in
            let open = try await store.cases(connection: connection, statuses: CaseStatus.withAmazon, on: db)
            struct New {
                var id: UUID
                var event: AdjustmentEventRecord
                var type: String
                var amount: Money
                var caseId: UUID?
                var claimType: String?
                var amazonCaseId: String?
            }
            var news: [New] = []
            for event in events {
                guard let total = event.total else { continue }
                let type = (event.adjustmentType ?? "").uppercased()
                let sku = event.sellerSKU ?? "", fnsku = event.fnsku ?? ""
                let candidates = open.filter { item in
                    guard Self.sameItem(sku: sku, fnsku: fnsku, as: (item.sku ?? "", item.fnsku ?? "")),
                          item.amountClaimed.currency == total.currency else { return false }
                    if total.amountMinor < 0 { return item.recovered.amountMinor > 0 }
                    guard let types = Self.claimTypesByAdjustmentType[type], types.contains(item.claimType),
                          let filed = item.filedAt, let posted = event.postedAt else { return false }
                    return filed <= posted.addingTimeInterval(86_400) && item.status != .denied && item.status != .paid
                }
                let match = Self.theOneCase(paying: total, quantity: event.quantity, among: candidates)
                news.append(New(id: UUID(), event: event, type: type, amount: total, caseId: match?.id, claimType: match?.claimType,
                                amazonCaseId: match?.amazonCaseId))
            }
            guard !news.isEmpty else { return 0 }
            let rows = try await db.query("""
                INSERT INTO cases.recoveries (entry_id, tenant_id, connection_id, marketplace_id, reimbursement_id, sku, fnsku, amazon_order_id,
                    approval_date, reason, amazon_case_id, kind, attribution, case_id, claim_type, cash_minor, inventory_units,
                    inventory_value_minor, amount_minor, currency, confirmed_by_finance, recorded_at, source, finance_event)
                SELECT e.entry_id, \(tenant), \(connection), e.marketplace_id, 'finances:' || e.event, e.sku, e.fnsku, '', e.posted_at,
                    e.reason, NULLIF(e.amazon_case_id, ''), CASE WHEN e.amount < 0 THEN 'reversal' ELSE 'reimbursement' END,
                    CASE WHEN e.case_id = '' THEN 'automatic' ELSE 'case' END, NULLIF(e.case_id, '')::uuid, NULLIF(e.claim_type, ''),
                    e.amount, 0, 0, e.amount, e.currency, true, \(now), 'finances', e.event
                FROM unnest(\(news.map(\.id)), \(news.map(\.event.marketplaceID)), \(news.map { Self.eventKey($0.event) }),
                            \(news.map { $0.event.sellerSKU ?? "" }), \(news.map { $0.event.fnsku ?? "" }), \(news.map { $0.event.postedAt! }),
                            \(news.map(\.type)), \(news.map { $0.amazonCaseId ?? "" }), \(news.map { $0.caseId?.uuidString.lowercased() ?? "" }),
                            \(news.map { $0.claimType ?? "" }), \(news.map(\.amount.amountMinor)), \(news.map(\.amount.currency.code)))
                     AS e(entry_id, marketplace_id, event, sku, fnsku, posted_at, reason, amazon_case_id, case_id, claim_type, amount, currency)
                ON CONFLICT DO NOTHING
                RETURNING entry_id
                """, logger: logger)
            var inserted = Set<UUID>()
            for try await id in rows.decode(UUID.self) { inserted.insert(id) }
            let entered = news.filter { inserted.contains($0.id) }
            var byCase: [UUID: [Credit]] = [:]
            for entry in entered {
                guard let caseId = entry.caseId else { continue }
                byCase[caseId, default: []].append(Credit(
                    amount: entry.amount, words: "Amazon's Finances show the adjustment \(entry.type) of \(entry.amount) "
                        + "(the reimbursements report lists it days later)"))
            }
            try await store.outbox.publishAll(entered.map { entry in
                ReimbursementReceived(
                    entryId: entry.id, connectionId: connection, reimbursementId: "finances:" + Self.eventKey(entry.event),
                    kind: entry.amount.amountMinor < 0 ? "reversal" : "reimbursement", attribution: entry.caseId == nil ? "automatic" : "case",
                    caseId: entry.caseId, amazonCaseId: entry.amazonCaseId, claimType: entry.claimType, amount: entry.amount,
                    approvalDate: entry.event.postedAt, source: "finances")
            }, tenantId: tenant, on: db)
            try await Self.credit(byCase, tenant: tenant, at: now, store: store, on: db, logger: logger)
            return entered.count
        }
        await store.outbox.wakeRelay()
        return added
    }
}
