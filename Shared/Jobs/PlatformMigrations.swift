import Foundation
import OpsideCore
import OpsidePostgres

/// The migrations of the shared `platform` schema (job queue, outbox), owned by `opside_platform`.
public enum PlatformMigrations {
    public static func migrator() throws -> Migrator {
        guard let folder = Bundle.module.url(forResource: "Migrations", withExtension: nil) else {
            throw MigrationError.badFileName("OpsideJobs resource folder Migrations is missing from the build")
        }
        return Migrator(schema: "platform", migrations: try Migration.load(from: folder), role: platformDatabaseRole)
    }
}
