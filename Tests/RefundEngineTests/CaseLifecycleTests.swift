import Foundation
import InventorySyncTesting
import OpsideCore
import OpsideTesting
import Testing

/// The case desk end to end on generated sandbox sellers: sync → detect → file at the sandbox's
/// Seller Central desk → Amazon's decisions → reimbursements synced → reconciled.
@Suite(.serialized) struct CaseLifecycleTests {
    static let unfiledStatuses: Set<String> = ["ready", "filing"]

    /// Waits until every sandbox-channel case that can be filed was (none ready or filing), and
    /// answers the tenant's cases.
    func waitUntilFiled(_ suite: CaseSuite, tenant: UUID) async throws -> [[String: Any]] {
        try await suite.waitFor("every due case filed") {
            let cases = try await suite.cases(tenant: tenant)
            return !cases.isEmpty && !cases.contains { Self.unfiledStatuses.contains($0.status) }
        }
        return try await suite.cases(tenant: tenant)
    }

    @Test func aSellersClaimsAreFiledDecidedPaidAndReconciledExactlyOnce() async throws {
        let database = try await TestDatabase.create()
        let suite = try await CaseSuite.start(database: database)
        let tenant = UUID()
        let (seller, connection) = try await suite.connectSeller(seed: 1301, skus: 10, tenant: tenant)
        try await suite.setFiling(tenant: tenant, continuous: true, channel: "sandbox")

        // Sync → detection → cases made from the claimable claims and filed at once.
        try await suite.sync(tenant: tenant, connection: connection)
        var cases = try await waitUntilFiled(suite, tenant: tenant)
        // Evidence arrives for those that needed documents; they file too.
        for item in cases where item.status == "needs_documents" {
            _ = try await suite.json(.POST, "/internal/cases/\(item["id"]!)/documents-ready", tenant: tenant)
        }
        _ = try await suite.json(.POST, "/internal/cases/file", tenant: tenant)
        cases = try await waitUntilFiled(suite, tenant: tenant)
        let filed = cases.filter { $0["amazonCaseId"] != nil }
        #expect(filed.count >= 5, "a generated seller has claims to file (got \(filed.count))")
        #expect(filed.allSatisfy { $0.status == "filed" })
        // One Amazon case per claim, one case per claim.
        #expect(Set(filed.compactMap { $0["amazonCaseId"] as? String }).count == filed.count)
        #expect(Set(cases.compactMap { $0["claimId"] as? String }).count == cases.count)
        var desk = try await suite.deskCases(seller)
        #expect(desk.cases.count == filed.count, "the desk holds exactly the cases we filed")

        // Nothing is decided before the desk's delay; after it, every case has Amazon's answer.
        #expect(try await suite.refresh(tenant: tenant)["answered"] as? Int == 0, "no answer before the desk's delay")
        try await suite.advanceClock(days: 4)
        try await suite.refresh(tenant: tenant)
        #expect(try await suite.cases(tenant: tenant, query: "status=filed").isEmpty, "every case has Amazon's answer")
        cases = try await suite.cases(tenant: tenant)
        // (A case never filed may have been withdrawn meanwhile: a later detection resolved its claim.)
        let answered = Set(cases.filter { $0["amazonCaseId"] != nil }.map(\.status))
        #expect(answered.isSubset(of: ["approved", "partially_approved", "denied", "more_information_needed"]), "\(answered)")
        // A question is answered, a denial appealed; both go back to Amazon.
        for item in cases where item.status == "more_information_needed" || item.status == "denied" {
            _ = try await suite.json(.POST, "/internal/cases/\(item["id"]!)/reply", tenant: tenant,
                                     json: #"{"body": "The units were never found; the ledger reference ids are in the case."}"#)
        }
        if let denied = cases.first(where: { $0.status == "denied" }) {
            let case1 = try await suite.json(.GET, "/internal/cases/\(denied["id"]!)", tenant: tenant)["case"] as? [String: Any] ?? [:]
            #expect(case1["appealed"] as? Bool == true)
        }
        try await suite.advanceClock(days: 4)
        try await suite.refresh(tenant: tenant)
        #expect(try await suite.cases(tenant: tenant, query: "status=filed").isEmpty, "the replies were answered")

        // The money: the reimbursements report now lists the approved cases; reconciled once.
        try await suite.sync(tenant: tenant, connection: connection)
        desk = try await suite.deskCases(seller)
        let deskPaid = desk.paid
        #expect(!deskPaid.isEmpty, "the desk paid some cases")
        try await suite.waitFor("the ledger to equal what the desk paid") {
            let summary = try await suite.json(.GET, "/internal/recoveries/summary", tenant: tenant)["summary"] as? [String: Any] ?? [:]
            var byCase: [String: Int64] = [:]
            for money in summary["byCase"] as? [[String: Any]] ?? [] {
                byCase[money["currency"] as! String] = (money["amountMinor"] as! NSNumber).int64Value
            }
            return byCase == deskPaid
        }
        // Every approved case reimbursed once, and paid (in full or in part) from the data alone.
        let recoveries = try await suite.json(.GET, "/internal/recoveries?attribution=case&limit=500", tenant: tenant)["recoveries"]
            as? [[String: Any]] ?? []
        let paidDeskCases = desk.cases.filter { ["approved", "partially_approved"].contains(($0["decision"] as? [String: Any])?["outcome"] as? String) }
        let entriesByAmazonCase = Dictionary(grouping: recoveries, by: { $0["amazonCaseId"] as? String ?? "" })
        for deskCase in paidDeskCases {
            #expect(entriesByAmazonCase[deskCase["caseId"] as? String ?? ""]?.count == 1, "one ledger entry for \(deskCase["caseId"] ?? "")")
        }
        cases = try await suite.cases(tenant: tenant)
        let paid = cases.filter { $0.status == "paid" || $0.status == "partially_paid" }
        #expect(paid.count == paidDeskCases.count)
        for item in paid {
            let history = try await suite.json(.GET, "/internal/cases/\(item["id"]!)", tenant: tenant)["case"] as? [String: Any] ?? [:]
            let actors = (history["history"] as? [[String: Any]] ?? []).map { $0["actor"] as? String ?? "" }
            #expect(actors.contains("amazon_data"), "the money came from synced data")
        }
        let metrics = try await suite.json(.GET, "/internal/cases/metrics", tenant: tenant)["metrics"] as? [String: Any] ?? [:]
        let missed = try await suite.missedReasons(tenant: tenant)
        #expect(metrics["missedDeadlines"] as? Int == 0, "\(missed)")
        #expect(metrics["filed"] as? Int == cases.filter { $0["amazonCaseId"] != nil }.count)

        // Syncing and reconciling again counts nothing twice.
        let before = try await suite.json(.GET, "/internal/recoveries/summary", tenant: tenant)["summary"] as? [String: Any] ?? [:]
        let reconciled = try await completedJobs(suite, kind: "refund-engine.reconcile", tenant: tenant)
        try await suite.sync(tenant: tenant, connection: connection, dataset: "reimbursements")
        try await suite.waitFor("another reconciliation") { try await completedJobs(suite, kind: "refund-engine.reconcile", tenant: tenant) > reconciled }
        let after = try await suite.json(.GET, "/internal/recoveries/summary", tenant: tenant)["summary"] as? [String: Any] ?? [:]
        #expect(NSDictionary(dictionary: before).isEqual(to: after), "the ledger is unchanged by a re-sync")
        desk = try await suite.deskCases(seller)
        #expect(desk.cases.count == Set(try await suite.cases(tenant: tenant).compactMap { $0["amazonCaseId"] as? String }).count,
                "no claim was filed twice")
        await suite.stop()
    }

    /// Amazon's Finances show an approval days before the reimbursements report lists it: the
    /// money is on the case from the adjustment event at once, and the report's line, when it
    /// comes, replaces that entry; the ledger ends equal to what the desk paid, each payment once.
    @Test func moneyFinancesShowFirstIsCountedOnceWhenTheReportListsIt() async throws {
        let database = try await TestDatabase.create()
        let suite = try await CaseSuite.start(database: database)
        let tenant = UUID()
        let (seller, connection) = try await suite.connectSeller(seed: 1307, skus: 10, tenant: tenant)
        try await suite.setFiling(tenant: tenant, continuous: true, channel: "sandbox")
        try await suite.sync(tenant: tenant, connection: connection)
        _ = try await waitUntilFiled(suite, tenant: tenant)
        // The seller's history is in the report: whichever dataset loaded first, Finances end up
        // confirming its lines and holding no money of their own.
        try await suite.waitFor("the history reconciled", tenant: tenant) {
            let fromReport = try await database.count("SELECT count(*) FROM cases.recoveries WHERE source = 'report'")
            let fromFinances = try await database.count("SELECT count(*) FROM cases.recoveries WHERE source = 'finances'")
            return fromReport > 0 && fromFinances == 0
        }

        // Amazon approves every case.
        _ = try await suite.sandbox.admin(.PUT, "/_sandbox/case-desk", ["forcedOutcomes": Array(repeating: "approved", count: 200)])
        try await suite.advanceClock(days: 4)
        try await suite.refresh(tenant: tenant)
        let approved = try await suite.cases(tenant: tenant, query: "status=approved").count
        #expect(approved >= 3, "a generated seller has cases to approve (\(approved))")
        let desk = try await suite.deskCases(seller)

        // Finances first: each payment is on its case already, from the adjustment event.
        try await suite.sync(tenant: tenant, connection: connection, dataset: "financial_events")
        try await suite.waitFor("the payments from Finances", tenant: tenant) {
            try await database.count("SELECT count(*) FROM cases.recoveries WHERE source = 'finances'") == approved
        }
        let fromFinances = try await database.strings("""
            SELECT currency || ' ' || sum(amount_minor)::text FROM cases.recoveries WHERE source = 'finances' GROUP BY currency
            """)
        let financeTotals = Dictionary(uniqueKeysWithValues: fromFinances.map { row in
            let parts = row.split(separator: " ")
            return (String(parts[0]), Int64(parts[1]) ?? 0)
        })
        #expect(financeTotals == desk.paid, "the Finances entries hold exactly what the desk paid")
        let paidEarly = try await suite.cases(tenant: tenant, query: "status=paid,partially_paid")
        #expect(paidEarly.count >= 1, "a case with one candidate is paid from Finances")

        // Then the report: its lines replace the Finances entries, the money counted once.
        try await suite.sync(tenant: tenant, connection: connection, dataset: "reimbursements")
        try await suite.waitFor("the report's lines in place of the Finances entries", tenant: tenant) {
            try await database.count("SELECT count(*) FROM cases.recoveries WHERE source = 'finances'") == 0
        }
        #expect(try await database.count("SELECT count(*) FROM cases.recoveries WHERE cardinality(replaced_entry_ids) = 1") == approved)
        let summary = try await suite.json(.GET, "/internal/recoveries/summary", tenant: tenant)["summary"] as? [String: Any] ?? [:]
        var byCase: [String: Int64] = [:]
        for money in summary["byCase"] as? [[String: Any]] ?? [] {
            byCase[money["currency"] as! String] = (money["amountMinor"] as! NSNumber).int64Value
        }
        #expect(byCase == desk.paid, "the ledger's case money equals what the desk paid")
        let cases = try await suite.cases(tenant: tenant, query: "status=paid,partially_paid")
        #expect(cases.count == approved, "every approved case paid, once")
        for item in cases {
            let recovered = item.money("recovered")?.minor ?? 0, claimed = item.money("amountClaimed")?.minor ?? 0
            #expect(recovered > 0 && recovered <= claimed, "paid no more than claimed: \(item)")
        }
        // reimbursement.received: once from Finances, once more from the report naming what it replaces.
        #expect(try await database.count("""
            SELECT count(*) FROM platform.outbox WHERE type = 'reimbursement.received' AND payload->>'source' = 'finances'
            """) == approved)
        #expect(try await database.count("""
            SELECT count(*) FROM platform.outbox WHERE type = 'reimbursement.received' AND payload ? 'replacesEntryIds'
            """) == approved)
        await suite.stop()
    }

    func completedJobs(_ suite: CaseSuite, kind: String, tenant: UUID) async throws -> Int {
        let reply = try await suite.call(.GET, "/internal/jobs?state=completed", tenant: tenant)
        let jobs = (try? JSONSerialization.jsonObject(with: reply.body) as? [String: Any])?["jobs"] as? [[String: Any]] ?? []
        return jobs.filter { $0["kind"] as? String == kind }.count
    }
}
