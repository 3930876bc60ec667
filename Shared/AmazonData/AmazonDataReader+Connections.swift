import Foundation
import OpsidePostgres
import PostgresNIO

/// A connection and one marketplace it has synced or imported data for.
public struct AmazonConnectionMarketplace: Sendable, Hashable, Comparable {
    public let connectionId: UUID
    public let marketplaceId: String

    public init(connectionId: UUID, marketplaceId: String) {
        self.connectionId = connectionId
        self.marketplaceId = marketplaceId
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.connectionId.uuidString, lhs.marketplaceId) < (rhs.connectionId.uuidString, rhs.marketplaceId)
    }
}

extension AmazonDataReader {
    /// Every (connection, marketplace) the tenant has rows for in any table of synced data,
    /// API-synced and import-only connections alike (or only `connection`'s).
    ///
    /// Cheap whatever the tables' size: the tenant's connection ids come from inventory-sync's
    /// `connections` (the one own table read here, ids only, as every import and connection
    /// records one), and each table's marketplaces of a connection are found by skipping through
    /// its unique index, which starts with `(connection_id, marketplace_id)`: one index probe per
    /// marketplace found, never a scan of the rows.
    public func connectionMarketplaces(tenant: UUID, connection: UUID? = nil) async throws -> [AmazonConnectionMarketplace] {
        let tables = AmazonTables.all.map(\.name)
        let logger = database.logger
        return try await database.withReadOnlyTransaction(tenant: tenant) { db in
            var connections: [UUID] = []
            if let connection {
                connections = [connection]
            } else {
                for try await id in try await db.query("SELECT connection_id FROM amazon.connections ORDER BY connection_id",
                                                       logger: logger).decode(UUID.self) {
                    connections.append(id)
                }
            }
            var found = Set<AmazonConnectionMarketplace>()
            for id in connections {
                for table in tables {
                    // Table names come from the catalog, never from a caller.
                    let sql = """
                        WITH RECURSIVE markets(marketplace_id) AS (
                            (SELECT marketplace_id FROM amazon.\(table) WHERE connection_id = $1 ORDER BY marketplace_id LIMIT 1)
                            UNION ALL
                            SELECT (SELECT t.marketplace_id FROM amazon.\(table) t
                                    WHERE t.connection_id = $1 AND t.marketplace_id > markets.marketplace_id
                                    ORDER BY t.marketplace_id LIMIT 1)
                            FROM markets WHERE markets.marketplace_id IS NOT NULL)
                        SELECT marketplace_id FROM markets WHERE marketplace_id IS NOT NULL
                        """
                    var bindings = PostgresBindings()
                    bindings.append(id)
                    let rows = try await db.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
                    for try await marketplace in rows.decode(String.self) {
                        found.insert(AmazonConnectionMarketplace(connectionId: id, marketplaceId: marketplace))
                    }
                }
            }
            return found.sorted()
        }
    }
}
