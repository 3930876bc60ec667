import Foundation
import Logging
import OpsideCore
import OpsideEvents
import OpsideJobs
import OpsidePostgres
import PostgresNIO

/// How many claims a run added, changed, resolved, reopened and left as they were.
public struct DetectionCounts: Codable, Sendable, Equatable {
    public var new = 0
    public var updated = 0
    public var resolved = 0
    public var reopened = 0
    public var unchanged = 0

    public init(new: Int = 0, updated: Int = 0, resolved: Int = 0, reopened: Int = 0, unchanged: Int = 0) {
        self.new = new
        self.updated = updated
        self.resolved = resolved
        self.reopened = reopened
        self.unchanged = unchanged
    }

    public static func + (lhs: Self, rhs: Self) -> Self {
        Self(new: lhs.new + rhs.new, updated: lhs.updated + rhs.updated, resolved: lhs.resolved + rhs.resolved,
             reopened: lhs.reopened + rhs.reopened, unchanged: lhs.unchanged + rhs.unchanged)
    }
}

/// Applies one detection of one connection's marketplace to the stored claims, in one
/// transaction: the rules run while it is open and stream every claim they emit into a temporary
/// stage (COPY), then a few set-based statements merge the stage into `claims.claims` by key. A run
/// that fails or is killed half-way leaves the claims exactly as the previous run left them, and
/// concurrent runs of one connection (and a seller dismissing one of its claims) wait for each
/// other on a transaction-scoped advisory lock on tenant and connection. `claims.detected` is
/// published from the same transaction.
struct ClaimRunApplier: Sendable {
    let database: Database
    let outbox: EventOutbox
    let logger: Logger

    /// The claim's status as of `asOf` from its window: the outcome statuses are never computed.
    static func windowStatus(opensOn: CivilDate, deadline: CivilDate, asOf: CivilDate) -> ClaimStatus {
        if asOf < opensOn { return .tooEarly }
        if deadline < asOf { return .expired }
        return .claimable
    }

    func apply(runId: UUID, request: DetectionRequest, detector: any ClaimDetecting, now: Date) async throws -> DetectionCounts {
        let logger = self.logger
        let outbox = self.outbox
        let counts = try await database.withTransaction(tenant: request.tenantId) { connection in
            try await Self.lockConnection(tenant: request.tenantId, connection: request.connectionId, on: connection, logger: logger)
            let owedBefore = try await Self.owedTotals(request: request, on: connection, logger: logger)
            try await Self.stage(request: request, detector: detector, on: connection, logger: logger)
            var counts = try await Self.merge(runId: runId, request: request, now: now, on: connection, logger: logger)
            // Claims the rules did not emit this time still move with the day.
            let moved = try await connection.query("""
                UPDATE claims.claims SET status = CASE WHEN \(request.asOf.description)::date < opens_on THEN 'too_early'
                                                       WHEN deadline < \(request.asOf.description)::date THEN 'expired'
                                                       ELSE 'claimable' END
                WHERE connection_id = \(request.connectionId) AND marketplace_id = \(request.marketplaceId)
                  AND status IN ('too_early', 'claimable', 'expired')
                  AND status <> CASE WHEN \(request.asOf.description)::date < opens_on THEN 'too_early'
                                     WHEN deadline < \(request.asOf.description)::date THEN 'expired'
                                     ELSE 'claimable' END
                RETURNING 1
                """, logger: logger)
            for try await _ in moved { counts.updated += 1 }
            let owedAfter = try await Self.owedTotals(request: request, on: connection, logger: logger)
            let changed = Set(owedBefore.keys).union(owedAfter.keys).sorted().compactMap { currency -> Money? in
                let after = owedAfter[currency] ?? .zero(currency)
                return after == (owedBefore[currency] ?? .zero(currency)) ? nil : after
            }
            try await connection.query("""
                UPDATE claims.detection_runs SET claims_new = claims_new + \(counts.new), claims_updated = claims_updated + \(counts.updated),
                    claims_resolved = claims_resolved + \(counts.resolved), claims_reopened = claims_reopened + \(counts.reopened),
                    claims_unchanged = claims_unchanged + \(counts.unchanged)
                WHERE run_id = \(runId)
                """, logger: logger)
            try await outbox.publish(ClaimsDetected(
                connectionId: request.connectionId, runId: runId, marketplaceId: request.marketplaceId, asOf: request.asOf,
                newClaims: counts.new, updatedClaims: counts.updated, resolvedClaims: counts.resolved, reopenedClaims: counts.reopened,
                owedTotals: changed), tenantId: request.tenantId, on: connection)
            return counts
        }
        await outbox.wakeRelay()
        return counts
    }

    /// The connection's open (too early or claimable) claims in the marketplace, summed per currency.
    static func owedTotals(request: DetectionRequest, on connection: PostgresConnection, logger: Logger) async throws -> [Currency: Money] {
        let rows = try await connection.query("""
            SELECT currency, sum(amount_minor)::bigint FROM claims.claims
            WHERE connection_id = \(request.connectionId) AND marketplace_id = \(request.marketplaceId)
              AND status IN ('too_early', 'claimable')
            GROUP BY currency
            """, logger: logger)
        var totals: [Currency: Money] = [:]
        for try await (code, sum) in rows.decode((String, Int64).self) {
            let currency = try Currency(code: code)
            totals[currency] = Money(amountMinor: sum, currency: currency)
        }
        return totals
    }

    /// Makes a detection of the connection, or a change of one of its claims, wait for any other
    /// until the transaction ends.
    static func lockConnection(tenant: UUID, connection: UUID, on db: PostgresConnection, logger: Logger) async throws {
        try await db.query("""
            SELECT pg_advisory_xact_lock(hashtextextended('claims.detect:' || \(tenant.uuidString.lowercased())
                                                          || ':' || \(connection.uuidString.lowercased()), 0))
            """, logger: logger)
    }

    /// The stage's columns, in COPY order; `seq` (the emission order) is last.
    static let stageColumns = [
        "claim_key", "claim_type", "owed", "resolution", "fnsku", "sku", "asin", "units", "amount_minor", "currency", "valuation",
        "clock_started_on", "opens_on", "deadline", "window_status", "source_ids", "explanation", "seq",
    ]

    /// Runs the rules and COPies every claim they emit into the temporary `claim_stage`.
    static func stage(request: DetectionRequest, detector: any ClaimDetecting, on connection: PostgresConnection,
                      logger: Logger) async throws {
        try await connection.query("""
            CREATE TEMP TABLE claim_stage (
                claim_key text NOT NULL, claim_type text NOT NULL, owed boolean NOT NULL, resolution text, fnsku text, sku text,
                asin text, units integer NOT NULL, amount_minor bigint NOT NULL, currency text NOT NULL, valuation jsonb NOT NULL,
                clock_started_on date NOT NULL, opens_on date NOT NULL, deadline date NOT NULL, window_status text NOT NULL,
                source_ids jsonb NOT NULL, explanation jsonb NOT NULL, seq bigint NOT NULL
            ) ON COMMIT DROP
            """, logger: logger)
        try await connection.copyFrom(table: "claim_stage", columns: stageColumns, logger: logger) { writer in
            var encoder = CopyTextEncoder()
            var sequence = 0
            try await detector.detect(request) { detected in
                guard detected.connectionId == request.connectionId, detected.marketplaceId == request.marketplaceId else {
                    throw ClaimStoreError.claimOutsideRun(key: detected.key)
                }
                sequence += 1
                encoder.append(try stageFields(detected, request: request))
                encoder.endRow(sequence: sequence)
                if encoder.buffer.readableBytes >= 256 << 10 {
                    try await writer.write(encoder.buffer)
                    encoder.buffer.clear()
                }
            }
            if encoder.buffer.readableBytes > 0 { try await writer.write(encoder.buffer) }
        }
    }

    /// One emitted claim as the stage's text fields (without `seq`).
    static func stageFields(_ detected: DetectedClaim, request: DetectionRequest) throws -> [String?] {
        let window = request.windows.window(for: detected.type, marketplaceId: detected.marketplaceId)
        let opensOn = window.opens(clockStarted: detected.clockStartedOn)
        let deadline = window.deadline(clockStarted: detected.clockStartedOn)
        let sourceIds = Dictionary(uniqueKeysWithValues: detected.sourceIds.map { ($0.key.rawValue, $0.value) })
        func json(_ value: some Encodable) throws -> String { String(decoding: try ClaimJSON.encoder.encodeToBytes(value), as: UTF8.self) }
        return [
            detected.key, detected.type.rawValue, detected.isOwed ? "t" : "f", detected.resolution, detected.fnsku, detected.sku, detected.asin,
            String(detected.units), String(detected.amount.amountMinor), detected.amount.currency.code, try json(detected.valuation),
            detected.clockStartedOn.description, opensOn.description, deadline.description,
            windowStatus(opensOn: opensOn, deadline: deadline, asOf: request.asOf).rawValue, try json(sourceIds), try json(detected.explanation),
        ]
    }

    /// What a claim's rules-given content hashes to: a re-run compares hashes, not JSON.
    static let contentHash = """
        md5(concat_ws(chr(31), claim_type, fnsku, sku, asin, units::text, amount_minor::text, currency, valuation::text,
                      clock_started_on::text, opens_on::text, deadline::text, source_ids::text, explanation::text))
        """

    /// Merges the stage into the stored claims and returns what changed. Each key counts once, as
    /// its last emission says. What a stored claim becomes: a dismissed claim stays dismissed (its
    /// numbers still update); an owed claim takes its window's status, reopening if it was
    /// resolved; a claim no longer owed is resolved with the rules' reason. An emitted claim with
    /// nothing owed that was never stored is not kept.
    static func merge(runId: UUID, request: DetectionRequest, now: Date, on connection: PostgresConnection,
                      logger: Logger) async throws -> DetectionCounts {
        try await connection.query("""
            CREATE TEMP TABLE claim_decided ON COMMIT DROP AS
            WITH emitted AS (
                SELECT DISTINCT ON (claim_key) *, \(unescaped: contentHash) AS content_hash
                FROM claim_stage ORDER BY claim_key, seq DESC
            ), decided AS (
                SELECT e.*, c.claim_id AS stored_id, c.status AS stored_status, c.resolution_reason AS stored_resolution,
                       c.content_hash IS DISTINCT FROM e.content_hash AS content_changed,
                       CASE WHEN c.claim_id IS NULL THEN CASE WHEN e.owed THEN 'insert' ELSE 'skip' END
                            WHEN c.status = 'dismissed' THEN 'keep'
                            WHEN e.owed AND c.status = 'resolved' THEN 'reopen'
                            WHEN e.owed OR c.status = 'resolved' THEN 'keep'
                            ELSE 'resolve' END AS action,
                       CASE WHEN c.claim_id IS NULL THEN e.window_status
                            WHEN c.status = 'dismissed' THEN 'dismissed'
                            WHEN e.owed THEN e.window_status
                            ELSE 'resolved' END AS new_status,
                       CASE WHEN c.claim_id IS NULL THEN NULL
                            WHEN c.status = 'dismissed' THEN c.resolution_reason
                            WHEN e.owed AND c.status = 'resolved' THEN NULL
                            WHEN e.owed THEN c.resolution_reason
                            WHEN c.status = 'resolved' THEN coalesce(e.resolution, c.resolution_reason)
                            ELSE coalesce(e.resolution, 'nothing owed any more') END AS new_resolution
                FROM emitted e
                LEFT JOIN claims.claims c ON c.tenant_id = \(request.tenantId) AND c.connection_id = \(request.connectionId)
                                         AND c.claim_key = e.claim_key
            )
            SELECT *, action IN ('resolve', 'reopen') OR (action = 'keep' AND (content_changed OR new_status <> stored_status
                                                       OR new_resolution IS DISTINCT FROM stored_resolution)) AS changed
            FROM decided
            """, logger: logger)
        try await connection.query("ANALYZE claim_decided", logger: logger)
        try await connection.query("""
            INSERT INTO claims.claims (claim_id, tenant_id, connection_id, marketplace_id, claim_key, claim_type, status, fnsku, sku, asin,
                units, amount_minor, currency, valuation, clock_started_on, opens_on, deadline, source_ids, explanation, content_hash,
                first_detected_at, last_detected_at, run_id)
            SELECT gen_random_uuid(), \(request.tenantId), \(request.connectionId), \(request.marketplaceId), d.claim_key, d.claim_type,
                d.new_status, d.fnsku, d.sku, d.asin, d.units, d.amount_minor, d.currency, d.valuation, d.clock_started_on, d.opens_on,
                d.deadline, d.source_ids, d.explanation, d.content_hash, \(now), \(now), \(runId)
            FROM claim_decided d WHERE d.action = 'insert' ORDER BY d.claim_key
            """, logger: logger)
        try await connection.query("""
            UPDATE claims.claims c SET status = d.new_status, resolution_reason = d.new_resolution, claim_type = d.claim_type,
                fnsku = d.fnsku, sku = d.sku, asin = d.asin, units = d.units, amount_minor = d.amount_minor, currency = d.currency,
                valuation = d.valuation, clock_started_on = d.clock_started_on, opens_on = d.opens_on, deadline = d.deadline,
                source_ids = d.source_ids, explanation = d.explanation, content_hash = d.content_hash,
                resolved_at = CASE d.action WHEN 'resolve' THEN \(now) WHEN 'reopen' THEN NULL ELSE c.resolved_at END,
                reopened_at = CASE d.action WHEN 'reopen' THEN \(now) ELSE c.reopened_at END,
                last_detected_at = \(now), run_id = \(runId)
            FROM claim_decided d WHERE c.claim_id = d.stored_id AND d.changed
            """, logger: logger)
        // An unchanged claim is only marked seen by this run: rewriting its JSON made a re-run of a
        // large seller slower than its first run.
        try await connection.query("""
            UPDATE claims.claims c SET last_detected_at = \(now), run_id = \(runId)
            FROM claim_decided d WHERE c.claim_id = d.stored_id AND NOT d.changed
            """, logger: logger)
        var counts = DetectionCounts()
        let rows = try await connection.query("""
            SELECT action, changed, count(*) FROM claim_decided GROUP BY 1, 2
            """, logger: logger)
        for try await (action, changed, count) in rows.decode((String, Bool, Int64).self) {
            switch (action, changed) {
            case ("insert", _): counts.new += Int(count)
            case ("resolve", _): counts.resolved += Int(count)
            case ("reopen", _): counts.reopened += Int(count)
            case ("keep", true): counts.updated += Int(count)
            case ("keep", false): counts.unchanged += Int(count)
            default: break
            }
        }
        return counts
    }
}
