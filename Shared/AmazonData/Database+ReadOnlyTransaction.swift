import Foundation
import OpsidePostgres
import PostgresNIO

extension Database {
    /// Runs `body` in one transaction that can only read, scoped to `tenant`: `SET TRANSACTION
    /// READ ONLY` makes PostgreSQL refuse any write in it (whatever the role may do elsewhere),
    /// and `opside.tenant_id`, set for the transaction only, makes row-level security show the
    /// tenant's rows and nothing else.
    /// - Throws: what `body` throws, `DatabaseError.unavailable` when no connection comes in time,
    ///   or PostgreSQL's refusal of a write.
    public func withReadOnlyTransaction<T: Sendable>(
        tenant: UUID, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let logger = self.logger
        return try await withConnection { connection in
            try await connection.query("BEGIN", logger: logger)
            do {
                try await connection.query("SET TRANSACTION READ ONLY", logger: logger)
                try await connection.query(
                    "SELECT set_config('opside.tenant_id', \(tenant.uuidString.lowercased()), true)", logger: logger)
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
}
