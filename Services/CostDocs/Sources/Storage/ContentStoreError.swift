import Foundation

/// What can go wrong storing or reading a document, each case worded for the person who has to act
/// on it (an operator reading a log, or a seller told why an upload failed).
public enum ContentStoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The name given is not a SHA-256 hash (64 lowercase hexadecimal characters).
    case invalidKey(String)
    /// Nothing is stored under this hash.
    case notFound(sha256: String)
    /// The bytes stored under `sha256` hash to `actualSHA256`: damaged on disk or replaced in the bucket.
    case corrupted(sha256: String, actualSHA256: String)
    /// An object is bigger than `get` reads into memory; `download(sha256:to:)` streams it instead.
    case tooLargeForMemory(sha256: String, size: Int64, limit: Int64)
    /// A file the store was asked to read or write could not be (the path and the system's reason).
    case fileSystem(path: String, reason: String)
    /// The S3 access key id is not one the server knows.
    case invalidAccessKeyId(message: String)
    /// The S3 server recomputed the request's signature and got another one: the secret access key
    /// does not belong to the access key id (or the clocks differ by more than 15 minutes).
    case signatureMismatch(message: String)
    /// The S3 credentials are valid but not allowed to do this.
    case accessDenied(message: String)
    /// The configured bucket does not exist.
    case bucketNotFound(bucket: String)
    /// Any other answer from the S3 server, with its status, error code and message.
    case s3(status: Int, code: String, message: String)
    /// The S3 server kept failing (5xx) or timing out, and the retries ran out.
    case unavailable(attempts: Int, reason: String)
    /// The settings cannot make a store (a missing bucket, an endpoint that is not a URL...).
    case invalidSettings(String)

    public var description: String {
        switch self {
        case .invalidKey(let key):
            let shown = key.count > 80 ? String(key.prefix(80)) + "…" : key
            return "\"\(shown)\" is not a document key: keys are SHA-256 hashes, 64 lowercase hexadecimal characters"
        case .notFound(let sha256):
            return "no document is stored under \(sha256)"
        case .corrupted(let sha256, let actual):
            return "the document stored under \(sha256) is corrupted: its bytes now hash to \(actual); restore it from a backup or upload it again"
        case .tooLargeForMemory(let sha256, let size, let limit):
            return "the document \(sha256) has \(size) bytes, more than the \(limit) read into memory at once; download it to a file instead"
        case .fileSystem(let path, let reason):
            return "cannot use \(path): \(reason)"
        case .invalidAccessKeyId(let message):
            return "the S3 server does not know the access key id (storage.s3.accessKeyId): \(message)"
        case .signatureMismatch(let message):
            return "the S3 server rejected the request signature: the secret access key (storage.s3.secretAccessKey) does not match the access key id, or this machine's clock is off: \(message)"
        case .accessDenied(let message):
            return "the S3 credentials are not allowed to do this: \(message)"
        case .bucketNotFound(let bucket):
            return "the S3 bucket \"\(bucket)\" does not exist (storage.s3.bucket)"
        case .s3(let status, let code, let message):
            return "the S3 server answered \(status) \(code): \(message)"
        case .unavailable(let attempts, let reason):
            return "the S3 server is unavailable after \(attempts) attempt\(attempts == 1 ? "" : "s"): \(reason)"
        case .invalidSettings(let reason):
            return "invalid storage settings: \(reason)"
        }
    }
}
