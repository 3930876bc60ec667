import Crypto
import Foundation

/// A `ContentStore` in a folder of this machine: the default backend, and the one for development.
///
/// Objects live at `<root>/ab/cd/<hash>` (the hash's first two byte pairs as folders). A put writes
/// into `<root>/.incoming/` (the same filesystem, so the last step is atomic), fsyncs, then
/// hard-links the finished file under its hash name and fsyncs that folder. A crash therefore
/// leaves at worst a stray file in `.incoming` (see `removeAbandonedIncomingFiles(olderThan:)`),
/// never a half-written object under a hash name. The link fails if the name already exists, so of
/// two concurrent puts of the same bytes exactly one writes the object and the other reports it
/// as already stored. (`.incoming` rather than the hash's own folder because a streamed file's hash,
/// and so its folder, is only known once it has been read.)
public struct LocalFolderContentStore: ContentStore {
    /// The folder holding the objects.
    public let root: URL
    /// The most `get` reads into memory; larger objects go through `download(sha256:to:)`.
    public let maximumInMemoryBytes: Int64
    private let chunkSize = 1 << 20

    /// - Parameters:
    ///   - root: The store's folder, created on the first put if missing.
    ///   - maximumInMemoryBytes: The largest object `get` returns as `Data` (default 256 MiB).
    public init(root: URL, maximumInMemoryBytes: Int64 = 256 << 20) {
        self.root = root.standardizedFileURL
        self.maximumInMemoryBytes = maximumInMemoryBytes
    }

    // MARK: Paths

    private var incomingFolder: String { root.path + "/.incoming" }

    private func folder(of key: ContentKey) -> String {
        "\(root.path)/\(key.shards.first)/\(key.shards.second)"
    }

    /// The file of `key`; only a validated key gets here, so the path stays under `root`.
    func path(of key: ContentKey) -> String {
        "\(folder(of: key))/\(key.hex)"
    }

    // MARK: ContentStore

    public func put(_ bytes: Data, contentType: String) async throws -> StoredObject {
        let key = ContentKey.of(bytes)
        return try await BlockingFile.run {
            if let existing = try existingObject(key, expectedSize: Int64(bytes.count)) { return existing }
            return try install { file in
                try file.write(bytes)
                return (key, Int64(bytes.count))
            }
        }
    }

    public func put(fileAt file: URL, contentType: String) async throws -> StoredObject {
        try await BlockingFile.run {
            guard let source = try BlockingFile.openForReading(file.path) else {
                throw ContentStoreError.fileSystem(path: file.path, reason: "no such file")
            }
            defer { source.close() }
            return try install { target in
                // One pass: each chunk is hashed and copied, so a 100 MB upload is read once and
                // never held in memory.
                var hasher = SHA256()
                var size: Int64 = 0
                while true {
                    let chunk = try source.read(upTo: chunkSize)
                    if chunk.isEmpty { break }
                    hasher.update(data: chunk)
                    try target.write(chunk)
                    size += Int64(chunk.count)
                }
                return (ContentKey(digest: hasher.finalize()), size)
            }
        }
    }

    public func get(sha256: String) async throws -> Data {
        let key = try ContentKey(validating: sha256)
        return try await BlockingFile.run {
            let file = try openObject(key)
            defer { file.close() }
            let size = try file.size()
            guard size <= maximumInMemoryBytes else {
                throw ContentStoreError.tooLargeForMemory(sha256: key.hex, size: size, limit: maximumInMemoryBytes)
            }
            var bytes = Data(capacity: Int(size))
            while true {
                let chunk = try file.read(upTo: chunkSize)
                if chunk.isEmpty { break }
                bytes.append(chunk)
            }
            try Self.check(ContentKey.of(bytes), against: key)
            return bytes
        }
    }

    public func download(sha256: String, to destination: URL) async throws -> StoredObject {
        let key = try ContentKey(validating: sha256)
        return try await BlockingFile.run {
            let source = try openObject(key)
            defer { source.close() }
            return try DownloadTarget.write(to: destination) { target in
                var hasher = SHA256()
                var size: Int64 = 0
                while true {
                    let chunk = try source.read(upTo: chunkSize)
                    if chunk.isEmpty { break }
                    hasher.update(data: chunk)
                    try target.write(chunk)
                    size += Int64(chunk.count)
                }
                try Self.check(ContentKey(digest: hasher.finalize()), against: key)
                return StoredObject(sha256: key.hex, size: size, alreadyExisted: true)
            }
        }
    }

    public func exists(sha256: String) async throws -> Bool {
        let key = try ContentKey(validating: sha256)
        return try await BlockingFile.run {
            let path = path(of: key)
            var status = stat()
            if stat(path, &status) == 0 { return true }
            let error = errno
            if error == ENOENT { return false }
            throw BlockingFile.failure(path, errorNumber: error)
        }
    }

    public func delete(sha256: String) async throws {
        let key = try ContentKey(validating: sha256)
        try await BlockingFile.run {
            let path = path(of: key)
            guard unlink(path) == 0 || errno == ENOENT else { throw BlockingFile.failure(path) }
        }
    }

    public func verify(sha256: String) async throws -> StoredObject {
        let key = try ContentKey(validating: sha256)
        return try await BlockingFile.run {
            let file = try openObject(key)
            defer { file.close() }
            var hasher = SHA256()
            var size: Int64 = 0
            while true {
                let chunk = try file.read(upTo: chunkSize)
                if chunk.isEmpty { break }
                hasher.update(data: chunk)
                size += Int64(chunk.count)
            }
            try Self.check(ContentKey(digest: hasher.finalize()), against: key)
            return StoredObject(sha256: key.hex, size: size, alreadyExisted: true)
        }
    }

    // MARK: Maintenance

    /// Removes the temporary files that puts interrupted by a crash left in `.incoming`.
    ///
    /// Only files older than `age` go, so the files of puts still running are kept.
    /// - Returns: How many files were removed.
    @discardableResult
    public func removeAbandonedIncomingFiles(olderThan age: Duration) async throws -> Int {
        let folder = incomingFolder
        return try await BlockingFile.run {
            // No folder yet: no put ever ran, so nothing was abandoned.
            guard FileManager.default.fileExists(atPath: folder) else { return 0 }
            let cutoff = Date().addingTimeInterval(-Double(age.components.seconds))
            var removed = 0
            for name in try FileManager.default.contentsOfDirectory(atPath: folder) {
                let path = "\(folder)/\(name)"
                // A file that vanished meanwhile (its put finished) has no date and is skipped.
                guard let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date,
                      modified < cutoff else { continue }
                guard unlink(path) == 0 || errno == ENOENT else { throw BlockingFile.failure(path) }
                removed += 1
            }
            return removed
        }
    }

    // MARK: Writing an object

    /// The object under `key` when it is already stored with `expectedSize` bytes. (A stored file of
    /// another size is damaged; the put goes on and replaces it with the good bytes.)
    private func existingObject(_ key: ContentKey, expectedSize: Int64) throws -> StoredObject? {
        let path = path(of: key)
        var status = stat()
        guard stat(path, &status) == 0 else {
            let error = errno
            if error == ENOENT { return nil }
            throw BlockingFile.failure(path, errorNumber: error)
        }
        guard Int64(status.st_size) == expectedSize else { return nil }
        return StoredObject(sha256: key.hex, size: expectedSize, alreadyExisted: true)
    }

    /// Writes a temporary file with `body`, which returns the key and size of what it wrote, then
    /// links it under that key (see the type's comment).
    private func install(_ body: (BlockingFile) throws -> (ContentKey, Int64)) throws -> StoredObject {
        try createFolder(incomingFolder)
        let temporaryPath = "\(incomingFolder)/\(UUID().uuidString.lowercased())"
        let temporary = try BlockingFile.create(temporaryPath, permissions: 0o444)
        defer {
            temporary.close()
            unlink(temporaryPath)
        }
        let (key, size) = try body(temporary)
        try temporary.sync()
        temporary.close()

        let finalFolder = folder(of: key)
        try createFolder(finalFolder)
        let finalPath = path(of: key)
        if link(temporaryPath, finalPath) == 0 {
            try BlockingFile.syncFolder(finalFolder)
            return StoredObject(sha256: key.hex, size: size, alreadyExisted: false)
        }
        let linkError = errno
        guard linkError == EEXIST else { throw BlockingFile.failure(finalPath, errorNumber: linkError) }
        // Someone stored these bytes first (a concurrent put, or an earlier one when the bytes
        // were streamed from a file). Its size must match; if not, that file is damaged, and
        // the good copy replaces it atomically.
        if let existing = try existingObject(key, expectedSize: size) { return existing }
        guard rename(temporaryPath, finalPath) == 0 else { throw BlockingFile.failure(finalPath) }
        try BlockingFile.syncFolder(finalFolder)
        return StoredObject(sha256: key.hex, size: size, alreadyExisted: false)
    }

    private func createFolder(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw ContentStoreError.fileSystem(path: path, reason: "cannot create the folder (\(error.localizedDescription))")
        }
    }

    private func openObject(_ key: ContentKey) throws -> BlockingFile {
        guard let file = try BlockingFile.openForReading(path(of: key)) else { throw ContentStoreError.notFound(sha256: key.hex) }
        return file
    }

    /// Throws `corrupted` unless the bytes read hash to the key they were stored under.
    static func check(_ actual: ContentKey, against expected: ContentKey) throws {
        guard actual == expected else { throw ContentStoreError.corrupted(sha256: expected.hex, actualSHA256: actual.hex) }
    }
}
