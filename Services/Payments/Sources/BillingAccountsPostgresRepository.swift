import Foundation
import Logging
import OpsidePostgres
import PostgresNIO

/// Billing accounts in `payments.billing_accounts`. Every statement runs in a transaction
/// scoped to the tenant (`SET LOCAL opside.tenant_id`), so row-level security, not the query,
/// decides what a tenant can see.
public struct BillingAccountsPostgresRepository: BillingAccountsRepository {
    let database: Database
    let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    public func createIfMissing(tenantId: UUID, companyName: String, billingEmail: String, sourceEventId: UUID) async throws -> Bool {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenantId) { connection in
            let rows = try await connection.query("""
                INSERT INTO payments.billing_accounts (tenant_id, company_name, billing_email, source_event_id)
                VALUES (\(tenantId), \(companyName), \(billingEmail), \(sourceEventId))
                ON CONFLICT DO NOTHING RETURNING 1
                """, logger: logger)
            for try await _ in rows { return true }
            return false
        }
    }

    public func account(tenantId: UUID) async throws -> BillingAccount? {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenantId) { connection in
            let rows = try await connection.query("""
                SELECT tenant_id, company_name, billing_email, currency, commission_bps, status, created_at
                FROM payments.billing_accounts WHERE tenant_id = \(tenantId)
                """, logger: logger)
            for try await (tenant, name, email, currency, bps, status, created) in rows.decode(
                (UUID, String, String, String, Int32, String, Date).self) {
                return BillingAccount(tenantId: tenant, companyName: name, billingEmail: email, currency: currency,
                                      commissionBasisPoints: Int(bps), status: status, createdAt: created)
            }
            return nil
        }
    }
}
