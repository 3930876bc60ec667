import Foundation
import Logging
import OpsideCore
import OpsidePostgres
import PostgresNIO

/// The claims, runs and known connections in the `claims` schema, read and changed outside a
/// detection (which `ClaimRunApplier` applies). Every statement runs in a transaction scoped to
/// the tenant, so row-level security decides what a tenant can see.
public struct ClaimStore: Sendable {
    let database: Database
    let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    // MARK: Claims

    /// One page of the tenant's claims and the cursor of the next page (nil on the last).
    public func list(tenant: UUID, query: ClaimListQuery) async throws -> (claims: [Claim], nextCursor: String?) {
        let logger = self.logger
        var sql = "SELECT \(ClaimRowReader.columns) FROM claims.claims WHERE tenant_id = $1"
        var bindings = PostgresBindings()
        bindings.append(tenant)
        func bind(_ value: some PostgresDynamicTypeEncodable) -> String {
            bindings.append(value)
            return "$\(bindings.count)"
        }
        if !query.types.isEmpty { sql += " AND claim_type = ANY(\(bind(query.types.map(\.rawValue))))" }
        if !query.statuses.isEmpty { sql += " AND status = ANY(\(bind(query.statuses.map(\.rawValue))))" }
        if let connection = query.connectionId { sql += " AND connection_id = \(bind(connection))" }
        if let marketplace = query.marketplaceId { sql += " AND marketplace_id = \(bind(marketplace))" }
        if let from = query.clockStartedFrom { sql += " AND clock_started_on >= \(bind(from.description))::date" }
        if let through = query.clockStartedThrough { sql += " AND clock_started_on <= \(bind(through.description))::date" }
        if let before = query.deadlineBefore { sql += " AND deadline < \(bind(before.description))::date" }
        let column = query.sort.column
        let direction = query.descending ? "DESC" : "ASC"
        if let cursor = query.cursor {
            sql += " AND (\(column.name), claim_id) \(query.descending ? "<" : ">") (\(bind(cursor.value))::\(column.cast), \(bind(cursor.id)))"
        }
        sql += " ORDER BY \(column.name) \(direction), claim_id \(direction) LIMIT \(query.limit + 1)"
        let statement = PostgresQuery(unsafeSQL: sql, binds: bindings)
        var claims = try await database.withTransaction(tenant: tenant) { connection in
            var claims: [Claim] = []
            for try await row in try await connection.query(statement, logger: logger) { claims.append(try ClaimRowReader.claim(row)) }
            return claims
        }
        guard claims.count > query.limit else { return (claims, nil) }
        claims.removeLast(claims.count - query.limit)
        let last = claims[claims.count - 1]
        let value = switch query.sort {
        case .deadline: last.deadline.description
        case .amount: String(last.amount.amountMinor)
        case .clockStartedOn: last.clockStartedOn.description
        case .type: last.type.rawValue
        }
        return (claims, ClaimCursor(sort: query.sort.rawValue, descending: query.descending, value: value, id: last.id).opaque)
    }

    public func claim(tenant: UUID, id: UUID) async throws -> Claim? {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenant) { connection in
            let rows = try await connection.query(
                "SELECT \(unescaped: ClaimRowReader.columns) FROM claims.claims WHERE claim_id = \(id)", logger: logger)
            for try await row in rows { return try ClaimRowReader.claim(row) }
            return nil
        }
    }

    /// Marks the claim dismissed with the seller's reason; it stays dismissed through later runs
    /// (its numbers still update). Dismissing again replaces the reason.
    public func dismiss(tenant: UUID, id: UUID, reason: String, by: String, at: Date) async throws -> Claim? {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenant) { connection in
            // A detection of the claim's connection merges from what it read: it finishes first.
            let owners = try await connection.query("SELECT connection_id FROM claims.claims WHERE claim_id = \(id)", logger: logger)
            var owner: UUID?
            for try await connectionId in owners.decode(UUID.self) { owner = connectionId }
            guard let owner else { return nil }
            try await ClaimRunApplier.lockConnection(tenant: tenant, connection: owner, on: connection, logger: logger)
            let rows = try await connection.query("""
                UPDATE claims.claims SET status = 'dismissed', dismissed_reason = \(reason), dismissed_by = \(by), dismissed_at = \(at)
                WHERE claim_id = \(id)
                RETURNING \(unescaped: ClaimRowReader.columns)
                """, logger: logger)
            for try await row in rows { return try ClaimRowReader.claim(row) }
            return nil
        }
    }

    /// What the tenant's claims add up to by status, type and currency, and the open claims whose
    /// deadline falls within 7 and 30 days of `today` (each marketplace's own today).
    public func summary(tenant: UUID, today: @escaping @Sendable (String) -> CivilDate) async throws -> ClaimSummary {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenant) { connection in
            var groups: [ClaimSummary.Group] = []
            let grouped = try await connection.query("""
                SELECT status, claim_type, currency, count(*)::bigint, sum(amount_minor)::bigint FROM claims.claims
                GROUP BY status, claim_type, currency ORDER BY status, claim_type, currency
                """, logger: logger)
            for try await (status, type, currency, count, sum) in grouped.decode((String, String, String, Int64, Int64).self) {
                guard let status = ClaimStatus(rawValue: status), let type = ClaimType(rawValue: type) else {
                    throw ClaimStoreError.corruptRow("unknown claim type or status")
                }
                groups.append(ClaimSummary.Group(status: status, type: type, claims: Int(count),
                                                 amount: Money(amountMinor: sum, currency: try Currency(code: currency))))
            }
            var marketplaces: [String] = []
            for try await id in try await connection.query("SELECT DISTINCT marketplace_id FROM claims.claims", logger: logger)
                .decode(String.self) { marketplaces.append(id) }
            let days = marketplaces.map { today($0).description }
            func due(within window: Int) async throws -> [ClaimSummary.Due] {
                let rows = try await connection.query("""
                    SELECT c.currency, count(*)::bigint, sum(c.amount_minor)::bigint
                    FROM claims.claims c JOIN unnest(\(marketplaces)::text[], \(days)::date[]) AS t(marketplace_id, today)
                      ON t.marketplace_id = c.marketplace_id
                    WHERE c.status = 'claimable' AND c.deadline >= t.today AND c.deadline <= t.today + \(Int32(window))
                    GROUP BY c.currency ORDER BY c.currency
                    """, logger: logger)
                var due: [ClaimSummary.Due] = []
                for try await (currency, count, sum) in rows.decode((String, Int64, Int64).self) {
                    due.append(ClaimSummary.Due(claims: Int(count), amount: Money(amountMinor: sum, currency: try Currency(code: currency))))
                }
                return due
            }
            var months: [ClaimSummary.Month] = []
            let latest = days.max() ?? CivilDate(instant: Date(), timeZone: "UTC").description
            let monthly = try await connection.query("""
                SELECT to_char(date_trunc('month', clock_started_on), 'YYYY-MM') AS month, currency, count(*)::bigint, sum(amount_minor)::bigint
                FROM claims.claims
                WHERE status <> 'dismissed'
                  AND clock_started_on >= date_trunc('month', \(latest)::date) - make_interval(months => \(Int32(ClaimSummary.months - 1)))
                GROUP BY 1, 2 ORDER BY 1, 2
                """, logger: logger)
            for try await (month, currency, count, sum) in monthly.decode((String, String, Int64, Int64).self) {
                months.append(ClaimSummary.Month(month: month, claims: Int(count), amount: Money(amountMinor: sum, currency: try Currency(code: currency))))
            }
            return ClaimSummary(byStatusTypeAndCurrency: groups, deadlinesWithin7Days: try await due(within: 7),
                                deadlinesWithin30Days: try await due(within: 30), byMonth: months)
        }
    }

    // MARK: Detection runs

    func startRun(_ run: DetectionRun) async throws {
        let logger = self.logger
        try await database.withTransaction(tenant: run.tenantId) { connection in
            try await connection.query("""
                INSERT INTO claims.detection_runs (run_id, tenant_id, connection_id, as_of, state, trigger, started_at)
                VALUES (\(run.runId), \(run.tenantId), \(run.connectionId), \(run.asOf?.description)::date, 'running',
                        \(run.trigger.rawValue), \(run.startedAt))
                """, logger: logger)
        }
    }

    func finishRun(tenant: UUID, runId: UUID, state: DetectionRun.State, error: String?, at: Date) async throws -> DetectionRun? {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenant) { connection in
            try await connection.query("""
                UPDATE claims.detection_runs SET state = \(state.rawValue), error_message = \(error), finished_at = \(at)
                WHERE run_id = \(runId)
                """, logger: logger)
            return try await Self.run(runId, on: connection, logger: logger)
        }
    }

    public func run(tenant: UUID, runId: UUID) async throws -> DetectionRun? {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenant) { connection in try await Self.run(runId, on: connection, logger: logger) }
    }

    static func run(_ runId: UUID, on connection: PostgresConnection, logger: Logger) async throws -> DetectionRun? {
        let rows = try await connection.query("""
            SELECT run_id, tenant_id, connection_id, as_of::text, state, trigger, started_at, finished_at, claims_new, claims_updated,
                   claims_resolved, claims_reopened, claims_unchanged, error_message
            FROM claims.detection_runs WHERE run_id = \(runId)
            """, logger: logger)
        for try await row in rows {
            let r = row.makeRandomAccess()
            guard let state = DetectionRun.State(rawValue: try r["state"].decode(String.self)),
                  let trigger = DetectionRun.Trigger(rawValue: try r["trigger"].decode(String.self)) else {
                throw ClaimStoreError.corruptRow("unknown run state or trigger")
            }
            return DetectionRun(
                runId: try r["run_id"].decode(UUID.self), tenantId: try r["tenant_id"].decode(UUID.self),
                connectionId: try r["connection_id"].decode(UUID?.self), asOf: try r["as_of"].decode(String?.self).flatMap { CivilDate(iso: $0) },
                state: state, trigger: trigger, startedAt: try r["started_at"].decode(Date.self), finishedAt: try r["finished_at"].decode(Date?.self),
                counts: DetectionCounts(new: Int(try r["claims_new"].decode(Int32.self)), updated: Int(try r["claims_updated"].decode(Int32.self)),
                                        resolved: Int(try r["claims_resolved"].decode(Int32.self)),
                                        reopened: Int(try r["claims_reopened"].decode(Int32.self)),
                                        unchanged: Int(try r["claims_unchanged"].decode(Int32.self))),
                errorMessage: try r["error_message"].decode(String?.self))
        }
        return nil
    }

    // MARK: Known connections

    /// Records that the tenant has the connection, for the daily detection.
    public func remember(tenant: UUID, connection: UUID, at: Date) async throws {
        let logger = self.logger
        try await database.withTransaction(tenant: tenant) { db in
            try await db.query("""
                INSERT INTO claims.known_connections (tenant_id, connection_id, first_seen_at, last_seen_at)
                VALUES (\(tenant), \(connection), \(at), \(at))
                ON CONFLICT (tenant_id, connection_id) DO UPDATE SET last_seen_at = EXCLUDED.last_seen_at
                """, logger: logger)
        }
    }

    /// Every tenant's known connections (the `daily_scan` policy, for this transaction only).
    /// The tenant's connections claim-detector has heard of.
    public func knownConnections(tenant: UUID) async throws -> [UUID] {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenant) { db in
            var found: [UUID] = []
            let rows = try await db.query("SELECT connection_id FROM claims.known_connections ORDER BY connection_id", logger: logger)
            for try await connection in rows.decode(UUID.self) { found.append(connection) }
            return found
        }
    }

    public func allKnownConnections() async throws -> [(tenant: UUID, connection: UUID)] {
        let logger = self.logger
        return try await database.withTransaction { db in
            try await db.query("SELECT set_config('opside.claims_daily_scan', 'on', true)", logger: logger)
            var found: [(tenant: UUID, connection: UUID)] = []
            let rows = try await db.query("SELECT tenant_id, connection_id FROM claims.known_connections ORDER BY tenant_id, connection_id",
                                          logger: logger)
            for try await (tenant, connection) in rows.decode((UUID, UUID).self) { found.append((tenant, connection)) }
            return found
        }
    }
}

/// The tenant's claims added up (`GET /internal/claims/summary`); amounts of different
/// currencies are never summed together.
public struct ClaimSummary: Codable, Sendable, Equatable {
    public struct Group: Codable, Sendable, Equatable {
        public var status: ClaimStatus
        public var type: ClaimType
        public var claims: Int
        public var amount: Money
    }

    public struct Due: Codable, Sendable, Equatable {
        public var claims: Int
        public var amount: Money
    }

    /// The claims of one month (by the day their clock started: when the loss happened), per currency.
    public struct Month: Codable, Sendable, Equatable {
        /// `2026-03`.
        public var month: String
        public var claims: Int
        public var amount: Money
    }

    public var byStatusTypeAndCurrency: [Group]
    /// Claimable claims whose deadline is within 7 days (today included), per currency.
    public var deadlinesWithin7Days: [Due]
    public var deadlinesWithin30Days: [Due]
    /// The last `ClaimSummary.months` months' claims found (dismissed ones left out), oldest first.
    public var byMonth: [Month]

    /// How many months `byMonth` covers.
    public static let months = 18
}
