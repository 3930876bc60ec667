import Foundation
import Logging
import OpsideCore
import OpsidePostgres

/// The case desk's numbers for a tenant (`GET /internal/cases/metrics`); amounts of different
/// currencies are never added together.
public struct CaseMetrics: Codable, Sendable, Equatable {
    public struct Count: Codable, Sendable, Equatable {
        public var status: CaseStatus
        public var cases: Int
    }
    public var byStatus: [Count]
    /// Cases that reached Amazon (filed by a channel or by the seller).
    public var filed: Int
    /// Amazon said yes, in full or in part (or paid).
    public var approved: Int
    public var denied: Int
    /// With Amazon, no answer yet (filed, or a question waiting for the seller).
    public var pending: Int
    /// Unfiled cases whose deadline passed.
    public var missedDeadlines: Int
    /// What the filed cases claimed, per currency.
    public var claimed: [Money]
    /// What Amazon paid on our cases (reversals subtracted), per currency.
    public var recovered: [Money]
    /// What Amazon paid by itself, per currency.
    public var recoveredAutomatically: [Money]
    /// Median days from filing to Amazon's answer; nil before any answer.
    public var medianDaysToDecision: Double?

    static func load(tenant: UUID, database: Database, logger: Logger) async throws -> CaseMetrics {
        try await database.withTransaction(tenant: tenant) { db in
            var byStatus: [Count] = []
            for try await (status, count) in try await db.query("SELECT status, count(*) FROM cases.cases GROUP BY status ORDER BY status",
                                                                 logger: logger).decode((String, Int64).self) {
                if let status = CaseStatus(rawValue: status) { byStatus.append(Count(status: status, cases: Int(count))) }
            }
            func count(_ statuses: [CaseStatus]) -> Int { byStatus.filter { statuses.contains($0.status) }.reduce(0) { $0 + $1.cases } }
            var claimed: [Money] = []
            for try await (minor, currency) in try await db.query("""
                SELECT sum(amount_claimed_minor)::bigint, currency FROM cases.cases WHERE amazon_case_id IS NOT NULL GROUP BY currency ORDER BY currency
                """, logger: logger).decode((Int64, String).self) {
                claimed.append(Money(amountMinor: minor, currency: try Currency(code: currency)))
            }
            var recovered: [Money] = [], automatic: [Money] = []
            for try await (attribution, minor, currency) in try await db.query("""
                SELECT attribution, sum(amount_minor)::bigint, currency FROM cases.recoveries GROUP BY attribution, currency ORDER BY currency
                """, logger: logger).decode((String, Int64, String).self) {
                let money = Money(amountMinor: minor, currency: try Currency(code: currency))
                if attribution == "case" { recovered.append(money) } else { automatic.append(money) }
            }
            var median: Double?
            for try await value in try await db.query("""
                SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM decided_at - filed_at) / 86400)
                FROM cases.cases WHERE decided_at IS NOT NULL AND filed_at IS NOT NULL
                """, logger: logger).decode(Double?.self) {
                median = value.map { ($0 * 10).rounded() / 10 }
            }
            return CaseMetrics(
                byStatus: byStatus, filed: count(CaseStatus.withAmazon), approved: count([.approved, .partiallyApproved, .paid, .partiallyPaid]),
                denied: count([.denied]), pending: count([.filed, .moreInformationNeeded]), missedDeadlines: count([.missed]),
                claimed: claimed, recovered: recovered, recoveredAutomatically: automatic, medianDaysToDecision: median)
        }
    }
}
