import Configuration
import Foundation
import Hummingbird
import OpsideCore
import OpsideJobs
import OpsidePostgres
import OpsideTransport

/// cost-docs's composition root. It owns documents (DESIGN.md): every file a tenant stores and
/// every document it renders, kept under its SHA-256 in a content store (a local folder by
/// default, an S3-compatible bucket by configuration), and the cost documents and proof summaries
/// it renders as PDFs.
///
/// Keys beyond the platform's: `ContentStoreSettings` (`storage.*`) and `documents.maxObjectMiB`
/// (200): the largest file it stores (a proof packet holds every evidence file of a claim).
public enum CostDocsService {
    public static let service = OpsideService.costDocs
    public static let queue = "cost-docs"

    public static func migrators() throws -> [Migrator] {
        try ServiceResources(bundle: .module, service: service).migrators()
    }

    public static func openAPIDocument() throws -> Data {
        try ServiceResources(bundle: .module, service: service).openAPIDocument()
    }

    public static func buildApplication(reader: ConfigReader, clocks: ServiceClocks = .system) async throws -> some ApplicationProtocol {
        let platform = try await OpsidePlatform(service: service, reader: reader, queues: [queue], clocks: clocks)
        let storage = try ContentStoreSettings(reader: reader)
        platform.logger.info("\(storage)")
        let store = try storage.makeStore(httpClient: platform.httpClient, logger: platform.logger)
        if let s3 = store as? S3ContentStore, reader.bool(forKey: "storage.s3.createBucket", default: false) { try await s3.ensureBucket() }
        let ownership = ObjectOwnership(database: platform.database, logger: platform.logger)
        let maxObjectBytes = max(1, reader.int(forKey: "documents.maxObjectMiB", default: 200)) << 20
        let router = platform.makeRouter(openAPIDocument: try openAPIDocument())
        ObjectsController(store: store, ownership: ownership, maxObjectBytes: maxObjectBytes, clocks: clocks).addRoutes(to: router)
        RenderController(store: store, ownership: ownership, clocks: clocks).addRoutes(to: router)
        return platform.makeApplication(router: router, migrators: try migrators(), jobs: JobRegistry())
    }
}
