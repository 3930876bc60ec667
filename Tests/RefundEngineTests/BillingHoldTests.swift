import Foundation
import OpsideEvents
import OpsideJobs
import OpsideTesting
import Testing

/// A tenant past due on Opside's invoices files no new case (payments' `billing.standing_changed`,
/// through the relay): the filing settings say why, a filing pass holds the ready cases, and
/// paying resumes filing. An announcement older than the one kept changes nothing.
@Suite(.serialized) struct BillingHoldTests {
    @Test func aPastDueTenantFilesNothingUntilItPaysAndAnOlderAnnouncementChangesNothing() async throws {
        let database = try await TestDatabase.create()
        let suite = try await CaseSuite.start(database: database)
        defer { Task { await suite.stop() } }
        let tenant = UUID()
        let (_, connection) = try await suite.connectSeller(seed: 1501, skus: 6, tenant: tenant)
        try await suite.setFiling(tenant: tenant, continuous: false, channel: "sandbox")
        try await suite.sync(tenant: tenant, connection: connection)
        try await suite.settleClaims(tenant: tenant, connection: connection)
        let ready = try await suite.cases(tenant: tenant, query: "status=ready")
        #expect(!ready.isEmpty, "the seller has cases to file")

        let outbox = EventOutbox(producer: .payments, redis: nil, logger: TestEnvironment.logger)
        func announce(_ standing: String, at: Date) async throws {
            _ = try await database.withSuperuser { connection in
                try await outbox.publish(BillingStandingChanged(standing: standing, reason: standing == "past_due" ? "invoice INV-0001 is unpaid" : nil,
                                                                changedAt: at), tenantId: tenant, on: connection)
            }
        }
        @Sendable func hold() async throws -> String? {
            (try await suite.json(.GET, "/internal/filing", tenant: tenant)["filing"] as? [String: Any])?["billingHold"] as? String
        }
        let start = Date()
        try await announce("past_due", at: start)
        try await suite.waitFor("the hold") { try await hold() != nil }
        #expect(try await hold() == "invoice INV-0001 is unpaid")
        let held = try await suite.json(.POST, "/internal/cases/file", tenant: tenant)["pass"] as? [String: Any] ?? [:]
        #expect(held["filed"] as? Int == 0 && held["heldForBilling"] as? Int == ready.count, "\(held)")

        try await announce("good", at: start.addingTimeInterval(60))
        try await suite.waitFor("the hold lifted") { try await hold() == nil }
        // An older past_due delivered late is not the tenant's standing.
        try await announce("past_due", at: start.addingTimeInterval(30))
        try await suite.waitFor("the late announcement handled") {
            try await database.count("SELECT count(*) FROM platform.jobs WHERE kind = 'refund-engine.billing-standing' AND state = 'completed'") == 3
        }
        #expect(try await hold() == nil)
        let filed = try await suite.json(.POST, "/internal/cases/file", tenant: tenant)["pass"] as? [String: Any] ?? [:]
        #expect((filed["filed"] as? Int ?? 0) > 0 && filed["heldForBilling"] as? Int == 0, "\(filed)")
    }
}
