import Foundation
import Logging
import OpsideAmazonData
import OpsideCore
import OpsideEvents
import OpsidePostgres
import PostgresNIO

/// From Amazon's money back to cases: every synced reimbursement line becomes one entry of the
/// recovered-money ledger, attributed to the case whose Amazon case id it carries (or, for a
/// reversal, to the case its original paid) or to Amazon's own automatic payments. Each entry is
/// keyed by the synced row's key and inserted with `ON CONFLICT DO NOTHING`, and its
/// `reimbursement.received` is published in the same transaction: a re-sync, a replayed event or
/// a crash half way never counts a line twice, and never loses its event. Finances adjustment
/// events confirm those lines, or bring the money the report does not list yet, until its line
/// replaces it (`Reconciler+Finances.swift`).
public struct Reconciler: Sendable {
    let reader: AmazonDataReader
    let store: CaseStore
    let database: Database
    let clocks: ServiceClocks
    let logger: Logger
    let batchSize: Int

    public init(reader: AmazonDataReader, store: CaseStore, database: Database, clocks: ServiceClocks, logger: Logger, batchSize: Int = 1000) {
        self.reader = reader
        self.store = store
        self.database = database
        self.clocks = clocks
        self.logger = logger
        self.batchSize = batchSize
    }

    /// What one pass entered.
    public struct Pass: Codable, Sendable, Equatable {
        /// Lines new to the ledger.
        public var entered = 0
        public var attributedToCases = 0
        public var automatic = 0
        public var reversals = 0
        /// Lines already in the ledger (an earlier pass entered them).
        public var alreadyEntered = 0
        /// Lines without a currency or an amount, left out and logged.
        public var unreadable = 0
        /// Unfiled cases Amazon paid by itself in full, withdrawn.
        public var withdrawn = 0
        /// Entries a Finances adjustment event confirmed in this pass.
        public var confirmedByFinance = 0
        /// Entries made from Finances adjustment events the reimbursements report does not list (yet).
        public var addedFromFinance = 0
        /// Entries from Finances that a report line replaced in this pass.
        public var replacedFinanceEntries = 0
    }

    /// Money added to (or, negative, taken from) a case, with the words its history gives.
    struct Credit {
        var amount: Money
        var words: String
    }

    /// One reimbursement line made ready for the ledger.
    struct Entry {
        var id: UUID
        var record: ReimbursementRecord
        var kind: String
        var cash: Int64
        var inventoryUnits: Int
        var inventoryValue: Int64
        var amount: Money
        var caseId: UUID?
        var claimType: String?
        var attribution: String { caseId == nil ? "automatic" : "case" }
    }

    /// Reconciles every reimbursement line synced for the connection.
    public func reconcile(tenant: UUID, connection: UUID) async throws -> Pass {
        var pass = Pass()
        var batch: [ReimbursementRecord] = []
        for try await record in reader.reimbursements(tenant: tenant, connection: connection) {
            batch.append(record)
            if batch.count == batchSize {
                try await enter(batch, tenant: tenant, connection: connection, pass: &pass)
                batch.removeAll(keepingCapacity: true)
            }
        }
        if !batch.isEmpty { try await enter(batch, tenant: tenant, connection: connection, pass: &pass) }
        let finances = try await reconcileFinances(tenant: tenant, connection: connection)
        pass.confirmedByFinance = finances.confirmed
        pass.addedFromFinance = finances.added
        await store.outbox.wakeRelay()
        return pass
    }

    private func enter(_ records: [ReimbursementRecord], tenant: UUID, connection: UUID, pass: inout Pass) async throws {
        let now = clocks.wall.now
        let logger = self.logger
        let store = self.store
        let result = try await database.withTransaction(tenant: tenant) { db -> Pass in
            var pass = Pass()
            // The cases these lines name, by Amazon case id; and the ledger entries reversals point at.
            let caseIds = Set(records.compactMap { $0.caseID?.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
            var casesByAmazonId: [String: (id: UUID, type: String)] = [:]
            if !caseIds.isEmpty {
                let rows = try await db.query("""
                    SELECT amazon_case_id, case_id, claim_type FROM cases.cases
                    WHERE connection_id = \(connection) AND amazon_case_id = ANY(\(Array(caseIds)))
                    """, logger: logger)
                for try await (amazonId, id, type) in rows.decode((String, UUID, String).self) { casesByAmazonId[amazonId] = (id, type) }
            }
            let originals = Set(records.compactMap(\.originalReimbursementID).filter { !$0.isEmpty })
            var originalCases: [String: (id: UUID, type: String?)] = [:]
            if !originals.isEmpty {
                let rows = try await db.query("""
                    SELECT reimbursement_id, case_id, claim_type FROM cases.recoveries
                    WHERE connection_id = \(connection) AND reimbursement_id = ANY(\(Array(originals))) AND case_id IS NOT NULL
                    """, logger: logger)
                for try await (reimbursementId, id, type) in rows.decode((String, UUID, String?).self) { originalCases[reimbursementId] = (id, type) }
            }
            var entries: [Entry] = []
            for record in records {
                guard let entry = Self.entry(record, casesByAmazonId: casesByAmazonId, originalCases: originalCases) else {
                    pass.unreadable += 1
                    logger.warning("a reimbursement line without a currency or an amount is left out of the ledger",
                                   metadata: ["reimbursement": "\(record.reimbursementID)", "connection": "\(connection)"])
                    continue
                }
                // A line naming an original this same batch enters, attributed to a case.
                if entry.kind == "reversal", entry.caseId == nil, let original = record.originalReimbursementID,
                   let paid = entries.first(where: { $0.record.reimbursementID == original && $0.caseId != nil }) {
                    var linked = entry
                    linked.caseId = paid.caseId
                    linked.claimType = paid.claimType
                    entries.append(linked)
                } else {
                    entries.append(entry)
                }
            }
            guard !entries.isEmpty else { return pass }
            let inserted = try await Self.insert(entries, tenant: tenant, connection: connection, at: now, on: db, logger: logger)
            pass.alreadyEntered = entries.count - inserted.count
            let new = entries.filter { inserted.contains($0.id) }
            // Money Finances showed first is now these lines': their entries go, their money with them.
            let replaced = try await Self.takeOver(new, connection: connection, on: db, logger: logger)
            var byCase: [UUID: [Credit]] = [:]
            for entry in new {
                pass.entered += 1
                if entry.kind == "reversal" { pass.reversals += 1 }
                if let caseId = entry.caseId {
                    pass.attributedToCases += 1
                    byCase[caseId, default: []].append(Credit(
                        amount: entry.amount, words: "Amazon's reimbursements report shows "
                            + "\(entry.kind == "reversal" ? "reversal" : "reimbursement") \(entry.record.reimbursementID): \(entry.amount)"))
                } else {
                    pass.automatic += 1
                }
                for finance in replaced[entry.id] ?? [] {
                    pass.replacedFinanceEntries += 1
                    guard let caseId = finance.caseId else { continue }
                    byCase[caseId, default: []].append(Credit(
                        amount: Money(amountMinor: -finance.amount.amountMinor, currency: finance.amount.currency),
                        words: "the Finances adjustment \(finance.adjustmentType) of \(finance.amount) is now report line \(entry.record.reimbursementID)"))
                }
            }
            try await store.outbox.publishAll(new.map { entry in
                let earlier = replaced[entry.id] ?? []
                return ReimbursementReceived(
                    entryId: entry.id, connectionId: connection, reimbursementId: entry.record.reimbursementID, kind: entry.kind,
                    attribution: entry.attribution, caseId: entry.caseId, amazonCaseId: entry.record.caseID, claimType: entry.claimType,
                    amount: entry.amount, approvalDate: entry.record.approvalDate, replacesEntryIds: earlier.map(\.id),
                    replacedAmount: earlier.isEmpty ? nil : Money(amountMinor: earlier.reduce(0) { $0 + $1.amount.amountMinor },
                                                                   currency: entry.amount.currency))
            }, tenantId: tenant, on: db)
            try await Self.credit(byCase, tenant: tenant, at: now, store: store, on: db, logger: logger)
            pass.withdrawn = try await Self.withdrawPaidAutomatically(entries.filter { inserted.contains($0.id) && $0.caseId == nil && $0.kind != "reversal" },
                                                                       connection: connection, store: store, at: now, on: db)
            return pass
        }
        pass.entered += result.entered
        pass.attributedToCases += result.attributedToCases
        pass.automatic += result.automatic
        pass.reversals += result.reversals
        pass.alreadyEntered += result.alreadyEntered
        pass.unreadable += result.unreadable
        pass.withdrawn += result.withdrawn
        pass.replacedFinanceEntries += result.replacedFinanceEntries
    }

    /// The ledger entry of one line; nil when it carries no currency or amount to count.
    static func entry(_ record: ReimbursementRecord, casesByAmazonId: [String: (id: UUID, type: String)],
                      originalCases: [String: (id: UUID, type: String?)]) -> Entry? {
        let code = record.currency ?? record.amountTotal?.currency.code ?? record.amountPerUnit?.currency.code
        guard let code, let currency = try? Currency(code: code) else { return nil }
        let perUnit = record.amountPerUnit?.amountMinor ?? 0
        let inventoryUnits = record.quantityInventory ?? 0
        let cash = record.amountTotal?.amountMinor ?? perUnit * Int64(record.quantityCash ?? 0)
        guard record.amountTotal != nil || record.amountPerUnit != nil else { return nil }
        // Units paid in kind are money too, at Amazon's own per-unit value (never below zero:
        // a reversal's clawed-back units are counted in its negative cash).
        let inventoryValue = inventoryUnits > 0 ? abs(perUnit) * Int64(inventoryUnits) : 0
        let amount = cash + inventoryValue
        let isReversal = (record.reason ?? "").lowercased().contains("reversal") || amount < 0
        var entry = Entry(id: UUID(), record: record, kind: isReversal ? "reversal" : "reimbursement", cash: cash,
                          inventoryUnits: inventoryUnits, inventoryValue: inventoryValue,
                          amount: Money(amountMinor: isReversal ? -abs(amount) : amount, currency: currency), caseId: nil, claimType: nil)
        if let amazonId = record.caseID?.trimmingCharacters(in: .whitespaces), let match = casesByAmazonId[amazonId] {
            entry.caseId = match.id
            entry.claimType = match.type
        } else if isReversal, let original = record.originalReimbursementID, let match = originalCases[original] {
            entry.caseId = match.id
            entry.claimType = match.type
        }
        return entry
    }

    /// Inserts the entries that are new; the ids of those inserted.
    static func insert(_ entries: [Entry], tenant: UUID, connection: UUID, at now: Date, on db: PostgresConnection,
                       logger: Logger) async throws -> Set<UUID> {
        let rows = try await db.query("""
            INSERT INTO cases.recoveries (entry_id, tenant_id, connection_id, marketplace_id, reimbursement_id, sku, fnsku, amazon_order_id,
                approval_date, reason, amazon_case_id, original_reimbursement_id, kind, attribution, case_id, claim_type, cash_minor,
                inventory_units, inventory_value_minor, amount_minor, currency, recorded_at)
            SELECT e.entry_id, \(tenant), \(connection), e.marketplace_id, e.reimbursement_id, e.sku, e.fnsku, e.amazon_order_id,
                NULLIF(e.approval_date, '')::timestamptz, NULLIF(e.reason, ''), NULLIF(e.amazon_case_id, ''), NULLIF(e.original_id, ''),
                e.kind, e.attribution, NULLIF(e.case_id, '')::uuid, NULLIF(e.claim_type, ''), e.cash, e.inventory_units,
                e.inventory_value, e.amount, e.currency, \(now)
            FROM unnest(\(entries.map(\.id)), \(entries.map(\.record.marketplaceID)), \(entries.map(\.record.reimbursementID)),
                        \(entries.map(\.record.sku)), \(entries.map(\.record.fnsku)), \(entries.map(\.record.amazonOrderID)),
                        \(entries.map { $0.record.approvalDate.map { ISO8601DateFormatter().string(from: $0) } ?? "" }),
                        \(entries.map { $0.record.reason ?? "" }), \(entries.map { $0.record.caseID ?? "" }),
                        \(entries.map { $0.record.originalReimbursementID ?? "" }), \(entries.map(\.kind)), \(entries.map(\.attribution)),
                        \(entries.map { $0.caseId?.uuidString.lowercased() ?? "" }), \(entries.map { $0.claimType ?? "" }),
                        \(entries.map(\.cash)), \(entries.map { Int32($0.inventoryUnits) }), \(entries.map(\.inventoryValue)),
                        \(entries.map(\.amount.amountMinor)), \(entries.map(\.amount.currency.code)))
                 AS e(entry_id, marketplace_id, reimbursement_id, sku, fnsku, amazon_order_id, approval_date, reason, amazon_case_id,
                      original_id, kind, attribution, case_id, claim_type, cash, inventory_units, inventory_value, amount, currency)
            ON CONFLICT (tenant_id, connection_id, marketplace_id, reimbursement_id, sku, fnsku, amazon_order_id) DO NOTHING
            RETURNING entry_id
            """, logger: logger)
        var inserted = Set<UUID>()
        for try await id in rows.decode(UUID.self) { inserted.insert(id) }
        return inserted
    }

    /// Adds each case's new money to it and settles its status, for all the batch's cases in one
    /// statement: the history entry of each, and `case.status_changed` for those whose status
    /// moved (a reconciliation of a large seller touches tens of thousands of cases; one
    /// round trip per case made it take minutes). The SQL applies `settle`'s rule.
    static func credit(_ byCase: [UUID: [Credit]], tenant: UUID, at now: Date, store: CaseStore, on db: PostgresConnection,
                       logger: Logger) async throws {
        guard !byCase.isEmpty else { return }
        let ids = Array(byCase.keys)
        // A case is in one currency: a line in another (none is known) is in the ledger but never added to it.
        let currencies = ids.map { byCase[$0]![0].amount.currency.code }
        let deltas = zip(ids, currencies).map { id, code in
            byCase[id]!.filter { $0.amount.currency.code == code }.reduce(Int64(0)) { $0 + $1.amount.amountMinor }
        }
        let words = ids.map { id in byCase[id]!.map(\.words).joined(separator: "; ") }
        let withAmazon = CaseStatus.withAmazon.map(\.rawValue)
        let rows = try await db.query("""
            WITH paid AS (
                SELECT * FROM unnest(\(ids), \(deltas), \(currencies), \(words)) AS p(case_id, delta, currency, words)
            ), moved AS (
                UPDATE cases.cases c SET
                    recovered_minor = c.recovered_minor + p.delta,
                    status = CASE
                        WHEN NOT (c.status = ANY(\(withAmazon))) THEN c.status
                        WHEN c.recovered_minor + p.delta <= 0 THEN
                            CASE WHEN c.status IN ('paid', 'partially_paid') THEN 'reversed' ELSE c.status END
                        WHEN c.recovered_minor + p.delta >= c.amount_claimed_minor THEN 'paid'
                        ELSE 'partially_paid' END,
                    updated_at = \(now)
                FROM paid p, cases.cases before
                WHERE c.case_id = p.case_id AND before.case_id = p.case_id AND c.currency = p.currency
                RETURNING c.case_id, c.connection_id, c.claim_id, c.claim_type, before.status AS from_status, c.status AS to_status,
                          c.amount_claimed_minor, c.currency, c.amazon_case_id, c.recovered_minor, p.words, c.filed_at,
                          c.documents_ready OR jsonb_array_length(c.attachments) = 0 AS evidence_present
            ), written AS (
                INSERT INTO cases.case_history (tenant_id, case_id, at, from_status, to_status, actor, reason)
                SELECT \(tenant), m.case_id, \(now), CASE WHEN m.from_status <> m.to_status THEN m.from_status END, m.to_status, 'amazon_data',
                       m.words
                FROM moved m
            )
            SELECT case_id, connection_id, claim_id, claim_type, from_status, to_status, amount_claimed_minor, currency, amazon_case_id, words,
                   filed_at, evidence_present
            FROM moved WHERE from_status <> to_status
            """, logger: logger)
        var changes: [CaseStatusChanged] = []
        for try await (id, connection, claim, type, from, to, claimed, currency, amazonCaseId, reason, filedAt, evidencePresent)
            in rows.decode((UUID, UUID, UUID, String, String, String, Int64, String, String?, String, Date?, Bool).self) {
            changes.append(CaseStatusChanged(
                caseId: id, connectionId: connection, claimId: claim, claimType: type, fromStatus: from, toStatus: to,
                actor: CaseActor.amazonData.rawValue, reason: reason,
                amountClaimed: Money(amountMinor: claimed, currency: try Currency(code: currency)), amazonCaseId: amazonCaseId,
                filedAt: filedAt, evidencePresent: evidencePresent))
        }
        try await store.outbox.publishAll(changes, tenantId: tenant, on: db)
    }

    /// Where the money now stands on a case that is with Amazon: paid in full, in part (the rest
    /// stays open), or reversed back to nothing.
    static func settle(_ item: inout ReimbursementCase) {
        guard CaseStatus.withAmazon.contains(item.status) else { return }
        let hadMoney = item.status == .paid || item.status == .partiallyPaid
        if item.recovered.amountMinor <= 0 {
            if hadMoney { item.status = .reversed }
            return
        }
        item.status = item.recovered.amountMinor >= item.amountClaimed.amountMinor ? .paid : .partiallyPaid
    }

    /// The reimbursement reasons that pay each claim type (`fba-reimbursement.md` §3), lowercased.
    static let reasonsByClaimType: [String: Set<String>] = [
        "warehouse_lost": ["lost_warehouse", "lost:warehouse"],
        "warehouse_damaged": ["damaged_warehouse", "damaged:warehouse"],
        "disposed_unrequested": ["damaged_warehouse", "damaged:warehouse", "lost_warehouse"],
        "inbound_shortage": ["lost_inbound", "damaged_inbound", "lost:inbound", "damaged:inbound"],
        "refund_without_return": ["customerreturn", "customerserviceissue"],
        "return_not_restocked": ["customerreturn", "customerserviceissue"],
        "replacement_not_returned": ["customerreturn", "customerserviceissue"],
        "removal_lost": ["removal_order_lost", "removal_order_damaged"],
        "fee_overcharge": ["feecorrection"],
    ]

    /// Unfiled cases that Amazon's own (automatic) reimbursements paid in full: same item (FNSKU,
    /// or the order for order-level claims), a reason that pays the case's type, and at least the
    /// case's units. They are withdrawn; the money stays Amazon's automatic payment, not ours.
    static func withdrawPaidAutomatically(_ entries: [Entry], connection: UUID, store: CaseStore, at now: Date,
                                          on db: PostgresConnection) async throws -> Int {
        guard !entries.isEmpty else { return 0 }
        let waiting = try await store.cases(connection: connection, statuses: CaseStatus.unfiled, on: db)
        var withdrawn = 0
        for item in waiting {
            guard let reasons = reasonsByClaimType[item.claimType] else { continue }
            let order = item.references["orderId"] ?? item.references["originalOrderId"]
            let paying = entries.filter { entry in
                reasons.contains((entry.record.reason ?? "").lowercased())
                    && (order.map { entry.record.amazonOrderID == $0 } ?? (item.fnsku != nil && entry.record.fnsku == item.fnsku))
            }
            let units = paying.reduce(0) { $0 + ($1.record.quantityTotal ?? (($1.record.quantityCash ?? 0) + $1.inventoryUnits)) }
            guard !paying.isEmpty, units >= item.units else { continue }
            let ids = paying.map(\.record.reimbursementID).joined(separator: ", ")
            _ = try await store.change(item.id, on: db, at: now) { item in
                guard CaseStatus.unfiled.contains(item.status) else { return nil }
                item.status = .withdrawn
                return CaseTransition(actor: .amazonData, reason: "Amazon reimbursed \(units) unit\(units == 1 ? "" : "s") by itself (\(ids)): nothing is left to file")
            }
            withdrawn += 1
        }
        return withdrawn
    }
}
