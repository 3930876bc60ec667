import AsyncHTTPClient
import Foundation
import Logging

/// Which `ContentStore` cost-docs uses, and its settings.
///
/// Configuration keys (the composition root reads them with swift-configuration's `ConfigReader`
/// and passes the plain values to `init`; in the environment `storage.s3.bucket` is
/// `STORAGE_S3_BUCKET`):
/// - `storage.backend`: `local` (the default) or `s3`.
/// - `storage.localPath`: the local backend's folder (required for `local`).
/// - `storage.s3.endpoint`: the S3 server's URL, e.g. `https://s3.eu-west-1.amazonaws.com`.
/// - `storage.s3.bucket`: the bucket.
/// - `storage.s3.region`: the signing region (default `us-east-1`).
/// - `storage.s3.accessKeyId`: the access key id.
/// - `storage.s3.secretAccessKey`: the secret access key, **read as a secret**.
/// - `storage.s3.pathStyle`: `true` (the default) for `endpoint/bucket/key`, `false` for `bucket.endpoint/key`.
/// - `storage.s3.prefix`: put before every object's hash, e.g. `cost-docs/` (default none).
public struct ContentStoreSettings: Sendable, CustomStringConvertible {
    public enum Backend: String, Sendable, CaseIterable {
        case local
        case s3
    }

    /// The S3 backend's settings.
    public struct S3: Sendable {
        public var endpoint: URL
        public var bucket: String
        public var region: String
        public var accessKeyId: String
        public var secretAccessKey: String
        public var pathStyle: Bool
        public var prefix: String
    }

    public var backend: Backend
    /// The local backend's folder (nil with `s3`).
    public var localPath: String?
    /// The S3 backend's settings (nil with `local`).
    public var s3: S3?

    /// Checks the values of the keys above; those of the backend not chosen are ignored.
    /// - Throws: `ContentStoreError.invalidSettings` naming the key that is missing or wrong.
    public init(backend: String = Backend.local.rawValue, localPath: String? = nil,
                s3Endpoint: String? = nil, s3Bucket: String? = nil, s3Region: String = "us-east-1",
                s3AccessKeyId: String? = nil, s3SecretAccessKey: String? = nil, s3PathStyle: Bool = true,
                s3Prefix: String = "") throws {
        guard let chosen = Backend(rawValue: backend.lowercased()) else {
            throw ContentStoreError.invalidSettings("storage.backend is \"\(backend)\"; it must be local or s3")
        }
        self.backend = chosen
        switch chosen {
        case .local:
            guard let localPath, !localPath.isEmpty else {
                throw ContentStoreError.invalidSettings("storage.localPath must name the documents folder when storage.backend is local")
            }
            self.localPath = localPath
            self.s3 = nil
        case .s3:
            func required(_ value: String?, _ key: String) throws -> String {
                guard let value, !value.isEmpty else {
                    throw ContentStoreError.invalidSettings("\(key) must be set when storage.backend is s3")
                }
                return value
            }
            let endpointText = try required(s3Endpoint, "storage.s3.endpoint")
            guard let endpoint = URL(string: endpointText), endpoint.host != nil else {
                throw ContentStoreError.invalidSettings("storage.s3.endpoint \"\(endpointText)\" is not a URL")
            }
            self.localPath = nil
            self.s3 = S3(endpoint: endpoint, bucket: try required(s3Bucket, "storage.s3.bucket"), region: try required(s3Region, "storage.s3.region"),
                         accessKeyId: try required(s3AccessKeyId, "storage.s3.accessKeyId"),
                         secretAccessKey: try required(s3SecretAccessKey, "storage.s3.secretAccessKey"),
                         pathStyle: s3PathStyle, prefix: s3Prefix)
        }
    }

    /// The store these settings describe. (An S3 bucket is not created here: call
    /// `S3ContentStore.ensureBucket()` in development, where the server starts empty.)
    /// - Parameters:
    ///   - httpClient: The service's HTTP client, for the S3 backend.
    ///   - logger: Where the S3 backend reports retries.
    public func makeStore(httpClient: HTTPClient, logger: Logger) throws -> any ContentStore {
        switch backend {
        case .local:
            return LocalFolderContentStore(root: URL(fileURLWithPath: localPath ?? ""))
        case .s3:
            guard let s3 else { throw ContentStoreError.invalidSettings("the s3 backend has no settings") }
            return try S3ContentStore(endpoint: s3.endpoint, bucket: s3.bucket, region: s3.region, accessKeyId: s3.accessKeyId,
                                      secretAccessKey: s3.secretAccessKey, pathStyle: s3.pathStyle, keyPrefix: s3.prefix,
                                      httpClient: httpClient, logger: logger)
        }
    }

    /// The settings without the secret, for the startup log.
    public var description: String {
        switch backend {
        case .local:
            return "storage: local folder \(localPath ?? "")"
        case .s3:
            guard let s3 else { return "storage: s3" }
            return "storage: s3 bucket \(s3.bucket) at \(s3.endpoint.absoluteString) (region \(s3.region), \(s3.pathStyle ? "path" : "virtual-hosted") style, "
                + "prefix \"\(s3.prefix)\", access key id \(s3.accessKeyId), secret access key <redacted>)"
        }
    }
}
