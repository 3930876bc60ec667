import AsyncHTTPClient
import Crypto
import Foundation
import NIOHTTP1
import NIOCore
import Testing

@testable import CostDocs

/// The backends the conformance suite runs every test against.
enum StoreBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case localFolder
    case s3

    var testDescription: String { rawValue }
}

/// A store made for one test, with what only a test may do to it behind the store's back.
struct StoreFixture: Sendable {
    let backend: StoreBackend
    let store: any ContentStore
    /// Replaces the bytes stored under a hash: a flipped bit on disk, or another PUT into the bucket.
    let replaceStoredBytes: @Sendable (_ sha256: String, _ bytes: Data) async throws -> Void
    /// The names of the objects stored now, read around the store (the folder, or a bucket listing).
    let storedObjectNames: @Sendable () async throws -> [String]

    /// Runs `body` with a fresh, empty store of `backend`, removed afterwards: a temporary folder,
    /// or a key prefix of its own in moto's bucket (`MotoServer.current`, so the suite must have
    /// the `.motoServer` trait).
    static func with(_ backend: StoreBackend, _ body: (StoreFixture) async throws -> Void) async throws {
        switch backend {
        case .localFolder:
            let root = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("opside-store-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: root) }
            let store = LocalFolderContentStore(root: root)
            try await body(StoreFixture(
                backend: backend, store: store,
                replaceStoredBytes: { sha256, bytes in
                    let path = store.path(of: try ContentKey(validating: sha256))
                    // Stored objects are read-only; a disk fault does not ask for permission.
                    try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
                    try bytes.write(to: URL(fileURLWithPath: path))
                },
                storedObjectNames: {
                    let all = FileManager.default.enumerator(atPath: root.path)?.allObjects as? [String] ?? []
                    return all.filter { $0.split(separator: "/").count == 3 && !$0.hasPrefix(".incoming") }
                        .map { String($0.split(separator: "/").last!) }
                }))
        case .s3:
            let server = try #require(MotoServer.current, "the S3 conformance tests need the suite's moto server (.motoServer)")
            try await HTTPClient.withHTTPClient { client in
                let prefix = "test-\(UUID().uuidString.lowercased())/"
                let store = try server.store(httpClient: client, prefix: prefix)
                try await body(StoreFixture(
                    backend: backend, store: store,
                    replaceStoredBytes: { sha256, bytes in
                        let response = try await server.rawRequest(.PUT, path: "/\(server.bucket)/\(prefix)\(sha256)", body: bytes, httpClient: client)
                        _ = try await response.body.collect(upTo: 1 << 20)
                        #expect(response.status == .ok, "the raw PUT that replaces the object must succeed")
                    },
                    storedObjectNames: {
                        // ListObjectsV2, signed with its query: a second check of query signing,
                        // against a server that verifies it. The prefix goes without its trailing
                        // slash: moto 5.2.1 checks a signature over a query holding `%2F` against
                        // the decoded `/` and refuses it (boto3's own ListObjectsV2 fails the same way).
                        let response = try await server.rawRequest(.GET, path: "/\(server.bucket)",
                                                                   query: [("list-type", "2"), ("prefix", String(prefix.dropLast()))],
                                                                   httpClient: client)
                        let listing = String(buffer: try await response.body.collect(upTo: 1 << 20))
                        try #require(response.status == .ok, "ListObjectsV2 failed: \(listing)")
                        return listing.components(separatedBy: "<Key>").dropFirst().compactMap { $0.components(separatedBy: "</Key>").first }
                            .map { String($0.dropFirst(prefix.count)) }
                    }))
            }
        }
    }
}

/// Bytes no other test stores: `count` random bytes.
func uniqueBytes(_ count: Int) -> Data {
    var generator = SystemRandomNumberGenerator()
    var data = Data(count: count)
    data.withUnsafeMutableBytes { buffer in
        for index in buffer.indices { buffer[index] = UInt8.random(in: 0...255, using: &generator) }
    }
    return data
}

/// The SHA-256 of `bytes` computed here, apart from the store's code, as lowercase hex.
func independentSHA256(_ bytes: some DataProtocol) -> String {
    SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
}

/// Writes a file of `megabytes` MiB of random bytes in 1 MiB pieces and returns its SHA-256,
/// off the cooperative pool (seconds of work that would otherwise hold up the tests running beside it).
func writeRandomFile(at url: URL, megabytes: Int) async throws -> String {
    try await BlockingFile.run { try writeRandomFileBlocking(at: url, megabytes: megabytes) }
}

/// The SHA-256 of a file's bytes, read off the cooperative pool.
func independentSHA256(ofFileAt url: URL) async throws -> String {
    try await BlockingFile.run { independentSHA256(try Data(contentsOf: url)) }
}

private func writeRandomFileBlocking(at url: URL, megabytes: Int) throws -> String {
    _ = FileManager.default.createFile(atPath: url.path, contents: nil)
    let handle = try FileHandle(forWritingTo: url)
    defer { try? handle.close() }
    var hasher = SHA256()
    var generator = SystemRandomNumberGenerator()
    for _ in 0..<megabytes {
        var piece = Data(count: 1 << 20)
        piece.withUnsafeMutableBytes { buffer in
            let words = buffer.bindMemory(to: UInt64.self)
            for index in words.indices { words[index] = generator.next() }
        }
        hasher.update(data: piece)
        try handle.write(contentsOf: piece)
    }
    return hasher.finalize().map { String(format: "%02x", $0) }.joined()
}
