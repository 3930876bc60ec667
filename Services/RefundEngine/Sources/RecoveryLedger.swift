import Foundation
import Logging
import OpsideCore
import OpsidePostgres
import PostgresNIO

/// One entry of the recovered-money ledger, as the API lists it.
public struct Recovery: Codable, Sendable, Equatable {
    public var id: UUID
    public var connectionId: UUID
    public var marketplaceId: String
    public var reimbursementId: String
    public var sku: String
    public var fnsku: String
    public var amazonOrderId: String
    public var approvalDate: Date?
    public var reason: String?
    public var amazonCaseId: String?
    public var kind: String
    public var attribution: String
    public var caseId: UUID?
    public var claimType: String?
    public var cash: Money
    public var inventoryUnits: Int
    public var inventoryValue: Money
    public var amount: Money
    public var confirmedByFinance: Bool
    public var recordedAt: Date
    /// `report` (Amazon's reimbursements report) or `finances` (an adjustment event the report
    /// does not list yet; its line replaces this entry when it comes).
    public var source: String
    /// The entries from Finances this report line replaced.
    public var replacesEntryIds: [UUID]
}

/// The ledger's totals (`GET /internal/recoveries/summary`), per currency, never mixed.
public struct RecoverySummary: Codable, Sendable, Equatable {
    public struct Month: Codable, Sendable, Equatable {
        /// `2026-03`, by Amazon's approval date.
        public var month: String
        public var attribution: String
        public var amount: Money
    }
    public struct ByType: Codable, Sendable, Equatable {
        /// The claim type of the case paid; `automatic` for Amazon's own payments.
        public var claimType: String
        public var entries: Int
        public var amount: Money
    }
    public var totals: [Money]
    public var byCase: [Money]
    public var automatic: [Money]
    public var byMonth: [Month]
    public var byType: [ByType]
}

/// Reads `cases.recoveries` for the API.
public struct RecoveryLedger: Sendable {
    let database: Database
    let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    static let columns = """
        entry_id, connection_id, marketplace_id, reimbursement_id, sku, fnsku, amazon_order_id, approval_date, reason, amazon_case_id, kind,
        attribution, case_id, claim_type, cash_minor, inventory_units, inventory_value_minor, amount_minor, currency, confirmed_by_finance,
        recorded_at, source, replaced_entry_ids
        """

    static func recovery(_ row: PostgresRow) throws -> Recovery {
        let r = row.makeRandomAccess()
        let currency = try Currency(code: try r["currency"].decode(String.self))
        func money(_ name: String) throws -> Money { Money(amountMinor: try r[name].decode(Int64.self), currency: currency) }
        return Recovery(
            id: try r["entry_id"].decode(UUID.self), connectionId: try r["connection_id"].decode(UUID.self),
            marketplaceId: try r["marketplace_id"].decode(String.self), reimbursementId: try r["reimbursement_id"].decode(String.self),
            sku: try r["sku"].decode(String.self), fnsku: try r["fnsku"].decode(String.self),
            amazonOrderId: try r["amazon_order_id"].decode(String.self), approvalDate: try r["approval_date"].decode(Date?.self),
            reason: try r["reason"].decode(String?.self), amazonCaseId: try r["amazon_case_id"].decode(String?.self),
            kind: try r["kind"].decode(String.self), attribution: try r["attribution"].decode(String.self),
            caseId: try r["case_id"].decode(UUID?.self), claimType: try r["claim_type"].decode(String?.self), cash: try money("cash_minor"),
            inventoryUnits: Int(try r["inventory_units"].decode(Int32.self)), inventoryValue: try money("inventory_value_minor"),
            amount: try money("amount_minor"), confirmedByFinance: try r["confirmed_by_finance"].decode(Bool.self),
            recordedAt: try r["recorded_at"].decode(Date.self), source: try r["source"].decode(String.self),
            replacesEntryIds: try r["replaced_entry_ids"].decode([UUID].self))
    }

    /// A page of entries, newest approval first; `caseId` narrows to one case's money.
    public func list(tenant: UUID, caseId: UUID? = nil, attribution: String? = nil, limit: Int, offset: Int) async throws -> [Recovery] {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenant) { db in
            let rows = try await db.query("""
                SELECT \(unescaped: Self.columns) FROM cases.recoveries
                WHERE (\(caseId)::uuid IS NULL OR case_id = \(caseId)) AND (\(attribution)::text IS NULL OR attribution = \(attribution))
                ORDER BY approval_date DESC NULLS LAST, entry_id LIMIT \(limit) OFFSET \(offset)
                """, logger: logger)
            var found: [Recovery] = []
            for try await row in rows { found.append(try Self.recovery(row)) }
            return found
        }
    }

    public func summary(tenant: UUID) async throws -> RecoverySummary {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenant) { db in
            var byCase: [Money] = [], automatic: [Money] = [], totals: [Currency: Int64] = [:]
            var byMonth: [RecoverySummary.Month] = [], byType: [RecoverySummary.ByType] = []
            for try await (month, attribution, minor, code) in try await db.query("""
                SELECT to_char(approval_date AT TIME ZONE 'UTC', 'YYYY-MM'), attribution, sum(amount_minor)::bigint, currency
                FROM cases.recoveries WHERE approval_date IS NOT NULL GROUP BY 1, 2, 4 ORDER BY 1, 2, 4
                """, logger: logger).decode((String, String, Int64, String).self) {
                byMonth.append(.init(month: month, attribution: attribution, amount: Money(amountMinor: minor, currency: try Currency(code: code))))
            }
            for try await (type, entries, minor, code) in try await db.query("""
                SELECT CASE WHEN attribution = 'automatic' THEN 'automatic' ELSE coalesce(claim_type, 'unknown') END, count(*),
                       sum(amount_minor)::bigint, currency
                FROM cases.recoveries GROUP BY 1, 4 ORDER BY 1, 4
                """, logger: logger).decode((String, Int64, Int64, String).self) {
                let money = Money(amountMinor: minor, currency: try Currency(code: code))
                byType.append(.init(claimType: type, entries: Int(entries), amount: money))
                totals[money.currency, default: 0] += minor
                if type == "automatic" { automatic.append(money) } else { byCase.append(money) }
            }
            let merged = { (amounts: [Money]) -> [Money] in
                Dictionary(grouping: amounts, by: \.currency).map { Money(amountMinor: $1.reduce(0) { $0 + $1.amountMinor }, currency: $0) }
                    .sorted { $0.currency < $1.currency }
            }
            return RecoverySummary(totals: totals.map { Money(amountMinor: $1, currency: $0) }.sorted { $0.currency < $1.currency },
                                   byCase: merged(byCase), automatic: merged(automatic), byMonth: byMonth, byType: byType)
        }
    }
}
