import Foundation
import OpsideCore
import OpsidePostgres
import PostgresNIO
import Testing

/// Row-level security keeps tenants apart even when a query forgets its tenant filter.
@Suite struct TenantIsolationTests {
    @Test func aQueryWithoutTenantFilterSeesOnlyItsOwnTenant() async throws {
        let database = try await TestDatabase.create()
        // Boot payments once so its migrations create the table, as in production.
        let payments = try await RunningService.start(.payments, database: database)
        await payments.stop()

        let db = Database(settings: database.settings(for: .payments), logger: TestEnvironment.logger)
        let tenantA = UUID()
        let tenantB = UUID()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await db.client.run() }
            for (tenant, name) in [(tenantA, "Alpha"), (tenantB, "Beta")] {
                _ = try await db.withTransaction(tenant: tenant) { connection in
                    try await connection.query("""
                        INSERT INTO payments.billing_accounts (tenant_id, company_name, billing_email, source_event_id)
                        VALUES (\(tenant), \(name), 'owner@example.test', \(UUID()))
                        """, logger: TestEnvironment.logger)
                }
            }
            let seenByA: [String] = try await db.withTransaction(tenant: tenantA) { connection in
                // Deliberately no WHERE tenant_id: the database must filter.
                let rows = try await connection.query("SELECT company_name FROM payments.billing_accounts", logger: TestEnvironment.logger)
                var names: [String] = []
                for try await name in rows.decode(String.self) { names.append(name) }
                return names
            }
            #expect(seenByA == ["Alpha"])

            let seenWithoutTenant: Int = try await db.withTransaction { connection in
                let rows = try await connection.query("SELECT count(*) FROM payments.billing_accounts", logger: TestEnvironment.logger)
                for try await count in rows.decode(Int64.self) { return Int(count) }
                return -1
            }
            #expect(seenWithoutTenant == 0, "no tenant set means no rows, not all rows")

            await #expect(throws: PSQLError.self, "writing another tenant's row is refused") {
                try await db.withTransaction(tenant: tenantA) { connection in
                    try await connection.query("""
                        INSERT INTO payments.billing_accounts (tenant_id, company_name, billing_email, source_event_id)
                        VALUES (\(tenantB), 'Intruder', 'x@example.test', \(UUID()))
                        """, logger: TestEnvironment.logger)
                }
            }
            let updated: Int = try await db.withTransaction(tenant: tenantA) { connection in
                let rows = try await connection.query("UPDATE payments.billing_accounts SET status = 'suspended' WHERE tenant_id = \(tenantB) RETURNING 1",
                                                      logger: TestEnvironment.logger)
                var count = 0
                for try await _ in rows { count += 1 }
                return count
            }
            #expect(updated == 0, "another tenant's row cannot be updated either")
            group.cancelAll()
        }
        #expect(try await database.count("SELECT count(*) FROM payments.billing_accounts WHERE status = 'suspended'") == 0)
        #expect(try await database.count("SELECT count(*) FROM pg_roles WHERE rolname = 'opside_payments' AND (rolsuper OR rolbypassrls)") == 0,
                "the service role is neither superuser nor exempt from RLS")
    }

    @Test func everyTenantTableHasForcedRowLevelSecurity() async throws {
        let database = try await TestDatabase.create()
        for service in [OpsideService.mainAPI, .payments] {
            let running = try await RunningService.start(service, database: database)
            await running.stop()
        }
        let unprotected = try await database.count("""
            SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id'
            WHERE c.relkind = 'r' AND n.nspname NOT IN ('platform', 'pg_catalog', 'information_schema')
              AND NOT (c.relrowsecurity AND c.relforcerowsecurity)
            """)
        #expect(unprotected == 0, "every service table with tenant_id enforces RLS on its owner too")
        #expect(try await database.count("""
            SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname IN ('app', 'payments') AND c.relkind = 'r' AND c.relforcerowsecurity
            """) >= 3)
    }
}
