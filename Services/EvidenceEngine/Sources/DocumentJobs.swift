import Foundation
import Logging
import OpsideClaimsAccess
import OpsideCore
import OpsideCostDocsAccess
import OpsideDocuments
import OpsideEvents
import OpsideInvoices
import OpsideJobs
import OpsidePostgres

/// evidence-engine's jobs: reading a document (in the parser subprocess), matching a costed
/// document against the seller's claims and new claims against the documents, and the sweep that
/// reminds and expires prompts.
public struct DocumentJobs: Sendable {
    public static let queue = "evidence-engine"
    public static let parseKind = "evidence-engine.parse"
    public static let sweepKind = "evidence-engine.prompt-sweep"

    public struct DocumentJob: Codable, Sendable, Equatable {
        @LowercasedUUID public var tenantId: UUID
        @LowercasedUUID public var documentId: UUID
    }

    /// The parse of one document, once while it waits.
    public static func parseJob(tenant: UUID, documentId: UUID) throws -> NewJob {
        try NewJob(queue: queue, kind: parseKind, arguments: DocumentJob(tenantId: tenant, documentId: documentId), tenantID: tenant,
                   maxAttempts: 5, uniqueKey: "\(parseKind):\(documentId.uuidString.lowercased())", leaseSeconds: 600)
    }

    let store: EvidenceDocumentStore
    let matches: MatchStore
    let vault: any DocumentVault
    let parsing: DocumentParsing
    let claims: any ClaimSource
    let costs: any CostedDocumentSource
    let costDocuments: CostDocuments
    let limits: DocumentLimits
    let settings: EvidenceSettings
    let clocks: ServiceClocks
    let temporaryDirectory: URL

    public init(store: EvidenceDocumentStore, matches: MatchStore, vault: any DocumentVault, parsing: DocumentParsing, claims: any ClaimSource,
                costs: any CostedDocumentSource, settings: EvidenceSettings, clocks: ServiceClocks,
                temporaryDirectory: URL = FileManager.default.temporaryDirectory) {
        self.store = store
        self.matches = matches
        self.vault = vault
        self.parsing = parsing
        self.claims = claims
        self.costs = costs
        self.costDocuments = CostDocuments(vault: vault)
        self.limits = settings.limits
        self.settings = settings
        self.clocks = clocks
        self.temporaryDirectory = temporaryDirectory
    }

    public var cron: [CronEntry] {
        [CronEntry(name: Self.sweepKind, schedule: settings.sweepSchedule) { _ in
            NewJob(queue: Self.queue, kind: Self.sweepKind, maxAttempts: 3, uniqueKey: Self.sweepKind)
        }]
    }

    public func register(in jobs: inout JobRegistry) {
        jobs.register(Self.parseKind, arguments: DocumentJob.self, retryPolicy: RetryPolicy(capSeconds: 600)) { job, context in
            try await parse(tenant: job.tenantId, documentId: job.documentId, logger: context.logger)
        }
        jobs.consume(EventConsumers.matchCostedDocument) { updated, envelope, context in
            guard let tenant = envelope.tenantId else { throw JobOutcome.cancel(reason: "costs.updated \(envelope.id) names no tenant") }
            try await match(tenant: tenant, document: CostedDocument(updated), logger: context.logger)
        }
        jobs.consume(EventConsumers.matchNewClaims) { detected, envelope, context in
            guard let tenant = envelope.tenantId else { throw JobOutcome.cancel(reason: "claims.detected \(envelope.id) names no tenant") }
            guard detected.newClaims + detected.reopenedClaims + detected.updatedClaims > 0 else { return }
            try await matchClaims(tenant: tenant, connection: detected.connectionId, logger: context.logger)
        }
        jobs.register(Self.sweepKind) { _, context in
            let (reminded, expired) = try await matches.sweep(at: clocks.wall.now)
            if reminded + expired > 0 {
                context.logger.info("prompt sweep", metadata: ["reminded": "\(reminded)", "expired": "\(expired)"])
            }
        }
    }

    /// Reads one document in the parser subprocess and records what it says, or why it cannot
    /// be read. A refusal is the document's outcome, not the job's failure: it is recorded and
    /// the job completes (reading it again would give the same answer).
    func parse(tenant: UUID, documentId: UUID, logger: Logger) async throws {
        guard let document = try await store.document(tenant: tenant, id: documentId) else {
            throw JobOutcome.cancel(reason: "no document \(documentId) for tenant \(tenant)")
        }
        let bytes = try await vault.fetch(sha256: document.sha256, tenant: tenant, maxBytes: limits.maxFileBytes)
        let path = temporaryDirectory.appendingPathComponent("opside-parse-\(UUID().uuidString)")
        try bytes.write(to: path)
        defer { try? FileManager.default.removeItem(at: path) }
        let parsed: ParsedDocument
        do {
            parsed = try await parsing.parse(fileAt: path, kind: document.kind)
        } catch {
            logger.info("document refused", metadata: ["document": "\(documentId)", "code": "\(error.code.rawValue)"])
            try await store.recordFailure(tenant: tenant, id: documentId, error, at: clocks.wall.now)
            return
        }
        let fields = InvoiceExtractor().extract(InvoiceDocument(pages: parsed.pages, tables: parsed.tables.map(\.rows)))
        _ = try await store.recordParsed(tenant: tenant, id: documentId, parsed: parsed, fields: fields, at: clocks.wall.now)
        await store.outbox.wakeRelay()
    }

    /// Matches one costed document against every open claim of the tenant it can prove.
    func match(tenant: UUID, document costed: CostedDocument, logger: Logger) async throws {
        let open = ProvableClaims(try await claims.claims(tenant: tenant, connection: nil, statuses: ["too_early", "claimable"]))
        let outcome = try await match(tenant: tenant, costed: costed, against: open, suppliers: try await matches.suppliersBySKU(tenant: tenant))
        logger.info("document matched", metadata: ["document": "\(costed.documentId)", "ready": "\(outcome.ready)", "prompted": "\(outcome.prompted)"])
    }

    /// Matches a connection's claims against every costed document of the tenant (new claims
    /// find the invoices uploaded before them).
    func matchClaims(tenant: UUID, connection: UUID, logger: Logger) async throws {
        let open = ProvableClaims(try await claims.claims(tenant: tenant, connection: connection, statuses: ["too_early", "claimable"]))
        guard open.count > 0 else { return }
        let suppliers = try await matches.suppliersBySKU(tenant: tenant)
        for costed in try await costs.costedDocuments(tenant: tenant) {
            try await match(tenant: tenant, costed: costed, against: open, suppliers: suppliers)
        }
    }

    /// Scores the document against the claims, renders a cost document for each claim it
    /// proves outright (before the transaction: a render is a call to cost-docs), and records.
    @discardableResult
    func match(tenant: UUID, costed: CostedDocument, against open: ProvableClaims, suppliers: [String: Set<String>]) async throws
        -> (ready: Int, prompted: Int) {
        let candidates = open.candidates(for: costed)
        guard !candidates.isEmpty, let document = try await store.document(tenant: tenant, id: costed.documentId) else { return (0, 0) }
        let matcher = EvidenceMatcher(), now = clocks.wall.now
        let found = candidates.map { matcher.match(costed, against: $0, suppliersBySKU: suppliers) }
        let claimsById = Dictionary(candidates.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let announced = Set(try await matches.matches(tenant: tenant, documentId: document.id).filter { $0.announcedAt != nil }.map(\.claimId))
        var rendered: [UUID: EvidenceAttachment] = [:]
        for match in found where match.confidence >= settings.autoSubmitThreshold && !announced.contains(match.claimId) {
            guard let claim = claimsById[match.claimId] else { continue }
            let content = CostDocuments.content(claim: claim, document: document, costed: costed, lineIndexes: match.lineIndexes,
                                                decidedBy: "automatic", confidence: match.confidence, preparedAt: now)
            rendered[match.claimId] = try await costDocuments.render(content, tenant: tenant)
        }
        return try await matches.record(tenant: tenant, document: Self.matched(document, costed), matches: found, costDocuments: rendered, at: now)
    }

    static func matched(_ document: EvidenceDocument, _ costed: CostedDocument) -> MatchedDocument {
        MatchedDocument(documentId: document.id, fileName: document.fileName, sha256: document.sha256, contentType: document.kind.contentType,
                        invoiceNumber: costed.invoiceNumber ?? document.fields?.number, supplier: costed.supplier ?? document.fields?.supplier)
    }
}

/// The tenant's documents as mcde costed them, for matching new claims against documents that
/// came before them.
public protocol CostedDocumentSource: Sendable {
    func costedDocuments(tenant: UUID) async throws -> [CostedDocument]
    /// One document as mcde costed it; nil when mcde has not (yet).
    func costedDocument(tenant: UUID, documentId: UUID) async throws -> CostedDocument?
}
