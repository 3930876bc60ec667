import Foundation
import Logging
import OpsideAmazonSPAPI
import OpsideCore
import OpsideEvents
import OpsidePostgres
import PostgresNIO

/// How claim-detector learns Amazon's approvals: it keeps each claim's case as refund-engine
/// announces it (`case.status_changed`), trains the approval model on the decided ones
/// (`ApprovalModel.train`, daily by `approval.trainingSchedule`), and gives every claim its
/// chance of approval from the newest model.
public struct ApprovalLearning: Sendable {
    let database: Database
    let clocks: ServiceClocks
    let priorProbability: Double
    let logger: Logger

    public init(database: Database, clocks: ServiceClocks, priorProbability: Double, logger: Logger) {
        self.database = database
        self.clocks = clocks
        self.priorProbability = priorProbability
        self.logger = logger
    }

    /// The case statuses that say Amazon approved (in full or in part) or paid.
    static let approvedStatuses: Set<String> = ["approved", "partially_approved", "paid", "partially_paid"]

    static func isDecision(_ status: String) -> Bool { approvedStatuses.contains(status) || status == "denied" }

    /// Whether a decision should retrain the model now rather than at the daily tick: there is no
    /// model, the newest is more than a day old, or the decided cases grew by a fifth (and at least
    /// ten) since it was trained, as they do while an installation's first outcomes arrive.
    public func modelIsStale() async throws -> Bool {
        let logger = self.logger
        let (newest, examples, decided) = try await database.withTransaction { db in
            try await db.query("SELECT set_config('opside.claims_approval_training', 'on', true)", logger: logger)
            var newest: (Date, Int)?
            let models = try await db.query("SELECT trained_at, examples FROM claims.approval_models ORDER BY trained_at DESC LIMIT 1",
                                            logger: logger)
            for try await (at, examples) in models.decode((Date, Int32).self) { newest = (at, Int(examples)) }
            var decided = 0
            let counts = try await db.query("SELECT count(*) FROM claims.case_outcomes WHERE approved IS NOT NULL", logger: logger)
            for try await count in counts.decode(Int64.self) { decided = Int(count) }
            return (newest?.0, newest?.1 ?? 0, decided)
        }
        guard let newest else { return true }
        return clocks.wall.now.timeIntervalSince(newest) > 86_400 || decided >= max(examples + 10, examples + examples / 5)
    }

    /// Records a case's change on its claim. A decision sets the outcome (a denial later appealed
    /// and approved ends approved); other changes keep the last one. An event older than the one
    /// the row holds changes nothing, so redelivered or late events cannot undo newer ones.
    /// - Returns: false when the claim is not the tenant's (nothing to learn it on).
    @discardableResult
    public func record(_ change: CaseStatusChanged, tenant: UUID, occurredAt: Date) async throws -> Bool {
        let label: Int16? = Self.isDecision(change.toStatus) ? (change.toStatus == "denied" ? 0 : 1) : nil
        let evidence = change.evidencePresent ?? !(ClaimType(rawValue: change.claimType)?.needsDocuments ?? false)
        let logger = self.logger
        return try await database.withTransaction(tenant: tenant) { db in
            let rows = try await db.query("""
                INSERT INTO claims.case_outcomes AS o (tenant_id, claim_id, case_id, claim_type, marketplace_id, amount_minor, currency,
                                                       clock_started_on, status, filed_at, evidence_present, approved, decided_at, event_at)
                SELECT \(tenant), c.claim_id, \(change.caseId), c.claim_type, c.marketplace_id, \(change.amountClaimed.amountMinor),
                       \(change.amountClaimed.currency.code), c.clock_started_on, \(change.toStatus), \(change.filedAt), \(evidence),
                       \(label), CASE WHEN \(label)::smallint IS NULL THEN NULL ELSE \(occurredAt)::timestamptz END, \(occurredAt)
                FROM claims.claims c WHERE c.claim_id = \(change.claimId)
                ON CONFLICT (tenant_id, claim_id) DO UPDATE SET
                    case_id = EXCLUDED.case_id, amount_minor = EXCLUDED.amount_minor, currency = EXCLUDED.currency, status = EXCLUDED.status,
                    filed_at = COALESCE(EXCLUDED.filed_at, o.filed_at), evidence_present = EXCLUDED.evidence_present,
                    approved = COALESCE(EXCLUDED.approved, o.approved), decided_at = COALESCE(EXCLUDED.decided_at, o.decided_at),
                    event_at = EXCLUDED.event_at
                WHERE o.event_at <= EXCLUDED.event_at
                RETURNING 1
                """, logger: logger)
            var written = false
            for try await _ in rows { written = true }
            if !written {
                // Either an older event (the row stays as the newer one left it) or no such claim.
                let known = try await db.query("SELECT 1 FROM claims.claims WHERE claim_id = \(change.claimId)", logger: logger)
                for try await _ in known { return true }
                return false
            }
            return true
        }
    }

    /// Trains on every tenant's decided cases and stores the model; the newest stored model is
    /// the one claims are scored with.
    public func train() async throws -> ApprovalModel {
        let now = clocks.wall.now
        let outcomes = try await decidedCases()
        let model = ApprovalModel.train(outcomes, priorProbability: priorProbability, at: now)
        let json = String(decoding: try OpsideJSONEncoder().encode(model), as: UTF8.self)
        let logger = self.logger
        try await database.withTransaction { db in
            try await db.query("""
                INSERT INTO claims.approval_models (model_id, trained_at, examples, model)
                VALUES (\(model.modelId ?? UUID()), \(now), \(model.examples), \(json)::jsonb)
                """, logger: logger)
            // The last month of models is history enough; the newest is the one in use.
            try await db.query("""
                DELETE FROM claims.approval_models WHERE trained_at < \(now.addingTimeInterval(-31 * 86400))
                """, logger: logger)
        }
        return model
    }

    /// Every decided case of every tenant, in the order Amazon decided them.
    func decidedCases() async throws -> [ApprovalModel.Outcome] {
        let logger = self.logger
        return try await database.withTransaction { db in
            try await db.query("SELECT set_config('opside.claims_approval_training', 'on', true)", logger: logger)
            let rows = try await db.query("""
                SELECT tenant_id, claim_type, marketplace_id, amount_minor, currency, clock_started_on::text,
                       filed_at, evidence_present, approved, decided_at
                FROM claims.case_outcomes WHERE approved IS NOT NULL ORDER BY decided_at, tenant_id, claim_id
                """, logger: logger)
            var outcomes: [ApprovalModel.Outcome] = []
            for try await (tenant, type, marketplace, amount, currency, started, filedAt, evidence, approved, decidedAt)
                in rows.decode((UUID, String, String, Int64, String, String, Date?, Bool, Int16, Date).self) {
                guard let type = ClaimType(rawValue: type), let started = CivilDate(iso: started),
                      let currency = try? Currency(code: currency) else { continue }
                let filed = filedAt ?? decidedAt
                let age = CivilDate(instant: filed, timeZone: AmazonMarketplace.timeZone(ofID: marketplace)).daysSince1970 - started.daysSince1970
                outcomes.append(ApprovalModel.Outcome(
                    tenant: tenant,
                    facts: ApprovalFacts(type: type, marketplaceId: marketplace, ageAtFilingDays: age,
                                         amount: Money(amountMinor: amount, currency: currency), evidencePresent: evidence,
                                         sellerApproved: 0, sellerDecided: 0),
                    approved: approved == 1, decidedAt: decidedAt))
            }
            return outcomes
        }
    }

    /// The newest model, or the prior alone before the first training.
    public func current() async throws -> ApprovalModel {
        let logger = self.logger
        let stored = try await database.withConnection { db in
            let rows = try await db.query("SELECT model::text FROM claims.approval_models ORDER BY trained_at DESC LIMIT 1", logger: logger)
            for try await json in rows.decode(String.self) { return Optional(json) }
            return nil
        }
        guard let stored else { return .prior(probability: priorProbability) }
        return try OpsideJSON.decoder.decode(ApprovalModel.self, from: Data(stored.utf8))
    }

    /// Each claim's chance of approval by the newest model, from what is known of its case
    /// (filed when, with documents or not) and of the seller's decided cases.
    public func estimates(tenant: UUID, claims: [Claim]) async throws -> [UUID: ApprovalEstimate] {
        guard !claims.isEmpty else { return [:] }
        let model = try await current()
        let logger = self.logger
        let ids = claims.map(\.id)
        let (cases, history) = try await database.withTransaction(tenant: tenant) { db in
            var cases: [UUID: (filedAt: Date?, evidence: Bool)] = [:]
            let rows = try await db.query("""
                SELECT claim_id, filed_at, evidence_present FROM claims.case_outcomes WHERE claim_id = ANY(\(ids))
                """, logger: logger)
            for try await (id, filedAt, evidence) in rows.decode((UUID, Date?, Bool).self) { cases[id] = (filedAt, evidence) }
            var history = (approved: 0, decided: 0)
            let counts = try await db.query("""
                SELECT count(*) FILTER (WHERE approved = 1), count(*) FROM claims.case_outcomes WHERE approved IS NOT NULL
                """, logger: logger)
            for try await (approved, decided) in counts.decode((Int64, Int64).self) { history = (Int(approved), Int(decided)) }
            return (cases, history)
        }
        let now = clocks.wall.now
        var estimates: [UUID: ApprovalEstimate] = [:]
        for claim in claims {
            let known = cases[claim.id]
            let zone = AmazonMarketplace.timeZone(ofID: claim.marketplaceId)
            let filingDay = known?.filedAt.map { CivilDate(instant: $0, timeZone: zone) }
                ?? max(CivilDate(instant: now, timeZone: zone), claim.opensOn)
            let facts = ApprovalFacts(type: claim.type, marketplaceId: claim.marketplaceId,
                                      ageAtFilingDays: filingDay.daysSince1970 - claim.clockStartedOn.daysSince1970, amount: claim.amount,
                                      evidencePresent: known?.evidence ?? !claim.type.needsDocuments,
                                      sellerApproved: history.approved, sellerDecided: history.decided)
            estimates[claim.id] = model.estimate(facts)
        }
        return estimates
    }
}
