import Crypto
import Foundation

/// The SHA-256 of a document's bytes, as 64 lowercase hex digits.
///
/// Documents are stored and deduplicated by this hash, never by the uploader's file name: a name
/// can collide, lie about the content, or carry a path.
public struct ContentHash: Codable, Sendable, Hashable, CustomStringConvertible {
    public let hex: String

    /// Hashes bytes already in memory.
    public init(of bytes: some DataProtocol) {
        hex = Self.hex(SHA256.hash(data: bytes))
    }

    /// Hashes a file by streaming it in 1 MiB chunks, so a 25 MB upload costs 1 MiB of memory.
    ///
    /// - Throws: The file system's error when the file cannot be opened or read.
    public init(ofFileAt url: URL) throws {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: 1_048_576), !chunk.isEmpty {
            hasher.update(data: chunk)
        }
        hex = Self.hex(hasher.finalize())
    }

    public var description: String { hex }

    private static func hex(_ digest: SHA256.Digest) -> String {
        digest.map { byte in
            let digits = String(byte, radix: 16)
            return byte < 16 ? "0" + digits : digits
        }.joined()
    }
}
