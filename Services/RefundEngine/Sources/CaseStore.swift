import Foundation
import Logging
import OpsideCore
import OpsideEvents
import OpsideJobs
import OpsidePostgres
import PostgresNIO

/// Why a case changed, for its history.
public struct CaseTransition: Sendable {
    public var actor: CaseActor
    public var actorId: String?
    public var reason: String
    /// Write a history entry even when the status stays (a reminder, a retry scheduled).
    public var recordWithoutStatusChange: Bool

    public init(actor: CaseActor, actorId: String? = nil, reason: String, recordWithoutStatusChange: Bool = false) {
        self.actor = actor
        self.actorId = actorId
        self.reason = reason
        self.recordWithoutStatusChange = recordWithoutStatusChange
    }
}

/// `cases.cases` and `cases.case_history`: every change of a case goes through `change`, which
/// holds the case's row lock, writes the history entry and publishes the events in the same
/// transaction, so a case's story and what the rest of the suite heard never disagree.
public struct CaseStore: Sendable {
    let database: Database
    let outbox: EventOutbox
    let logger: Logger

    public init(database: Database, outbox: EventOutbox, logger: Logger) {
        self.database = database
        self.outbox = outbox
        self.logger = logger
    }

    // MARK: Changing one case

    /// Loads the case under its row lock, lets `body` change it, and when `body` returns a
    /// transition writes the case back, adds the history entry and publishes `case.status_changed`
    /// (and `case.filed` on its first filing). Call inside a tenant's transaction.
    /// - Returns: the case as it now is; nil when the tenant has no such case.
    func change(_ id: UUID, on db: PostgresConnection, at now: Date,
                _ body: (inout ReimbursementCase) throws -> CaseTransition?) async throws -> ReimbursementCase? {
        guard let before = try await Self.lockedCase(id, on: db, logger: logger) else { return nil }
        var after = before
        guard let transition = try body(&after) else { return before }
        after.updatedAt = now
        try await write(after, on: db)
        if after.status != before.status || transition.recordWithoutStatusChange {
            try await recordHistory(after, from: before.status == after.status ? nil : before.status, transition, at: now, on: db)
        }
        if after.status != before.status {
            try await outbox.publish(CaseStatusChanged(
                caseId: after.id, connectionId: after.connectionId, claimId: after.claimId, claimType: after.claimType,
                fromStatus: before.status.rawValue, toStatus: after.status.rawValue, actor: transition.actor.rawValue,
                reason: transition.reason, amountClaimed: after.amountClaimed, amazonCaseId: after.amazonCaseId, filedAt: after.filedAt,
                evidencePresent: CaseDraft.evidencePresent(after)),
                tenantId: after.tenantId, on: db)
        }
        if before.amazonCaseId == nil, let amazonCaseId = after.amazonCaseId {
            try await outbox.publish(CaseFiled(
                caseId: after.id, connectionId: after.connectionId, claimId: after.claimId, claimType: after.claimType,
                channel: after.channel.rawValue, amazonCaseId: amazonCaseId, amountClaimed: after.amountClaimed, deadline: after.deadline),
                tenantId: after.tenantId, on: db)
        }
        return after
    }

    /// `change` in its own transaction.
    @discardableResult
    public func change(tenant: UUID, id: UUID, at now: Date,
                       _ body: @escaping @Sendable (inout ReimbursementCase) throws -> CaseTransition?) async throws -> ReimbursementCase? {
        let store = self
        let changed = try await database.withTransaction(tenant: tenant) { db in try await store.change(id, on: db, at: now, body) }
        await outbox.wakeRelay()
        return changed
    }

    static func lockedCase(_ id: UUID, on db: PostgresConnection, logger: Logger) async throws -> ReimbursementCase? {
        let rows = try await db.query("SELECT \(unescaped: CaseRowReader.columns) FROM cases.cases WHERE case_id = \(id) FOR UPDATE",
                                      logger: logger)
        for try await row in rows { return try CaseRowReader.reimbursementCase(row) }
        return nil
    }

    private func write(_ item: ReimbursementCase, on db: PostgresConnection) async throws {
        let references = try Self.json(item.references)
        let attachments = try Self.json(item.attachments)
        try await db.query("""
            UPDATE cases.cases SET channel = \(item.channel.rawValue), status = \(item.status.rawValue), units = \(Int32(item.units)),
                amount_claimed_minor = \(item.amountClaimed.amountMinor), opens_on = \(item.opensOn.description)::date,
                deadline = \(item.deadline.description)::date, reference_ids = \(references)::jsonb, subject = \(item.subject),
                body = \(item.body), attachments = \(attachments)::jsonb, documents_ready = \(item.documentsReady),
                approval_probability = \(item.approvalProbability), amazon_case_id = \(item.amazonCaseId), filed_at = \(item.filedAt),
                filed_by = \(item.filedBy), filing_started_at = \(item.filingStartedAt), attempts = \(Int32(item.attempts)),
                next_attempt_at = \(item.nextAttemptAt), last_error = \(item.lastError), decision_reason = \(item.decisionReason),
                decided_at = \(item.decidedAt), approved_amount_minor = \(item.approvedAmount?.amountMinor), appealed = \(item.appealed),
                replies = \(Int32(item.replies)), recovered_minor = \(item.recovered.amountMinor),
                reminded_days = \(item.remindedDays.map(Int32.init)), updated_at = \(item.updatedAt)
            WHERE case_id = \(item.id)
            """, logger: logger)
    }

    func recordHistory(_ item: ReimbursementCase, from: CaseStatus?, _ transition: CaseTransition, at now: Date,
                       on db: PostgresConnection) async throws {
        try await db.query("""
            INSERT INTO cases.case_history (tenant_id, case_id, at, from_status, to_status, actor, actor_id, reason)
            VALUES (\(item.tenantId), \(item.id), \(now), \(from?.rawValue), \(item.status.rawValue), \(transition.actor.rawValue),
                    \(transition.actorId), \(transition.reason))
            """, logger: logger)
    }

    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    // MARK: Making cases

    /// Adds cases (in one statement per thousand), each with its first history entry; a claim that
    /// already has a case is skipped, so a replayed event adds nothing.
    /// - Returns: how many were added.
    func insert(_ cases: [ReimbursementCase], on db: PostgresConnection, at now: Date) async throws -> Int {
        var added = 0
        for chunk in stride(from: 0, to: cases.count, by: 1000).map({ Array(cases[$0..<min($0 + 1000, cases.count)]) }) {
            let rows = try await db.query("""
                INSERT INTO cases.cases (case_id, tenant_id, connection_id, marketplace_id, claim_id, claim_type, channel, status, fnsku,
                    sku, asin, units, amount_claimed_minor, currency, opens_on, deadline, reference_ids, subject, body, attachments,
                    approval_probability, documents_ready, created_at, updated_at)
                SELECT c.case_id, c.tenant_id, c.connection_id, c.marketplace_id, c.claim_id, c.claim_type, c.channel, c.status, NULLIF(c.fnsku, ''),
                    NULLIF(c.sku, ''), NULLIF(c.asin, ''), c.units, c.amount, c.currency, c.opens_on::date, c.deadline::date, c.refs::jsonb, c.subject, c.body,
                    c.attachments::jsonb, c.probability, c.ready, \(now), \(now)
                FROM unnest(\(chunk.map(\.id)), \(chunk.map(\.tenantId)), \(chunk.map(\.connectionId)), \(chunk.map(\.marketplaceId)),
                            \(chunk.map(\.claimId)), \(chunk.map(\.claimType)), \(chunk.map(\.channel.rawValue)), \(chunk.map(\.status.rawValue)),
                            \(chunk.map { $0.fnsku ?? "" }), \(chunk.map { $0.sku ?? "" }), \(chunk.map { $0.asin ?? "" }), \(chunk.map { Int32($0.units) }),
                            \(chunk.map(\.amountClaimed.amountMinor)), \(chunk.map(\.amountClaimed.currency.code)),
                            \(chunk.map(\.opensOn.description)), \(chunk.map(\.deadline.description)),
                            \(try chunk.map { try Self.json($0.references) }), \(chunk.map(\.subject)), \(chunk.map(\.body)),
                            \(try chunk.map { try Self.json($0.attachments) }), \(chunk.map(\.approvalProbability)),
                            \(chunk.map(\.documentsReady)))
                     AS c(case_id, tenant_id, connection_id, marketplace_id, claim_id, claim_type, channel, status, fnsku, sku, asin, units,
                          amount, currency, opens_on, deadline, refs, subject, body, attachments, probability, ready)
                ON CONFLICT (tenant_id, claim_id) DO NOTHING
                RETURNING case_id, tenant_id, status
                """, logger: logger)
            var ids: [UUID] = [], tenants: [UUID] = [], statuses: [String] = []
            for try await (id, tenant, status) in rows.decode((UUID, UUID, String).self) {
                ids.append(id)
                tenants.append(tenant)
                statuses.append(status)
            }
            try await db.query("""
                INSERT INTO cases.case_history (tenant_id, case_id, at, from_status, to_status, actor, reason)
                SELECT h.tenant_id, h.case_id, \(now), NULL, h.status, 'system', 'made from the claim claim-detector found'
                FROM unnest(\(tenants), \(ids), \(statuses)) AS h(tenant_id, case_id, status)
                """, logger: logger)
            added += ids.count
        }
        return added
    }

    /// The connection's cases by claim, for matching claims to cases.
    func casesByClaim(connection: UUID, on db: PostgresConnection) async throws -> [UUID: ReimbursementCase] {
        var found: [UUID: ReimbursementCase] = [:]
        let rows = try await db.query("SELECT \(unescaped: CaseRowReader.columns) FROM cases.cases WHERE connection_id = \(connection)",
                                      logger: logger)
        for try await row in rows {
            let item = try CaseRowReader.reimbursementCase(row)
            found[item.claimId] = item
        }
        return found
    }

    // MARK: Reading

    public func reimbursementCase(tenant: UUID, id: UUID) async throws -> ReimbursementCase? {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenant) { db in
            let rows = try await db.query("SELECT \(unescaped: CaseRowReader.columns) FROM cases.cases WHERE case_id = \(id)", logger: logger)
            for try await row in rows { return try CaseRowReader.reimbursementCase(row) }
            return nil
        }
    }

    public func history(tenant: UUID, id: UUID) async throws -> [CaseHistoryEntry] {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenant) { db in
            let rows = try await db.query("""
                SELECT at, from_status, to_status, actor, actor_id, reason FROM cases.case_history
                WHERE case_id = \(id) ORDER BY entry_id
                """, logger: logger)
            var entries: [CaseHistoryEntry] = []
            for try await (at, from, to, actor, actorId, reason) in rows.decode((Date, String?, String, String, String?, String).self) {
                guard let toStatus = CaseStatus(rawValue: to), let who = CaseActor(rawValue: actor) else {
                    throw CaseStoreError.corruptRow("history entry with status \(to) by \(actor)")
                }
                entries.append(CaseHistoryEntry(at: at, fromStatus: from.flatMap(CaseStatus.init(rawValue:)), toStatus: toStatus, actor: who,
                                                actorId: actorId, reason: reason))
            }
            return entries
        }
    }

    /// One page of the tenant's cases and the cursor of the next (nil on the last), by deadline then id.
    public func list(tenant: UUID, query: CaseListQuery) async throws -> (cases: [ReimbursementCase], nextCursor: String?) {
        let logger = self.logger
        var sql = "SELECT \(CaseRowReader.columns) FROM cases.cases WHERE tenant_id = $1"
        var bindings = PostgresBindings()
        bindings.append(tenant)
        func bind(_ value: some PostgresDynamicTypeEncodable) -> String {
            bindings.append(value)
            return "$\(bindings.count)"
        }
        if !query.statuses.isEmpty { sql += " AND status = ANY(\(bind(query.statuses.map(\.rawValue))))" }
        if !query.types.isEmpty { sql += " AND claim_type = ANY(\(bind(query.types)))" }
        if let connection = query.connectionId { sql += " AND connection_id = \(bind(connection))" }
        if let channel = query.channel { sql += " AND channel = \(bind(channel.rawValue))" }
        if let cursor = query.cursor {
            sql += " AND (deadline, case_id) > (\(bind(cursor.deadline.description))::date, \(bind(cursor.id)))"
        }
        sql += " ORDER BY deadline, case_id LIMIT \(query.limit + 1)"
        let statement = PostgresQuery(unsafeSQL: sql, binds: bindings)
        var cases = try await database.withTransaction(tenant: tenant) { db in
            var cases: [ReimbursementCase] = []
            for try await row in try await db.query(statement, logger: logger) { cases.append(try CaseRowReader.reimbursementCase(row)) }
            return cases
        }
        guard cases.count > query.limit else { return (cases, nil) }
        cases.removeLast(cases.count - query.limit)
        let last = cases[cases.count - 1]
        return (cases, CaseCursor(deadline: last.deadline, id: last.id).opaque)
    }

    /// Cases of `connection` in one of `statuses`, by deadline.
    func cases(connection: UUID, statuses: [CaseStatus], on db: PostgresConnection) async throws -> [ReimbursementCase] {
        let rows = try await db.query("""
            SELECT \(unescaped: CaseRowReader.columns) FROM cases.cases
            WHERE connection_id = \(connection) AND status = ANY(\(statuses.map(\.rawValue))) ORDER BY deadline, case_id
            """, logger: logger)
        var found: [ReimbursementCase] = []
        for try await row in rows { found.append(try CaseRowReader.reimbursementCase(row)) }
        return found
    }

    public func cases(tenant: UUID, connection: UUID, statuses: [CaseStatus]) async throws -> [ReimbursementCase] {
        let store = self
        return try await database.withTransaction(tenant: tenant) { db in try await store.cases(connection: connection, statuses: statuses, on: db) }
    }

    // MARK: Connections

    public func remember(tenant: UUID, connection: UUID, at now: Date) async throws {
        let logger = self.logger
        try await database.withTransaction(tenant: tenant) { db in
            try await db.query("""
                INSERT INTO cases.known_connections (tenant_id, connection_id, first_seen_at) VALUES (\(tenant), \(connection), \(now))
                ON CONFLICT DO NOTHING
                """, logger: logger)
        }
    }

    /// The tenant's known connections.
    public func connections(tenant: UUID) async throws -> [UUID] {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenant) { db in
            var found: [UUID] = []
            for try await id in try await db.query("SELECT connection_id FROM cases.known_connections ORDER BY connection_id",
                                                   logger: logger).decode(UUID.self) { found.append(id) }
            return found
        }
    }

    /// The case made from a claim, if any.
    public func caseFor(claim: UUID, tenant: UUID) async throws -> ReimbursementCase? {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenant) { db in
            let rows = try await db.query("SELECT \(unescaped: CaseRowReader.columns) FROM cases.cases WHERE claim_id = \(claim)", logger: logger)
            for try await row in rows { return try CaseRowReader.reimbursementCase(row) }
            return nil
        }
    }

    /// Every tenant's known connections (the `sweep_scan` policy, for this transaction only).
    public func allKnownConnections() async throws -> [(tenant: UUID, connection: UUID)] {
        let logger = self.logger
        return try await database.withTransaction { db in
            try await db.query("SELECT set_config('opside.cases_sweep', 'on', true)", logger: logger)
            var found: [(tenant: UUID, connection: UUID)] = []
            let rows = try await db.query("SELECT tenant_id, connection_id FROM cases.known_connections ORDER BY tenant_id, connection_id",
                                          logger: logger)
            for try await (tenant, connection) in rows.decode((UUID, UUID).self) { found.append((tenant, connection)) }
            return found
        }
    }
}
