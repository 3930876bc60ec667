import Configuration
import Foundation
import Hummingbird
import OpsideCore
import OpsideJobs
import OpsidePostgres
import OpsideTransport

/// inventory-sync's composition root. It owns syncs of every Amazon dataset, report import and reconciliation (DESIGN.md); its domain endpoints, tables and
/// jobs arrive with the issues that need them. Today it serves the platform endpoints, works its
/// queue `inventory-sync` and applies its schema's migrations.
public enum InventorySyncService {
    public static let service = OpsideService.inventorySync
    public static let queue = "inventory-sync"

    /// The `inventory-sync` schema's migrations (none yet: its tables come with its first feature).
    public static func migrators() throws -> [Migrator] {
        [Migrator(schema: service.schema, migrations: [])]
    }

    public static func openAPIDocument() throws -> Data {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json") else {
            throw MigrationError.badFileName("inventory-sync's openapi.json is missing from the build")
        }
        return try Data(contentsOf: url)
    }

    public static func buildApplication(reader: ConfigReader) async throws -> some ApplicationProtocol {
        let platform = try await OpsidePlatform(service: service, reader: reader, queues: [queue])
        let router = platform.makeRouter(openAPIDocument: try openAPIDocument())
        return platform.makeApplication(router: router, migrators: try migrators(), jobs: JobRegistry())
    }
}
