import Foundation
import OpsideCore
import OpsidePostgres
import OpsideTesting
import Payments
import Testing

/// payments served for real (its `buildApplication`, on a port, against PostgreSQL): the route
/// answers the tenant its service token names, in the suite's JSON style, and the same 404
/// envelope for a tenant without an account as for any unknown thing.
@Suite struct BillingAccountsControllerTests {
    @Test func theRouteAnswersTheCallersTenantOnly() async throws {
        let database = try await TestDatabase.create()
        let payments = try await RunningService.start(.payments, database: database)
        defer { Task { await payments.stop() } }
        let tenant = UUID()
        let db = Database(settings: database.settings(for: .payments), logger: TestEnvironment.logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await db.client.run() }
            defer { group.cancelAll() }
            _ = try await BillingAccountsPostgresRepository(database: db, logger: TestEnvironment.logger)
                .createIfMissing(tenantId: tenant, companyName: "Acme Goods", billingEmail: "owner@acme.test", sourceEventId: UUID())
        }

        let authority = await ServiceTokenAuthority(secret: TestEnvironment.serviceTokenSecret, service: .mainAPI)
        func get(as caller: UUID?) async throws -> TestHTTP.Reply {
            let token = try await authority.token(for: .payments, tenantID: caller)
            return try await TestHTTP.request(.GET, payments.baseURL + "/internal/billing-account",
                                              headers: ["authorization": "Bearer \(token)"])
        }

        let mine = try await get(as: tenant)
        #expect(mine.status == 200, "\(mine.text)")
        #expect(mine.text.contains(#""tenantId":"\#(tenant.uuidString.lowercased())""#), "lowercase ids: \(mine.text)")
        let account = try (try mine.json()["account"] as? [String: Any]).unwrap("account")
        #expect(account["companyName"] as? String == "Acme Goods")

        let other = try await get(as: UUID())
        #expect(other.status == 404)
        #expect((try other.json()["error"] as? [String: Any])?["code"] as? String == "not_found", "\(other.text)")

        let anonymous = try await TestHTTP.request(.GET, payments.baseURL + "/internal/billing-account")
        #expect(anonymous.status == 401)
    }
}
