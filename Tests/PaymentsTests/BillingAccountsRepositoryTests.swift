import Foundation
import OpsideCore
import OpsideJobs
import OpsidePostgres
import OpsideTesting
import Payments
import Testing

/// The contract every `BillingAccountsRepository` keeps, run against both implementations: the
/// PostgreSQL one on a real, migrated database (as payments' own role, so row-level security
/// applies) and the in-memory one the handler and controller tests use. A rule the in-memory twin
/// got wrong, or SQL the twin hides, fails here.
@Suite struct BillingAccountsRepositoryTests {
    enum Implementation: String, CaseIterable, Sendable {
        case postgres, inMemory
    }

    /// Runs `body` with a fresh repository of `implementation`.
    static func withRepository(_ implementation: Implementation,
                               _ body: @Sendable (any BillingAccountsRepository) async throws -> Void) async throws {
        switch implementation {
        case .inMemory:
            try await body(BillingAccountsInMemoryRepository())
        case .postgres:
            let testDatabase = try await TestDatabase.create()
            let database = Database(settings: testDatabase.settings(for: .payments), logger: TestEnvironment.logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await database.client.run() }
                defer { group.cancelAll() }
                try await PlatformMigrations.migrator().apply(on: database)
                for migrator in try PaymentsService.migrators() { _ = try await migrator.apply(on: database) }
                try await body(BillingAccountsPostgresRepository(database: database, logger: TestEnvironment.logger))
            }
        }
    }

    @Test(arguments: Implementation.allCases)
    func anAccountIsOpenedOnceWhateverTheDeliveries(_ implementation: Implementation) async throws {
        try await Self.withRepository(implementation) { accounts in
            let tenant = UUID(), event = UUID()
            #expect(try await accounts.account(tenantId: tenant) == nil, "no account before the event")
            #expect(try await accounts.createIfMissing(tenantId: tenant, companyName: "Acme Goods", billingEmail: "owner@acme.test",
                                                       sourceEventId: event))
            // The same event again, and another event for the same tenant: nothing changes.
            #expect(try await !accounts.createIfMissing(tenantId: tenant, companyName: "Acme Goods", billingEmail: "owner@acme.test",
                                                        sourceEventId: event))
            #expect(try await !accounts.createIfMissing(tenantId: tenant, companyName: "Renamed", billingEmail: "other@acme.test",
                                                        sourceEventId: UUID()))
            let account = try #require(try await accounts.account(tenantId: tenant))
            #expect(account.tenantId == tenant)
            #expect(account.companyName == "Acme Goods")
            #expect(account.billingEmail == "owner@acme.test")
            #expect(account.currency == "USD")
            #expect(account.commissionBasisPoints == BillingAccount.defaultCommissionBasisPoints)
            #expect(account.status == "pending_payment_method")
        }
    }

    @Test(arguments: Implementation.allCases)
    func aTenantSeesOnlyItsOwnAccount(_ implementation: Implementation) async throws {
        try await Self.withRepository(implementation) { accounts in
            let first = UUID(), second = UUID()
            _ = try await accounts.createIfMissing(tenantId: first, companyName: "First", billingEmail: "a@first.test", sourceEventId: UUID())
            #expect(try await accounts.account(tenantId: second) == nil)
            _ = try await accounts.createIfMissing(tenantId: second, companyName: "Second", billingEmail: "b@second.test", sourceEventId: UUID())
            #expect(try await accounts.account(tenantId: first)?.companyName == "First")
            #expect(try await accounts.account(tenantId: second)?.companyName == "Second")
        }
    }
}
