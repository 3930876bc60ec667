import Foundation
import Logging
import OpsideAmazonSPAPI
import OpsideClaimsAccess
import OpsideCore
import OpsidePostgres

/// Turns claim-detector's claims into cases: a case for each claimable claim (ready, or waiting
/// for documents when its type needs them), kept in step while it waits (amounts and deadlines
/// move with re-detection), withdrawn when the claim is resolved or dismissed before filing, and
/// missed when its window closed unfiled.
public struct CaseIntake: Sendable {
    let store: CaseStore
    let settings: FilingSettingsStore
    let claims: any ClaimSource
    /// The chance of approval a case takes when claim-detector gives its claim none.
    let defaultApprovalProbability: Double
    let database: Database
    let clocks: ServiceClocks
    let logger: Logger

    public init(store: CaseStore, settings: FilingSettingsStore, claims: any ClaimSource, defaultApprovalProbability: Double,
                database: Database,
                clocks: ServiceClocks, logger: Logger) {
        self.store = store
        self.settings = settings
        self.claims = claims
        self.defaultApprovalProbability = defaultApprovalProbability
        self.database = database
        self.clocks = clocks
        self.logger = logger
    }

    public struct Counts: Codable, Sendable, Equatable {
        public var created = 0
        public var updated = 0
        public var withdrawn = 0
        public var missed = 0
        public var reopened = 0
    }

    /// Brings the connection's cases in step with its claims.
    public func intake(tenant: UUID, connection: UUID) async throws -> Counts {
        try await store.remember(tenant: tenant, connection: connection, at: clocks.wall.now)
        let found = try await claims.claims(tenant: tenant, connection: connection,
                                            statuses: ["claimable", "expired", "resolved", "dismissed"])
        return try await apply(found, tenant: tenant, connection: connection)
    }

    /// Brings the connection's cases in step with `found`, the claims claim-detector lists.
    public func apply(_ found: [ListedClaim], tenant: UUID, connection: UUID) async throws -> Counts {
        let filing = try await settings.settings(tenant: tenant)
        let now = clocks.wall.now
        let store = self.store
        let defaultProbability = defaultApprovalProbability
        let counts = try await database.withTransaction(tenant: tenant) { db in
            var counts = Counts()
            let existing = try await store.casesByClaim(connection: connection, on: db)
            var new: [ReimbursementCase] = []
            for claim in found where claim.connectionId == connection {
                let draft = CaseDraft(claim: claim)
                // claim-detector's approval model (type, marketplace, age, amount, evidence, the
                // seller's record), refreshed with every detection run's claims.
                let probability = claim.approvalProbability ?? defaultProbability
                guard let current = existing[claim.id] else {
                    guard claim.status == "claimable" else { continue }
                    new.append(Self.newCase(claim, draft: draft, tenant: tenant, channel: filing.channel, probability: probability, at: now))
                    continue
                }
                let unfiled = CaseStatus.unfiled.contains(current.status)
                switch claim.status {
                case "claimable" where unfiled:
                    // Each change re-checks the case under its lock: the filing engine may have
                    // filed it since it was read above.
                    let changed = try await store.change(current.id, on: db, at: now) { item in
                        guard CaseStatus.unfiled.contains(item.status) else { return nil }
                        let before = item
                        Self.refresh(&item, from: claim, draft: draft, probability: probability)
                        return item == before ? nil : CaseTransition(actor: .system, reason: "the claim changed", recordWithoutStatusChange: false)
                    }
                    if changed != current { counts.updated += 1 }
                case "claimable" where current.status == .withdrawn || current.status == .missed:
                    // The claim was reopened (units reversed, a reimbursement clawed back): the case waits again.
                    _ = try await store.change(current.id, on: db, at: now) { item in
                        guard item.status == .withdrawn || item.status == .missed else { return nil }
                        Self.refresh(&item, from: claim, draft: draft, probability: probability)
                        item.status = draft.needsDocuments && !item.documentsReady ? .needsDocuments : .ready
                        item.attempts = 0
                        item.nextAttemptAt = nil
                        item.lastError = nil
                        return CaseTransition(actor: .system, reason: "the claim is claimable again")
                    }
                    counts.reopened += 1
                case "resolved" where unfiled, "dismissed" where unfiled:
                    let reason = claim.status == "resolved"
                        ? "nothing is owed any more: \(claim.resolutionReason ?? "the claim was resolved")"
                        : "the claim was dismissed: \(claim.dismissedReason ?? "no reason given")"
                    _ = try await store.change(current.id, on: db, at: now) { item in
                        guard CaseStatus.unfiled.contains(item.status) else { return nil }
                        item.status = .withdrawn
                        return CaseTransition(actor: .system, reason: reason)
                    }
                    counts.withdrawn += 1
                case "expired" where unfiled:
                    _ = try await store.change(current.id, on: db, at: now) { item in
                        guard CaseStatus.unfiled.contains(item.status) else { return nil }
                        item.status = .missed
                        return CaseTransition(actor: .system, reason: "the claim window closed on \(item.deadline) before the case was filed")
                    }
                    counts.missed += 1
                default:
                    break
                }
            }
            // A claim proved before its case existed: the case starts with its documents ready.
            let proved = try await CaseEvidence.provedClaims(new.map(\.claimId), on: db, logger: store.logger)
            for index in new.indices where proved.contains(new[index].claimId) {
                new[index].documentsReady = true
                if new[index].status == .needsDocuments { new[index].status = .ready }
            }
            counts.created = try await store.insert(new, on: db, at: now)
            return counts
        }
        await store.outbox.wakeRelay()
        return counts
    }

    static func newCase(_ claim: ListedClaim, draft: CaseDraft, tenant: UUID, channel: CaseChannel, probability: Double,
                        at now: Date) -> ReimbursementCase {
        ReimbursementCase(
            id: UUID(), tenantId: tenant, connectionId: claim.connectionId, marketplaceId: claim.marketplaceId, claimId: claim.id,
            claimType: claim.type, channel: channel, status: draft.needsDocuments ? .needsDocuments : .ready, fnsku: claim.fnsku,
            sku: claim.sku, asin: claim.asin, units: claim.units, amountClaimed: claim.amount, opensOn: claim.opensOn,
            deadline: claim.deadline, references: draft.references, subject: draft.subject, body: draft.body,
            attachments: draft.attachments, documentsReady: false, approvalProbability: probability, amazonCaseId: nil, filedAt: nil,
            filedBy: nil, filingStartedAt: nil, attempts: 0, nextAttemptAt: nil, lastError: nil, decisionReason: nil, decidedAt: nil,
            approvedAmount: nil, appealed: false, replies: 0, recovered: .zero(claim.amount.currency), remindedDays: nil,
            createdAt: now, updatedAt: now)
    }

    static func refresh(_ item: inout ReimbursementCase, from claim: ListedClaim, draft: CaseDraft, probability: Double) {
        item.units = claim.units
        item.amountClaimed = claim.amount
        if item.recovered.currency != claim.amount.currency { item.recovered = .zero(claim.amount.currency) }
        item.opensOn = claim.opensOn
        item.deadline = claim.deadline
        item.references = draft.references
        item.subject = draft.subject
        item.body = draft.body
        item.attachments = draft.attachments
        item.approvalProbability = probability
    }
}
