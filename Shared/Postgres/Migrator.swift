import Crypto
import Foundation
import Logging
import PostgresNIO

/// One versioned SQL file: `0001_create_users.sql` is version 1, named "create_users".
public struct Migration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// The SHA-256 of the SQL, recorded when applied so an edited, already-applied file is caught.
    public var checksum: String {
        SHA256.hash(data: Data(sql.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Loads every `NNNN_name.sql` in a folder, in version order.
    /// - Throws: `MigrationError` for a badly named file or two files with one version.
    public static func load(from directory: URL) throws -> [Migration] {
        let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "sql" }
        var migrations: [Migration] = []
        for file in files {
            let stem = file.deletingPathExtension().lastPathComponent
            let parts = stem.split(separator: "_", maxSplits: 1)
            guard parts.count == 2, let version = Int(parts[0]) else {
                throw MigrationError.badFileName(file.lastPathComponent)
            }
            migrations.append(Migration(version: version, name: String(parts[1]), sql: try String(contentsOf: file, encoding: .utf8)))
        }
        migrations.sort { $0.version < $1.version }
        for (previous, next) in zip(migrations, migrations.dropFirst()) where previous.version == next.version {
            throw MigrationError.duplicateVersion(next.version)
        }
        return migrations
    }
}

public enum MigrationError: Error, CustomStringConvertible {
    case badFileName(String)
    case duplicateVersion(Int)
    case checksumMismatch(schema: String, version: Int, name: String)

    public var description: String {
        switch self {
        case .badFileName(let name): "migration file \(name) must be named NNNN_description.sql"
        case .duplicateVersion(let version): "two migrations share version \(version)"
        case .checksumMismatch(let schema, let version, let name):
            "migration \(schema) \(version)_\(name) was edited after it was applied; add a new migration instead"
        }
    }
}

/// Applies a schema's migrations exactly once, under one advisory lock shared by every service,
/// so services that start together never race (the lock also orders cross-schema grants).
public struct Migrator: Sendable {
    /// The advisory lock every migrator takes; any constant works as long as all agree.
    static let lockKey: Int64 = 7_236_002

    public let schema: String
    public let migrations: [Migration]
    /// A role to `SET LOCAL ROLE` to while applying, so objects are owned by it (the platform schema).
    public let role: String?

    public init(schema: String, migrations: [Migration], role: String? = nil) {
        self.schema = schema
        self.migrations = migrations
        self.role = role
    }

    /// Applies what has not been applied yet.
    /// - Returns: the versions applied by this call (empty when the schema was current).
    @discardableResult
    public func apply(on database: Database) async throws -> [Int] {
        let schema = self.schema
        let migrations = self.migrations
        let role = self.role
        let logger = database.logger
        return try await database.withConnection { connection in
            try await connection.query("SELECT pg_advisory_lock(\(Self.lockKey))", logger: logger)
            do {
                let applied = try await Self.applyLocked(schema: schema, migrations: migrations, role: role,
                                                         connection: connection, logger: logger)
                try await connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))", logger: logger)
                return applied
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))", logger: logger)
                throw error
            }
        }
    }

    private static func applyLocked(schema: String, migrations: [Migration], role: String?,
                                    connection: PostgresConnection, logger: Logger) async throws -> [Int] {
        let table = "\"\(schema)\".schema_migrations"
        try await connection.query("BEGIN", logger: logger)
        if let role { try await connection.query("SET LOCAL ROLE \(unescaped: "\"\(role)\"")", logger: logger) }
        try await connection.query("""
            CREATE TABLE IF NOT EXISTS \(unescaped: table) (
                version integer PRIMARY KEY,
                name text NOT NULL,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now())
            """, logger: logger)
        try await connection.query("COMMIT", logger: logger)

        var known: [Int: String] = [:]
        let rows = try await connection.query("SELECT version, checksum FROM \(unescaped: table)", logger: logger)
        for try await (version, checksum) in rows.decode((Int, String).self) { known[version] = checksum }

        var applied: [Int] = []
        for migration in migrations {
            if let checksum = known[migration.version] {
                guard checksum == migration.checksum else {
                    throw MigrationError.checksumMismatch(schema: schema, version: migration.version, name: migration.name)
                }
                continue
            }
            try await connection.query("BEGIN", logger: logger)
            do {
                if let role { try await connection.query("SET LOCAL ROLE \(unescaped: "\"\(role)\"")", logger: logger) }
                try await connection.query("SET LOCAL search_path TO \(unescaped: "\"\(schema)\""), public", logger: logger)
                // A migration holds several statements; they run one by one inside this transaction.
                try await SQLScript.run(migration.sql, on: connection, logger: logger)
                try await connection.query("""
                    INSERT INTO \(unescaped: table) (version, name, checksum)
                    VALUES (\(migration.version), \(migration.name), \(migration.checksum))
                    """, logger: logger)
                try await connection.query("COMMIT", logger: logger)
                applied.append(migration.version)
                logger.info("applied migration", metadata: ["schema": "\(schema)", "version": "\(migration.version)", "name": "\(migration.name)"])
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
        return applied
    }
}
