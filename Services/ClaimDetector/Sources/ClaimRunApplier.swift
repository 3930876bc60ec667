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
            let started = ContinuousClock.now
            try await Self.stage(request: request, detector: detector, on: connection, logger: logger)
            let staged = ContinuousClock.now
            var steps: [String: Duration] = ["rulesAndStage": staged - started]
            var counts = try await Self.merge(runId: runId, request: request, now: now, steps: &steps, on: connection, logger: logger)
            var metadata: Logger.Metadata = ["run": "\(runId)"]
            for (step, duration) in steps { metadata[step] = "\(duration)" }
            logger.info("detection merged", metadata: metadata)
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
            try await Self.announceApproachingDeadlines(runId: runId, request: request, outbox: outbox, on: connection, logger: logger)
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

    /// Marks the claimable claims whose deadline came within the warning week and were never
    /// announced, and publishes one `claims.deadlines_approaching` for them (none when there are none).
    static func announceApproachingDeadlines(runId: UUID, request: DetectionRequest, outbox: EventOutbox, on connection: PostgresConnection,
                                             logger: Logger) async throws {
        let asOf = request.asOf.description
        let rows = try await connection.query("""
            WITH warned AS (
                UPDATE claims.claims SET deadline_warned_on = \(asOf)::date
                WHERE connection_id = \(request.connectionId) AND marketplace_id = \(request.marketplaceId)
                  AND status = 'claimable' AND deadline_warned_on IS NULL
                  AND deadline >= \(asOf)::date AND deadline <= \(asOf)::date + \(Int32(ClaimDeadlinesApproaching.warningDays))
                RETURNING currency, amount_minor, deadline)
            SELECT currency, count(*)::bigint, sum(amount_minor)::bigint, min(deadline)::text FROM warned GROUP BY currency ORDER BY currency
            """, logger: logger)
        var claims = 0
        var amounts: [Money] = []
        var earliest: CivilDate?
        for try await (code, count, sum, deadline) in rows.decode((String, Int64, Int64, String).self) {
            claims += Int(count)
            amounts.append(Money(amountMinor: sum, currency: try Currency(code: code)))
            if let day = CivilDate(iso: deadline), earliest.map({ day < $0 }) ?? true { earliest = day }
        }
        guard claims > 0, let earliest else { return }
        try await outbox.publish(ClaimDeadlinesApproaching(
            connectionId: request.connectionId, runId: runId, marketplaceId: request.marketplaceId, asOf: request.asOf, claims: claims,
            amounts: amounts, earliestDeadline: earliest), tenantId: request.tenantId, on: connection)
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
        "clock_started_on", "opens_on", "deadline", "window_status", "source_ids", "explanation", "content_hash", "seq",
    ]

    /// Runs the rules and COPies the claims they emit into the temporary `claim_stage`, hashing
    /// each claim's content on the way; a key emitted more than once keeps its last emission. The
    /// JSON goes as text (only what is written is parsed), and not at all for a claim whose hash
    /// equals the stored one: a re-run that finds the same claims sends their keys and hashes
    /// only. A claim with nothing owed whose key was never stored is not staged at all: there is
    /// nothing to keep or resolve (on a large seller, a third of what the rules emit).
    static func stage(request: DetectionRequest, detector: any ClaimDetecting, on connection: PostgresConnection,
                      logger: Logger) async throws {
        // What the stored claims are, by key fingerprint: a few bytes each, whatever the seller's size.
        var storedDigests: [UInt64: ClaimStageRows.ContentDigest] = [:]
        let stored = try await connection.query("""
            SELECT claim_key, content_hash FROM claims.claims
            WHERE tenant_id = \(request.tenantId) AND connection_id = \(request.connectionId)
            """, logger: logger)
        // A claim stored without a readable hash gets an impossible one: it is rewritten.
        let unreadable = ClaimStageRows.ContentDigest(Array(repeating: 0, count: 16))
        for try await (key, hash) in stored.decode((String, String?).self) {
            storedDigests[ClaimStageRows.fingerprint(key)] = hash.flatMap(ClaimStageRows.ContentDigest.init(hex:)) ?? unreadable
        }
        try await connection.query("""
            CREATE TEMP TABLE claim_stage (
                claim_key text NOT NULL, claim_type text NOT NULL, owed boolean NOT NULL, resolution text, fnsku text, sku text,
                asin text, units integer NOT NULL, amount_minor bigint NOT NULL, currency text NOT NULL, valuation text,
                clock_started_on date NOT NULL, opens_on date NOT NULL, deadline date NOT NULL, window_status text NOT NULL,
                source_ids text, explanation text, content_hash text NOT NULL, seq bigint NOT NULL
            ) ON COMMIT DROP
            """, logger: logger)
        var repeated = false
        try await connection.copyFrom(table: "claim_stage", columns: stageColumns, logger: logger) { writer in
            var rows = ClaimStageRows(request: request)
            var keys = Set<String>()
            try await detector.detect(request) { detected in
                guard detected.connectionId == request.connectionId, detected.marketplaceId == request.marketplaceId else {
                    throw ClaimStoreError.claimOutsideRun(key: detected.key)
                }
                let key = detected.key
                let first = !keys.contains(key)
                let storedHash = storedDigests[ClaimStageRows.fingerprint(key)]
                // Skipped only when no earlier emission of the key was staged: the last emission wins.
                guard detected.isOwed || storedHash != nil || !first else { return }
                if first { keys.insert(key) } else { repeated = true }
                rows.append(detected, key: key, storedHash: storedHash)
                if rows.copy.buffer.readableBytes >= 256 << 10 {
                    try await writer.write(rows.copy.buffer)
                    rows.copy.buffer.clear()
                }
            }
            if rows.copy.buffer.readableBytes > 0 { try await writer.write(rows.copy.buffer) }
        }
        if repeated {
            try await connection.query("""
                DELETE FROM claim_stage s USING (SELECT claim_key, max(seq) AS last FROM claim_stage GROUP BY claim_key HAVING count(*) > 1) d
                WHERE s.claim_key = d.claim_key AND s.seq < d.last
                """, logger: logger)
        }
        try await connection.query("ANALYZE claim_stage", logger: logger)
    }

    /// Merges the stage into the stored claims and returns what changed. What a stored claim
    /// becomes: a dismissed claim stays dismissed (its numbers still update); an owed claim takes
    /// its window's status, reopening if it was resolved; a claim no longer owed is resolved with
    /// the rules' reason. An emitted claim with nothing owed that was never stored is not kept.
    /// The decisions are a narrow table beside the stage; the stage's content is read once, by
    /// the statement that writes it.
    static func merge(runId: UUID, request: DetectionRequest, now: Date, steps: inout [String: Duration], on connection: PostgresConnection,
                      logger: Logger) async throws -> DetectionCounts {
        var mark = ContinuousClock.now
        func step(_ name: String) {
            let now = ContinuousClock.now
            steps[name] = now - mark
            mark = now
        }
        try await connection.query("""
            CREATE TEMP TABLE claim_decided ON COMMIT DROP AS
            WITH decided AS (
                SELECT s.claim_key, c.claim_id AS stored_id, c.status AS stored_status, c.resolution_reason AS stored_resolution,
                       c.content_hash IS DISTINCT FROM s.content_hash AS content_changed,
                       CASE WHEN c.claim_id IS NULL THEN CASE WHEN s.owed THEN 'insert' ELSE 'skip' END
                            WHEN c.status = 'dismissed' THEN 'keep'
                            WHEN s.owed AND c.status = 'resolved' THEN 'reopen'
                            WHEN s.owed OR c.status = 'resolved' THEN 'keep'
                            ELSE 'resolve' END AS action,
                       CASE WHEN c.claim_id IS NULL THEN s.window_status
                            WHEN c.status = 'dismissed' THEN 'dismissed'
                            WHEN s.owed THEN s.window_status
                            ELSE 'resolved' END AS new_status,
                       CASE WHEN c.claim_id IS NULL THEN NULL
                            WHEN c.status = 'dismissed' THEN c.resolution_reason
                            WHEN s.owed AND c.status = 'resolved' THEN NULL
                            WHEN s.owed THEN c.resolution_reason
                            WHEN c.status = 'resolved' THEN coalesce(s.resolution, c.resolution_reason)
                            ELSE coalesce(s.resolution, 'nothing owed any more') END AS new_resolution
                FROM claim_stage s
                LEFT JOIN claims.claims c ON c.tenant_id = \(request.tenantId) AND c.connection_id = \(request.connectionId)
                                         AND c.claim_key = s.claim_key
            )
            SELECT claim_key, stored_id, action, new_status, new_resolution,
                   action IN ('resolve', 'reopen') OR (action = 'keep' AND (content_changed OR new_status <> stored_status
                                                       OR new_resolution IS DISTINCT FROM stored_resolution)) AS changed
            FROM decided
            """, logger: logger)
        try await connection.query("ANALYZE claim_decided", logger: logger)
        step("decide")

        try await connection.query("""
            INSERT INTO claims.claims (claim_id, tenant_id, connection_id, marketplace_id, claim_key, claim_type, status, fnsku, sku, asin,
                units, amount_minor, currency, valuation, clock_started_on, opens_on, deadline, source_ids, explanation, content_hash,
                first_detected_at, last_detected_at, run_id)
            SELECT gen_random_uuid(), \(request.tenantId), \(request.connectionId), \(request.marketplaceId), s.claim_key, s.claim_type,
                d.new_status, s.fnsku, s.sku, s.asin, s.units, s.amount_minor, s.currency, s.valuation::json, s.clock_started_on, s.opens_on,
                s.deadline, s.source_ids::json, s.explanation::json, s.content_hash, \(now), \(now), \(runId)
            FROM claim_decided d JOIN claim_stage s ON s.claim_key = d.claim_key
            WHERE d.action = 'insert'
            """, logger: logger)
        step("insert")

        try await connection.query("""
            UPDATE claims.claims c SET status = d.new_status, resolution_reason = d.new_resolution, claim_type = s.claim_type,
                fnsku = s.fnsku, sku = s.sku, asin = s.asin, units = s.units, amount_minor = s.amount_minor, currency = s.currency,
                valuation = coalesce(s.valuation::json, c.valuation), clock_started_on = s.clock_started_on, opens_on = s.opens_on,
                deadline = s.deadline, source_ids = coalesce(s.source_ids::json, c.source_ids),
                explanation = coalesce(s.explanation::json, c.explanation), content_hash = s.content_hash,
                resolved_at = CASE d.action WHEN 'resolve' THEN \(now) WHEN 'reopen' THEN NULL ELSE c.resolved_at END,
                reopened_at = CASE d.action WHEN 'reopen' THEN \(now) ELSE c.reopened_at END,
                last_detected_at = \(now), run_id = \(runId)
            FROM claim_decided d JOIN claim_stage s ON s.claim_key = d.claim_key
            WHERE c.claim_id = d.stored_id AND d.changed
            """, logger: logger)
        step("update")
        // An unchanged claim is only marked seen by this run: rewriting its JSON made a re-run of a
        // large seller slower than its first run.
        try await connection.query("""
            UPDATE claims.claims c SET last_detected_at = \(now), run_id = \(runId)
            FROM claim_decided d WHERE c.claim_id = d.stored_id AND NOT d.changed
            """, logger: logger)
        step("markSeen")
        var counts = DetectionCounts()
        let rows = try await connection.query("SELECT action, changed, count(*) FROM claim_decided GROUP BY 1, 2", logger: logger)
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
