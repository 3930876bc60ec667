import Foundation
import InventorySyncTesting
import OpsideCore
import OpsideTesting
import Testing

/// The desk answering 503 or too slowly: every claim still files once, after the waits, with the
/// same Amazon case behind every retry of one filing.
@Suite(.serialized) struct CaseDeskOutageTests {
    @Test func aDeskFailingOrTimingOutStillGetsEachClaimFiledExactlyOnce() async throws {
        let database = try await TestDatabase.create()
        let suite = try await CaseSuite.start(database: database, refundOverrides: ["filing.caseDeskTimeoutSeconds": "1"])
        let tenant = UUID()
        let (seller, connection) = try await suite.connectSeller(seed: 1302, skus: 10, tenant: tenant)
        try await suite.setFiling(tenant: tenant, continuous: false, channel: "sandbox")
        try await suite.sync(tenant: tenant, connection: connection)
        try await suite.settleClaims(tenant: tenant, connection: connection)
        let ready = try await suite.cases(tenant: tenant, query: "status=ready")
        #expect(ready.count >= 4, "the seller has cases to file (\(ready.count))")
        // Two filings answered 503, then one that the desk takes three seconds to answer: we give
        // up after one, but the desk opens the case anyway.
        try await suite.sandbox.admin(.PUT, "/_sandbox/faults", ["operations": ["sellerCentral.createCase"],
                                                                 "serverError": ["count": 2, "status": 503]])
        try await suite.sandbox.admin(.PUT, "/_sandbox/faults", ["operations": ["sellerCentral.createCase"],
                                                                 "slow": ["count": 1, "delayMilliseconds": 3000]])
        let first = try await suite.json(.POST, "/internal/cases/file", tenant: tenant)["pass"] as? [String: Any] ?? [:]
        #expect(first["retrying"] as? Int == 3, "\(first)")
        #expect(first["filed"] as? Int == ready.count - 3, "\(first)")
        var cases = try await suite.cases(tenant: tenant)
        let waiting = cases.filter { $0.status == "ready" && $0["nextAttemptAt"] != nil }
        #expect(waiting.allSatisfy { ($0["lastError"] as? String)?.isEmpty == false })
        #expect(waiting.allSatisfy { $0["attempts"] as? Int == 1 })
        // Nothing is retried before its wait ends...
        let early = try await suite.json(.POST, "/internal/cases/file", tenant: tenant)["pass"] as? [String: Any] ?? [:]
        #expect(early["filed"] as? Int == 0)
        // ...and everything files once it has.
        try await suite.advanceClock(days: 6.0 / 1440)
        _ = try await suite.json(.POST, "/internal/cases/file", tenant: tenant)
        // (An hourly sweep the clock passed may be filing beside the request: wait for both.)
        try await suite.waitFor("every case filed") {
            !(try await suite.cases(tenant: tenant)).contains { $0.status == "ready" || $0.status == "filing" || $0.status == "failed" }
        }
        cases = try await suite.cases(tenant: tenant)
        let filed = cases.compactMap { $0["amazonCaseId"] as? String }
        let desk = try await suite.deskCases(seller)
        #expect(desk.cases.count == filed.count, "the desk opened exactly one case per filed claim (\(desk.cases.count) vs \(filed.count))")
        #expect(Set(desk.cases.compactMap { $0["caseId"] as? String }) == Set(filed))
        for item in waiting {
            let history = try await suite.json(.GET, "/internal/cases/\(item["id"]!)", tenant: tenant)["case"] as? [String: Any] ?? [:]
            let reasons = (history["history"] as? [[String: Any]] ?? []).map { $0["reason"] as? String ?? "" }
            #expect(reasons.contains { $0.contains("attempt 1 failed") }, "the failure is in the case's history")
            #expect(history["status"] as? String == "filed")
        }
        let metrics = try await suite.json(.GET, "/internal/cases/metrics", tenant: tenant)["metrics"] as? [String: Any] ?? [:]
        #expect(metrics["missedDeadlines"] as? Int == 0)
        await suite.stop()
    }

    @Test func aCaseTheDeskKeepsRefusingIsFailedWithTheReasonAndCanBeRetried() async throws {
        let database = try await TestDatabase.create()
        let suite = try await CaseSuite.start(database: database, refundOverrides: ["filing.retryMinutes": "5"])
        let tenant = UUID()
        let (_, connection) = try await suite.connectSeller(seed: 1303, skus: 8, tenant: tenant)
        try await suite.setFiling(tenant: tenant, continuous: false, channel: "sandbox")
        try await suite.sync(tenant: tenant, connection: connection)
        try await suite.settleClaims(tenant: tenant, connection: connection)
        try await suite.sandbox.admin(.PUT, "/_sandbox/faults", ["operations": ["sellerCentral.createCase"],
                                                                 "serverError": ["count": 1000, "status": 503]])
        let first = try await suite.json(.POST, "/internal/cases/file", tenant: tenant)["pass"] as? [String: Any] ?? [:]
        #expect((first["retrying"] as? Int ?? 0) > 0 && first["filed"] as? Int == 0, "\(first)")
        // One retry allowed: the second failure fails the case, with the reason.
        try await suite.advanceClock(days: 6.0 / 1440)
        _ = try await suite.json(.POST, "/internal/cases/file", tenant: tenant)
        try await suite.waitFor("the second attempts") {
            !(try await suite.cases(tenant: tenant)).contains { $0.status == "ready" || $0.status == "filing" }
        }
        var cases = try await suite.cases(tenant: tenant)
        let failed = cases.filter { $0.status == "failed" }
        #expect(!failed.isEmpty && failed.count == cases.filter { $0["attempts"] as? Int == 2 }.count)
        #expect(failed.allSatisfy { ($0["lastError"] as? String)?.contains("503") == true })
        // The desk recovers; "retry failed" files them.
        try await suite.sandbox.admin(.DELETE, "/_sandbox/faults")
        let retried = try await suite.json(.POST, "/internal/cases/retry-failed", tenant: tenant)["retried"] as? Int
        #expect(retried == failed.count)
        _ = try await suite.json(.POST, "/internal/cases/file", tenant: tenant)
        try await suite.waitFor("the retried cases filed") {
            (try await suite.cases(tenant: tenant)).filter { ["failed", "ready", "filing"].contains($0.status) }.isEmpty
        }
        await suite.stop()
    }
}
