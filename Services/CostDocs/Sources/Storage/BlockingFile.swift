import Foundation
import NIOCore

/// A POSIX file for the stores' blocking reads and writes, which run through `BlockingFile.run`
/// off Swift's cooperative pool (a `read` of a slow disk must not stall every task of the service).
///
/// `@unchecked Sendable`: one task uses a given file at a time (a put, a download, or one upload's
/// body iterator); it only crosses to the blocking queue and back.
final class BlockingFile: @unchecked Sendable {
    let path: String
    private var descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit {
        close()
    }

    // MARK: Running blocking work

    private static let queue = DispatchQueue(label: "opside.cost-docs.storage.file-io", qos: .utility, attributes: .concurrent)

    /// Runs `body` on a dispatch queue of its own and resumes with its result.
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }

    // MARK: Opening

    /// Opens `path` for reading; nil when there is no such file (the caller knows whether that
    /// means "not stored" or "bad input").
    static func openForReading(_ path: String) throws -> BlockingFile? {
        let descriptor = retryingInterrupts { open(path, O_RDONLY | O_CLOEXEC) }
        if descriptor < 0 {
            if errno == ENOENT { return nil }
            throw failure(path)
        }
        return BlockingFile(path: path, descriptor: descriptor)
    }

    /// Creates `path`, which must not exist yet (`O_EXCL`: two writers never share a temporary file).
    static func create(_ path: String, permissions: mode_t = 0o644) throws -> BlockingFile {
        let descriptor = retryingInterrupts { open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, permissions) }
        guard descriptor >= 0 else { throw failure(path) }
        return BlockingFile(path: path, descriptor: descriptor)
    }

    /// Flushes a folder's entries to disk, so a file just linked or renamed into it survives a
    /// power cut (fsync of the file alone keeps its bytes, not its name).
    static func syncFolder(_ path: String) throws {
        let descriptor = retryingInterrupts { open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        guard descriptor >= 0 else { throw failure(path) }
        defer { _ = Foundation.close(descriptor) }
        guard fsync(descriptor) == 0 else { throw failure(path) }
    }

    // MARK: Reading and writing

    /// Up to `count` bytes; empty at the end of the file.
    func read(upTo count: Int) throws -> Data {
        var data = Data(count: count)
        let got = data.withUnsafeMutableBytes { buffer in
            Self.retryingInterrupts { Foundation.read(descriptor, buffer.baseAddress, count) }
        }
        guard got >= 0 else { throw Self.failure(path) }
        data.count = got
        return data
    }

    /// Up to `count` bytes as a buffer for an HTTP body; empty at the end of the file.
    func readBuffer(upTo count: Int, allocator: ByteBufferAllocator) throws -> ByteBuffer {
        var buffer = allocator.buffer(capacity: count)
        var got = 0
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { target in
            got = Self.retryingInterrupts { Foundation.read(descriptor, target.baseAddress, count) }
            return max(0, got)
        }
        guard got >= 0 else { throw Self.failure(path) }
        return buffer
    }

    func write(_ bytes: some DataProtocol) throws {
        for region in bytes.regions {
            try region.withUnsafeBytes { try write(raw: $0) }
        }
    }

    func write(_ buffer: ByteBuffer) throws {
        try buffer.withUnsafeReadableBytes { try write(raw: $0) }
    }

    private func write(raw: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < raw.count {
            let wrote = Self.retryingInterrupts { Foundation.write(descriptor, raw.baseAddress! + offset, raw.count - offset) }
            guard wrote > 0 else { throw Self.failure(path) }
            offset += wrote
        }
    }

    /// Waits until the bytes written are on disk.
    func sync() throws {
        guard fsync(descriptor) == 0 else { throw Self.failure(path) }
    }

    /// The file's size now.
    func size() throws -> Int64 {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw Self.failure(path) }
        return Int64(status.st_size)
    }

    /// Empties the file and moves back to its start.
    func truncateToStart() throws {
        guard ftruncate(descriptor, 0) == 0, lseek(descriptor, 0, SEEK_SET) == 0 else { throw Self.failure(path) }
    }

    func close() {
        if descriptor >= 0 {
            _ = Foundation.close(descriptor)
            descriptor = -1
        }
    }

    // MARK: Helpers

    static func failure(_ path: String, errorNumber: Int32 = errno) -> ContentStoreError {
        .fileSystem(path: path, reason: String(cString: strerror(errorNumber)))
    }

    private static func retryingInterrupts<Result: BinaryInteger>(_ call: () -> Result) -> Result {
        while true {
            let result = call()
            if result >= 0 || errno != EINTR { return result }
        }
    }
}
