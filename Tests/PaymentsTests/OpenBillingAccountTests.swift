import Foundation
import Logging
import OpsideEvents
import OpsideTesting
import Payments
import Testing

/// payments' `tenant.created` consumer, with the in-memory repository: the handler's own logic
/// (what it reads from the event, that a replay is harmless), no database needed.
@Suite struct OpenBillingAccountTests {
    @Test func aNewTenantGetsItsBillingAccountAndAReplayChangesNothing() async throws {
        let accounts = BillingAccountsInMemoryRepository()
        let handler = OpenBillingAccount(accounts: accounts)
        let tenant = TenantCreated(tenantId: UUID(), name: "Acme Goods", ownerUserId: UUID(), ownerEmail: "owner@acme.test")
        let event = UUID()

        #expect(try await handler.handle(tenant, eventId: event, logger: TestEnvironment.logger))
        #expect(try await !handler.handle(tenant, eventId: event, logger: TestEnvironment.logger), "a second delivery opens nothing")
        let account = try #require(try await accounts.account(tenantId: tenant.tenantId))
        #expect(account.companyName == "Acme Goods")
        #expect(account.billingEmail == "owner@acme.test")
    }
}
