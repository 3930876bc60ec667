import Foundation
import Hummingbird
import Logging
import NIOCore
import OpsideClaimsAccess
import OpsideCore
import OpsideCostDocsAccess
import OpsideDocuments
import OpsideEvents
import OpsideJobs
import OpsidePostgres
import OpsideTransport
import PostgresNIO

/// A proof packet as the API shows it.
public struct ProofPacket: Codable, Sendable, Equatable {
    public var id: UUID
    public var claimId: UUID
    public var caseId: String?
    public var sha256: String
    public var sizeBytes: Int
    /// Every file in the ZIP with its SHA-256 (the ZIP's `manifest.sha256` says the same).
    public var manifest: [ProofSummaryContent.File]
    public var generatedAt: Date
}

/// After Amazon pays a claim on one of our cases, the proof packet: a ZIP of the summary PDF (the
/// claim, its arithmetic, the case, the reimbursement, the files), the evidence the case was filed
/// with, the reimbursement record and a SHA-256 manifest of every file. It is made once per claim,
/// stored by cost-docs, announced with `proof_packet.generated`, and the same inputs give the same
/// bytes (fixed entry dates and order, a summary rendered from data alone).
public struct ProofPacketJobs: Sendable {
    let store: EvidenceDocumentStore
    let matches: MatchStore
    let vault: any DocumentVault
    let claims: any ClaimSource
    let serviceClient: ServiceClient
    let database: Database
    let outbox: EventOutbox
    let clocks: ServiceClocks
    let logger: Logger

    public init(store: EvidenceDocumentStore, matches: MatchStore, vault: any DocumentVault, claims: any ClaimSource, serviceClient: ServiceClient,
                database: Database, outbox: EventOutbox, clocks: ServiceClocks, logger: Logger) {
        self.store = store
        self.matches = matches
        self.vault = vault
        self.claims = claims
        self.serviceClient = serviceClient
        self.database = database
        self.outbox = outbox
        self.clocks = clocks
        self.logger = logger
    }

    /// What the packet needs of refund-engine's case.
    struct CaseDetail: Decodable {
        struct Case: Codable {
            var id: UUID
            var claimId: UUID
            var status: String
            var amazonCaseId: String?
            var filedAt: Date?
            var subject: String
            var body: String
        }

        var `case`: Case
        var evidence: [EvidenceAttachment]?
    }

    public func register(in jobs: inout JobRegistry) {
        jobs.consume(EventConsumers.packProofAfterPayout) { received, envelope, context in
            guard let tenant = envelope.tenantId else { throw JobOutcome.cancel(reason: "reimbursement.received \(envelope.id) names no tenant") }
            guard received.kind == "reimbursement", received.attribution == "case", let caseId = received.caseId else { return }
            _ = try await pack(received, caseId: caseId, tenant: tenant, occurredAt: envelope.occurredAt, logger: context.logger)
        }
    }

    /// Makes the claim's packet unless it has one.
    /// - Returns: the packet (the existing one when the claim had one).
    public func pack(_ received: ReimbursementReceived, caseId: String, tenant: UUID, occurredAt: Date, logger: Logger) async throws -> ProofPacket? {
        let detail: CaseDetail
        do {
            detail = try await serviceClient.get(CaseDetail.self, from: .refundEngine, path: "/internal/cases/\(caseId)", tenantID: tenant)
        } catch ServiceCallError.status(_, let code, _) where code == 404 {
            throw JobOutcome.cancel(reason: "refund-engine has no case \(caseId) for this tenant")
        }
        let claimId = detail.case.claimId
        if let existing = try await packet(tenant: tenant, claimId: claimId) { return existing }
        guard let claim = try await claims.claim(tenant: tenant, id: claimId) else {
            throw JobOutcome.cancel(reason: "claim-detector has no claim \(claimId) for this tenant")
        }
        // The packet's date is the payment's: the same payment gives the same bytes.
        let generatedAt = received.approvalDate ?? occurredAt
        var files: [(path: String, bytes: Data)] = []
        var used: Set<String> = []
        for attachment in detail.evidence ?? [] {
            let bytes = try await vault.fetch(sha256: attachment.sha256, tenant: tenant, maxBytes: 200 << 20)
            var path = "evidence/" + StoredName(uploadedName: attachment.fileName).displayName
            if used.contains(path) { path = "evidence/\(attachment.sha256.prefix(12))-" + StoredName(uploadedName: attachment.fileName).displayName }
            used.insert(path)
            files.append((path, bytes))
        }
        let record = ReimbursementRecord(reimbursement: received, case: detail.case)
        files.append(("reimbursement.json", try Self.canonicalJSON(record)))

        let listed = files.map { ProofSummaryContent.File(path: $0.path, sha256: ContentHash(of: $0.bytes).hex, sizeBytes: $0.bytes.count) }
        let arithmetic = [
            "Claimed: \(claim.units) unit\(claim.units == 1 ? "" : "s") of \(claim.sku ?? claim.asin ?? claim.fnsku ?? "the product") = \(claim.amount.displayText)",
            "Paid by Amazon: \(received.amount.displayText) (reimbursement \(received.reimbursementId))",
        ]
        let summary = ProofSummaryContent(
            claim: CostDocuments.claim(claim), arithmetic: arithmetic, caseId: caseId, amazonCaseId: detail.case.amazonCaseId ?? received.amazonCaseId,
            caseStatus: detail.case.status, filedAt: detail.case.filedAt, reimbursementId: received.reimbursementId, amountPaid: received.amount,
            paidOn: received.approvalDate, files: listed, generatedAt: generatedAt)
        let rendered = try await vault.renderProofSummary(summary, tenant: tenant)
        files.append(("summary.pdf", try await vault.fetch(sha256: rendered.sha256, tenant: tenant, maxBytes: 50 << 20)))

        let zip = try ProofPacketArchive.make(files: files, modifiedAt: generatedAt)
        let sha256 = try await vault.store(zip.data, contentType: "application/zip", purpose: "proof_packet", tenant: tenant)
        let packet = ProofPacket(id: UUID(), claimId: claimId, caseId: caseId, sha256: sha256, sizeBytes: zip.data.count, manifest: zip.manifest,
                                 generatedAt: generatedAt)
        let saved = try await save(packet, tenant: tenant)
        logger.info("proof packet", metadata: ["claim": "\(claimId)", "files": "\(zip.manifest.count)", "bytes": "\(zip.data.count)"])
        return saved
    }

    /// The reimbursement and the case as the packet records them.
    struct ReimbursementRecord: Encodable {
        var reimbursement: ReimbursementReceived
        var `case`: CaseDetail.Case
    }

    /// JSON with sorted keys and fixed date spelling: the same record gives the same bytes.
    static func canonicalJSON(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(value)
    }

    /// Records the packet and announces it, in one transaction; a packet made meanwhile by
    /// another delivery of the event wins and is returned.
    func save(_ packet: ProofPacket, tenant: UUID) async throws -> ProofPacket {
        let logger = self.logger, outbox = self.outbox
        let manifest = try EvidenceDocumentStore.json(packet.manifest)
        let saved = try await database.withTransaction(tenant: tenant) { db -> Bool in
            let rows = try await db.query("""
                INSERT INTO evidence.proof_packets (packet_id, tenant_id, claim_id, case_id, sha256, size_bytes, manifest, generated_at)
                VALUES (\(packet.id), \(tenant), \(packet.claimId), \(packet.caseId), \(packet.sha256), \(Int64(packet.sizeBytes)), \(manifest)::jsonb,
                        \(packet.generatedAt))
                ON CONFLICT (tenant_id, claim_id) DO NOTHING
                RETURNING packet_id
                """, logger: logger)
            var inserted = false
            for try await _ in rows { inserted = true }
            if inserted {
                _ = try await outbox.publish(ProofPacketGenerated(packetId: packet.id, claimId: packet.claimId, caseId: packet.caseId,
                                                                  sha256: packet.sha256, sizeBytes: packet.sizeBytes, files: packet.manifest.count),
                                             tenantId: tenant, on: db)
            }
            return inserted
        }
        if saved { await outbox.wakeRelay() }
        return try await self.packet(tenant: tenant, claimId: packet.claimId) ?? packet
    }

    // MARK: Reading

    static let columns = "packet_id, claim_id, case_id, sha256, size_bytes, manifest::text AS manifest, generated_at"

    static func packet(_ row: PostgresRow) throws -> ProofPacket {
        let r = row.makeRandomAccess()
        return ProofPacket(id: try r["packet_id"].decode(UUID.self), claimId: try r["claim_id"].decode(UUID.self), caseId: try r["case_id"].decode(String?.self),
                           sha256: try r["sha256"].decode(String.self), sizeBytes: Int(try r["size_bytes"].decode(Int64.self)),
                           manifest: try JSONDecoder().decode([ProofSummaryContent.File].self, from: Data(try r["manifest"].decode(String.self).utf8)),
                           generatedAt: try r["generated_at"].decode(Date.self))
    }

    func packets(tenant: UUID, claimId: UUID? = nil, id: UUID? = nil, limit: Int = 200) async throws -> [ProofPacket] {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenant) { db in
            let rows = try await db.query("""
                SELECT \(unescaped: Self.columns) FROM evidence.proof_packets
                WHERE (\(claimId)::uuid IS NULL OR claim_id = \(claimId)) AND (\(id)::uuid IS NULL OR packet_id = \(id))
                ORDER BY generated_at DESC, packet_id LIMIT \(Int64(limit))
                """, logger: logger)
            var found: [ProofPacket] = []
            for try await row in rows { found.append(try Self.packet(row)) }
            return found
        }
    }

    func packet(tenant: UUID, claimId: UUID) async throws -> ProofPacket? {
        try await packets(tenant: tenant, claimId: claimId, limit: 1).first
    }

    // MARK: The API

    struct PacketsResponse: ResponseEncodable {
        let proofPackets: [ProofPacket]
    }

    struct PacketResponse: ResponseEncodable {
        let proofPacket: ProofPacket
    }

    func addRoutes(to router: Router<OpsideRequestContext>) {
        router.get("/internal/proof-packets") { request, context in
            let tenant = try context.requireCallerTenant()
            var claimId: UUID?
            if let text = request.uri.queryParameters.get("claimId") {
                guard let id = UUID(uuidString: text) else { throw APIError.validation("claimId must be a UUID", details: ["claimId": "not a UUID"]) }
                claimId = id
            }
            return PacketsResponse(proofPackets: try await packets(tenant: tenant, claimId: claimId))
        }
        router.get("/internal/proof-packets/{packetId}") { _, context in
            PacketResponse(proofPacket: try await requirePacket(context))
        }
        router.get("/internal/proof-packets/{packetId}/download") { _, context in
            let tenant = try context.requireCallerTenant()
            let packet = try await requirePacket(context)
            let bytes = try await vault.fetch(sha256: packet.sha256, tenant: tenant, maxBytes: max(packet.sizeBytes, 1))
            var headers = HTTPFields()
            headers[.contentType] = "application/zip"
            headers[.contentDisposition] = "attachment; filename=\"proof-packet-\(packet.claimId.uuidString.lowercased()).zip\""
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
    }

    func requirePacket(_ context: OpsideRequestContext) async throws -> ProofPacket {
        let tenant = try context.requireCallerTenant()
        guard let id = UUID(uuidString: try context.parameters.require("packetId")),
              let packet = try await packets(tenant: tenant, id: id, limit: 1).first else { throw APIError.noSuch("proof packet") }
        return packet
    }
}
