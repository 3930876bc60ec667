import Configuration
import Foundation
import Hummingbird
import OpsideCore
import OpsideJobs
import OpsidePostgres
import OpsideTransport

/// mcde's composition root. It owns the manufacturing cost engine (DESIGN.md); its domain endpoints, tables and
/// jobs arrive with the issues that need them. Today it serves the platform endpoints, works its
/// queue `mcde` and applies its schema's migrations.
public enum MCDEService {
    public static let service = OpsideService.mcde
    public static let queue = "mcde"

    /// The `mcde` schema's migrations (none yet: its tables come with its first feature).
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
