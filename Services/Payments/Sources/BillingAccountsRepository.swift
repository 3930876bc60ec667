import Foundation
import Logging
import OpsidePostgres
import PostgresNIO

/// A tenant's billing account as payments keeps it.
public struct BillingAccount: Codable, Sendable, Equatable {
    public let tenantID: UUID
    public let companyName: String
    public let billingEmail: String
    public let currency: String
    public let commissionBasisPoints: Int
    public let status: String
    public let createdAt: Date

    /// The suite's JSON style: `Id`, never `ID`.
    enum CodingKeys: String, CodingKey {
        case tenantID = "tenantId", companyName, billingEmail, currency, commissionBasisPoints, status, createdAt
    }
}

public protocol BillingAccountsRepository: Sendable {
    /// Creates the account unless the tenant has one; a replayed event changes nothing.
    /// - Returns: true when this call created it.
    func createIfMissing(tenantID: UUID, companyName: String, billingEmail: String, sourceEventID: UUID) async throws -> Bool
    func account(tenantID: UUID) async throws -> BillingAccount?
}

public struct BillingAccountsPostgresRepository: BillingAccountsRepository {
    let database: Database
    let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    public func createIfMissing(tenantID: UUID, companyName: String, billingEmail: String, sourceEventID: UUID) async throws -> Bool {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenantID) { connection in
            let rows = try await connection.query("""
                INSERT INTO payments.billing_accounts (tenant_id, company_name, billing_email, source_event_id)
                VALUES (\(tenantID), \(companyName), \(billingEmail), \(sourceEventID))
                ON CONFLICT DO NOTHING RETURNING 1
                """, logger: logger)
            for try await _ in rows { return true }
            return false
        }
    }

    public func account(tenantID: UUID) async throws -> BillingAccount? {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenantID) { connection in
            let rows = try await connection.query("""
                SELECT tenant_id, company_name, billing_email, currency, commission_bps, status, created_at
                FROM payments.billing_accounts WHERE tenant_id = \(tenantID)
                """, logger: logger)
            for try await (tenant, name, email, currency, bps, status, created) in rows.decode(
                (UUID, String, String, String, Int32, String, Date).self) {
                return BillingAccount(tenantID: tenant, companyName: name, billingEmail: email, currency: currency,
                                      commissionBasisPoints: Int(bps), status: status, createdAt: created)
            }
            return nil
        }
    }
}
