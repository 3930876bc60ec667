import AsyncHTTPClient
import Foundation
import NIOHTTP1
import Testing

@testable import CostDocs

extension AgainstMoto {
    /// What only the S3 backend does, against moto with signature checking on.
    @Suite struct S3ContentStoreTests {
        @Test func aWrongSecretIsReportedAsASignatureMismatch() async throws {
            let server = try #require(MotoServer.current)
            try await HTTPClient.withHTTPClient { client in
                let store = try server.store(httpClient: client, prefix: "wrong-secret/", secretAccessKey: server.secretAccessKey + "x")
                let bytes = uniqueBytes(100)
                let hash = independentSHA256(bytes)
                // If moto did not check signatures, this put would succeed: the test proves it does.
                let refused = await #expect(throws: ContentStoreError.self) { try await store.put(bytes, contentType: "text/plain") }
                guard case .signatureMismatch(let message)? = refused else {
                    Issue.record("expected a signature mismatch, got \(String(describing: refused))")
                    return
                }
                #expect(!message.isEmpty)
                #expect(refused?.description.contains("storage.s3.secretAccessKey") == true)
                // A HEAD answer has no body; the store asks again to name the reason all the same.
                await #expect(throws: ContentStoreError.signatureMismatch(message: message)) { try await store.exists(sha256: hash) }
                await #expect(throws: ContentStoreError.signatureMismatch(message: message)) { try await store.get(sha256: hash) }
                // The right secret on the same server works, so the failure above was the secret's.
                let rightStore = try server.store(httpClient: client, prefix: "wrong-secret/")
                #expect(try await rightStore.put(bytes, contentType: "text/plain").sha256 == hash)
            }
        }

        @Test func anUnknownAccessKeyIdIsReportedAsSuch() async throws {
            let server = try #require(MotoServer.current)
            try await HTTPClient.withHTTPClient { client in
                let store = try server.store(httpClient: client, prefix: "unknown-key/", accessKeyId: "AKIAOPSIDEUNKNOWN000")
                let refused = await #expect(throws: ContentStoreError.self) { try await store.put(uniqueBytes(10), contentType: "text/plain") }
                guard case .invalidAccessKeyId? = refused else {
                    Issue.record("expected an unknown access key id, got \(String(describing: refused))")
                    return
                }
            }
        }

        @Test func ensureBucketCreatesAMissingBucketAndIsIdempotent() async throws {
            let server = try #require(MotoServer.current)
            try await HTTPClient.withHTTPClient { client in
                let bucket = "opside-new-\(UUID().uuidString.prefix(8).lowercased())"
                let store = try server.store(httpClient: client, prefix: "", bucket: bucket)
                let bytes = uniqueBytes(100)
                await #expect(throws: ContentStoreError.bucketNotFound(bucket: bucket)) { try await store.put(bytes, contentType: "text/plain") }
                try await store.ensureBucket()
                try await store.ensureBucket()
                let stored = try await store.put(bytes, contentType: "text/plain")
                #expect(try await store.get(sha256: stored.sha256) == bytes)
            }
        }

        @Test func objectsAreNamedByPrefixAndHashAndCarryTheirContentType() async throws {
            let server = try #require(MotoServer.current)
            try await HTTPClient.withHTTPClient { client in
                // Without a trailing slash: the store adds it.
                let store = try server.store(httpClient: client, prefix: "typed-\(UUID().uuidString.prefix(8).lowercased())")
                let bytes = uniqueBytes(300)
                let stored = try await store.put(bytes, contentType: "application/pdf")
                let response = try await server.rawRequest(.HEAD, path: "/\(server.bucket)/\(store.keyPrefix)\(stored.sha256)", httpClient: client)
                #expect(store.keyPrefix.hasSuffix("/"))
                #expect(response.status == .ok)
                #expect(response.headers.first(name: "content-type") == "application/pdf")
                #expect(response.headers.first(name: "content-length") == "300")
            }
        }
    }
}

/// Settings that cannot make an S3 store are refused when the store is made, not at the first upload.
@Suite struct S3ContentStoreSettingsTests {
    @Test(arguments: ["", "ab", "Upper-Case", "under_score", String(repeating: "a", count: 64)])
    func anInvalidBucketNameIsRefused(bucket: String) async throws {
        try await HTTPClient.withHTTPClient { client in
            _ = #expect(throws: ContentStoreError.self) {
                try S3ContentStore(endpoint: URL(string: "http://127.0.0.1:9000")!, bucket: bucket, region: "us-east-1", accessKeyId: "a",
                                   secretAccessKey: "s", pathStyle: true, httpClient: client)
            }
        }
    }

    @Test(arguments: ["../up", "a/../b", "/leading", "spaces are/", "percent%2F"])
    func aPrefixThatCouldEscapeItsFolderIsRefused(prefix: String) async throws {
        try await HTTPClient.withHTTPClient { client in
            _ = #expect(throws: ContentStoreError.self) {
                try S3ContentStore(endpoint: URL(string: "http://127.0.0.1:9000")!, bucket: "docs", region: "us-east-1", accessKeyId: "a",
                                   secretAccessKey: "s", pathStyle: true, keyPrefix: prefix, httpClient: client)
            }
        }
    }

    @Test func anEndpointThatIsNotHTTPIsRefused() async throws {
        try await HTTPClient.withHTTPClient { client in
            _ = #expect(throws: ContentStoreError.self) {
                try S3ContentStore(endpoint: URL(string: "ftp://example.com")!, bucket: "docs", region: "us-east-1", accessKeyId: "a",
                                   secretAccessKey: "s", pathStyle: true, httpClient: client)
            }
        }
    }
}
