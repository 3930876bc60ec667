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
    /// The plan a new account starts with (`billing.defaultCommissionBasisPoints`, `billing.defaultCollection`).
    let commissionBasisPoints: Int
    let collection: CommissionCollection

    public init(database: Database, logger: Logger, commissionBasisPoints: Int = BillingAccount.defaultCommissionBasisPoints,
                collection: CommissionCollection = .monthlyInvoice) {
        self.database = database
        self.logger = logger
        self.commissionBasisPoints = commissionBasisPoints
        self.collection = collection
    }

    public func createIfMissing(tenantId: UUID, companyName: String, billingEmail: String, sourceEventId: UUID) async throws -> Bool {
        let logger = self.logger
        let rate = Int32(commissionBasisPoints), collection = self.collection.rawValue
        return try await database.withTransaction(tenant: tenantId) { connection in
            let rows = try await connection.query("""
                INSERT INTO payments.billing_accounts (tenant_id, company_name, billing_email, source_event_id, commission_bps, collection)
                VALUES (\(tenantId), \(companyName), \(billingEmail), \(sourceEventId), \(rate), \(collection))
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
