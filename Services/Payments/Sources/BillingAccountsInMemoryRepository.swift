import Foundation
import Synchronization

/// Billing accounts in memory, for tests of the code that uses a `BillingAccountsRepository`
/// (the event handler, the controller) without a database. It keeps the PostgreSQL
/// implementation's rules: one account per tenant, and one per source event.
public final class BillingAccountsInMemoryRepository: BillingAccountsRepository {
    private let state = Mutex<(accounts: [UUID: BillingAccount], events: Set<UUID>)>(([:], []))
    private let now: @Sendable () -> Date

    public init(now: @escaping @Sendable () -> Date = Date.init) {
        self.now = now
    }

    public func createIfMissing(tenantId: UUID, companyName: String, billingEmail: String, sourceEventId: UUID) async throws -> Bool {
        let createdAt = now()
        return state.withLock { state in
            guard state.accounts[tenantId] == nil, !state.events.contains(sourceEventId) else { return false }
            state.accounts[tenantId] = BillingAccount(tenantId: tenantId, companyName: companyName, billingEmail: billingEmail,
                                                      createdAt: createdAt)
            state.events.insert(sourceEventId)
            return true
        }
    }

    public func account(tenantId: UUID) async throws -> BillingAccount? {
        state.withLock { $0.accounts[tenantId] }
    }
}
