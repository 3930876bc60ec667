import Foundation
import Logging
import OpsideEvents
import OpsideJobs

/// payments' consumer of `tenant.created`: opens the new tenant's billing account, and records
/// the partner who brought it when the owner gave a partner code at sign-up. Delivery is at
/// least once, so it is idempotent: a second delivery finds both and changes nothing.
public struct OpenBillingAccount: Sendable {
    let accounts: any BillingAccountsRepository
    /// Nil where only the account matters (the in-memory contract tests).
    let partners: PartnerStore?

    public init(accounts: any BillingAccountsRepository, partners: PartnerStore? = nil) {
        self.accounts = accounts
        self.partners = partners
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
        if let code = tenant.referralCode, !code.isEmpty, let partners {
            // An unknown code does not hold up the account: the seller can give it again on the
            // Billing page.
            let outcome = try await partners.attribute(sellerTenantId: tenant.tenantId, sellerName: tenant.name, code: code, source: "sign_up")
            logger.info("referral at sign-up", metadata: ["tenant": "\(tenant.tenantId)", "outcome": "\(outcome)"])
        }
        return created
    }
}
