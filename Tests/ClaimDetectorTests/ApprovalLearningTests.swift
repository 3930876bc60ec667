import ClaimDetector
import Foundation
import OpsideCore
import OpsideEvents
import OpsideJobs
import OpsidePostgres
import OpsideTransport
import OpsideTesting
import Testing

/// claim-detector learning from refund-engine's cases: outcomes recorded per claim (a late event
/// never undoes a newer one, a tenant cannot write on another's claim), the model trained on every
/// tenant's decided cases, claims scored with their own seller's record only, and, through the
/// running service, `case.status_changed` consumed, the first decision training at once and the
/// daily training run by the injected clock.
@Suite struct ApprovalLearningTests {
    static let lossDay = CivilDate(year: 2026, month: 9, day: 1)

    static func change(_ claim: Claim, to status: String, filedAt: Date? = nil, evidence: Bool? = nil) -> CaseStatusChanged {
        CaseStatusChanged(caseId: UUID(), connectionId: claim.connectionId, claimId: claim.id, claimType: claim.type.rawValue,
                          fromStatus: "filed", toStatus: status, actor: "amazon", reason: "decided", amountClaimed: claim.amount,
                          amazonCaseId: "1234567890", filedAt: filedAt, evidencePresent: evidence)
    }

    /// Detects the scripted claims of a new tenant's connection and returns them by reference.
    static func claims(_ stack: ClaimStack, _ make: (UUID) -> [DetectedClaim]) async throws -> (tenant: UUID, claims: [String: Claim]) {
        let tenant = UUID(), connection = UUID()
        try await stack.seed(tenant: tenant, connection: connection)
        stack.detector.script(connection, make(connection))
        try await stack.parts.detection.detect(tenant: tenant, connection: connection, asOf: lossDay.adding(days: 40), trigger: .api)
        let (claims, _) = try await stack.parts.store.list(tenant: tenant, query: ClaimListQuery())
        return (tenant, Dictionary(uniqueKeysWithValues: claims.map { ($0.sourceIds[$0.type.primarySource.rawValue] ?? "", $0) }))
    }

    @Test func outcomesAreRecordedPerClaimTrainedOnAndScoredWithTheSellersOwnRecord() async throws {
        try await ClaimStack.with { stack in
            let approval = stack.parts.approval
            let (shop, mine) = try await Self.claims(stack) { c in [
                Claims.lost(c, reference: "L1", on: Self.lossDay), Claims.lost(c, reference: "L2", on: Self.lossDay),
                Claims.lost(c, reference: "S1", on: Self.lossDay, type: .inboundShortage),
                Claims.lost(c, reference: "S2", on: Self.lossDay, type: .inboundShortage),
            ] }
            let (other, theirs) = try await Self.claims(stack) { c in [Claims.lost(c, reference: "O1", on: Self.lossDay)] }
            let l1 = try #require(mine["L1"]), s1 = try #require(mine["S1"]), o1 = try #require(theirs["O1"])
            let t0 = Date()
            let filed = Self.lossDay.adding(days: 35).utcMidnight

            #expect(try await approval.record(Self.change(l1, to: "approved", filedAt: filed, evidence: true), tenant: shop, occurredAt: t0))
            // Redelivered late: an older denial changes nothing.
            #expect(try await approval.record(Self.change(l1, to: "denied"), tenant: shop, occurredAt: t0.addingTimeInterval(-60)))
            #expect(try await approval.record(Self.change(s1, to: "denied", filedAt: filed, evidence: false), tenant: shop, occurredAt: t0))
            #expect(try await approval.record(Self.change(o1, to: "paid", filedAt: filed, evidence: true), tenant: other, occurredAt: t0))
            // A change naming another tenant's claim is not written anywhere.
            #expect(try await !approval.record(Self.change(o1, to: "denied"), tenant: shop, occurredAt: t0.addingTimeInterval(60)))
            #expect(try await stack.database.strings("""
                SELECT claim_type || ' ' || status || ' ' || approved::text || ' ' || evidence_present::text
                FROM claims.case_outcomes ORDER BY claim_type, status
                """) == ["inbound_shortage denied 0 false", "warehouse_lost approved 1 true", "warehouse_lost paid 1 true"])

            let model = try await approval.train()
            #expect(model.examples == 3 && model.approvedExamples == 2 && model.calibrationMethod.hasPrefix("in-sample"))
            let current = try await approval.current()
            #expect(current.modelId == model.modelId && current.weights == model.weights, "the stored model is the one claims are scored with")

            let mineNow = try await approval.estimates(tenant: shop, claims: Array(mine.values))
            let history = try #require(mineNow[l1.id]?.factors.first { $0.feature == "sellerHistory" })
            #expect(history.value == "1 of 2 earlier cases approved", "the shop's own two decisions, not the other seller's")
            let evidence = { (ref: String) in mineNow[mine[ref]!.id]?.factors.first { $0.feature == "evidencePresent" }?.value }
            #expect(evidence("S1") == "no" && evidence("S2") == "no" && evidence("L2") == "yes",
                    "a shortage without its documents lacks evidence; a lost unit needs none")
            #expect(mineNow.values.allSatisfy { $0.modelTrainedAt != nil && $0.modelExamples == 3 })
            let theirsNow = try await approval.estimates(tenant: other, claims: [o1])
            #expect(theirsNow[o1.id]?.factors.first { $0.feature == "sellerHistory" }?.value == "1 of 1 earlier cases approved")
        }
    }

    @Test func theServiceLearnsFromCaseEventsAndRetrainsAtTheDailyTick() async throws {
        let database = try await ClaimStack.migrated()
        // A minute before the 05:30 UTC training tick.
        let tick = CivilDate(year: 2026, month: 10, day: 20).utcMidnight.addingTimeInterval(5.5 * 3600)
        let clock = ManualWallClock(tick.addingTimeInterval(-60))
        let (tenant, claims) = try await ClaimStack.with(database: database) { stack in
            try await Self.claims(stack) { c in [Claims.lost(c, reference: "L1", on: Self.lossDay), Claims.lost(c, reference: "L2", on: Self.lossDay)] }
        }
        let claim = try #require(claims["L1"]), second = try #require(claims["L2"])
        let claimDetector = try await RunningService.start(.claimDetector, database: database, clocks: ServiceClocks(wall: clock))
        defer { Task { await claimDetector.stop() } }

        // refund-engine announces decisions from its own transaction, as it does.
        let filed = Self.lossDay.adding(days: 31).utcMidnight
        func announce(_ change: CaseStatusChanged) async throws {
            let refundEngine = Database(settings: database.settings(for: .refundEngine), logger: TestEnvironment.logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await refundEngine.client.run() }
                defer { group.cancelAll() }
                let outbox = EventOutbox(producer: .refundEngine, redis: nil, logger: TestEnvironment.logger)
                try await refundEngine.withTransaction(tenant: tenant) { db in
                    _ = try await outbox.publish(change, tenantId: tenant, on: db)
                }
            }
        }
        try await announce(Self.change(claim, to: "approved", filedAt: filed, evidence: true))
        #expect(try await eventually(timeout: .seconds(30)) {
            try await database.count("SELECT count(*) FROM claims.approval_models WHERE examples = 1") == 1
        }, "the first decision of an installation with no model trains one at once")
        #expect(try await database.count("SELECT count(*) FROM claims.case_outcomes WHERE approved = 1") == 1)

        // The next decision waits for the daily tick: the model is not a day old, and one more
        // decided case is not the growth (a fifth, at least ten) that retrains it sooner.
        try await announce(Self.change(second, to: "denied", filedAt: filed, evidence: true))
        #expect(try await eventually(timeout: .seconds(30)) {
            try await database.count("SELECT count(*) FROM claims.case_outcomes WHERE approved = 0") == 1
        }, "the consumer recorded the denial")
        #expect(try await database.count("SELECT count(*) FROM claims.approval_models") == 1, "no training before the tick")
        clock.advance(by: 120)
        #expect(try await eventually(timeout: .seconds(30)) {
            try await database.count("SELECT count(*) FROM claims.approval_models WHERE examples = 2") == 1
        }, "the tick retrained on both decided cases")

        // The service reads token times by its injected clock.
        let token = try await ServiceTokenAuthority(secret: TestEnvironment.serviceTokenSecret, service: .mainAPI, now: { clock.now })
            .token(for: .claimDetector, tenantID: tenant)
        let one = try await TestHTTP.request(.GET, claimDetector.baseURL + "/internal/claims/\(claim.id.uuidString.lowercased())",
                                             headers: ["authorization": "Bearer \(token)"])
        #expect(one.status == 200, "\(one.text)")
        let approval = try #require(try one.json()["claim"] as? [String: Any])["approval"] as? [String: Any]
        #expect(approval?["modelExamples"] as? Int == 2 && (approval?["factors"] as? [Any])?.count == 6, "\(one.text)")
        let model = try await TestHTTP.request(.GET, claimDetector.baseURL + "/internal/claims/approval-model",
                                               headers: ["authorization": "Bearer \(token)"])
        let examples = (try model.json()["model"] as? [String: Any])?["examples"] as? Int
        #expect(model.status == 200 && examples == 2, "\(model.text)")
    }
}
