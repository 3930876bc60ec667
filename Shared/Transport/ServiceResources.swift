import Foundation
import OpsideCore
import OpsidePostgres

/// What a service ships beside its code (its OpenAPI document and its schema's migrations),
/// read from the service module's resource bundle. Each module passes its own `Bundle.module`.
public struct ServiceResources: Sendable {
    let bundle: Bundle
    let service: OpsideService

    public init(bundle: Bundle, service: OpsideService) {
        self.bundle = bundle
        self.service = service
    }

    /// The service's `openapi.json`.
    public func openAPIDocument() throws -> Data {
        guard let url = bundle.url(forResource: "openapi", withExtension: "json") else {
            throw MigrationError.badFileName("\(service.name)'s openapi.json is missing from the build")
        }
        return try Data(contentsOf: url)
    }

    /// The migrator of the service's schema, from its `Migrations` folder.
    public func migrators() throws -> [Migrator] {
        guard let folder = bundle.url(forResource: "Migrations", withExtension: nil) else {
            throw MigrationError.badFileName("\(service.name)'s Migrations folder is missing from the build")
        }
        return [Migrator(schema: service.schema, migrations: try Migration.load(from: folder))]
    }
}
