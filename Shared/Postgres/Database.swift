import Foundation
import Logging
import NIOConcurrencyHelpers
import PostgresNIO
import ServiceLifecycle

/// The database could not serve the call. Handlers turn it into a 503 with the error envelope.
public enum DatabaseError: Error, CustomStringConvertible {
    /// No connection could be had within the lease timeout: Postgres is down or saturated.
    case unavailable(String)

    public var description: String {
        switch self {
        case .unavailable(let reason): "database unavailable: \(reason)"
        }
    }
}

/// A service's handle on PostgreSQL: a connection pool plus the transaction helpers every
/// repository uses. Tenant-scoped work goes through `withTransaction(tenant:)`, which sets
/// `opside.tenant_id` for the transaction so row-level security filters every statement.
public final class Database: Sendable {
    public let client: PostgresClient
    public let settings: PostgresSettings
    public let logger: Logger

    public init(settings: PostgresSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
        self.client = PostgresClient(configuration: settings.clientConfiguration, backgroundLogger: logger)
    }

    /// Leases a connection for `body`.
    /// - Throws: `DatabaseError.unavailable` when no connection comes within the lease timeout,
    ///   so a request fails fast instead of hanging while Postgres is down.
    public func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let leased = NIOLockedValueBox(false)
        let client = self.client
        let timeout = settings.leaseTimeout
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await client.withConnection { connection in
                    leased.withLockedValue { $0 = true }
                    return try await body(connection)
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                if !leased.withLockedValue({ $0 }) {
                    throw DatabaseError.unavailable("no connection within \(timeout)")
                }
                return nil
            }
            while let result = try await group.next() {
                if let value = result {
                    group.cancelAll()
                    return value
                }
            }
            throw DatabaseError.unavailable("connection lease ended without a result")
        }
    }

    /// Runs `body` in one transaction; when `tenant` is given, row-level security sees only that
    /// tenant's rows for the whole transaction (`SET LOCAL opside.tenant_id`).
    public func withTransaction<T: Sendable>(
        tenant: UUID? = nil, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let logger = self.logger
        return try await withConnection { connection in
            try await connection.query("BEGIN", logger: logger)
            do {
                if let tenant {
                    try await connection.query(
                        "SELECT set_config('opside.tenant_id', \(tenant.uuidString.lowercased()), true)", logger: logger)
                }
                let result = try await body(connection)
                try await connection.query("COMMIT", logger: logger)
                return result
            } catch {
                // The connection may already be gone; the original error is the one that matters.
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }

    /// Proves the database answers a query, within `timeout`.
    public func ping(timeout: Duration = .seconds(2)) async throws {
        let logger = self.logger
        _ = try await withDeadline(timeout) {
            try await self.withConnection { connection in
                try await connection.query("SELECT 1", logger: logger)
            }
        }
    }
}

/// Runs `body`, failing with `DatabaseError.unavailable` when it takes longer than `timeout`.
func withDeadline<T: Sendable>(_ timeout: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: timeout)
            throw DatabaseError.unavailable("no answer within \(timeout)")
        }
        while let result = try await group.next() {
            if let value = result {
                group.cancelAll()
                return value
            }
        }
        throw DatabaseError.unavailable("no answer")
    }
}

/// Runs the connection pool inside the service group.
public struct DatabaseService: Service {
    public let database: Database
    public init(database: Database) { self.database = database }
    public func run() async throws {
        await database.client.run()
    }
}
