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
            try await detector.detect(request) { detected in
                guard detected.connectionId == request.connectionId, detected.marketplaceId == request.marketplaceId else {
                    throw ClaimStoreError.claimOutsideRun(key: detected.key)
                }
                try await Self.upsert(detected, runId: runId, request: request, now: now, counts: &counts, on: connection, logger: logger)
            }
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

    // swiftlint:disable:next function_parameter_count
    static func upsert(_ detected: DetectedClaim, runId: UUID, request: DetectionRequest, now: Date, counts: inout DetectionCounts,
                       on connection: PostgresConnection, logger: Logger) async throws {
        let window = request.windows.window(for: detected.type, marketplaceId: detected.marketplaceId)
        let opensOn = window.opens(clockStarted: detected.clockStartedOn)
        let deadline = window.deadline(clockStarted: detected.clockStartedOn)
        let byWindow = windowStatus(opensOn: opensOn, deadline: deadline, asOf: request.asOf)
        let sourceIds = Dictionary(uniqueKeysWithValues: detected.sourceIds.map { ($0.key.rawValue, $0.value) })
        let encoder = ClaimJSON.encoder
        let valuation = String(decoding: try encoder.encode(detected.valuation), as: UTF8.self)
        let explanation = String(decoding: try encoder.encode(detected.explanation), as: UTF8.self)
        let sources = String(decoding: try encoder.encode(sourceIds), as: UTF8.self)
        let key = detected.key

        let existingRows = try await connection.query("""
            SELECT \(unescaped: ClaimRowReader.columns) FROM claims.claims
            WHERE connection_id = \(request.connectionId) AND claim_key = \(key) FOR UPDATE
            """, logger: logger)
        var existing: Claim?
        for try await row in existingRows { existing = try ClaimRowReader.claim(row) }

        guard let existing else {
            // A loss netted away before it was ever stored is nothing to keep.
            guard detected.isOwed else { return }
            try await connection.query("""
                INSERT INTO claims.claims (claim_id, tenant_id, connection_id, marketplace_id, claim_key, claim_type, status, fnsku, sku, asin,
                    units, amount_minor, currency, valuation, clock_started_on, opens_on, deadline, source_ids, explanation,
                    first_detected_at, last_detected_at, run_id)
                VALUES (\(UUID()), \(request.tenantId), \(request.connectionId), \(detected.marketplaceId), \(key), \(detected.type.rawValue),
                    \(byWindow.rawValue), \(detected.fnsku), \(detected.sku), \(detected.asin), \(Int32(clamping: detected.units)),
                    \(detected.amount.amountMinor), \(detected.amount.currency.code), \(valuation)::jsonb,
                    \(detected.clockStartedOn.description)::date, \(opensOn.description)::date, \(deadline.description)::date,
                    \(sources)::jsonb, \(explanation)::jsonb, \(now), \(now), \(runId))
                """, logger: logger)
            counts.new += 1
            return
        }

        // What the claim becomes; the outcome statuses stay unless the rules say otherwise.
        var status = existing.status
        var resolution = existing.resolutionReason
        var resolvedAt = existing.resolvedAt
        var reopenedAt = existing.reopenedAt
        var outcome: WritableKeyPath<DetectionCounts, Int>?
        switch (detected.isOwed, existing.status) {
        case (_, .dismissed):
            break
        case (true, .resolved):
            status = byWindow
            resolution = nil
            resolvedAt = nil
            reopenedAt = now
            outcome = \.reopened
        case (true, _):
            status = byWindow
        case (false, .resolved):
            resolution = detected.resolution ?? existing.resolutionReason
        case (false, _):
            status = .resolved
            resolution = detected.resolution ?? "nothing owed any more"
            resolvedAt = now
            outcome = \.resolved
        }
        let changed = status != existing.status || resolution != existing.resolutionReason || detected.units != existing.units
            || detected.amount != existing.amount || detected.valuation != existing.valuation || detected.explanation != existing.explanation
            || detected.clockStartedOn != existing.clockStartedOn || opensOn != existing.opensOn || deadline != existing.deadline
            || sourceIds != existing.sourceIds || detected.fnsku != existing.fnsku || detected.sku != existing.sku
            || detected.asin != existing.asin || detected.type != existing.type
        try await connection.query("""
            UPDATE claims.claims SET status = \(status.rawValue), fnsku = \(detected.fnsku), sku = \(detected.sku), asin = \(detected.asin),
                units = \(Int32(clamping: detected.units)), amount_minor = \(detected.amount.amountMinor),
                currency = \(detected.amount.currency.code), valuation = \(valuation)::jsonb,
                clock_started_on = \(detected.clockStartedOn.description)::date, opens_on = \(opensOn.description)::date,
                deadline = \(deadline.description)::date, source_ids = \(sources)::jsonb, explanation = \(explanation)::jsonb,
                resolution_reason = \(resolution), resolved_at = \(resolvedAt), reopened_at = \(reopenedAt),
                last_detected_at = \(now), run_id = \(runId)
            WHERE claim_id = \(existing.id)
            """, logger: logger)
        if let outcome {
            counts[keyPath: outcome] += 1
        } else if changed {
            counts.updated += 1
        } else {
            counts.unchanged += 1
        }
    }
}
