import Foundation
import Logging
import OpsidePostgres

/// How often Amazon approved this tenant's cases of each type: the chance used to rank the queue
/// by expected value when the daily limit is shorter than it. Before any case of a type was
/// decided it is the configured prior; each decision moves it (a Beta prior worth four cases).
public struct ApprovalRates: Sendable {
    let database: Database
    let prior: Double
    let logger: Logger
    /// How many decided cases the prior weighs as.
    static let priorWeight = 4.0

    public init(database: Database, prior: Double, logger: Logger) {
        self.database = database
        self.prior = prior
        self.logger = logger
    }

    public struct Table: Sendable, Equatable {
        public var prior: Double
        /// Per claim type: (approved, decided).
        public var outcomes: [String: (approved: Int, decided: Int)]

        public func probability(type: String) -> Double {
            let (approved, decided) = outcomes[type] ?? (0, 0)
            return (Double(approved) + ApprovalRates.priorWeight * prior) / (Double(decided) + ApprovalRates.priorWeight)
        }

        public static func == (lhs: Table, rhs: Table) -> Bool {
            lhs.prior == rhs.prior && lhs.outcomes.mapValues { [$0.approved, $0.decided] } == rhs.outcomes.mapValues { [$0.approved, $0.decided] }
        }
    }

    public func rates(tenant: UUID) async throws -> Table {
        let logger = self.logger
        let outcomes = try await database.withTransaction(tenant: tenant) { db in
            // A case counts as approved once Amazon said yes (in full or in part) or paid it.
            let rows = try await db.query("""
                SELECT claim_type,
                       count(*) FILTER (WHERE status IN ('approved', 'partially_approved', 'paid', 'partially_paid', 'reversed')),
                       count(*)
                FROM cases.cases
                WHERE status IN ('approved', 'partially_approved', 'denied', 'paid', 'partially_paid', 'reversed')
                GROUP BY claim_type
                """, logger: logger)
            var outcomes: [String: (approved: Int, decided: Int)] = [:]
            for try await (type, approved, decided) in rows.decode((String, Int64, Int64).self) {
                outcomes[type] = (Int(approved), Int(decided))
            }
            return outcomes
        }
        return Table(prior: prior, outcomes: outcomes)
    }
}
