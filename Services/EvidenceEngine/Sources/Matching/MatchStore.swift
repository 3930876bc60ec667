import Foundation
import Logging
import OpsideCore
import OpsideEvents
import OpsideJobs
import OpsidePostgres
import PostgresNIO

/// A stored match, as the API shows it.
public struct StoredMatch: Codable, Sendable, Equatable {
    public var id: UUID
    public var documentId: UUID
    public var claimId: UUID
    public var sku: String?
    public var lineIndexes: [Int]
    public var confidence: Double
    public var features: [MatchFeature]
    /// `ready`, `prompted`, `confirmed`, `rejected` or `weak`.
    public var status: String
    public var announcedAt: Date?
    public var updatedAt: Date
}

/// A question put to the seller, as the API shows it.
public struct Prompt: Codable, Sendable, Equatable {
    public var id: UUID
    public var matchId: UUID
    public var claimId: UUID
    public var documentId: UUID
    public var question: String
    /// `open`, `confirmed`, `rejected` or `expired`.
    public var status: String
    public var createdAt: Date
    public var expiresAt: Date
    public var remindedAt: Date?
    public var answeredAt: Date?
    public var answeredBy: String?
}

/// What a document needs to be told about in a match's announcement: its name and content hash.
public struct MatchedDocument: Sendable {
    public var documentId: UUID
    public var fileName: String
    public var sha256: String
    public var contentType: String
    public var invoiceNumber: String?
    public var supplier: String?
}

/// Why an answer to a prompt was refused.
public enum PromptAnswerError: Error, CustomStringConvertible {
    case noSuchPrompt
    case alreadyAnswered(String)
    case expired

    public var description: String {
        switch self {
        case .noSuchPrompt: "no such prompt"
        case .alreadyAnswered(let status): "the prompt was already answered (\(status))"
        case .expired: "the prompt expired; upload the document again or confirm the match from the claim"
        }
    }
}

/// `evidence.matches` and `evidence.prompts`: matches decided by the thresholds, each announced
/// once (`evidence.matched` when the claim is proved, `prompt.created` when the seller must say),
/// and the seller's answers, which always win over a later re-match.
public struct MatchStore: Sendable {
    let database: Database
    let outbox: EventOutbox
    let settings: EvidenceSettings
    let logger: Logger

    public init(database: Database, outbox: EventOutbox, settings: EvidenceSettings, logger: Logger) {
        self.database = database
        self.outbox = outbox
        self.settings = settings
        self.logger = logger
    }

    /// The one yes-or-no question a seller answers in two seconds.
    static func question(document: MatchedDocument, sku: String?) -> String {
        let invoice = document.invoiceNumber.map { "invoice \($0)" } ?? "the document \(document.fileName)"
        let supplier = document.supplier.map { " from \($0)" } ?? ""
        return "Is \(invoice)\(supplier) for SKU \(sku ?? "?")?"
    }

    /// The status a confidence earns.
    func band(_ confidence: Double) -> String {
        confidence >= settings.autoSubmitThreshold ? "ready" : confidence >= settings.promptThreshold ? "prompted" : "weak"
    }

    /// Records the matches of one document, in one transaction: each pair's row made or brought up
    /// to date; a claim proved is announced once, a question asked once. A pair the seller already
    /// answered keeps the answer; a claim already proved is not asked about again.
    /// - Returns: how many claims became ready and how many prompts were made.
    @discardableResult
    /// - Parameter costDocuments: the cost document rendered for each claim the document proves
    ///   (by claim id), attached beside the invoice.
    public func record(tenant: UUID, document: MatchedDocument, matches: [EvidenceMatch], costDocuments: [UUID: EvidenceAttachment] = [:],
                       at now: Date) async throws -> (ready: Int, prompted: Int) {
        let logger = self.logger, outbox = self.outbox, settings = self.settings
        let relevant = matches.filter { $0.confidence >= settings.promptThreshold }
        guard !relevant.isEmpty else { return (0, 0) }
        let result = try await database.withTransaction(tenant: tenant) { db -> (Int, Int) in
            var ready = 0, prompted = 0
            for match in relevant {
                // Claims already proved (by this or another document) need no question.
                let proved = try await db.query("""
                    SELECT count(*) FROM evidence.matches
                    WHERE claim_id = \(match.claimId) AND status IN ('ready', 'confirmed') AND document_id <> \(document.documentId)
                    """, logger: logger)
                var provedElsewhere = false
                for try await count in proved.decode(Int64.self) { provedElsewhere = count > 0 }
                let status = band(match.confidence)
                if status == "prompted", provedElsewhere { continue }
                let rows = try await db.query("""
                    INSERT INTO evidence.matches (match_id, tenant_id, document_id, claim_id, sku, line_indexes, confidence, features, status,
                                                  created_at, updated_at)
                    VALUES (\(UUID()), \(tenant), \(document.documentId), \(match.claimId), \(match.sku), \(try Self.json(match.lineIndexes))::jsonb,
                            \(match.confidence), \(try Self.json(match.features))::jsonb, \(status), \(now), \(now))
                    ON CONFLICT (tenant_id, document_id, claim_id) DO UPDATE SET
                        sku = EXCLUDED.sku, line_indexes = EXCLUDED.line_indexes, confidence = EXCLUDED.confidence, features = EXCLUDED.features,
                        status = CASE WHEN evidence.matches.status IN ('confirmed', 'rejected') THEN evidence.matches.status
                                      WHEN evidence.matches.status = 'ready' AND evidence.matches.announced_at IS NOT NULL THEN 'ready'
                                      ELSE EXCLUDED.status END,
                        updated_at = EXCLUDED.updated_at
                    RETURNING match_id, status, announced_at
                    """, logger: logger)
                var stored: (id: UUID, status: String, announced: Date?)?
                for try await (id, status, announced) in rows.decode((UUID, String, Date?).self) { stored = (id, status, announced) }
                guard let stored else { continue }
                switch stored.status {
                case "ready" where stored.announced == nil:
                    try await announce(matchId: stored.id, claimId: match.claimId, document: document, confidence: match.confidence,
                                       decidedBy: "automatic", costDocument: costDocuments[match.claimId], tenant: tenant, at: now, on: db)
                    // A question still open about this pair is answered by the evidence itself.
                    try await db.query("""
                        UPDATE evidence.prompts SET status = 'confirmed', answered_at = \(now), answered_by = 'system'
                        WHERE match_id = \(stored.id) AND status = 'open'
                        """, logger: logger)
                    ready += 1
                case "prompted":
                    // One question per document and SKU: another claim of the same product is
                    // settled by the answer to the question already open (`answer`).
                    let asked = try await db.query("""
                        SELECT count(*) FROM evidence.prompts p JOIN evidence.matches m ON m.match_id = p.match_id
                        WHERE p.document_id = \(document.documentId) AND m.sku IS NOT DISTINCT FROM \(match.sku) AND p.status = 'open'
                          AND p.match_id <> \(stored.id)
                        """, logger: logger)
                    var alreadyAsked = false
                    for try await count in asked.decode(Int64.self) { alreadyAsked = count > 0 }
                    if alreadyAsked { continue }
                    let promptId = UUID(), expires = now.addingTimeInterval(settings.promptExpiry)
                    let question = Self.question(document: document, sku: match.sku)
                    let made = try await db.query("""
                        INSERT INTO evidence.prompts (prompt_id, tenant_id, match_id, claim_id, document_id, question, status, created_at, expires_at)
                        VALUES (\(promptId), \(tenant), \(stored.id), \(match.claimId), \(document.documentId), \(question), 'open', \(now), \(expires))
                        ON CONFLICT (tenant_id, match_id) DO NOTHING
                        RETURNING prompt_id
                        """, logger: logger)
                    var isNew = false
                    for try await _ in made { isNew = true }
                    if isNew {
                        _ = try await outbox.publish(PromptCreated(promptId: promptId, claimId: match.claimId, documentId: document.documentId,
                                                                   question: question, expiresAt: expires), tenantId: tenant, on: db)
                        prompted += 1
                    }
                default:
                    break
                }
            }
            return (ready, prompted)
        }
        await outbox.wakeRelay()
        return result
    }

    /// Publishes `evidence.matched` for a match and marks it announced.
    func announce(matchId: UUID, claimId: UUID, document: MatchedDocument, confidence: Double, decidedBy: String,
                  costDocument: EvidenceAttachment?, tenant: UUID, at now: Date, on db: PostgresConnection) async throws {
        let invoice = EvidenceAttachment(title: "Supplier invoice" + (document.invoiceNumber.map { " \($0)" } ?? ""),
                                         fileName: document.fileName, sha256: document.sha256, contentType: document.contentType)
        _ = try await outbox.publish(EvidenceMatched(matchId: matchId, claimId: claimId, documentId: document.documentId, confidence: confidence,
                                                     decidedBy: decidedBy, attachments: [invoice] + [costDocument].compactMap { $0 }),
                                     tenantId: tenant, on: db)
        try await db.query("UPDATE evidence.matches SET announced_at = \(now) WHERE match_id = \(matchId)", logger: logger)
    }

    /// The seller's answer: yes proves the claim (announced as `evidence.matched`), no rejects the
    /// match; either way mcde hears it (`prompt.answered`) and learns the mapping. The answer
    /// settles every claim of the same SKU waiting on the same document (one question was asked
    /// for them all). Answering the same way twice is a no-op that returns the prompt; the other
    /// way is refused.
    /// - Throws: `PromptAnswerError`.
    /// - Parameter costDocument: renders a claim's cost document (document id, claim id) for a yes
    ///   (before the transaction: a render is a call to cost-docs).
    public func answer(tenant: UUID, promptId: UUID, confirmed: Bool, by user: String, document: @escaping @Sendable (UUID) async throws -> MatchedDocument?,
                       costDocument: @escaping @Sendable (_ documentId: UUID, _ claimId: UUID) async throws -> EvidenceAttachment?,
                       at now: Date) async throws -> Prompt {
        var attachments: [UUID: EvidenceAttachment] = [:]
        if confirmed, let open = try await prompt(tenant: tenant, id: promptId), open.status == "open" {
            for claim in [open.claimId] + (try await waitingSiblings(tenant: tenant, matchId: open.matchId).map(\.claimId)) {
                attachments[claim] = try await costDocument(open.documentId, claim)
            }
        }
        let costAttachments = attachments
        let logger = self.logger, outbox = self.outbox
        let answered = try await database.withTransaction(tenant: tenant) { db -> Prompt in
            let rows = try await db.query("SELECT \(unescaped: Self.promptColumns) FROM evidence.prompts WHERE prompt_id = \(promptId) FOR UPDATE",
                                          logger: logger)
            var found: Prompt?
            for try await row in rows { found = try Self.prompt(row) }
            guard var prompt = found else { throw PromptAnswerError.noSuchPrompt }
            let wanted = confirmed ? "confirmed" : "rejected"
            if prompt.status == wanted { return prompt }
            guard prompt.status == "open" else { throw PromptAnswerError.alreadyAnswered(prompt.status) }
            guard now < prompt.expiresAt else { throw PromptAnswerError.expired }
            prompt.status = wanted
            prompt.answeredAt = now
            prompt.answeredBy = user
            try await db.query("""
                UPDATE evidence.prompts SET status = \(wanted), answered_at = \(now), answered_by = \(user) WHERE prompt_id = \(promptId)
                """, logger: logger)
            let matchRows = try await db.query("""
                UPDATE evidence.matches SET status = \(wanted), updated_at = \(now) WHERE match_id = \(prompt.matchId)
                RETURNING confidence, sku, line_indexes::text
                """, logger: logger)
            var confidence = 0.0, sku: String?, lines: [Int] = []
            for try await (value, matchedSKU, linesText) in matchRows.decode((Double, String?, String).self) {
                confidence = value
                sku = matchedSKU
                lines = (try? JSONDecoder().decode([Int].self, from: Data(linesText.utf8))) ?? []
            }
            // The other claims of the SKU the same question stood for.
            let siblingRows = try await db.query("""
                UPDATE evidence.matches m SET status = \(wanted), updated_at = \(now)
                FROM evidence.matches own
                WHERE own.match_id = \(prompt.matchId) AND m.document_id = own.document_id AND m.sku IS NOT DISTINCT FROM own.sku
                  AND m.match_id <> own.match_id AND m.status = 'prompted'
                RETURNING m.match_id, m.claim_id, m.confidence
                """, logger: logger)
            var siblings: [(matchId: UUID, claimId: UUID, confidence: Double)] = []
            for try await sibling in siblingRows.decode((UUID, UUID, Double).self) { siblings.append(sibling) }
            try await db.query("""
                UPDATE evidence.prompts SET status = \(wanted), answered_at = \(now), answered_by = \(user)
                WHERE match_id = ANY(\(siblings.map(\.matchId))) AND status = 'open'
                """, logger: logger)
            if confirmed {
                guard let matched = try await document(prompt.documentId) else { throw PromptAnswerError.noSuchPrompt }
                try await announce(matchId: prompt.matchId, claimId: prompt.claimId, document: matched, confidence: confidence,
                                   decidedBy: "confirmed", costDocument: costAttachments[prompt.claimId], tenant: tenant, at: now, on: db)
                for sibling in siblings {
                    try await announce(matchId: sibling.matchId, claimId: sibling.claimId, document: matched, confidence: sibling.confidence,
                                       decidedBy: "confirmed", costDocument: costAttachments[sibling.claimId], tenant: tenant, at: now, on: db)
                }
            }
            _ = try await outbox.publish(PromptAnswered(promptId: promptId, claimId: prompt.claimId, documentId: prompt.documentId,
                                                        confirmed: confirmed, lineIndexes: lines, sku: sku, answeredBy: user),
                                         tenantId: tenant, on: db)
            return prompt
        }
        await outbox.wakeRelay()
        return answered
    }

    /// The other matches of the same document and SKU still waiting on a question.
    func waitingSiblings(tenant: UUID, matchId: UUID) async throws -> [(matchId: UUID, claimId: UUID)] {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenant) { db in
            let rows = try await db.query("""
                SELECT m.match_id, m.claim_id FROM evidence.matches m JOIN evidence.matches own
                  ON own.document_id = m.document_id AND m.sku IS NOT DISTINCT FROM own.sku AND m.match_id <> own.match_id
                WHERE own.match_id = \(matchId) AND m.status = 'prompted'
                """, logger: logger)
            var found: [(matchId: UUID, claimId: UUID)] = []
            for try await sibling in rows.decode((UUID, UUID).self) { found.append(sibling) }
            return found
        }
    }

    // MARK: Reading

    static let matchColumns = """
        match_id, document_id, claim_id, sku, line_indexes::text AS line_indexes, confidence, features::text AS features, status,
        announced_at, updated_at
        """
    static let promptColumns = """
        prompt_id, match_id, claim_id, document_id, question, status, created_at, expires_at, reminded_at, answered_at, answered_by
        """

    static func match(_ row: PostgresRow) throws -> StoredMatch {
        let r = row.makeRandomAccess()
        let decoder = JSONDecoder()
        return StoredMatch(
            id: try r["match_id"].decode(UUID.self), documentId: try r["document_id"].decode(UUID.self), claimId: try r["claim_id"].decode(UUID.self),
            sku: try r["sku"].decode(String?.self),
            lineIndexes: try decoder.decode([Int].self, from: Data(try r["line_indexes"].decode(String.self).utf8)),
            confidence: try r["confidence"].decode(Double.self),
            features: try decoder.decode([MatchFeature].self, from: Data(try r["features"].decode(String.self).utf8)),
            status: try r["status"].decode(String.self), announcedAt: try r["announced_at"].decode(Date?.self),
            updatedAt: try r["updated_at"].decode(Date.self))
    }

    static func prompt(_ row: PostgresRow) throws -> Prompt {
        let r = row.makeRandomAccess()
        return Prompt(id: try r["prompt_id"].decode(UUID.self), matchId: try r["match_id"].decode(UUID.self), claimId: try r["claim_id"].decode(UUID.self),
                      documentId: try r["document_id"].decode(UUID.self), question: try r["question"].decode(String.self),
                      status: try r["status"].decode(String.self), createdAt: try r["created_at"].decode(Date.self),
                      expiresAt: try r["expires_at"].decode(Date.self), remindedAt: try r["reminded_at"].decode(Date?.self),
                      answeredAt: try r["answered_at"].decode(Date?.self), answeredBy: try r["answered_by"].decode(String?.self))
    }

    static func json(_ value: some Encodable) throws -> String { try EvidenceDocumentStore.json(value) }

    /// The tenant's matches of a document or of a claim (or all of them), best first.
    public func matches(tenant: UUID, documentId: UUID? = nil, claimId: UUID? = nil, limit: Int = 500) async throws -> [StoredMatch] {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenant) { db in
            let rows = try await db.query("""
                SELECT \(unescaped: Self.matchColumns) FROM evidence.matches
                WHERE (\(documentId)::uuid IS NULL OR document_id = \(documentId)) AND (\(claimId)::uuid IS NULL OR claim_id = \(claimId))
                ORDER BY confidence DESC, match_id LIMIT \(Int64(limit))
                """, logger: logger)
            var found: [StoredMatch] = []
            for try await row in rows { found.append(try Self.match(row)) }
            return found
        }
    }

    /// The tenant's prompts in a status (open ones by default), soonest to expire first.
    public func prompts(tenant: UUID, status: String? = "open", limit: Int = 200) async throws -> [Prompt] {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenant) { db in
            let rows = try await db.query("""
                SELECT \(unescaped: Self.promptColumns) FROM evidence.prompts
                WHERE (\(status)::text IS NULL OR status = \(status))
                ORDER BY expires_at, prompt_id LIMIT \(Int64(limit))
                """, logger: logger)
            var found: [Prompt] = []
            for try await row in rows { found.append(try Self.prompt(row)) }
            return found
        }
    }

    public func prompt(tenant: UUID, id: UUID) async throws -> Prompt? {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenant) { db in
            let rows = try await db.query("SELECT \(unescaped: Self.promptColumns) FROM evidence.prompts WHERE prompt_id = \(id)", logger: logger)
            for try await row in rows { return try Self.prompt(row) }
            return nil
        }
    }

    /// Which suppliers each SKU was proved with before (ready or confirmed matches), folded.
    public func suppliersBySKU(tenant: UUID) async throws -> [String: Set<String>] {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenant) { db in
            let rows = try await db.query("""
                SELECT m.sku, d.fields->>'supplier' FROM evidence.matches m JOIN evidence.documents d USING (document_id)
                WHERE m.status IN ('ready', 'confirmed') AND m.sku IS NOT NULL AND d.fields->>'supplier' IS NOT NULL
                """, logger: logger)
            var found: [String: Set<String>] = [:]
            for try await (sku, supplier) in rows.decode((String, String).self) { found[sku, default: []].insert(SupplierName.key(supplier)) }
            return found
        }
    }

    // MARK: The sweep

    /// Reminds the seller once of each question still open after the reminder delay, and
    /// expires those past their time. Reads every tenant's open prompts through the sweep's policy.
    /// - Returns: how many were reminded and expired.
    public func sweep(at now: Date) async throws -> (reminded: Int, expired: Int) {
        let logger = self.logger, outbox = self.outbox, reminderDelay = settings.promptReminder
        let open = try await database.withTransaction { db -> [(tenant: UUID, prompt: Prompt)] in
            try await db.query("SELECT set_config('opside.evidence_prompt_sweep', 'on', true)", logger: logger)
            let rows = try await db.query("""
                SELECT tenant_id, \(unescaped: Self.promptColumns) FROM evidence.prompts
                WHERE status = 'open' AND (expires_at <= \(now) OR (reminded_at IS NULL AND created_at <= \(now.addingTimeInterval(-reminderDelay))))
                ORDER BY expires_at LIMIT 5000
                """, logger: logger)
            var found: [(UUID, Prompt)] = []
            for try await row in rows { found.append((try row.makeRandomAccess()["tenant_id"].decode(UUID.self), try Self.prompt(row))) }
            return found
        }
        var reminded = 0, expired = 0
        for (tenant, prompt) in open {
            let outcome = try await database.withTransaction(tenant: tenant) { db -> String? in
                if prompt.expiresAt <= now {
                    try await db.query("UPDATE evidence.prompts SET status = 'expired' WHERE prompt_id = \(prompt.id) AND status = 'open'", logger: logger)
                    return "expired"
                }
                let rows = try await db.query("""
                    UPDATE evidence.prompts SET reminded_at = \(now) WHERE prompt_id = \(prompt.id) AND status = 'open' AND reminded_at IS NULL
                    RETURNING prompt_id
                    """, logger: logger)
                var changed = false
                for try await _ in rows { changed = true }
                guard changed else { return nil }
                _ = try await outbox.publish(PromptCreated(promptId: prompt.id, claimId: prompt.claimId, documentId: prompt.documentId,
                                                           question: prompt.question, expiresAt: prompt.expiresAt, reminder: true),
                                             tenantId: tenant, on: db)
                return "reminded"
            }
            if outcome == "expired" { expired += 1 } else if outcome == "reminded" { reminded += 1 }
        }
        if reminded > 0 { await outbox.wakeRelay() }
        return (reminded, expired)
    }
}
