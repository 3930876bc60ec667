import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import OpsideAWS

/// A `ContentStore` in an S3-compatible bucket (AWS S3, MinIO, Ceph, R2...), spoken to directly
/// over HTTP with Signature Version 4.
///
/// Each object is `<keyPrefix><sha256>`. Every request signs its payload hash, so a body changed in
/// flight is refused by the server; every read re-hashes what came back, so an object replaced or
/// damaged in the bucket is reported as `ContentStoreError.corrupted`. 5xx answers and timeouts are
/// retried with backoff (`S3RetryPolicy`); every other failure comes back at once as a typed error.
public struct S3ContentStore: ContentStore {
    public let bucket: String
    public let keyPrefix: String
    /// The most `get` reads into memory; larger objects go through `download(sha256:to:)`.
    public let maximumInMemoryBytes: Int64
    private let scheme: String
    private let host: String
    private let basePath: String
    private let pathStyle: Bool
    private let signer: AWSRequestSigner
    private let httpClient: HTTPClient
    private let retryPolicy: S3RetryPolicy
    private let logger: Logger
    private let chunkSize = 1 << 20

    /// - Parameters:
    ///   - endpoint: The server, e.g. `https://s3.eu-west-1.amazonaws.com` or `http://127.0.0.1:9000`.
    ///   - bucket: The bucket's name.
    ///   - region: The region the signature is scoped to (`us-east-1` for most S3-compatible servers).
    ///   - accessKeyId: The access key id.
    ///   - secretAccessKey: The secret access key (kept out of `description` and logs).
    ///   - pathStyle: `true` for `endpoint/bucket/key` (MinIO, moto, most self-hosted servers);
    ///     `false` for `bucket.endpoint/key` (AWS's virtual-hosted style).
    ///   - keyPrefix: Put before each hash, e.g. `cost-docs/`; a trailing `/` is added when missing.
    ///   - httpClient: The service's client (made and shut down by its composition root).
    ///   - retryPolicy: Retries of 5xx answers and timeouts.
    ///   - maximumInMemoryBytes: The largest object `get` returns as `Data` (default 256 MiB).
    ///   - logger: Where retries are reported.
    /// - Throws: `ContentStoreError.invalidSettings` for an endpoint that is not an http(s) URL, an
    ///   invalid bucket name or a prefix with characters other than letters, digits, `/ - _ .`.
    public init(endpoint: URL, bucket: String, region: String, accessKeyId: String, secretAccessKey: String, pathStyle: Bool,
                keyPrefix: String = "", httpClient: HTTPClient, retryPolicy: S3RetryPolicy = S3RetryPolicy(),
                maximumInMemoryBytes: Int64 = 256 << 20, logger: Logger = Logger(label: "opside.cost-docs.storage")) throws {
        guard let scheme = endpoint.scheme?.lowercased(), ["http", "https"].contains(scheme), let host = endpoint.host, !host.isEmpty else {
            throw ContentStoreError.invalidSettings("the S3 endpoint \"\(endpoint.absoluteString)\" is not an http or https URL (storage.s3.endpoint)")
        }
        // S3's bucket naming rules: 3 to 63 lowercase letters, digits, dots and hyphens. Checked
        // here so a typo is reported at startup, not as a signature error on the first upload.
        let bucketCharacters = bucket.utf8.allSatisfy { (0x61...0x7a).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2e || $0 == 0x2d }
        guard (3...63).contains(bucket.utf8.count), bucketCharacters else {
            throw ContentStoreError.invalidSettings("\"\(bucket)\" is not a valid bucket name: 3 to 63 lowercase letters, digits, dots and hyphens (storage.s3.bucket)")
        }
        let prefixCharacters = keyPrefix.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "/-_.".unicodeScalars.contains($0)) }
        guard prefixCharacters, !keyPrefix.split(separator: "/").contains(where: { $0 == ".." || $0 == "." }), !keyPrefix.hasPrefix("/") else {
            throw ContentStoreError.invalidSettings("the key prefix \"\(keyPrefix)\" may hold only letters, digits and / - _ . and no . or .. segment, and may not start with / (storage.s3.prefix)")
        }
        guard !region.isEmpty, !accessKeyId.isEmpty, !secretAccessKey.isEmpty else {
            throw ContentStoreError.invalidSettings("the S3 region, access key id and secret access key must all be set (storage.s3.region, storage.s3.accessKeyId, storage.s3.secretAccessKey)")
        }
        self.bucket = bucket
        self.keyPrefix = keyPrefix.isEmpty || keyPrefix.hasSuffix("/") ? keyPrefix : keyPrefix + "/"
        self.maximumInMemoryBytes = maximumInMemoryBytes
        self.scheme = scheme
        let defaultPort = scheme == "https" ? 443 : 80
        let authority = endpoint.port.map { $0 == defaultPort ? host : "\(host):\($0)" } ?? host
        self.host = pathStyle ? authority : "\(bucket).\(authority)"
        var basePath = endpoint.path
        while basePath.hasSuffix("/") { basePath.removeLast() }
        self.basePath = basePath
        self.pathStyle = pathStyle
        self.signer = AWSRequestSigner(accessKeyId: accessKeyId, secretAccessKey: secretAccessKey, region: region)
        self.httpClient = httpClient
        self.retryPolicy = retryPolicy
        self.logger = logger
    }

    // MARK: ContentStore

    public func put(_ bytes: Data, contentType: String) async throws -> StoredObject {
        let key = ContentKey.of(bytes)
        let size = Int64(bytes.count)
        if try await storedSize(key) == size { return StoredObject(sha256: key.hex, size: size, alreadyExisted: true) }
        try await upload(key: key, size: size, contentType: contentType) { .bytes(bytes) }
        return StoredObject(sha256: key.hex, size: size, alreadyExisted: false)
    }

    public func put(fileAt file: URL, contentType: String) async throws -> StoredObject {
        // The key and the signed payload hash are needed before the first byte is sent, so the
        // file is read twice: once to hash, once to send. Should it change in between, the server
        // refuses the body (it no longer matches the signed `x-amz-content-sha256`).
        let path = file.path
        let (key, size) = try await BlockingFile.run {
            guard let source = try BlockingFile.openForReading(path) else {
                throw ContentStoreError.fileSystem(path: path, reason: "no such file")
            }
            defer { source.close() }
            var hasher = SHA256()
            var size: Int64 = 0
            while true {
                let chunk = try source.read(upTo: 1 << 20)
                if chunk.isEmpty { break }
                hasher.update(data: chunk)
                size += Int64(chunk.count)
            }
            return (ContentKey(digest: hasher.finalize()), size)
        }
        if try await storedSize(key) == size { return StoredObject(sha256: key.hex, size: size, alreadyExisted: true) }
        try await upload(key: key, size: size, contentType: contentType) {
            .stream(FileChunks(path: path, chunkSize: chunkSize), length: .known(size))
        }
        return StoredObject(sha256: key.hex, size: size, alreadyExisted: false)
    }

    public func get(sha256: String) async throws -> Data {
        let key = try ContentKey(validating: sha256)
        return try await send(.GET, path: objectPath(key), sha256: key.hex) { response in
            let size = response.headers.first(name: "content-length").flatMap { Int64($0) }
            if let size, size > maximumInMemoryBytes {
                throw ContentStoreError.tooLargeForMemory(sha256: key.hex, size: size, limit: maximumInMemoryBytes)
            }
            let buffer: ByteBuffer
            do {
                buffer = try await response.body.collect(upTo: Int(maximumInMemoryBytes))
            } catch is NIOTooManyBytesError {
                throw ContentStoreError.tooLargeForMemory(sha256: key.hex, size: size ?? maximumInMemoryBytes + 1, limit: maximumInMemoryBytes)
            }
            let bytes = buffer.withUnsafeReadableBytes { Data($0) }
            try LocalFolderContentStore.check(ContentKey.of(bytes), against: key)
            return bytes
        }
    }

    public func download(sha256: String, to destination: URL) async throws -> StoredObject {
        let key = try ContentKey(validating: sha256)
        let target = try await BlockingFile.run { try DownloadTarget.create(for: destination) }
        do {
            let object = try await send(.GET, path: objectPath(key), sha256: key.hex) { response in
                // A retried attempt starts the file over.
                try await BlockingFile.run { try target.reset() }
                let (actual, size) = try await hashing(response.body) { chunk in
                    try await BlockingFile.run { try target.file.write(chunk) }
                }
                try LocalFolderContentStore.check(actual, against: key)
                return StoredObject(sha256: key.hex, size: size, alreadyExisted: true)
            }
            try await BlockingFile.run { try target.commit() }
            return object
        } catch {
            target.discard()
            throw error
        }
    }

    public func exists(sha256: String) async throws -> Bool {
        try await storedSize(ContentKey(validating: sha256)) != nil
    }

    public func delete(sha256: String) async throws {
        let key = try ContentKey(validating: sha256)
        // S3 answers 204 whether or not the object was there, which is the idempotence wanted.
        try await send(.DELETE, path: objectPath(key), sha256: key.hex) { try await drain($0) }
    }

    public func verify(sha256: String) async throws -> StoredObject {
        let key = try ContentKey(validating: sha256)
        return try await send(.GET, path: objectPath(key), sha256: key.hex) { response in
            let (actual, size) = try await hashing(response.body) { _ in }
            try LocalFolderContentStore.check(actual, against: key)
            return StoredObject(sha256: key.hex, size: size, alreadyExisted: true)
        }
    }

    // MARK: The bucket

    /// Creates the bucket unless it exists: for development and tests, where the server starts
    /// empty. (Production buckets are made by infrastructure, with their policies.)
    /// - Throws: `accessDenied`, `signatureMismatch`... when the bucket cannot be checked or made.
    public func ensureBucket() async throws {
        let exists = try await send(.HEAD, path: bucketPath, sha256: nil, notFoundIsAnswer: true) { response in
            response.status == .ok
        }
        if exists { return }
        // Outside us-east-1, S3 wants the region named in the body.
        let body = signer.region == "us-east-1" ? Data() : Data("""
            <CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">\
            <LocationConstraint>\(signer.region)</LocationConstraint></CreateBucketConfiguration>
            """.utf8)
        do {
            try await send(.PUT, path: bucketPath, sha256: nil, payloadSHA256: ContentKey.of(body).hex, body: { .bytes(body) }) { try await drain($0) }
        } catch ContentStoreError.s3(_, "BucketAlreadyOwnedByYou", _) {
            // Made by another instance between the check and the create: what was wanted.
        }
    }

    // MARK: Requests

    private var bucketPath: String { pathStyle ? "\(basePath)/\(bucket)" : (basePath.isEmpty ? "/" : basePath) }

    private func objectPath(_ key: ContentKey) -> String {
        pathStyle ? "\(basePath)/\(bucket)/\(keyPrefix)\(key.hex)" : "\(basePath)/\(keyPrefix)\(key.hex)"
    }

    /// The size of the object under `key`, or nil when there is none (a HEAD request).
    private func storedSize(_ key: ContentKey) async throws -> Int64? {
        try await send(.HEAD, path: objectPath(key), sha256: key.hex, notFoundIsAnswer: true) { response in
            guard response.status == .ok else { return nil }
            return response.headers.first(name: "content-length").flatMap { Int64($0) } ?? 0
        }
    }

    private func upload(key: ContentKey, size: Int64, contentType: String, body: @escaping @Sendable () -> HTTPClientRequest.Body) async throws {
        try await send(.PUT, path: objectPath(key), sha256: key.hex, headers: [("content-type", contentType)],
                       payloadSHA256: key.hex, body: body) { try await drain($0) }
        logger.debug("stored a document in S3", metadata: ["sha256": "\(key.hex)", "size": "\(size)", "bucket": "\(bucket)"])
    }

    /// Sends one signed request, retrying 5xx answers and timeouts, and hands a successful (2xx)
    /// response to `handle`; any other answer becomes a `ContentStoreError`.
    /// - Parameters:
    ///   - sha256: The object the request is about (for `notFound`); nil for bucket requests.
    ///   - notFoundIsAnswer: Hand a 404 to `handle` (HEAD: "not there" is an answer, not a failure).
    ///   - body: Makes the body anew for each attempt (a stream cannot be sent twice).
    @discardableResult
    private func send<Result: Sendable>(_ method: HTTPMethod, path: String, sha256: String?, headers: [(name: String, value: String)] = [],
                                         payloadSHA256: String = AWSRequestSigner.emptyPayloadSHA256, notFoundIsAnswer: Bool = false,
                                         body: (@Sendable () -> HTTPClientRequest.Body)? = nil,
                                         handle: (HTTPClientResponse) async throws -> Result) async throws -> Result {
        var lastProblem = ""
        for attempt in 1...retryPolicy.maximumAttempts {
            if attempt > 1 {
                try await Task.sleep(for: retryPolicy.delay(afterAttempt: attempt - 1))
            }
            var request = HTTPClientRequest(url: "\(scheme)://\(host)\(AWSRequestSigner.encodePath(path))")
            request.method = method
            for (name, value) in signer.sign(method: method.rawValue, path: path, headers: [("host", host)] + headers,
                                             payloadSHA256: payloadSHA256, date: Date()) {
                request.headers.add(name: name, value: value)
            }
            request.body = body?()
            do {
                let response = try await httpClient.execute(request, timeout: .nanoseconds(retryPolicy.attemptTimeout.nanoseconds), logger: logger)
                let status = response.status.code
                if (200..<300).contains(status) || (status == 404 && notFoundIsAnswer) {
                    return try await handle(response)
                }
                let problem = await failure(of: response, method: method, path: path, sha256: sha256)
                guard (500..<600).contains(status) else { throw problem }
                lastProblem = problem.description
            } catch let error as HTTPClientError where Self.isTimeout(error) {
                lastProblem = "\(method.rawValue) timed out (\(error))"
            }
            if attempt < retryPolicy.maximumAttempts {
                logger.warning("S3 request failed, retrying", metadata: [
                    "method": "\(method.rawValue)", "path": "\(path)", "attempt": "\(attempt)", "problem": "\(lastProblem)",
                ])
            }
        }
        throw ContentStoreError.unavailable(attempts: retryPolicy.maximumAttempts, reason: lastProblem)
    }

    private static func isTimeout(_ error: HTTPClientError) -> Bool {
        [HTTPClientError.deadlineExceeded, .readTimeout, .writeTimeout, .connectTimeout].contains(error)
    }

    /// The typed error for a failed answer, from its `<Error>` body when it has one.
    private func failure(of response: HTTPClientResponse, method: HTTPMethod, path: String, sha256: String?) async -> ContentStoreError {
        let status = Int(response.status.code)
        let text: String
        do {
            text = String(buffer: try await response.body.collect(upTo: 64 << 10))
        } catch {
            text = "(the answer's body could not be read: \(error))"
        }
        if let answer = S3ErrorResponse(xml: text) {
            return answer.error(status: status, sha256: sha256, bucket: bucket)
        }
        // No body: a HEAD answer, or a proxy in front of the server.
        switch status {
        case 404 where sha256 != nil: return .notFound(sha256: sha256!)
        case 404: return .bucketNotFound(bucket: bucket)
        case 403 where method == .HEAD:
            // A HEAD answer carries no reason; the same request as a GET says which it is.
            return await explainForbiddenHead(path: path, sha256: sha256)
        default:
            return .s3(status: status, code: response.status.reasonPhrase, message: text.isEmpty ? "\(method.rawValue) \(path) failed" : text)
        }
    }

    /// Asks the server why a HEAD was refused by sending the GET for a single byte (`Range`), whose
    /// error answer has a body (`SignatureDoesNotMatch`, `InvalidAccessKeyId`, `AccessDenied`).
    private func explainForbiddenHead(path: String, sha256: String?) async -> ContentStoreError {
        var request = HTTPClientRequest(url: "\(scheme)://\(host)\(AWSRequestSigner.encodePath(path))")
        request.method = .GET
        for (name, value) in signer.sign(method: "GET", path: path, headers: [("host", host), ("range", "bytes=0-0")],
                                         payloadSHA256: AWSRequestSigner.emptyPayloadSHA256, date: Date()) {
            request.headers.add(name: name, value: value)
        }
        let unexplained = "HEAD \(path) was refused (403), and a HEAD answer gives no reason"
        do {
            let response = try await httpClient.execute(request, timeout: .seconds(30), logger: logger)
            let text = String(buffer: try await response.body.collect(upTo: 64 << 10))
            return S3ErrorResponse(xml: text)?.error(status: 403, sha256: sha256, bucket: bucket)
                ?? .accessDenied(message: "\(unexplained); the same GET answered \(response.status.code) without one either")
        } catch {
            return .accessDenied(message: "\(unexplained); asking with a GET failed too: \(error)")
        }
    }

    /// Reads a short answer's body to its end, so the connection goes back to the pool for the next request.
    private func drain(_ response: HTTPClientResponse) async throws {
        _ = try await response.body.collect(upTo: 1 << 20)
    }

    /// Hashes a response body as it streams, handing each chunk to `consume`.
    private func hashing(_ body: HTTPClientResponse.Body, _ consume: (ByteBuffer) async throws -> Void) async throws -> (ContentKey, Int64) {
        var hasher = SHA256()
        var size: Int64 = 0
        for try await chunk in body {
            chunk.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
            size += Int64(chunk.readableBytes)
            try await consume(chunk)
        }
        return (ContentKey(digest: hasher.finalize()), size)
    }
}
