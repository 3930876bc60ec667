import Configuration
import Foundation
import OpsideCore

extension ContentStoreSettings {
    /// Reads the `storage.*` keys (listed on `ContentStoreSettings`). In the development profile a
    /// local store with no folder keeps its files under the system's temporary folder, so a
    /// checkout runs with no setting; production must name the folder or the bucket.
    /// - Throws: `ContentStoreError.invalidSettings` or `ConfigurationError` naming the key.
    init(reader: ConfigReader) throws {
        let profile = try DeploymentProfile(reader: reader)
        var localPath = reader.string(forKey: "storage.localPath")
        if localPath == nil, profile == .development {
            localPath = FileManager.default.temporaryDirectory.appendingPathComponent("opside-cost-docs").path
        }
        try self.init(backend: reader.string(forKey: "storage.backend", default: Backend.local.rawValue), localPath: localPath,
                      s3Endpoint: reader.string(forKey: "storage.s3.endpoint"), s3Bucket: reader.string(forKey: "storage.s3.bucket"),
                      s3Region: reader.string(forKey: "storage.s3.region", default: "us-east-1"),
                      s3AccessKeyId: reader.string(forKey: "storage.s3.accessKeyId"),
                      s3SecretAccessKey: reader.string(forKey: ConfigKey("storage.s3.secretAccessKey"), isSecret: true),
                      s3PathStyle: reader.bool(forKey: "storage.s3.pathStyle", default: true),
                      s3Prefix: reader.string(forKey: "storage.s3.prefix", default: ""))
    }
}
