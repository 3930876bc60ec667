import Foundation
import Logging
import OpsideCore
import OpsideEvents
import OpsidePostgres
import PostgresNIO

/// The proof evidence-engine found for claims (`evidence.matched`): recorded by claim, once per
/// match, and put on the claim's case: a case waiting for documents becomes ready, and a case made
/// later starts ready.
public struct CaseEvidence: Sendable {
    let store: CaseStore
    let database: Database
    let clocks: ServiceClocks

    public init(store: CaseStore, database: Database, clocks: ServiceClocks) {
        self.store = store
        self.database = database
        self.clocks = clocks
    }

    /// Records the match and readies the claim's case. A redelivered event changes nothing.
    /// - Returns: the claim's case as it now is (nil when it has none yet).
    @discardableResult
    public func receive(_ matched: EvidenceMatched, tenant: UUID) async throws -> ReimbursementCase? {
        let now = clocks.wall.now, store = self.store, logger = store.logger
        let attachments = try CaseStore.json(matched.attachments)
        let changed = try await database.withTransaction(tenant: tenant) { db -> ReimbursementCase? in
            try await db.query("""
                INSERT INTO cases.claim_evidence (tenant_id, claim_id, match_id, document_id, confidence, decided_by, attachments, received_at)
                VALUES (\(tenant), \(matched.claimId), \(matched.matchId), \(matched.documentId), \(matched.confidence), \(matched.decidedBy),
                        \(attachments)::jsonb, \(now))
                ON CONFLICT (tenant_id, match_id) DO NOTHING
                """, logger: logger)
            let rows = try await db.query("SELECT case_id FROM cases.cases WHERE claim_id = \(matched.claimId)", logger: logger)
            var caseId: UUID?
            for try await id in rows.decode(UUID.self) { caseId = id }
            guard let caseId else { return nil }
            let titles = matched.attachments.map(\.title).joined(separator: ", ")
            let how = matched.decidedBy == "confirmed" ? "the seller confirmed it" : "matched at \(Int((matched.confidence * 100).rounded())) %"
            return try await store.change(caseId, on: db, at: now) { item in
                guard !item.documentsReady else { return nil }
                item.documentsReady = true
                let reason = "evidence found: \(titles) (\(how))"
                if item.status == .needsDocuments {
                    item.status = .ready
                    return CaseTransition(actor: .system, reason: reason)
                }
                return CaseTransition(actor: .system, reason: reason, recordWithoutStatusChange: true)
            }
        }
        await store.outbox.wakeRelay()
        return changed
    }

    /// The claims of the tenant that have evidence, among `claims`.
    static func provedClaims(_ claims: [UUID], on db: PostgresConnection, logger: Logger) async throws -> Set<UUID> {
        guard !claims.isEmpty else { return [] }
        let rows = try await db.query("SELECT DISTINCT claim_id FROM cases.claim_evidence WHERE claim_id = ANY(\(claims))", logger: logger)
        var found: Set<UUID> = []
        for try await id in rows.decode(UUID.self) { found.insert(id) }
        return found
    }

    /// The files a case carries, newest proof first.
    public func attachments(tenant: UUID, claimId: UUID) async throws -> [EvidenceAttachment] {
        let logger = store.logger
        return try await database.withTransaction(tenant: tenant) { db in
            let rows = try await db.query("""
                SELECT attachments::text FROM cases.claim_evidence WHERE claim_id = \(claimId) ORDER BY received_at DESC, match_id
                """, logger: logger)
            var found: [EvidenceAttachment] = []
            for try await text in rows.decode(String.self) {
                for attachment in try JSONDecoder().decode([EvidenceAttachment].self, from: Data(text.utf8)) where !found.contains(attachment) {
                    found.append(attachment)
                }
            }
            return found
        }
    }
}
