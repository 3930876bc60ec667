import Crypto
import Foundation
import OpsideAWS

/// The name an object is stored under: the SHA-256 of its bytes as 64 lowercase hexadecimal
/// characters, validated before any path or URL is made from it.
///
/// Only `0-9a-f` get through, so a key can never hold `/`, `..`, `%` or anything else that could
/// name a file outside the store's folder or another object in a bucket.
public struct ContentKey: Hashable, Sendable, CustomStringConvertible {
    /// The 64 lowercase hexadecimal characters.
    public let hex: String

    /// - Throws: `ContentStoreError.invalidKey` unless `hex` is exactly 64 characters of `0-9a-f`.
    public init(validating hex: String) throws(ContentStoreError) {
        guard hex.utf8.count == 64, hex.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
            throw .invalidKey(hex)
        }
        self.hex = hex
    }

    /// The key of a finished hash (always valid: a digest's hex is 64 lowercase characters).
    init(digest: SHA256.Digest) {
        self.hex = lowercaseHex(digest)
    }

    /// The key of `bytes`.
    public static func of(_ bytes: some DataProtocol) -> ContentKey {
        ContentKey(digest: SHA256.hash(data: bytes))
    }

    /// The two shard folders, `ab` and `cd` for a key starting `abcd`: at most 65,536 folders with
    /// few files each, where one folder of every object would slow every lookup once it is large.
    var shards: (first: Substring, second: Substring) {
        let start = hex.startIndex
        let middle = hex.index(start, offsetBy: 2)
        return (hex[start..<middle], hex[middle..<hex.index(middle, offsetBy: 2)])
    }

    public var description: String { hex }
}
