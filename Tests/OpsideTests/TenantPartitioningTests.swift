import Foundation
import InventorySync
import OpsideCore
import OpsideJobs
import OpsidePostgres
import OpsideTesting
import PostgresNIO
import Testing

/// The large tables are hash-partitioned by tenant (`platform.partition_by_tenant`), with every
/// key shaped as Citus needs to distribute them by `tenant_id`; converting a table keeps its rows,
/// its keys and the wall between tenants. Every other suite runs on this layout too: it is what
/// the migrations make.
@Suite struct TenantPartitioningTests {
    /// The tables partitioned by tenant, by the service whose migration converts them.
    static let partitioned: Set<String> = Set([
        "orders", "order_items", "financial_shipment_events", "financial_refund_events", "financial_adjustment_events",
        "financial_service_fee_events", "financial_safet_events", "financial_removal_shipment_events", "inventory_summaries",
        "ledger_detail", "ledger_summary", "reimbursements", "customer_returns", "replacements", "removal_orders",
        "removal_shipments", "estimated_fees", "listings", "inbound_shipments", "inbound_shipment_items",
        "search_query_performance", "ads_spend",
    ].map { "amazon.\($0)" } + [
        "claims.claims", "cases.cases", "cases.case_history", "cases.recoveries",
        "evidence.documents", "evidence.matches", "evidence.prompts", "documents.objects",
    ])

    @Test func theLargeTablesArePartitionedByTenantAndEveryKeyCarriesTheTenant() async throws {
        let database = try await TenantIsolationTests.migratedByEveryService()
        // Partitioned tables and their key: hash on tenant_id, nothing else.
        let partitionedBy = try await database.strings("""
            SELECT n.nspname || '.' || c.relname || '|' || p.partstrat::text || '|' || a.attname || '|' || p.partnatts
            FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = p.partattrs[0]
            """)
        #expect(Set(partitionedBy.map { String($0.split(separator: "|")[0]) }) == Self.partitioned)
        #expect(partitionedBy.allSatisfy { $0.hasSuffix("|h|tenant_id|1") }, "\(partitionedBy.filter { !$0.hasSuffix("|h|tenant_id|1") })")

        // Every primary key, unique key and unique index of a partitioned table leads with tenant_id
        // (PostgreSQL needs it included; leading keeps a tenant's lookups on one index range).
        let keys = try await database.strings("""
            SELECT n.nspname || '.' || c.relname || ' ' || i.relname || ' ' || a.attname
            FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = x.indkey[0]
            WHERE c.relkind = 'p' AND x.indisunique
            """)
        #expect(keys.count >= Self.partitioned.count, "\(keys.count) unique keys")
        #expect(keys.allSatisfy { $0.hasSuffix(" tenant_id") }, "unique keys not led by tenant_id: \(keys.filter { !$0.hasSuffix(" tenant_id") })")

        // Foreign keys touching a partitioned table carry tenant_id on both sides, and join two
        // partitioned tables: Citus co-locates them by tenant, and refuses a key between a
        // distributed table and a plain one.
        let foreignKeys = try await database.strings("""
            SELECT con.conrelid::regclass::text || ' -> ' || con.confrelid::regclass::text || '|'
                   || fa.attname || '|' || ra.attname || '|' || from_rel.relkind::text || '|' || to_rel.relkind::text
            FROM pg_constraint con
            JOIN pg_class from_rel ON from_rel.oid = con.conrelid JOIN pg_class to_rel ON to_rel.oid = con.confrelid
            JOIN pg_attribute fa ON fa.attrelid = con.conrelid AND fa.attnum = con.conkey[1]
            JOIN pg_attribute ra ON ra.attrelid = con.confrelid AND ra.attnum = con.confkey[1]
            WHERE con.contype = 'f' AND con.conparentid = 0 AND (from_rel.relkind = 'p' OR to_rel.relkind = 'p')
            """)
        #expect(foreignKeys.count >= 4, "\(foreignKeys)")
        for key in foreignKeys {
            let parts = key.split(separator: "|").map(String.init)
            #expect(parts[1] == "tenant_id" && parts[2] == "tenant_id" && parts[3] == "p" && parts[4] == "p", "\(parts[0])")
        }

        // Each partition: row-level security forced and no policy of its own, so only its parent's
        // policies let a row through; the parent keeps its tenant policy.
        let partitions = try await database.strings("""
            SELECT c.relname || '|' || c.relrowsecurity::text || '|' || c.relforcerowsecurity::text || '|'
                   || (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid)
            FROM pg_class c WHERE c.relispartition AND c.relkind = 'r'
            """)
        #expect(partitions.count >= Self.partitioned.count * 2)
        #expect(partitions.allSatisfy { $0.hasSuffix("|true|true|0") }, "\(partitions.filter { !$0.hasSuffix("|true|true|0") })")
        let unprotected = try await database.strings("""
            SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind = 'p' AND NOT (c.relforcerowsecurity AND EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid))
            """)
        #expect(unprotected.isEmpty, "partitioned tables without forced row-level security: \(unprotected)")
    }

    @Test func convertingKeepsEveryRowItsKeysAndTheWallBetweenTenants() async throws {
        let database = try await TestDatabase.create()
        let db = Database(settings: database.settings(for: .inventorySync), logger: TestEnvironment.logger)
        let tenantA = UUID(), tenantB = UUID(), connectionA = UUID(), connectionB = UUID()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await db.client.run() }
            defer { group.cancelAll() }
            _ = try await PlatformMigrations.migrator().apply(on: db)
            let migrators = try InventorySyncService.migrators()
            let conversion = try #require(migrators.flatMap(\.migrations).first { $0.name.contains("partition_by_tenant") })
            // The schema as it was before the conversion, with two sellers' rows.
            for migrator in migrators {
                _ = try await Migrator(schema: migrator.schema, migrations: migrator.migrations.filter { $0.version < conversion.version },
                                       role: migrator.role).apply(on: db)
            }
            #expect(try await database.count("SELECT count(*) FROM pg_partitioned_table") == 0, "not partitioned yet")
            for (tenant, connection) in [(tenantA, connectionA), (tenantB, connectionB)] {
                try await db.withTransaction(tenant: tenant) { connection_ in
                    try await connection_.query("""
                        INSERT INTO amazon.orders (tenant_id, connection_id, marketplace_id, amazon_order_id, order_status)
                        SELECT \(tenant), \(connection), 'ATVPDKIKX0DER', '111-' || lpad(n::text, 7, '0') || '-0000001', 'Shipped'
                        FROM generate_series(1, 300) AS n
                        """, logger: TestEnvironment.logger)
                }
            }
            let before = try await database.strings("SELECT md5(string_agg(o::text, ',' ORDER BY amazon_order_id, tenant_id)) FROM amazon.orders o")

            for migrator in migrators { _ = try await migrator.apply(on: db) }

            #expect(try await database.count("SELECT count(*) FROM pg_partitioned_table") == 22)
            #expect(try await database.strings("SELECT md5(string_agg(o::text, ',' ORDER BY amazon_order_id, tenant_id)) FROM amazon.orders o") == before,
                    "every row kept, every value the same")
            // Each seller sees its own 300 through the parent, and nothing by naming a partition.
            let seen = try await db.withTransaction(tenant: tenantA) { connection in
                var counts: [Int64] = []
                for try await value in try await connection.query("SELECT count(*) FROM amazon.orders", logger: TestEnvironment.logger).decode(Int64.self) { counts.append(value) }
                for partition in 0..<TestDatabase.tenantPartitions {
                    let name = "amazon.orders_p\(partition)"
                    for try await value in try await connection.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(name)"), logger: TestEnvironment.logger)
                        .decode(Int64.self) { counts.append(value) }
                }
                return counts
            }
            #expect(seen == [300] + Array(repeating: 0, count: TestDatabase.tenantPartitions))
            // The natural key still holds within a seller; the same order id at another seller is another row.
            await #expect(throws: PSQLError.self) {
                try await db.withTransaction(tenant: tenantA) { connection in
                    try await connection.query("""
                        INSERT INTO amazon.orders (tenant_id, connection_id, marketplace_id, amazon_order_id)
                        VALUES (\(tenantA), \(connectionA), 'ATVPDKIKX0DER', '111-0000001-0000001')
                        """, logger: TestEnvironment.logger)
                }
            }
            // A seller cannot write a row as another (the policy's WITH CHECK, through the parent).
            await #expect(throws: PSQLError.self) {
                try await db.withTransaction(tenant: tenantA) { connection in
                    try await connection.query("""
                        INSERT INTO amazon.orders (tenant_id, connection_id, marketplace_id, amazon_order_id)
                        VALUES (\(tenantB), \(connectionB), 'ATVPDKIKX0DER', '111-9999999-0000001')
                        """, logger: TestEnvironment.logger)
                }
            }
            // Converting again changes nothing.
            try await database.withSuperuser { connection in
                _ = try await connection.query("SELECT platform.partition_by_tenant('amazon.orders')", logger: TestEnvironment.logger)
            }
            #expect(try await database.count("SELECT count(*) FROM amazon.orders") == 600)
        }
    }
}
