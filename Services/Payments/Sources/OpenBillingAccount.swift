import Foundation
import Logging
import OpsideEvents
import OpsideJobs

/// payments' consumer of `tenant.created`: opens the new tenant's billing account. Delivery is
/// at least once, so it is idempotent: a second delivery finds the account and changes nothing.
public struct OpenBillingAccount: Sendable {
    let accounts: any BillingAccountsRepository

    public init(accounts: any BillingAccountsRepository) {
        self.accounts = accounts
    }

    /// Registers the handler for the consumer `EventConsumers.openBillingAccount` declares.
    public func register(in jobs: inout JobRegistry) {
        jobs.consume(EventConsumers.openBillingAccount) { tenant, event, context in
            try await handle(tenant, eventId: event.id, logger: context.logger)
        }
    }

    /// - Returns: true when this delivery opened the account.
    @discardableResult
    public func handle(_ tenant: TenantCreated, eventId: UUID, logger: Logger) async throws -> Bool {
        let created = try await accounts.createIfMissing(
            tenantId: tenant.tenantId, companyName: tenant.name, billingEmail: tenant.ownerEmail, sourceEventId: eventId)
        logger.info(created ? "billing account created" : "billing account already existed",
                    metadata: ["tenant": "\(tenant.tenantId)", "event": "\(eventId)"])
        return created
    }
}
