import Foundation
import Hummingbird
import Logging
import NIOCore
import OpsideCore
import OpsideCostDocsAccess
import OpsideDocuments
import OpsideJobs

/// What became of one file of an upload.
public struct UploadOutcome: Codable, Sendable, Equatable {
    /// `accepted` (stored, being read), `duplicate` (the same bytes were uploaded before: the
    /// document they are) or `rejected` (`code` and `message` say why; nothing was stored).
    public var status: String
    public var fileName: String
    public var documentId: UUID?
    public var sizeBytes: Int
    public var kind: DocumentKind?
    public var code: String?
    public var message: String?
}

/// Takes a multipart upload of several files apart as it streams in, one temporary file per
/// part, so memory stays flat whatever the files weigh; then judges each file on its own (its
/// size, its type sniffed from its bytes), stores the good ones in cost-docs and queues their
/// reading. A bad file is refused with its reason; the others in the request go through.
public struct DocumentIntake: Sendable {
    let store: EvidenceDocumentStore
    let vault: any DocumentVault
    let limits: DocumentLimits
    let clocks: ServiceClocks
    let temporaryDirectory: URL
    let logger: Logger

    public init(store: EvidenceDocumentStore, vault: any DocumentVault, limits: DocumentLimits, clocks: ServiceClocks,
                temporaryDirectory: URL = FileManager.default.temporaryDirectory, logger: Logger) {
        self.store = store
        self.vault = vault
        self.limits = limits
        self.clocks = clocks
        self.temporaryDirectory = temporaryDirectory
        self.logger = logger
    }

    /// One part of the upload on disk.
    struct ReceivedPart {
        var fileName: String
        var path: URL
        var size = 0
        /// Set once the part passed the per-file limit: its bytes stop being written.
        var tooLarge = false
    }

    /// Reads and drops the body of a request refused before it was read (up to `limit` bytes), so
    /// the refusal comes after the whole request: main-api's gateway streams an upload on through
    /// AsyncHTTPClient, which fails the exchange (a 500 to the seller, not this answer) when an
    /// error answer arrives while it is still sending the body.
    static func discard(_ body: RequestBody, upTo limit: Int) async throws {
        var total = 0
        for try await chunk in body {
            total += chunk.readableBytes
            if total > limit { return }
        }
    }

    /// The multipart boundary of a `multipart/form-data` content type.
    static func boundary(of contentType: String?) throws -> String {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data") else {
            throw HTTPError(.unsupportedMediaType, message: "send the files as multipart/form-data (one part per file)")
        }
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0].lowercased() == "boundary" {
                let value = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                if !value.isEmpty, value.count <= 200 { return value }
            }
        }
        throw HTTPError(.badRequest, message: "the multipart content type names no boundary")
    }

    /// The file name a part's Content-Disposition gives (`filename*` is not used by browsers for
    /// form uploads; `filename` is).
    static func fileName(fromDisposition value: String) -> String? {
        for parameter in value.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0].lowercased() == "filename" {
                return pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
        }
        return nil
    }

    /// Receives an upload and judges each of its files.
    /// - Throws: `HTTPError` 400 for a body that is not multipart, 413 when the whole request
    ///   passes `limits.maxRequestBytes`, 422 with no file in it or too many files.
    public func receive(body: RequestBody, contentType: String?, tenant: UUID, uploadedBy: String) async throws -> [UploadOutcome] {
        let parts = try await receiveParts(body: body, contentType: contentType)
        defer { for part in parts { try? FileManager.default.removeItem(at: part.path) } }
        var outcomes: [UploadOutcome] = []
        for part in parts {
            outcomes.append(await judge(part, tenant: tenant, uploadedBy: uploadedBy))
        }
        return outcomes
    }

    func receiveParts(body: RequestBody, contentType: String?) async throws -> [ReceivedPart] {
        let boundary: String
        do {
            boundary = try Self.boundary(of: contentType)
        } catch {
            try await Self.discard(body, upTo: limits.maxRequestBytes)
            throw error
        }
        var splitter = MultipartSplitter(boundary: boundary)
        var parts: [ReceivedPart] = []
        var current: (part: ReceivedPart, handle: FileHandle)?
        var skipping = false // a plain form field, not a file
        func cleanUp() {
            try? current?.handle.close()
            for path in parts.map(\.path) + [current?.part.path].compactMap({ $0 }) { try? FileManager.default.removeItem(at: path) }
        }
        var total = 0
        do {
            for try await chunk in body {
                total += chunk.readableBytes
                guard total <= limits.maxRequestBytes else {
                    throw HTTPError(.contentTooLarge, message: "the upload is larger than \(limits.maxRequestBytes >> 20) MB in all; "
                                    + "send fewer files at once")
                }
                do {
                    try splitter.feed(chunk) { event in
                        switch event {
                        case .part(let headers):
                            guard let name = headers["content-disposition"].flatMap(Self.fileName(fromDisposition:)) else {
                                skipping = true
                                return
                            }
                            skipping = false
                            guard parts.count < limits.maxFilesPerRequest else {
                                throw HTTPError(.unprocessableContent, message: "send at most \(limits.maxFilesPerRequest) files at once")
                            }
                            let path = temporaryDirectory.appendingPathComponent("opside-upload-\(UUID().uuidString)")
                            guard FileManager.default.createFile(atPath: path.path, contents: nil) else {
                                throw HTTPError(.serviceUnavailable, message: "cannot keep the upload right now; try again")
                            }
                            current = (ReceivedPart(fileName: StoredName(uploadedName: name).displayName, path: path), try FileHandle(forWritingTo: path))
                        case .body(let bytes):
                            guard !skipping, var open = current else { return }
                            open.part.size += bytes.readableBytes
                            // Past the file's limit its bytes are only counted: the seller is told
                            // the size, and nothing more is kept.
                            if open.part.size > limits.maxFileBytes {
                                open.part.tooLarge = true
                            } else {
                                try open.handle.write(contentsOf: bytes.readableBytesView)
                            }
                            current = open
                        case .partEnd:
                            if let open = current {
                                try open.handle.close()
                                parts.append(open.part)
                            }
                            current = nil
                            skipping = false
                        }
                    }
                } catch let error as MultipartSplitter.Failure {
                    throw HTTPError(.badRequest, message: error.description)
                }
            }
        } catch {
            cleanUp()
            throw error
        }
        guard splitter.finished else {
            cleanUp()
            throw HTTPError(.badRequest, message: current.map { "the multipart body ended in the middle of \($0.part.fileName)" }
                ?? "the multipart body has no closing boundary")
        }
        guard !parts.isEmpty else {
            throw HTTPError(.unprocessableContent, message: "the upload has no file in it (send each file as a part with a filename)")
        }
        return parts
    }

    /// One file's fate: refused with its reason, the document its bytes already are, or stored
    /// and queued for reading.
    func judge(_ part: ReceivedPart, tenant: UUID, uploadedBy: String) async -> UploadOutcome {
        func rejected(_ rejection: DocumentRejection, kind: DocumentKind? = nil) -> UploadOutcome {
            UploadOutcome(status: "rejected", fileName: part.fileName, documentId: nil, sizeBytes: part.size, kind: kind,
                          code: rejection.code.rawValue, message: rejection.message)
        }
        do { try limits.checkFileSize(part.size) } catch { return rejected(error) }
        let kind: DocumentKind
        do { kind = try DocumentKind.sniff(fileAt: part.path) } catch { return rejected(error) }
        do {
            let bytes = try Data(contentsOf: part.path)
            let sha256 = ContentHash(of: bytes).hex
            let stored = try await vault.store(bytes, contentType: kind.contentType, purpose: "upload", tenant: tenant)
            guard stored == sha256 else {
                throw DocumentVaultError(description: "cost-docs stored the file under \(stored), not \(sha256)", notFound: false)
            }
            let (document, duplicate) = try await store.receive(tenant: tenant, sha256: sha256, fileName: part.fileName, kind: kind,
                                                                sizeBytes: part.size, uploadedBy: uploadedBy, at: clocks.wall.now) { id in
                try DocumentJobs.parseJob(tenant: tenant, documentId: id)
            }
            await store.outbox.wakeRelay()
            return UploadOutcome(status: duplicate ? "duplicate" : "accepted", fileName: part.fileName, documentId: document.id,
                                 sizeBytes: part.size, kind: kind, code: duplicate ? "duplicate" : nil,
                                 message: duplicate ? "the same file was uploaded before as \(document.fileName)" : nil)
        } catch {
            logger.warning("upload not stored", metadata: ["file": "\(part.fileName)", "error": "\(error)"])
            return UploadOutcome(status: "rejected", fileName: part.fileName, documentId: nil, sizeBytes: part.size, kind: kind,
                                 code: "unavailable", message: "the file could not be stored just now; upload it again")
        }
    }
}
