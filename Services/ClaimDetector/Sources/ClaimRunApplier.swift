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
/// transaction: the rules run while it is open and each claim they emit is upserted by its key,
/// so a run that fails or is killed half-way leaves the claims exactly as the previous run left
/// them, and concurrent runs of one connection wait for each other (a transaction-scoped advisory
/// lock on tenant and connection). `claims.detected` is published from the same transaction.
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
            try await connection.query("""
                SELECT pg_advisory_xact_lock(hashtextextended('claims.detect:' || \(request.tenantId.uuidString.lowercased())
                                                              || ':' || \(request.connectionId.uuidString.lowercased()), 0))
                """, logger: logger)
            let owedBefore = try await Self.owedTotals(request: request, on: connection, logger: logger)
            var counts = DetectionCounts()
            var batch: [DetectedClaim] = []
            batch.reserveCapacity(Self.batchSize)
            try await detector.detect(request) { detected in
                guard detected.connectionId == request.connectionId, detected.marketplaceId == request.marketplaceId else {
                    throw ClaimStoreError.claimOutsideRun(key: detected.key)
                }
                batch.append(detected)
                if batch.count == Self.batchSize {
                    try await Self.merge(batch, runId: runId, request: request, now: now, counts: &counts, on: connection, logger: logger)
                    batch.removeAll(keepingCapacity: true)
                }
            }
            try await Self.merge(batch, runId: runId, request: request, now: now, counts: &counts, on: connection, logger: logger)
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

    /// Claims merged per statement: each batch is one read of the stored claims and at most one
    /// insert and one update, whatever the number of claims.
    static let batchSize = 500

    /// A claim as the merge statements read it (`jsonb_to_recordset`): snake_case keys, the
    /// columns' names; a missing key is NULL.
    struct MergeRow: Encodable {
        enum Action: String, Encodable {
            case keep, resolve, reopen
        }

        var claimId: UUID
        var claimKey: String
        var claimType: String
        var status: String
        var fnsku: String?
        var sku: String?
        var asin: String?
        var units: Int
        var amountMinor: Int64
        var currency: String
        var valuation: ClaimValuation
        var clockStartedOn: CivilDate
        var opensOn: CivilDate
        var deadline: CivilDate
        var sourceIds: [String: String]
        var explanation: ClaimExplanation
        var resolutionReason: String?
        var action: Action

        enum CodingKeys: String, CodingKey {
            case claimId = "claim_id", claimKey = "claim_key", claimType = "claim_type", status, fnsku, sku, asin, units
            case amountMinor = "amount_minor", currency, valuation, clockStartedOn = "clock_started_on", opensOn = "opens_on", deadline
            case sourceIds = "source_ids", explanation, resolutionReason = "resolution_reason", action
        }
    }

    static let recordColumns = """
        claim_id uuid, claim_key text, claim_type text, status text, fnsku text, sku text, asin text, units integer,
        amount_minor bigint, currency text, valuation jsonb, clock_started_on date, opens_on date, deadline date, source_ids jsonb,
        explanation jsonb, resolution_reason text, action text
        """

    /// Applies a batch of emitted claims: reads the stored claims of their keys (locking them),
    /// decides each one's outcome, then inserts the new ones and updates the others in a statement each.
    // swiftlint:disable:next function_parameter_count
    static func merge(_ batch: [DetectedClaim], runId: UUID, request: DetectionRequest, now: Date, counts: inout DetectionCounts,
                      on connection: PostgresConnection, logger: Logger) async throws {
        guard !batch.isEmpty else { return }
        // A key emitted twice in one batch counts once, as its last emission says.
        var latest: [String: DetectedClaim] = [:]
        var order: [String] = []
        for claim in batch {
            if latest.updateValue(claim, forKey: claim.key) == nil { order.append(claim.key) }
        }
        var existing: [String: Claim] = [:]
        let rows = try await connection.query("""
            SELECT \(unescaped: ClaimRowReader.columns) FROM claims.claims
            WHERE connection_id = \(request.connectionId) AND claim_key = ANY(\(order)) FOR UPDATE
            """, logger: logger)
        for try await row in rows {
            let claim = try ClaimRowReader.claim(row)
            existing[claim.key] = claim
        }

        var inserts: [MergeRow] = []
        var updates: [MergeRow] = []
        var seen: [UUID] = []
        for key in order {
            guard let detected = latest[key] else { continue }
            let window = request.windows.window(for: detected.type, marketplaceId: detected.marketplaceId)
            let opensOn = window.opens(clockStarted: detected.clockStartedOn)
            let deadline = window.deadline(clockStarted: detected.clockStartedOn)
            let byWindow = windowStatus(opensOn: opensOn, deadline: deadline, asOf: request.asOf)
            let sourceIds = Dictionary(uniqueKeysWithValues: detected.sourceIds.map { ($0.key.rawValue, $0.value) })
            var row = MergeRow(
                claimId: existing[key]?.id ?? UUID(), claimKey: key, claimType: detected.type.rawValue, status: byWindow.rawValue,
                fnsku: detected.fnsku, sku: detected.sku, asin: detected.asin, units: detected.units, amountMinor: detected.amount.amountMinor,
                currency: detected.amount.currency.code, valuation: detected.valuation, clockStartedOn: detected.clockStartedOn, opensOn: opensOn,
                deadline: deadline, sourceIds: sourceIds, explanation: detected.explanation, resolutionReason: nil, action: .keep)

            guard let stored = existing[key] else {
                // A loss netted away before it was ever stored is nothing to keep.
                guard detected.isOwed else { continue }
                inserts.append(row)
                counts.new += 1
                continue
            }
            // What the claim becomes; the outcome statuses stay unless the rules say otherwise.
            var status = stored.status
            var resolution = stored.resolutionReason
            switch (detected.isOwed, stored.status) {
            case (_, .dismissed):
                break
            case (true, .resolved):
                status = byWindow
                resolution = nil
                row.action = .reopen
            case (true, _):
                status = byWindow
            case (false, .resolved):
                resolution = detected.resolution ?? stored.resolutionReason
            case (false, _):
                status = .resolved
                resolution = detected.resolution ?? "nothing owed any more"
                row.action = .resolve
            }
            row.status = status.rawValue
            row.resolutionReason = resolution
            let changed = status != stored.status || resolution != stored.resolutionReason || detected.units != stored.units
                || detected.amount != stored.amount || detected.valuation != stored.valuation || detected.explanation != stored.explanation
                || detected.clockStartedOn != stored.clockStartedOn || opensOn != stored.opensOn || deadline != stored.deadline
                || sourceIds != stored.sourceIds || detected.fnsku != stored.fnsku || detected.sku != stored.sku
                || detected.asin != stored.asin || detected.type != stored.type
            switch row.action {
            case .resolve: counts.resolved += 1
            case .reopen: counts.reopened += 1
            case .keep: if changed { counts.updated += 1 } else { counts.unchanged += 1 }
            }
            // An unchanged claim is only marked seen by this run: rewriting its JSON columns made a
            // re-run of a large seller slower than its first run.
            if row.action == .keep && !changed {
                seen.append(row.claimId)
            } else {
                updates.append(row)
            }
        }

        if !inserts.isEmpty {
            let json = String(decoding: try ClaimJSON.encoder.encode(inserts), as: UTF8.self)
            try await connection.query("""
                INSERT INTO claims.claims (claim_id, tenant_id, connection_id, marketplace_id, claim_key, claim_type, status, fnsku, sku, asin,
                    units, amount_minor, currency, valuation, clock_started_on, opens_on, deadline, source_ids, explanation,
                    first_detected_at, last_detected_at, run_id)
                SELECT x.claim_id, \(request.tenantId), \(request.connectionId), \(request.marketplaceId), x.claim_key, x.claim_type, x.status,
                    x.fnsku, x.sku, x.asin, x.units, x.amount_minor, x.currency, x.valuation, x.clock_started_on, x.opens_on, x.deadline,
                    x.source_ids, x.explanation, \(now), \(now), \(runId)
                FROM jsonb_to_recordset(\(json)::jsonb) AS x(\(unescaped: recordColumns))
                """, logger: logger)
        }
        if !seen.isEmpty {
            try await connection.query("""
                UPDATE claims.claims SET last_detected_at = \(now), run_id = \(runId) WHERE claim_id = ANY(\(seen))
                """, logger: logger)
        }
        if !updates.isEmpty {
            let json = String(decoding: try ClaimJSON.encoder.encode(updates), as: UTF8.self)
            try await connection.query("""
                UPDATE claims.claims c SET status = x.status, claim_type = x.claim_type, fnsku = x.fnsku, sku = x.sku, asin = x.asin,
                    units = x.units, amount_minor = x.amount_minor, currency = x.currency, valuation = x.valuation,
                    clock_started_on = x.clock_started_on, opens_on = x.opens_on, deadline = x.deadline, source_ids = x.source_ids,
                    explanation = x.explanation, resolution_reason = x.resolution_reason,
                    resolved_at = CASE x.action WHEN 'resolve' THEN \(now) WHEN 'reopen' THEN NULL ELSE c.resolved_at END,
                    reopened_at = CASE x.action WHEN 'reopen' THEN \(now) ELSE c.reopened_at END,
                    last_detected_at = \(now), run_id = \(runId)
                FROM jsonb_to_recordset(\(json)::jsonb) AS x(\(unescaped: recordColumns))
                WHERE c.claim_id = x.claim_id
                """, logger: logger)
        }
    }
}
