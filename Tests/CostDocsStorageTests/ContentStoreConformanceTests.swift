import AsyncHTTPClient
import Foundation
import Testing

@testable import CostDocs

/// Everything that talks to the suite's one moto server (started once for the test run).
@Suite(.motoServer) enum AgainstMoto {}

extension AgainstMoto {
    /// What every `ContentStore` promises, run against the local folder and against S3 (moto) alike:
    /// a backend that behaves differently from the other fails here.
    @Suite struct ContentStoreConformanceTests {
        @Test(arguments: StoreBackend.allCases)
        func storedBytesComeBackUnderTheirSHA256(backend: StoreBackend) async throws {
            try await StoreFixture.with(backend) { fixture in
                let bytes = uniqueBytes(10_000)
                let stored = try await fixture.store.put(bytes, contentType: "application/pdf")
                #expect(stored == StoredObject(sha256: independentSHA256(bytes), size: 10_000, alreadyExisted: false))
                #expect(try await fixture.store.get(sha256: stored.sha256) == bytes)
                #expect(try await fixture.store.exists(sha256: stored.sha256))
                #expect(try await fixture.store.verify(sha256: stored.sha256) == StoredObject(sha256: stored.sha256, size: 10_000, alreadyExisted: true))
            }
        }

        @Test(arguments: StoreBackend.allCases)
        func anEmptyDocumentIsStoredToo(backend: StoreBackend) async throws {
            try await StoreFixture.with(backend) { fixture in
                let stored = try await fixture.store.put(Data(), contentType: "text/plain")
                #expect(stored.sha256 == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
                #expect(try await fixture.store.get(sha256: stored.sha256) == Data())
            }
        }

        @Test(arguments: StoreBackend.allCases)
        func theSameContentTwiceIsStoredOnce(backend: StoreBackend) async throws {
            try await StoreFixture.with(backend) { fixture in
                let bytes = uniqueBytes(4_096)
                let first = try await fixture.store.put(bytes, contentType: "image/png")
                let second = try await fixture.store.put(bytes, contentType: "image/png")
                #expect(!first.alreadyExisted)
                #expect(second == StoredObject(sha256: first.sha256, size: 4_096, alreadyExisted: true))
                // Streamed from a file, the same bytes are recognised as well.
                let file = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("opside-same-\(UUID().uuidString)")
                defer { try? FileManager.default.removeItem(at: file) }
                try bytes.write(to: file)
                let third = try await fixture.store.put(fileAt: file, contentType: "image/png")
                #expect(third == second)
                #expect(try await fixture.storedObjectNames() == [first.sha256])
            }
        }

        @Test(arguments: StoreBackend.allCases)
        func aThirtyMegabyteFileIsStreamedInAndOut(backend: StoreBackend) async throws {
            try await StoreFixture.with(backend) { fixture in
                let folder = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("opside-large-\(UUID().uuidString)")
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(at: folder) }
                let source = folder.appendingPathComponent("upload.bin")
                let expectedHash = try await writeRandomFile(at: source, megabytes: 30)

                let stored = try await fixture.store.put(fileAt: source, contentType: "application/pdf")
                #expect(stored == StoredObject(sha256: expectedHash, size: 30 << 20, alreadyExisted: false))

                let destination = folder.appendingPathComponent("download.bin")
                let downloaded = try await fixture.store.download(sha256: stored.sha256, to: destination)
                #expect(downloaded.size == 30 << 20)
                #expect(try await independentSHA256(ofFileAt: destination) == expectedHash)
                // No temporary file is left beside the download.
                #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["download.bin", "upload.bin"])
                let read = try await fixture.store.get(sha256: stored.sha256)
                #expect(read.count == 30 << 20)
                #expect(independentSHA256(read) == expectedHash)
            }
        }

        static let namesThatAreNotHashes = [
            "", "../../../etc/passwd", String(repeating: "a", count: 63), String(repeating: "a", count: 65),
            String(repeating: "A", count: 64), String(repeating: "g", count: 64), "ab/" + String(repeating: "a", count: 61),
            String(repeating: "a", count: 62) + "%2", String(repeating: "a", count: 63) + "\0",
        ]

        @Test(arguments: StoreBackend.allCases)
        func aNameThatIsNotAHashIsRefusedBeforeAnyFileOrRequest(backend: StoreBackend) async throws {
            try await StoreFixture.with(backend) { fixture in
                let store = fixture.store
                let destination = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("opside-never-\(UUID().uuidString)")
                for name in Self.namesThatAreNotHashes {
                    await #expect(throws: ContentStoreError.invalidKey(name)) { try await store.get(sha256: name) }
                    await #expect(throws: ContentStoreError.invalidKey(name)) { try await store.exists(sha256: name) }
                    await #expect(throws: ContentStoreError.invalidKey(name)) { try await store.delete(sha256: name) }
                    await #expect(throws: ContentStoreError.invalidKey(name)) { try await store.verify(sha256: name) }
                    await #expect(throws: ContentStoreError.invalidKey(name)) { try await store.download(sha256: name, to: destination) }
                }
                #expect(!FileManager.default.fileExists(atPath: destination.path))
                #expect(ContentStoreError.invalidKey("../x").description.contains("64 lowercase hexadecimal characters"))
            }
        }

        @Test(arguments: StoreBackend.allCases)
        func aMissingObjectIsATypedNotFound(backend: StoreBackend) async throws {
            try await StoreFixture.with(backend) { fixture in
                let store = fixture.store
                let missing = independentSHA256(uniqueBytes(64))
                let destination = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("opside-missing-\(UUID().uuidString)")
                await #expect(throws: ContentStoreError.notFound(sha256: missing)) { try await store.get(sha256: missing) }
                await #expect(throws: ContentStoreError.notFound(sha256: missing)) { try await store.verify(sha256: missing) }
                await #expect(throws: ContentStoreError.notFound(sha256: missing)) { try await store.download(sha256: missing, to: destination) }
                #expect(!FileManager.default.fileExists(atPath: destination.path))
                #expect(try await !store.exists(sha256: missing))
                // A delete of what is not there succeeds: a retried delete must not fail.
                try await store.delete(sha256: missing)
            }
        }

        @Test(arguments: StoreBackend.allCases)
        func aCorruptedObjectIsReportedAndNeverServed(backend: StoreBackend) async throws {
            try await StoreFixture.with(backend) { fixture in
                let store = fixture.store
                let bytes = uniqueBytes(50_000)
                let stored = try await store.put(bytes, contentType: "application/pdf")
                var damaged = bytes
                damaged[25_000] ^= 0x01
                try await fixture.replaceStoredBytes(stored.sha256, damaged)
                let expected = ContentStoreError.corrupted(sha256: stored.sha256, actualSHA256: independentSHA256(damaged))

                await #expect(throws: expected) { try await store.get(sha256: stored.sha256) }
                await #expect(throws: expected) { try await store.verify(sha256: stored.sha256) }
                let destination = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("opside-corrupt-\(UUID().uuidString)")
                await #expect(throws: expected) { try await store.download(sha256: stored.sha256, to: destination) }
                #expect(!FileManager.default.fileExists(atPath: destination.path))
                #expect(expected.description.contains("corrupted"))
            }
        }

        @Test(arguments: StoreBackend.allCases)
        func deletingRemovesTheObject(backend: StoreBackend) async throws {
            try await StoreFixture.with(backend) { fixture in
                let store = fixture.store
                let stored = try await store.put(uniqueBytes(1_000), contentType: "text/plain")
                try await store.delete(sha256: stored.sha256)
                #expect(try await !store.exists(sha256: stored.sha256))
                await #expect(throws: ContentStoreError.notFound(sha256: stored.sha256)) { try await store.get(sha256: stored.sha256) }
                #expect(try await fixture.storedObjectNames().isEmpty)
            }
        }

        @Test(arguments: StoreBackend.allCases)
        func concurrentPutsOfTheSameContentAllSucceed(backend: StoreBackend) async throws {
            try await StoreFixture.with(backend) { fixture in
                let store = fixture.store
                let bytes = uniqueBytes(200_000)
                let results = try await withThrowingTaskGroup(of: StoredObject.self) { group in
                    for _ in 0..<8 { group.addTask { try await store.put(bytes, contentType: "application/pdf") } }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(Set(results.map(\.sha256)) == [independentSHA256(bytes)])
                #expect(results.contains { !$0.alreadyExisted })
                if backend == .localFolder {
                    // The hard link lets exactly one writer in; on S3 two PUTs of one body may both land.
                    #expect(results.filter { !$0.alreadyExisted }.count == 1)
                }
                #expect(try await store.get(sha256: independentSHA256(bytes)) == bytes)
                #expect(try await fixture.storedObjectNames() == [independentSHA256(bytes)])
            }
        }
    }
}
