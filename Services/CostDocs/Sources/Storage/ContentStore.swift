import Foundation

/// Where cost-docs keeps every uploaded seller document and every rendered document, each under the
/// SHA-256 of its bytes.
///
/// Content addressing makes a put idempotent (the same bytes always land under the same name) and
/// makes every read checkable: the bytes that come back must hash to the name they were asked for,
/// so a damaged object is reported as `ContentStoreError.corrupted`, never served. Every method
/// that takes a hash validates it first (`ContentKey`), so a caller-supplied name can never reach a
/// path or URL unchecked.
///
/// The store keeps bytes only: a document's content type, file name and owner belong in the
/// `documents` tables beside its hash.
public protocol ContentStore: Sendable {
    /// Stores `bytes` under their SHA-256.
    /// - Parameters:
    ///   - bytes: The document.
    ///   - contentType: Sent with the object where the backend keeps one (S3), so a bucket browsed
    ///     by hand shows what each object is.
    /// - Returns: The hash and size, and whether the same bytes were already stored (then nothing
    ///   was written).
    func put(_ bytes: Data, contentType: String) async throws -> StoredObject

    /// Stores the file at `fileAt` without reading it into memory (uploads of up to ~100 MB).
    /// - Throws: `ContentStoreError.fileSystem` when the file cannot be read.
    func put(fileAt file: URL, contentType: String) async throws -> StoredObject

    /// The bytes stored under `sha256`, checked against the hash before they are returned.
    /// - Throws: `invalidKey`, `notFound`, `corrupted`; `tooLargeForMemory` past the store's limit.
    func get(sha256: String) async throws -> Data

    /// Streams the object under `sha256` into a new file at `destination` (replacing any file
    /// there), checking the hash as it goes; the file appears only once the check passed.
    /// - Throws: `invalidKey`, `notFound`, `corrupted`, `fileSystem`.
    func download(sha256: String, to destination: URL) async throws -> StoredObject

    /// Whether an object is stored under `sha256` (without reading or checking it).
    func exists(sha256: String) async throws -> Bool

    /// Removes the object under `sha256`; removing one that is not there is not an error, so a
    /// retried delete succeeds.
    func delete(sha256: String) async throws

    /// Reads the whole object and re-hashes it: the scrubber's check.
    /// - Returns: The object, when its bytes still hash to `sha256`.
    /// - Throws: `corrupted` when they do not, `notFound` when it is gone.
    func verify(sha256: String) async throws -> StoredObject
}

/// An object in a `ContentStore`.
public struct StoredObject: Hashable, Sendable {
    /// The SHA-256 of the bytes, 64 lowercase hexadecimal characters: the object's name.
    public let sha256: String
    /// The number of bytes.
    public let size: Int64
    /// Whether the store already held these bytes before this call (a put that wrote nothing).
    public let alreadyExisted: Bool

    public init(sha256: String, size: Int64, alreadyExisted: Bool) {
        self.sha256 = sha256
        self.size = size
        self.alreadyExisted = alreadyExisted
    }
}
