import Foundation
import InventorySyncTesting
import OpsideCore
import OpsideTesting
import Testing

/// The assisted channel: the seller files by hand with the text we prepared, and everything after
/// comes from the data. And one tenant never sees another's cases or money.
@Suite(.serialized) struct AssistedCaseTests {
    @Test func anAssistedCaseIsRemindedMarkedFiledAndPaidFromTheDataAlone() async throws {
        let database = try await TestDatabase.create()
        let suite = try await CaseSuite.start(database: database)
        let tenant = UUID()
        let (_, connection) = try await suite.connectSeller(seed: 1304, tenant: tenant)
        try await suite.sync(tenant: tenant, connection: connection)
        // The whole queue before choosing from it: on a loaded machine intake may still be adding
        // cases, and one with an earlier deadline than the chosen one would pass it unfiled.
        try await suite.settleClaims(tenant: tenant, connection: connection)
        // The default channel is the seller's own hands: nothing was filed.
        let queue = try await suite.cases(tenant: tenant)
        #expect(queue.allSatisfy { $0["channel"] as? String == "assisted" && $0["amazonCaseId"] == nil })
        // The case of the queue's earliest deadline: the clock moves to just before it, so no other
        // case's deadline passes unfiled. One waiting for documents gets them first, as a seller would.
        let first = try #require(queue.filter { ["ready", "needs_documents"].contains($0.status) }
            .min { ($0["deadline"] as! String) < ($1["deadline"] as! String) })
        let caseId = first["id"] as! String
        if first.status == "needs_documents" {
            _ = try await suite.json(.POST, "/internal/cases/\(caseId)/documents-ready", tenant: tenant)
        }
        // The week before the earliest deadline, the reminder goes out (and no deadline passes).
        let now = try JSONSerialization.jsonObject(with: try await suite.sandbox.admin(.GET, "/_sandbox/clock")) as? [String: Any] ?? [:]
        let today = CivilDate(instant: ISO8601DateFormatter().date(from: now["now"] as! String)!, timeZone: "America/Los_Angeles")
        let deadline = try #require(CivilDate(iso: first["deadline"] as! String))
        let daysToAdvance = deadline.daysSince1970 - today.daysSince1970 - 6
        if daysToAdvance > 0 { try await suite.advanceClock(days: Double(daysToAdvance)) }
        #expect(try await suite.refresh(tenant: tenant)["reminded"] as? Int ?? 0 >= 1)
        try await suite.waitFor("the reminder") {
            let item = try await suite.json(.GET, "/internal/cases/\(caseId)", tenant: tenant)["case"] as? [String: Any] ?? [:]
            return (item["history"] as? [[String: Any]] ?? []).contains { ($0["reason"] as? String ?? "").hasPrefix("reminded") }
        }

        // The seller pastes our text into Seller Central (the sandbox's desk) and gets Amazon's case id.
        let detail = try await suite.json(.GET, "/internal/cases/\(caseId)", tenant: tenant)["case"] as! [String: Any]
        try await suite.sandbox.admin(.PUT, "/_sandbox/case-desk", ["forcedOutcomes": ["approved"]])
        let access = try await suite.tokens.access(tenantID: tenant, connectionID: connection)
        let amount = try #require(detail.money("amountClaimed"))
        let money = Money(amountMinor: amount.minor, currency: try Currency(code: amount.currency))
        let form: [String: Any] = [
            "marketplaceId": detail["marketplaceId"]!, "issueType": detail["claimType"]!, "subject": detail["subject"]!,
            "body": detail["body"]!, "references": detail["references"]!, "quantity": detail["units"]!,
            "amountClaimed": ["amount": money.decimalString, "currencyCode": money.currency.code],
        ]
        let filedAtDesk = try await TestHTTP.request(.POST, suite.sandbox.baseURL + "/cu/cases",
                                                     json: String(decoding: try JSONSerialization.data(withJSONObject: form), as: UTF8.self),
                                                     headers: ["x-amz-access-token": access.accessToken, "Idempotency-Key": "seller-by-hand-1"])
        #expect(filedAtDesk.status == 201, "\(filedAtDesk.text)")
        let amazonCaseId = try #require(try filedAtDesk.json()["caseId"] as? String)
        let marked = try await suite.json(.POST, "/internal/cases/\(caseId)/filed", tenant: tenant, json: #"{"amazonCaseId": "\#(amazonCaseId)"}"#)
        #expect((marked["case"] as? [String: Any])?["status"] as? String == "filed")
        // The same Amazon case id cannot be recorded on a second case.
        if let other = queue.first(where: { $0.status == "ready" && $0["id"] as? String != caseId }) {
            let again = try await suite.call(.POST, "/internal/cases/\(other["id"]!)/filed", tenant: tenant, json: #"{"amazonCaseId": "\#(amazonCaseId)"}"#)
            #expect(again.status == 409)
        }

        // Amazon approves; the reimbursements report carries the case id; the case is paid from that alone.
        try await suite.advanceClock(days: 4)
        try await suite.sync(tenant: tenant, connection: connection, dataset: "reimbursements")
        try await suite.waitFor("the money on the case") {
            let item = try await suite.json(.GET, "/internal/cases/\(caseId)", tenant: tenant)["case"] as? [String: Any] ?? [:]
            return item.status == "paid"
        }
        let paid = try await suite.json(.GET, "/internal/cases/\(caseId)", tenant: tenant)["case"] as! [String: Any]
        #expect(paid.money("recovered")?.minor == amount.minor)
        let history = (paid["history"] as? [[String: Any]] ?? []).map { ($0["toStatus"] as? String ?? "", $0["actor"] as? String ?? "") }
        #expect(history.contains { $0 == ("filed", "seller") })
        #expect(history.contains { $0 == ("paid", "amazon_data") })
        let metrics = try await suite.json(.GET, "/internal/cases/metrics", tenant: tenant)["metrics"] as? [String: Any] ?? [:]
        let missed = try await suite.missedReasons(tenant: tenant)
        #expect(metrics["missedDeadlines"] as? Int == 0, "\(missed)")

        // Another tenant sees none of it.
        let stranger = UUID()
        #expect(try await suite.cases(tenant: stranger).isEmpty)
        #expect(try await suite.call(.GET, "/internal/cases/\(caseId)", tenant: stranger).status == 404)
        #expect(try await suite.call(.POST, "/internal/cases/\(caseId)/filed", tenant: stranger, json: #"{"amazonCaseId": "1234567"}"#).status == 404)
        let theirMoney = try await suite.json(.GET, "/internal/recoveries", tenant: stranger)["recoveries"] as? [[String: Any]] ?? []
        #expect(theirMoney.isEmpty)
        let theirSummary = try await suite.json(.GET, "/internal/recoveries/summary", tenant: stranger)["summary"] as? [String: Any] ?? [:]
        #expect((theirSummary["totals"] as? [Any])?.isEmpty == true)
        await suite.stop()
    }
}
