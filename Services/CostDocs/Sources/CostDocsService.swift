import Configuration
import Foundation
import Hummingbird
import OpsideCore
import OpsideJobs
import OpsidePostgres
import OpsideTransport

/// cost-docs's composition root. It owns documents and the cost documentation PDFs for cases (DESIGN.md); its domain endpoints, tables and
/// jobs arrive with the issues that need them. Today it serves the platform endpoints, works its
/// queue `cost-docs` and applies its schema's migrations.
public enum CostDocsService {
    public static let service = OpsideService.costDocs
    public static let queue = "cost-docs"

    /// The `cost-docs` schema's migrations (none yet: its tables come with its first feature).
    public static func migrators() throws -> [Migrator] {
        [Migrator(schema: service.schema, migrations: [])]
    }

    public static func openAPIDocument() throws -> Data {
        try ServiceResources(bundle: .module, service: service).openAPIDocument()
    }

    public static func buildApplication(reader: ConfigReader) async throws -> some ApplicationProtocol {
        let platform = try await OpsidePlatform(service: service, reader: reader, queues: [queue])
        let router = platform.makeRouter(openAPIDocument: try openAPIDocument())
        return platform.makeApplication(router: router, migrators: try migrators(), jobs: JobRegistry())
    }
}
