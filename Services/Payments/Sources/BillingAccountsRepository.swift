import Foundation

/// Where billing accounts live. The service is written against this protocol; it has a
/// PostgreSQL implementation (production, tested against the real database) and an in-memory
/// one (for tests of the code around it), and both pass the same contract tests.
public protocol BillingAccountsRepository: Sendable {
    /// Creates the account unless the tenant has one; a replayed event changes nothing.
    /// - Returns: true when this call created it.
    func createIfMissing(tenantId: UUID, companyName: String, billingEmail: String, sourceEventId: UUID) async throws -> Bool
    /// The tenant's account, or nil before `tenant.created` has been handled.
    func account(tenantId: UUID) async throws -> BillingAccount?
}
