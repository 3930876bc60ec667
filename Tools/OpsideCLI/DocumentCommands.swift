import ArgumentParser
import AsyncHTTPClient
import EvidenceEngine
import Foundation
import NIOCore
import OpsideCore
import OpsideDocuments

/// `opside documents upload`: a seller's or an agency's folder of invoices, purchase orders,
/// scans and price lists sent through main-api's public API, as the dashboard sends them.
struct DocumentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "documents", abstract: "Work with a seller's evidence documents through the public API.",
        subcommands: [DocumentUploadCommand.self])
}

/// `opside documents upload [--api URL] [--email E] [--tenant T] [--wait] [--json] PATH...`
///
/// Folders are walked for their files (hidden ones skipped). The files go in as few requests as
/// the API's own limits allow (`GET /api/v1/documents/limits`): a file over the per-file limit is
/// refused here without being sent, so one oversized scan never costs the others their request.
/// Each file gets one line: `accepted`, `duplicate` (the same bytes were uploaded before) or
/// `rejected` with the reason; with `--wait`, what was read from it, or why it could not be read.
/// Exits 1 when any file was rejected or could not be read, so a script notices.
struct DocumentUploadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upload",
        abstract: "Upload invoices, purchase orders, scans, photos and price lists (PDF, PNG, JPEG, TIFF, HEIC, CSV, XLSX).",
        discussion: """
            Signs in with OPSIDE_TOKEN (a session token) when set, else as --email with the password in OPSIDE_PASSWORD.
            Exits 0 when every file was accepted (or was already there), 1 when any was rejected or could not be read.
            """)

    @Option(help: "main-api's address.")
    var api = "http://127.0.0.1:\(OpsideService.mainAPI.defaultPort)"

    @Option(help: "The account to sign in as (its password in OPSIDE_PASSWORD).")
    var email: String?

    @Option(help: "The tenant to upload for (UUID), for a person in several: an agency and its clients.")
    var tenant: String?

    @Flag(help: "Wait until each document has been read and print what was read.")
    var wait = false

    @Option(help: "How long --wait waits for all documents, in seconds.")
    var waitSeconds = 300

    @Flag(help: "Print JSON instead of one line per file.")
    var json = false

    @Argument(help: "Files, or folders whose files are all uploaded.")
    var paths: [String]

    func validate() throws {
        if let tenant, UUID(uuidString: tenant) == nil { throw ValidationError("--tenant must be a UUID") }
        guard waitSeconds > 0 else { throw ValidationError("--wait-seconds must be positive") }
    }

    func run() async throws {
        let files = try LocalDocumentFile.collect(paths)
        var client = try await PublicAPIClient.signIn(baseURL: api, email: email)
        if let tenant { try await client.switchTenant(to: UUID(uuidString: tenant)!) }
        let limits = try await client.get("/api/v1/documents/limits", as: UploadLimits.self)
        var results = try await DocumentUploader(client: client, limits: limits).upload(files)
        if wait { try await DocumentUploader.waitUntilRead(&results, client: client, deadline: .now + .seconds(waitSeconds)) }
        if json {
            var encoder = OpsideJSONEncoder()
            encoder.prettyPrinted = true
            ClaimCommandSupport.write(try encoder.encodeToBytes(["documents": results]))
        } else {
            for result in results { print(result.line) }
        }
        if results.contains(where: \.isFailure) { throw ExitCode(1) }
    }
}

/// The limits `GET /api/v1/documents/limits` answers.
struct UploadLimits: Decodable {
    let maxFileBytes: Int
    let maxRequestBytes: Int
    let maxFiles: Int
}

/// One file to send, as found on disk.
struct LocalDocumentFile: Sendable {
    let path: String
    let url: URL
    let size: Int

    /// The files named, folders walked (sorted, hidden entries skipped); a path that does not
    /// exist is refused before anything is sent.
    static func collect(_ paths: [String]) throws -> [LocalDocumentFile] {
        var files: [LocalDocumentFile] = []
        let manager = FileManager.default
        for path in paths {
            var isFolder: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &isFolder) else { throw ValidationError("\(path): no such file or folder") }
            if isFolder.boolValue {
                let root = URL(fileURLWithPath: path)
                guard let walker = manager.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey, .fileSizeKey],
                                                      options: [.skipsHiddenFiles]) else {
                    throw ValidationError("\(path): cannot read the folder")
                }
                var found: [LocalDocumentFile] = []
                for case let url as URL in walker {
                    let values = try url.resourceValues(forKeys: [.isRegularFileKey, .fileSizeKey])
                    guard values.isRegularFile == true else { continue }
                    let relative = url.path.hasPrefix(root.path)
                        ? String(String(url.path.dropFirst(root.path.count)).trimmingPrefix("/")) : url.lastPathComponent
                    found.append(LocalDocumentFile(path: (path as NSString).appendingPathComponent(relative), url: url,
                                                   size: values.fileSize ?? 0))
                }
                files += found.sorted { $0.path < $1.path }
            } else {
                let url = URL(fileURLWithPath: path)
                let size = (try? manager.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
                files.append(LocalDocumentFile(path: path, url: url, size: size))
            }
        }
        guard !files.isEmpty else { throw ValidationError("no files to upload in \(paths.joined(separator: ", "))") }
        return files
    }
}

/// What became of one local file.
struct UploadedFile: Encodable, Sendable {
    var path: String
    var status: String
    var documentId: UUID?
    var code: String?
    var message: String?
    /// With `--wait`: the document as read (or as it failed).
    var document: EvidenceDocument?

    var isFailure: Bool { status == "rejected" || document?.status == .failed }

    /// `status<TAB>path<TAB>document id<TAB>detail`: cut and grep as a script likes.
    var line: String {
        let id = documentId.map { $0.uuidString.lowercased() } ?? "-"
        var detail = [code, message].compactMap { $0 }.joined(separator: ": ")
        if let document {
            switch document.status {
            case .parsed: detail = [detail, Self.summary(document)].filter { !$0.isEmpty }.joined(separator: "; ")
            case .failed: detail = "could not be read: " + (document.failure.map { "\($0.code): \($0.message)" } ?? "no reason given")
            case .received: detail = [detail, "still being read"].filter { !$0.isEmpty }.joined(separator: "; ")
            }
        }
        return [status, path, id, detail].joined(separator: "\t")
    }

    static func summary(_ document: EvidenceDocument) -> String {
        guard let fields = document.fields else { return "read, nothing found" }
        var parts = ["read by \(document.method ?? "parser")"]
        if let supplier = fields.supplier { parts.append(supplier) }
        if let number = fields.number { parts.append("no. \(number)") }
        if let date = fields.date { parts.append("dated \(date)") }
        if let total = fields.total {
            // `1,234.50 USD` when the currency is known; the number as read when it is not.
            let money = fields.currency.flatMap { try? Money(parsing: "\(total)", currencyCode: $0, rounding: .halfEven) }
            parts.append("total " + (money?.displayText ?? "\(total)"))
        }
        parts.append("\(fields.lines.count) line\(fields.lines.count == 1 ? "" : "s")")
        return parts.joined(separator: ", ")
    }
}

/// Sends files in as few requests as the limits allow and reads back each one's fate.
struct DocumentUploader {
    let client: PublicAPIClient
    let limits: UploadLimits

    struct UploadAnswer: Decodable {
        let documents: [UploadOutcome]
    }

    func upload(_ files: [LocalDocumentFile]) async throws -> [UploadedFile] {
        var results: [UploadedFile] = []
        var batch: [LocalDocumentFile] = [], batchBytes = 0
        let documentLimits = DocumentLimits(maxFileBytes: limits.maxFileBytes)
        for file in files {
            // The server would refuse it after reading it all: refused here, with the server's words.
            do throws(DocumentRejection) {
                try documentLimits.checkFileSize(file.size)
            } catch {
                results.append(UploadedFile(path: file.path, status: "rejected", code: error.code.rawValue, message: error.message))
                continue
            }
            let size = MultipartFileBody.partSize(of: file)
            if !batch.isEmpty, batch.count >= limits.maxFiles || batchBytes + size > limits.maxRequestBytes - MultipartFileBody.closingSize {
                results += try await send(batch)
                batch = []
                batchBytes = 0
            }
            batch.append(file)
            batchBytes += size
        }
        if !batch.isEmpty { results += try await send(batch) }
        return results
    }

    /// One request; its answer lists the files in the order they were sent. A refusal of the
    /// whole request is each of its files' reason. Busy (429, the tenant's other uploads) is
    /// waited out a few times.
    func send(_ batch: [LocalDocumentFile]) async throws -> [UploadedFile] {
        var attempt = 0
        while true {
            attempt += 1
            let body = MultipartFileBody(files: batch)
            do {
                let answer = try await client.send(.POST, "/api/v1/documents", body: .stream(body, length: .known(Int64(body.length))),
                                                   contentType: "multipart/form-data; boundary=\(body.boundary)", as: UploadAnswer.self,
                                                   timeout: .minutes(10))
                guard answer.documents.count == batch.count else {
                    throw CLIFailure("main-api answered for \(answer.documents.count) files of the \(batch.count) sent")
                }
                return zip(batch, answer.documents).map { file, outcome in
                    UploadedFile(path: file.path, status: outcome.status, documentId: outcome.documentId, code: outcome.code, message: outcome.message)
                }
            } catch let refusal as PublicAPIClient.Refusal where refusal.status == 429 && attempt < 4 {
                try await Task.sleep(for: .seconds(2 * attempt))
            } catch let refusal as PublicAPIClient.Refusal where refusal.status != 401 && refusal.status != 403 {
                return batch.map { UploadedFile(path: $0.path, status: "rejected", code: refusal.code, message: refusal.message) }
            }
        }
    }

    /// Asks for each new document until it has been read or `deadline` passes.
    static func waitUntilRead(_ results: inout [UploadedFile], client: PublicAPIClient, deadline: ContinuousClock.Instant) async throws {
        struct DocumentAnswer: Decodable {
            let document: EvidenceDocument
        }
        var pause = Duration.milliseconds(250)
        while true {
            var pending = false
            for index in results.indices {
                guard let id = results[index].documentId, results[index].document?.status ?? .received == .received else { continue }
                let answer = try await client.get("/api/v1/documents/\(id.uuidString.lowercased())", as: DocumentAnswer.self)
                results[index].document = answer.document
                pending = pending || answer.document.status == .received
            }
            guard pending, ContinuousClock.now + pause < deadline else { return }
            try await Task.sleep(for: pause)
            pause = min(pause * 2, .seconds(2))
        }
    }
}

/// A `multipart/form-data` body of files read from disk as it is sent, so a request of 256 MB
/// holds a chunk in memory, not the files; its length is known before it starts.
struct MultipartFileBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let files: [LocalDocumentFile]
    let boundary = "opside-\(UUID().uuidString)"

    /// Bytes the end of a request adds after its last file.
    static var closingSize: Int { MultipartFileBody(files: []).closing.utf8.count }

    var length: Int { files.reduce(0) { $0 + header(for: $1).utf8.count + $1.size + 2 } + closing.utf8.count }

    /// Bytes one file adds to a request: its header, its bytes and the line end after them.
    static func partSize(of file: LocalDocumentFile) -> Int {
        MultipartFileBody(files: []).header(for: file).utf8.count + file.size + 2
    }

    var closing: String { "--\(boundary)--\r\n" }

    func header(for file: LocalDocumentFile) -> String {
        // The name as the server will show it; characters that would end the quoted value are replaced.
        let name = String(file.url.lastPathComponent.map { "\";\\\r\n".contains($0) ? "_" : $0 })
        return "--\(boundary)\r\nContent-Disposition: form-data; name=\"files\"; filename=\"\(name)\"\r\n"
            + "Content-Type: application/octet-stream\r\n\r\n"
    }

    func makeAsyncIterator() -> Iterator { Iterator(body: self) }

    struct Iterator: AsyncIteratorProtocol {
        let body: MultipartFileBody
        var index = 0
        var handle: FileHandle?
        var sentOfFile = 0
        var finished = false

        mutating func next() async throws -> ByteBuffer? {
            if finished { return nil }
            if let open = handle {
                let file = body.files[index]
                let chunk = try open.read(upToCount: 1 << 20) ?? Data()
                if chunk.isEmpty {
                    try open.close()
                    handle = nil
                    guard sentOfFile == file.size else {
                        throw CLIFailure("\(file.path) changed while it was being sent (\(sentOfFile) bytes, not \(file.size))")
                    }
                    index += 1
                    return ByteBuffer(string: "\r\n")
                }
                sentOfFile += chunk.count
                guard sentOfFile <= file.size else { throw CLIFailure("\(file.path) grew while it was being sent") }
                return ByteBuffer(bytes: chunk)
            }
            guard index < body.files.count else {
                finished = true
                return ByteBuffer(string: body.closing)
            }
            let file = body.files[index]
            do {
                handle = try FileHandle(forReadingFrom: file.url)
            } catch {
                throw CLIFailure("cannot read \(file.path): \(error.localizedDescription)")
            }
            sentOfFile = 0
            return ByteBuffer(string: body.header(for: file))
        }
    }
}
