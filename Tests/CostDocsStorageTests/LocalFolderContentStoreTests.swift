import Foundation
import Testing

@testable import CostDocs

/// What only the local folder does: its layout on disk and its crash safety.
@Suite struct LocalFolderContentStoreTests {
    private func withRoot(_ body: (URL) async throws -> Void) async throws {
        let root = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("opside-local-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try await body(root)
    }

    @Test func objectsAreShardedByTheFirstTwoBytePairsOfTheirHash() async throws {
        try await withRoot { root in
            let store = LocalFolderContentStore(root: root)
            let stored = try await store.put(Data("invoice".utf8), contentType: "text/plain")
            let hash = stored.sha256
            let expected = root.appendingPathComponent("\(hash.prefix(2))/\(hash.dropFirst(2).prefix(2))/\(hash)")
            #expect(FileManager.default.contents(atPath: expected.path) == Data("invoice".utf8))
            // The put left nothing behind in the folder of temporary files.
            #expect(try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(".incoming").path).isEmpty)
        }
    }

    @Test func aStoredFileOfTheWrongSizeIsReplacedByTheNextPut() async throws {
        try await withRoot { root in
            let store = LocalFolderContentStore(root: root)
            let bytes = uniqueBytes(2_000)
            let stored = try await store.put(bytes, contentType: "application/pdf")
            // A truncated object (a disk fault): the size no longer matches, so the put writes again.
            let path = store.path(of: try ContentKey(validating: stored.sha256))
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
            try bytes.prefix(1_000).write(to: URL(fileURLWithPath: path))
            let repaired = try await store.put(bytes, contentType: "application/pdf")
            #expect(!repaired.alreadyExisted)
            #expect(try await store.get(sha256: stored.sha256) == bytes)
        }
    }

    @Test func abandonedIncomingFilesAreRemovedAndFreshOnesKept() async throws {
        try await withRoot { root in
            let store = LocalFolderContentStore(root: root)
            let incoming = root.appendingPathComponent(".incoming")
            try FileManager.default.createDirectory(at: incoming, withIntermediateDirectories: true)
            let abandoned = incoming.appendingPathComponent("abandoned")
            let fresh = incoming.appendingPathComponent("fresh")
            try Data("half".utf8).write(to: abandoned)
            try Data("in progress".utf8).write(to: fresh)
            // Dated two hours back, as if left by a crash (the file's own time, not a sleep).
            try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-7_200)], ofItemAtPath: abandoned.path)
            #expect(try await store.removeAbandonedIncomingFiles(olderThan: .seconds(3_600)) == 1)
            #expect(try FileManager.default.contentsOfDirectory(atPath: incoming.path) == ["fresh"])
        }
    }

    @Test func aFileThatDoesNotExistIsAFileSystemErrorNotAnEmptyDocument() async throws {
        try await withRoot { root in
            let store = LocalFolderContentStore(root: root)
            let missing = root.appendingPathComponent("no-such-upload.pdf")
            await #expect(throws: ContentStoreError.fileSystem(path: missing.path, reason: "no such file")) {
                try await store.put(fileAt: missing, contentType: "application/pdf")
            }
        }
    }

    @Test func getRefusesAnObjectLargerThanItsMemoryLimit() async throws {
        try await withRoot { root in
            let store = LocalFolderContentStore(root: root, maximumInMemoryBytes: 1_000)
            let stored = try await store.put(uniqueBytes(1_001), contentType: "application/pdf")
            await #expect(throws: ContentStoreError.tooLargeForMemory(sha256: stored.sha256, size: 1_001, limit: 1_000)) {
                try await store.get(sha256: stored.sha256)
            }
        }
    }
}

/// The settings' checks: each missing or wrong value is named by its configuration key.
@Suite struct ContentStoreSettingsTests {
    @Test func theLocalBackendNeedsItsFolder() {
        let refused = #expect(throws: ContentStoreError.self) { try ContentStoreSettings(backend: "local") }
        #expect(refused?.description.contains("storage.localPath") == true)
    }

    @Test func anUnknownBackendIsNamed() {
        let refused = #expect(throws: ContentStoreError.self) { try ContentStoreSettings(backend: "ftp", localPath: "/tmp/x") }
        #expect(refused?.description.contains("storage.backend") == true)
    }

    @Test func theS3BackendNamesTheFirstMissingKey() {
        let refused = #expect(throws: ContentStoreError.self) {
            try ContentStoreSettings(backend: "s3", s3Endpoint: "http://127.0.0.1:9000", s3Bucket: "docs", s3AccessKeyId: "id")
        }
        #expect(refused?.description.contains("storage.s3.secretAccessKey") == true)
    }

    @Test func theDescriptionKeepsTheSecretOut() throws {
        let settings = try ContentStoreSettings(backend: "S3", s3Endpoint: "http://127.0.0.1:9000", s3Bucket: "docs", s3AccessKeyId: "id",
                                                s3SecretAccessKey: "very-secret-value", s3Prefix: "cost-docs/")
        #expect(settings.backend == .s3)
        #expect(settings.s3?.pathStyle == true)
        #expect(settings.s3?.region == "us-east-1")
        #expect(!settings.description.contains("very-secret-value"))
        #expect(settings.description.contains("docs"))
    }
}
