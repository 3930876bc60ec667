import Foundation
import Logging
import OpsideCore
import OpsideCostDocsAccess
import OpsideDocuments
import OpsideEvents
import OpsideInvoices
import OpsideJobs
import OpsidePostgres
import PostgresNIO

/// `evidence.documents`: one row per tenant and content, ever (a second upload of the same bytes
/// is the same document), with what was read from it.
public struct EvidenceDocumentStore: Sendable {
    let database: Database
    let outbox: EventOutbox
    let logger: Logger

    public init(database: Database, outbox: EventOutbox, logger: Logger) {
        self.database = database
        self.outbox = outbox
        self.logger = logger
    }

    static let columns = """
        document_id, sha256, file_name, kind, size_bytes, status, failure_code, failure_message, method, page_count, ocr_confidence,
        fields::text AS fields, corrections::text AS corrections, uploaded_by, uploaded_at, parsed_at
        """

    static func document(_ row: PostgresRow) throws -> EvidenceDocument {
        let r = row.makeRandomAccess()
        func json<T: Decodable>(_ name: String, as type: T.Type) throws -> T? {
            guard let text = try r[name].decode(String?.self) else { return nil }
            return try JSONDecoder().decode(T.self, from: Data(text.utf8))
        }
        let kindText = try r["kind"].decode(String.self), statusText = try r["status"].decode(String.self)
        guard let kind = DocumentKind(rawValue: kindText), let status = EvidenceDocument.Status(rawValue: statusText) else {
            throw EvidenceStoreError.corruptRow("document kind '\(kindText)' or status '\(statusText)'")
        }
        let failure = try r["failure_code"].decode(String?.self).map {
            EvidenceDocument.Failure(code: $0, message: (try? r["failure_message"].decode(String?.self)) ?? nil ?? "")
        }
        let read = try json("fields", as: InvoiceFields.self)
        let corrections = try json("corrections", as: InvoiceCorrections.self)
        return EvidenceDocument(
            id: try r["document_id"].decode(UUID.self), fileName: try r["file_name"].decode(String.self), sha256: try r["sha256"].decode(String.self),
            kind: kind, sizeBytes: Int(try r["size_bytes"].decode(Int64.self)), status: status, failure: failure,
            method: try r["method"].decode(String?.self), pageCount: try r["page_count"].decode(Int32?.self).map(Int.init),
            ocrConfidence: try r["ocr_confidence"].decode(Double?.self),
            fields: try read.map { try corrections?.applied(to: $0) ?? $0 }, corrections: corrections,
            uploadedBy: try r["uploaded_by"].decode(String.self), uploadedAt: try r["uploaded_at"].decode(Date.self),
            parsedAt: try r["parsed_at"].decode(Date?.self))
    }

    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Records a stored upload and queues its parse, in one transaction; the same bytes uploaded
    /// before give back the document they already are.
    /// - Returns: the document and whether it existed already.
    public func receive(tenant: UUID, sha256: String, fileName: String, kind: DocumentKind, sizeBytes: Int, uploadedBy: String, at now: Date,
                        parseJob: @escaping @Sendable (UUID) throws -> NewJob) async throws -> (document: EvidenceDocument, duplicate: Bool) {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenant) { db in
            let id = UUID()
            let inserted = try await db.query("""
                INSERT INTO evidence.documents (document_id, tenant_id, sha256, file_name, kind, size_bytes, status, uploaded_by, uploaded_at)
                VALUES (\(id), \(tenant), \(sha256), \(fileName), \(kind.rawValue), \(Int64(sizeBytes)), 'received', \(uploadedBy), \(now))
                ON CONFLICT (tenant_id, sha256) DO NOTHING
                RETURNING document_id
                """, logger: logger)
            var isNew = false
            for try await _ in inserted { isNew = true }
            if isNew { _ = try await JobQueue.enqueue(try parseJob(id), on: db, logger: logger) }
            let rows = try await db.query("SELECT \(unescaped: Self.columns) FROM evidence.documents WHERE sha256 = \(sha256)", logger: logger)
            for try await row in rows { return (try Self.document(row), !isNew) }
            throw EvidenceStoreError.corruptRow("the document \(sha256) vanished while it was recorded")
        }
    }

    public func document(tenant: UUID, id: UUID) async throws -> EvidenceDocument? {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenant) { db in
            let rows = try await db.query("SELECT \(unescaped: Self.columns) FROM evidence.documents WHERE document_id = \(id)", logger: logger)
            for try await row in rows { return try Self.document(row) }
            return nil
        }
    }

    /// The tenant's documents, newest first.
    public func list(tenant: UUID, status: EvidenceDocument.Status?, limit: Int, offset: Int) async throws -> [EvidenceDocument] {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenant) { db in
            let rows = try await db.query("""
                SELECT \(unescaped: Self.columns) FROM evidence.documents
                WHERE (\(status?.rawValue)::text IS NULL OR status = \(status?.rawValue))
                ORDER BY uploaded_at DESC, document_id LIMIT \(Int64(limit)) OFFSET \(Int64(offset))
                """, logger: logger)
            var found: [EvidenceDocument] = []
            for try await row in rows { found.append(try Self.document(row)) }
            return found
        }
    }

    /// Records what the parser read and announces it (`document.parsed`), in one transaction. A
    /// document read before is read again only by a new parse job, and announced again.
    public func recordParsed(tenant: UUID, id: UUID, parsed: ParsedDocument, fields: InvoiceFields, at now: Date) async throws -> EvidenceDocument {
        let logger = self.logger, outbox = self.outbox
        let pages = try Self.json(parsed.pages), fieldsJSON = try Self.json(fields)
        return try await database.withTransaction(tenant: tenant) { db in
            let rows = try await db.query("""
                UPDATE evidence.documents SET status = 'parsed', failure_code = NULL, failure_message = NULL, method = \(parsed.method.rawValue),
                    page_count = \(Int32(parsed.pageCount)), ocr_confidence = \(parsed.ocrConfidence), pages = \(pages)::jsonb,
                    fields = \(fieldsJSON)::jsonb, parsed_at = \(now)
                WHERE document_id = \(id)
                RETURNING \(unescaped: Self.columns)
                """, logger: logger)
            var updated: EvidenceDocument?
            for try await row in rows { updated = try Self.document(row) }
            guard let updated else { throw EvidenceStoreError.noSuchDocument(id) }
            _ = try await outbox.publish(DocumentParsed(documentId: id, fileName: updated.fileName,
                                                        documentType: (updated.fields ?? fields).documentType.rawValue,
                                                        lineCount: (updated.fields ?? fields).lines.count),
                                         tenantId: tenant, on: db)
            return updated
        }
    }

    /// Records why the parser refused the document.
    public func recordFailure(tenant: UUID, id: UUID, _ rejection: DocumentRejection, at now: Date) async throws {
        let logger = self.logger
        try await database.withTransaction(tenant: tenant) { db in
            try await db.query("""
                UPDATE evidence.documents SET status = 'failed', failure_code = \(rejection.code.rawValue), failure_message = \(rejection.message),
                    parsed_at = \(now)
                WHERE document_id = \(id)
                """, logger: logger)
        }
    }

    /// Stores the seller's corrections and announces the document again, so its costs and
    /// matches are worked out anew from the corrected fields.
    /// - Throws: `InvoiceCorrectionError` when a correction does not apply; `EvidenceStoreError.notParsed`.
    public func correct(tenant: UUID, id: UUID, corrections: InvoiceCorrections) async throws -> EvidenceDocument {
        let logger = self.logger, outbox = self.outbox
        let json = try Self.json(corrections)
        return try await database.withTransaction(tenant: tenant) { db in
            let rows = try await db.query("SELECT \(unescaped: Self.columns) FROM evidence.documents WHERE document_id = \(id) FOR UPDATE",
                                          logger: logger)
            var current: EvidenceDocument?
            for try await row in rows { current = try Self.document(row) }
            guard let current else { throw EvidenceStoreError.noSuchDocument(id) }
            guard current.status == .parsed, var read = current.fields else { throw EvidenceStoreError.notParsed(id) }
            // Undo the corrections already applied: the new ones replace them whole.
            read = try await Self.readFields(id: id, on: db, logger: logger) ?? read
            let corrected = try corrections.applied(to: read)
            try await db.query("UPDATE evidence.documents SET corrections = \(json)::jsonb WHERE document_id = \(id)", logger: logger)
            _ = try await outbox.publish(DocumentParsed(documentId: id, fileName: current.fileName, documentType: corrected.documentType.rawValue,
                                                        lineCount: corrected.lines.count), tenantId: tenant, on: db)
            var updated = current
            updated.fields = corrected
            updated.corrections = corrections
            return updated
        }
    }

    static func readFields(id: UUID, on db: PostgresConnection, logger: Logger) async throws -> InvoiceFields? {
        let rows = try await db.query("SELECT fields::text FROM evidence.documents WHERE document_id = \(id)", logger: logger)
        for try await text in rows.decode(String?.self) {
            return try text.map { try JSONDecoder().decode(InvoiceFields.self, from: Data($0.utf8)) }
        }
        return nil
    }

    /// The text of each page, for the page that shows the read lines in place.
    public func pages(tenant: UUID, id: UUID) async throws -> [String]? {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenant) { db in
            let rows = try await db.query("SELECT pages::text FROM evidence.documents WHERE document_id = \(id)", logger: logger)
            for try await text in rows.decode(String?.self) {
                return try text.map { try JSONDecoder().decode([String].self, from: Data($0.utf8)) }
            }
            return nil
        }
    }
}

public enum EvidenceStoreError: Error, CustomStringConvertible {
    case corruptRow(String)
    case noSuchDocument(UUID)
    case notParsed(UUID)

    public var description: String {
        switch self {
        case .corruptRow(let reason): "a stored evidence row cannot be read: \(reason)"
        case .noSuchDocument(let id): "no document \(id.uuidString.lowercased())"
        case .notParsed(let id): "the document \(id.uuidString.lowercased()) has not been read yet (or could not be); there is nothing to correct"
        }
    }
}
