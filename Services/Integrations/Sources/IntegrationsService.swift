import Configuration
import Foundation
import Hummingbird
import OpsideCore
import OpsideJobs
import OpsidePostgres
import OpsideTransport

/// integrations's composition root. It owns Login-with-Amazon consent, the token vault, account health, SP-API notifications, listings and the FBA inbound workflow (DESIGN.md); its domain endpoints, tables and
/// jobs arrive with the issues that need them. Today it serves the platform endpoints, works its
/// queue `integrations` and applies its schema's migrations.
public enum IntegrationsService {
    public static let service = OpsideService.integrations
    public static let queue = "integrations"

    /// The `integrations` schema's migrations (none yet: its tables come with its first feature).
    public static func migrators() throws -> [Migrator] {
        [Migrator(schema: service.schema, migrations: [])]
    }

    public static func openAPIDocument() throws -> Data {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json") else {
            throw MigrationError.badFileName("integrations's openapi.json is missing from the build")
        }
        return try Data(contentsOf: url)
    }

    public static func buildApplication(reader: ConfigReader) async throws -> some ApplicationProtocol {
        let platform = try await OpsidePlatform(service: service, reader: reader, queues: [queue])
        let router = platform.makeRouter(openAPIDocument: try openAPIDocument())
        return platform.makeApplication(router: router, migrators: try migrators(), jobs: JobRegistry())
    }
}
