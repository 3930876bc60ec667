import ClaimDetector
import CostDocs
import EvidenceEngine
import Foundation
import Integrations
import InventorySync
import MainAPI
import MCDE
import OpsideCore
import OpsideJobs
import OpsidePostgres
import OpsideTesting
import Payments
import PostgresNIO
import RefundEngine
import TestRunner
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

    /// Tables without a `tenant_id` column, each with the reason it needs none. A new table
    /// without `tenant_id` fails the check below until it is added here with its reason.
    static let tablesWithoutTenantColumn: [String: String] = [
        // Every schema's migration bookkeeping (`Migrator`): versions applied, no seller data.
        "*.schema_migrations": "migration versions",
        // Tenants themselves: the row is the tenant; its policy compares `id` (forced RLS, checked below).
        "app.tenants": "keyed by the tenant's own id",
        // A person's identity spans tenants (an agency's staff); what they see is decided by
        // `app.memberships`, which are tenant rows.
        "app.users": "identities across tenants",
        "app.refresh_tokens": "a person's sign-in's tokens (hashes), reached through app.session_families",
        "app.password_resets": "a person's password-reset links (hashes), like app.users",
        "app.notification_preferences": "a person's choice of notification e-mail, the same in every tenant, like app.users",
        // Stripe's webhooks arrive before anyone knows whose they are (Stripe names its own
        // objects, not our tenants); processing finds the tenant from the event's object. Only
        // payments reads it.
        "payments.stripe_events": "Stripe's events as delivered, before they are attributed to a tenant",
        // Amazon's notifications arrive the same way: SQS names a seller, not a tenant. integrations
        // keeps which notifications it took in (to take each once) and which it refused; the
        // tenants' copies (`notification_deliveries`) are tenant rows.
        "integrations.amazon_notifications": "Amazon's notifications as taken in, before they are routed to tenants",
        "integrations.notification_rejections": "messages refused as no notification of ours, with the reason, for operators",
        // The job queue's leader lease and cron de-duplication: per service, not per tenant.
        "platform.queue_leaders": "per-service leader lease",
        "platform.cron_ticks": "per-service cron ticks",
        // claim-detector's approval models: weights and calibration learned from every tenant's
        // decided cases, the suite's and no tenant's; no row names a tenant or a claim.
        "claims.approval_models": "one model of the whole suite, weights only",
        // test-runner's runs of its suites against the deployment: operators' data, no seller's
        // (the probe sellers it signs in as are named by e-mail, never by tenant).
        "testruns.runs": "runs of the scenario suites, the deployment's, no tenant's",
        "testruns.results": "the cases of those runs",
    ]

    /// Tables that carry `tenant_id` but are read across tenants by design, without RLS.
    static let tenantTablesWithoutRowLevelSecurity: [String: String] = [
        // The job queue and the outbox: workers and the relay claim work of every tenant; a job's
        // tenant is carried into the handler, which sets it for its own transactions.
        "platform.jobs": "the queue serves every tenant",
        "platform.outbox": "the relay serves every tenant",
        // A person's sign-in, like app.users: its tenant_id is the tenant the sign-in works in
        // now, which an agency's staff switch between; main-api checks the membership.
        "app.session_families": "a person's sign-ins across the tenants they belong to",
    ]

    /// Every schema any service's migrations create, tables discovered from the catalog
    /// (`pg_class`), so a table is covered the day its migration appears.
    @Test func everyTenantTableOfEverySchemaHasForcedRowLevelSecurity() async throws {
        let database = try await Self.migratedByEveryService()
        // schema.table|has tenant_id|row security|forced
        let tables = try await database.strings("""
            SELECT n.nspname || '.' || c.relname || '|' || EXISTS (
                       SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)::text
                   || '|' || c.relrowsecurity::text || '|' || c.relforcerowsecurity::text
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
            """).map { $0.split(separator: "|").map(String.init) }
        let schemas = Set(tables.map { $0[0].split(separator: ".")[0] })
        #expect(schemas.isSuperset(of: ["platform", "app", "integrations", "payments", "amazon"]), "every service migrated: \(schemas.sorted())")
        var checked = 0
        for row in tables {
            let (name, hasTenant, secured, forced) = (row[0], row[1] == "true", row[2] == "true", row[3] == "true")
            let wildcard = "*." + name.split(separator: ".")[1]
            if hasTenant {
                if Self.tenantTablesWithoutRowLevelSecurity[name] != nil { continue }
                #expect(secured && forced, "\(name) has tenant_id but not FORCE ROW LEVEL SECURITY")
                checked += 1
            } else {
                let allowed = Self.tablesWithoutTenantColumn[name] ?? Self.tablesWithoutTenantColumn[wildcard]
                #expect(allowed != nil, "\(name) has no tenant_id and is not on the allow-list (say why it needs none)")
            }
        }
        #expect(checked >= 30, "the tenant tables of every schema were checked (\(checked))")
        #expect(tables.contains { $0[0] == "app.tenants" && $0[2] == "true" && $0[3] == "true" }, "tenants are protected by their id")
        let names = Set(tables.map { $0[0] })
        let stale = (Array(Self.tablesWithoutTenantColumn.keys) + Array(Self.tenantTablesWithoutRowLevelSecurity.keys))
            .filter { !$0.hasPrefix("*.") && !names.contains($0) }
        #expect(stale.isEmpty, "allow-list entries for tables that no longer exist: \(stale)")
    }

    /// A fresh database migrated by every service, each as its own role, as production's is.
    static func migratedByEveryService() async throws -> TestDatabase {
        let database = try await TestDatabase.create()
        for service in OpsideService.allCases {
            let db = Database(settings: database.settings(for: service), logger: TestEnvironment.logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await db.client.run() }
                _ = try await PlatformMigrations.migrator().apply(on: db)
                for migrator in try Self.migrators(of: service) { _ = try await migrator.apply(on: db) }
                group.cancelAll()
            }
        }
        return database
    }

    /// Each service's migrations, as its `buildApplication` applies them. A new service is a
    /// compile error here until its migrations are listed.
    static func migrators(of service: OpsideService) throws -> [Migrator] {
        switch service {
        case .mainAPI: try MainAPIService.migrators()
        case .integrations: try IntegrationsService.migrators()
        case .payments: try PaymentsService.migrators()
        case .costDocs: try CostDocsService.migrators()
        case .refundEngine: try RefundEngineService.migrators()
        case .mcde: try MCDEService.migrators()
        case .claimDetector: try ClaimDetectorService.migrators()
        case .evidenceEngine: try EvidenceEngineService.migrators()
        case .inventorySync: try InventorySyncService.migrators()
        case .testRunner: try TestRunnerService.migrators()
        }
    }
}
