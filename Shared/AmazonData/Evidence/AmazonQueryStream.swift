import Foundation
import OpsidePostgres
import PostgresNIO

/// One purpose-built read of the `amazon` schema, streamed row by row: the SQL (values always
/// bound) and how a row becomes `Row`.
struct AmazonStreamedQuery<Row> {
    let query: PostgresQuery
    let decode: @Sendable (PostgresRandomAccessRow) throws -> Row
}

extension AmazonDataReader {
    /// Streams the rows of `read` to `body` in one transaction that is `READ ONLY` and sets
    /// `opside.tenant_id` (row-level security shows the tenant's rows only), as
    /// `withReadOnlyTransaction` does. PostgresNIO pulls rows from the server only as `body`
    /// consumes them (backpressure), so memory holds a few rows whatever the result's size; `body`
    /// runs before the next row is read, in the caller's task.
    func forEachRow<Row>(_ read: AmazonStreamedQuery<Row>, tenant: UUID, _ body: (Row) async throws -> Void) async throws {
        let logger = database.logger
        try await database.client.withConnection { connection in
            try await connection.query("BEGIN", logger: logger)
            do {
                try await connection.query("SET TRANSACTION READ ONLY", logger: logger)
                // These reads are planned as large (millions of ledger rows and events) but run in
                // well under a second per part: JIT compilation would cost more than it saves.
                try await connection.query("SET LOCAL jit = off", logger: logger)
                try await connection.query("SELECT set_config('opside.tenant_id', \(tenant.uuidString.lowercased()), true)", logger: logger)
                let rows = try await connection.query(read.query, logger: logger)
                for try await row in rows {
                    try await body(try read.decode(row.makeRandomAccess()))
                }
                try await connection.query("COMMIT", logger: logger)
            } catch {
                // The connection may already be gone; the original error is the one that matters.
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }
}

extension PostgresRandomAccessRow {
    func text(_ column: String) throws -> String { try self[column].decode(String.self) }
    func optionalText(_ column: String) throws -> String? { try self[column].decode(String?.self) }
    func int(_ column: String) throws -> Int { Int(try self[column].decode(Int64.self)) }
    func optionalInt(_ column: String) throws -> Int? { try self[column].decode(Int64?.self).map(Int.init) }
    func optionalInt64(_ column: String) throws -> Int64? { try self[column].decode(Int64?.self) }
}
