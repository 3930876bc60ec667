@testable import AmazonSandbox
import AsyncHTTPClient
import Foundation
import NIOCore
import OpsideAmazonSPAPI
import OpsideCore
import OpsideTesting
import Testing

/// A seller at the Seller Central case desk, calling it over HTTP as the product's `sandbox`
/// filing channel does: the seller's LWA access token in `x-amz-access-token`.
struct CaseDeskSession {
    let harness: SandboxHarness
    let seller: SandboxHarness.Seller
    let accessToken: String

    /// A status, its `Idempotent-Replayed` header and the JSON body (empty when the body is not a JSON object).
    struct Answer {
        let status: Int
        let replayed: [String]
        let text: String
        let json: [String: Any]

        var errorCode: String? { (json["errors"] as? [[String: Any]])?.first?["code"] as? String }
        var errorMessage: String { (json["errors"] as? [[String: Any]])?.first?["message"] as? String ?? "" }
        var errorDetails: String { (json["errors"] as? [[String: Any]])?.first?["details"] as? String ?? "" }
    }

    static func open(_ harness: SandboxHarness, seed: UInt64, skus: Int = 12) async throws -> CaseDeskSession {
        let seller = try await harness.createSeller(seed: seed, skus: skus)
        let lwa = LoginWithAmazonClient(httpClient: harness.httpClient, settings: harness.settings, logger: SandboxHarness.logger)
        return CaseDeskSession(harness: harness, seller: seller, accessToken: try await lwa.refresh(seller.refreshToken).accessToken)
    }

    var sellerID: String { seller.sellingPartnerId }

    /// The seller's products as inventory reports them: (FNSKU, SKU).
    func products() async throws -> [(fnsku: String, sku: String)] {
        let api = harness.client().0.api(for: harness.connection(for: seller))
        return try await SandboxOperationsTests.products(api).map { ($0.fnSku ?? "", $0.sellerSku ?? "") }
    }

    func send(_ method: String, _ path: String, _ body: [String: Any]? = nil, key: String? = nil,
              token: String?? = .none) async throws -> Answer {
        var request = HTTPClientRequest(url: harness.baseURL + path)
        request.method = .init(rawValue: method)
        // Left out: the session's token; `.some(nil)`: no token at all.
        let chosen: String? = switch token {
        case .none: accessToken
        case .some(let given): given
        }
        if let chosen { request.headers.add(name: "x-amz-access-token", value: chosen) }
        if let key { request.headers.add(name: "Idempotency-Key", value: key) }
        if let body {
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
            request.headers.add(name: "Content-Type", value: "application/json")
        }
        let response = try await harness.httpClient.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 16 << 20)
        let json = (try? JSONSerialization.jsonObject(with: Data(bytes.readableBytesView))) as? [String: Any] ?? [:]
        return Answer(status: Int(response.status.code), replayed: response.headers["Idempotent-Replayed"], text: String(buffer: bytes), json: json)
    }

    /// Files a case; the answer must be 201.
    func file(_ body: [String: Any], key: String = UUID().uuidString) async throws -> String {
        let answer = try await send("POST", "/cu/cases", body, key: key)
        try #require(answer.status == 201, "\(answer.text)")
        return try #require(answer.json["caseId"] as? String)
    }

    func getCase(_ id: String) async throws -> [String: Any] {
        let answer = try await send("GET", "/cu/cases/\(id)")
        try #require(answer.status == 200, "\(answer.text)")
        return answer.json
    }

    func decision(_ id: String) async throws -> [String: Any]? { try await getCase(id)["decision"] as? [String: Any] }

    func listCases(query: String = "") async throws -> Answer { try await send("GET", "/cu/cases" + query) }
}

extension SandboxHarness {
    func advanceClock(seconds: Double) async throws {
        try await admin("POST", "/_sandbox/clock", ["advanceSeconds": seconds], expect: 200)
    }

    func forceOutcomes(_ outcomes: [String], decisionDelaySeconds: Double? = nil) async throws {
        var body: [String: Any] = ["forcedOutcomes": outcomes]
        if let decisionDelaySeconds { body["decisionDelaySeconds"] = decisionDelaySeconds }
        try await admin("PUT", "/_sandbox/case-desk", body, expect: 200)
    }
}

/// The Seller Central case desk: filing with idempotency keys, validation, sellers kept apart,
/// decisions revealed by the sandbox clock, payments that show up in the reimbursements report
/// and the Finances API exactly like Amazon's own, replies and appeals, faults.
@Suite("Seller Central case desk")
struct CaseDeskTests {
    static let us = "ATVPDKIKX0DER"
    static let threeDays = 259_200.0
    /// Access tokens outlive the days the tests move the clock by (an hour would expire them).
    static let settings = SandboxSettings(port: 0, accessTokenLifetimeSeconds: 30 * 86_400, reportProcessingSeconds: 0.6)

    static func filing(_ issueType: String = "warehouse_lost", references: [String: String], quantity: Int = 3,
                       amount: String = "30.00", currency: String = "USD") -> [String: Any] {
        ["marketplaceId": us, "issueType": issueType, "subject": "Units lost in the fulfillment center",
         "body": "Our inventory ledger shows units lost at PHX7 that were neither found nor reimbursed.",
         "references": references, "quantity": quantity, "amountClaimed": ["amount": amount, "currencyCode": currency],
         "attachments": ["invoice-123.pdf"]]
    }

    /// The reimbursements report's rows that carry one of `caseIDs`, from `since` on.
    static func deskRows(_ session: CaseDeskSession, since: String, caseIDs: Set<String>) async throws -> [ReimbursementRow] {
        let api = session.harness.client().0.api(for: session.harness.connection(for: session.seller))
        var rows: [ReimbursementRow] = []
        let spec = CreateReportSpecification(reportType: ReimbursementRow.reportType, marketplaceIDs: [us], dataStartTime: since)
        for try await row in try await api.runReport(spec, as: ReimbursementRow.self) where caseIDs.contains(row.caseID ?? "") { rows.append(row) }
        return rows
    }

    /// Every Finances adjustment event posted after `since`.
    static func adjustments(_ session: CaseDeskSession, since: String) async throws -> [AdjustmentEvent] {
        let api = session.harness.client().0.api(for: session.harness.connection(for: session.seller))
        var events: [AdjustmentEvent] = []
        for try await page in api.allFinancialEvents(postedAfter: since, postedBefore: nil) {
            events += page.FinancialEvents?.AdjustmentEventList ?? []
        }
        return events
    }

    static func amount(_ object: Any?) -> String? { (object as? [String: Any])?["amount"] as? String }

    // MARK: Filing

    @Test func filingIsIdempotentPerKeyAndAReusedKeyWithAnotherBodyIsRefused() async throws {
        try await SandboxHarness.with(Self.settings) { harness in
            let session = try await CaseDeskSession.open(harness, seed: 1201)
            let product = try #require(try await session.products().first)
            let body = Self.filing(references: ["fnsku": product.fnsku, "ledgerReferenceId": "58312345678"])

            let first = try await session.send("POST", "/cu/cases", body, key: "claim-1")
            #expect(first.status == 201)
            let caseID = try #require(first.json["caseId"] as? String)
            #expect(caseID.count == 10 && caseID.allSatisfy(\.isNumber))
            #expect(first.json["status"] as? String == "Open")
            #expect(Date(iso: first.json["createdDate"] as? String) != nil)
            #expect(first.replayed.isEmpty)

            // The same key and body: the first answer again, nothing new filed.
            let replay = try await session.send("POST", "/cu/cases", body, key: "claim-1")
            #expect(replay.status == 201)
            #expect(replay.text == first.text)
            #expect(replay.replayed == ["true"])

            // The same key with another body: 409.
            var other = body
            other["quantity"] = 4
            let reused = try await session.send("POST", "/cu/cases", other, key: "claim-1")
            #expect(reused.status == 409)
            #expect(reused.errorCode == "IdempotencyKeyReused")

            // Keys are per seller: another seller's same key files its own case.
            let stranger = try await CaseDeskSession.open(harness, seed: 1202)
            let strangerProduct = try #require(try await stranger.products().first)
            let theirs = try await stranger.send("POST", "/cu/cases", Self.filing(references: ["sku": strangerProduct.sku]), key: "claim-1")
            #expect(theirs.status == 201)
            #expect(theirs.json["caseId"] as? String != caseID)

            let listed = try await session.listCases()
            #expect((listed.json["cases"] as? [[String: Any]])?.compactMap { $0["caseId"] as? String } == [caseID])
            let filed = try await session.getCase(caseID)
            #expect(filed["issueType"] as? String == "warehouse_lost")
            #expect(filed["marketplaceId"] as? String == Self.us)
            #expect(filed["quantity"] as? Int == 3)
            #expect(filed["references"] as? [String: String] == ["fnsku": product.fnsku, "ledgerReferenceId": "58312345678"])
            #expect(filed["amountClaimed"] as? [String: String] == ["amount": "30.00", "currencyCode": "USD"])
            #expect(filed["decision"] is NSNull)
            #expect(filed["appealed"] as? Bool == false)
            let messages = try #require(filed["messages"] as? [[String: Any]])
            #expect(messages.count == 1 && messages.first?["from"] as? String == "seller")
        }
    }

    @Test func invalidFilingsAreRefusedNamingTheField() async throws {
        try await SandboxHarness.with(Self.settings) { harness in
            let session = try await CaseDeskSession.open(harness, seed: 1211)
            let product = try #require(try await session.products().first)
            let valid = Self.filing(references: ["fnsku": product.fnsku])
            func with(_ change: (inout [String: Any]) -> Void) -> [String: Any] {
                var body = valid
                change(&body)
                return body
            }
            let cases: [(field: String, body: [String: Any])] = [
                ("marketplaceId", with { $0["marketplaceId"] = nil }),
                ("marketplaceId", with { $0["marketplaceId"] = "A1F83G8C2ARO7P" }),
                ("issueType", with { $0["issueType"] = "lost_somewhere" }),
                ("issueType", with { $0["issueType"] = 3 }),
                ("subject", with { $0["subject"] = String(repeating: "s", count: 201) }),
                ("subject", with { $0["subject"] = "" }),
                ("body", with { $0["body"] = nil }),
                ("body", with { $0["body"] = String(repeating: "b", count: 20_001) }),
                ("references", with { $0["references"] = ["orderId": "111-1234567-1234567"] }),
                ("references", with { $0["references"] = nil }),
                ("references.fnsku", with { $0["references"] = ["fnsku": 12] }),
                ("quantity", with { $0["quantity"] = 0 }),
                ("quantity", with { $0["quantity"] = -1 }),
                ("quantity", with { $0["quantity"] = 1.5 }),
                ("quantity", with { $0["quantity"] = "3" }),
                ("quantity", with { $0["quantity"] = true }),
                ("amountClaimed", with { $0["amountClaimed"] = nil }),
                ("amountClaimed.amount", with { $0["amountClaimed"] = ["amount": 12.34, "currencyCode": "USD"] }),
                ("amountClaimed.amount", with { $0["amountClaimed"] = ["amount": "12.345", "currencyCode": "USD"] }),
                ("amountClaimed.amount", with { $0["amountClaimed"] = ["amount": "twelve", "currencyCode": "USD"] }),
                ("amountClaimed.amount", with { $0["amountClaimed"] = ["amount": "-1.00", "currencyCode": "USD"] }),
                ("amountClaimed.currencyCode", with { $0["amountClaimed"] = ["amount": "12.34", "currencyCode": "EUR"] }),
                ("attachments[0]", with { $0["attachments"] = [1] }),
                ("attachments[1]", with { $0["attachments"] = ["invoice.pdf", ""] }),
            ]
            for (index, bad) in cases.enumerated() {
                let answer = try await session.send("POST", "/cu/cases", bad.body, key: "bad-\(index)")
                #expect(answer.status == 400, "\(bad.field): \(answer.text)")
                #expect(answer.errorCode == "InvalidInput", "\(bad.field)")
                #expect(answer.errorDetails == bad.field, "\(bad.field): \(answer.text)")
                #expect(answer.errorMessage.contains(bad.field), "\(bad.field): \(answer.errorMessage)")
            }
            // The key must be there, 1 to 128 printable ASCII characters.
            for key in [nil, String(repeating: "k", count: 129)] {
                let answer = try await session.send("POST", "/cu/cases", valid, key: key)
                #expect(answer.status == 400)
                #expect(answer.errorDetails == "Idempotency-Key")
            }
            // A token is needed, and it must be one the sandbox issued.
            #expect(try await session.send("POST", "/cu/cases", valid, key: "no-token", token: .some(nil)).status == 403)
            let forged = try await session.send("GET", "/cu/cases", token: "Atza|forged")
            #expect(forged.status == 403)
            #expect(forged.errorCode == "Unauthorized")
            // Nothing was filed; a refused key is free to carry a corrected request, and money-only
            // types take 0 units.
            #expect((try await session.listCases().json["cases"] as? [Any])?.isEmpty == true)
            #expect(try await session.send("POST", "/cu/cases", valid, key: "bad-0").status == 201)
            let feeCase = Self.filing("fee_overcharge", references: ["sku": product.sku, "orderId": "111-1234567-7654321"], quantity: 0, amount: "1.25")
            #expect(try await session.send("POST", "/cu/cases", feeCase, key: "fee").status == 201)
        }
    }

    @Test func anotherSellerCannotReadOrAnswerTheCase() async throws {
        try await SandboxHarness.with(Self.settings) { harness in
            let owner = try await CaseDeskSession.open(harness, seed: 1221)
            let product = try #require(try await owner.products().first)
            let caseID = try await owner.file(Self.filing(references: ["fnsku": product.fnsku]))
            let stranger = try await CaseDeskSession.open(harness, seed: 1222)

            let read = try await stranger.send("GET", "/cu/cases/\(caseID)")
            #expect(read.status == 404)
            #expect(read.errorCode == "NotFound")
            let replied = try await stranger.send("POST", "/cu/cases/\(caseID)/replies", ["body": "Let me in"], key: "r1")
            #expect(replied.status == 404)
            #expect((try await stranger.listCases().json["cases"] as? [Any])?.isEmpty == true)
            #expect(try await owner.send("GET", "/cu/cases/0000000000").status == 404)
            #expect(try await owner.send("GET", "/cu/cases/\(caseID)").status == 200)
        }
    }

    /// Listed oldest first, 50 a page; the token alone continues the query.
    @Test func casesAreListedOldestFirstFiftyAPage() async throws {
        try await SandboxHarness.with(Self.settings) { harness in
            let session = try await CaseDeskSession.open(harness, seed: 1231)
            let product = try #require(try await session.products().first)
            var filed: [String] = []
            for index in 0..<51 {
                filed.append(try await session.file(Self.filing(references: ["sku": product.sku, "orderId": "order-\(index)"])))
            }
            let first = try await session.listCases()
            let firstPage = try #require(first.json["cases"] as? [[String: Any]])
            #expect(firstPage.count == 50)
            let token = try #require(first.json["nextToken"] as? String)
            let second = try await session.listCases(query: "?nextToken=\(token)")
            let secondPage = try #require(second.json["cases"] as? [[String: Any]])
            #expect(second.json["nextToken"] == nil)
            #expect((firstPage + secondPage).compactMap { $0["caseId"] as? String } == filed)

            let later = try await session.listCases(query: "?createdAfter=2100-01-01T00:00:00Z")
            #expect((later.json["cases"] as? [Any])?.isEmpty == true)
            let bad = try await session.listCases(query: "?createdAfter=yesterday")
            #expect(bad.status == 400)
            #expect(bad.errorDetails == "createdAfter")
        }
    }

    // MARK: Decisions

    /// The default delay is three days of sandbox time: a second before, the case is open.
    @Test func aCaseIsDecidedOnlyOnceTheSandboxClockPassesTheDelay() async throws {
        try await SandboxHarness.with(Self.settings) { harness in
            let session = try await CaseDeskSession.open(harness, seed: 1241)
            let product = try #require(try await session.products().first)
            try await harness.admin("POST", "/_sandbox/clock", ["freeze": true], expect: 200)
            let caseID = try await session.file(Self.filing(references: ["fnsku": product.fnsku]))
            let created = try #require(Date(iso: try await session.getCase(caseID)["createdDate"] as? String))

            try await harness.advanceClock(seconds: Self.threeDays - 1)
            let waiting = try await session.getCase(caseID)
            #expect(waiting["status"] as? String == "Open")
            #expect(waiting["decision"] is NSNull)

            try await harness.advanceClock(seconds: 2)
            let answered = try await session.getCase(caseID)
            #expect(answered["status"] as? String == "Answered")
            let decision = try #require(answered["decision"] as? [String: Any])
            #expect(CaseOutcome(rawValue: decision["outcome"] as? String ?? "") != nil)
            #expect(!(decision["reason"] as? String ?? "").isEmpty)
            // Dated at the decision instant, not when it was read.
            #expect(Date(iso: decision["decidedDate"] as? String).map { $0.timeIntervalSince(created) } == Self.threeDays)
            let messages = try #require(answered["messages"] as? [[String: Any]])
            #expect(messages.map { $0["from"] as? String } == ["seller", "amazon"])
            #expect(messages.last?["body"] as? String == decision["reason"] as? String)
        }
    }

    @Test func forcedOutcomesProduceEachOutcomeInOrder() async throws {
        try await SandboxHarness.with(Self.settings) { harness in
            let session = try await CaseDeskSession.open(harness, seed: 1251)
            let product = try #require(try await session.products().first)
            let outcomes = ["approved", "partially_approved", "denied", "more_information_needed"]
            try await harness.forceOutcomes(outcomes, decisionDelaySeconds: 60)
            var filed: [String] = []
            for _ in outcomes { filed.append(try await session.file(Self.filing(references: ["fnsku": product.fnsku], quantity: 4, amount: "40.00"))) }
            try await harness.advanceClock(seconds: 61)
            for (caseID, outcome) in zip(filed, outcomes) {
                let decision = try #require(try await session.decision(caseID))
                #expect(decision["outcome"] as? String == outcome)
                let pays = outcome == "approved" || outcome == "partially_approved"
                #expect((decision["approvedQuantity"] != nil) == pays, "\(outcome)")
                #expect((decision["approvedAmount"] != nil) == pays, "\(outcome)")
                #expect((decision["reimbursementId"] != nil) == pays, "\(outcome)")
            }
            #expect(try await session.decision(filed[0])?["approvedQuantity"] as? Int == 4)
            #expect(Self.amount(try await session.decision(filed[0])?["approvedAmount"]) == "40.00")
            // Consumed: the queue is empty again.
            let desk = try JSONSerialization.jsonObject(with: Data(try await harness.admin("GET", "/_sandbox/case-desk", nil, expect: 200))) as? [String: Any]
            #expect((desk?["forcedOutcomes"] as? [String])?.isEmpty == true)
        }
    }

    /// An item the seller does not have is denied, and the forced outcome waits for the next case.
    @Test func aCaseAboutAnItemNotInTheInventoryIsDenied() async throws {
        try await SandboxHarness.with(Self.settings) { harness in
            let session = try await CaseDeskSession.open(harness, seed: 1261)
            let product = try #require(try await session.products().first)
            try await harness.forceOutcomes(["approved"], decisionDelaySeconds: 60)
            let unknown = try await session.file(Self.filing(references: ["fnsku": "X00NOTMINE"]))
            let mismatched = try await session.file(Self.filing(references: ["fnsku": product.fnsku, "sku": "SOMEONE-ELSES"]))
            let known = try await session.file(Self.filing(references: ["fnsku": product.fnsku, "sku": product.sku]))
            try await harness.advanceClock(seconds: 61)
            for caseID in [unknown, mismatched] {
                let decision = try #require(try await session.decision(caseID))
                #expect(decision["outcome"] as? String == "denied")
                #expect(decision["reason"] as? String == "We could not find this item in your inventory.")
            }
            #expect(try await session.decision(known)?["outcome"] as? String == "approved")
        }
    }

    // MARK: Payments

    /// The row and the event appear once the clock passes the decision, never before, and carry
    /// the per-unit rule: 10.00 for 3 units is 3.33 a unit, 9.99 in all.
    @Test func anApprovedCaseIsPaidInTheReportAndFinancesOnlyAfterTheDecision() async throws {
        try await SandboxHarness.with(Self.settings) { harness in
            let session = try await CaseDeskSession.open(harness, seed: 1271)
            let product = try #require(try await session.products().first)
            try await harness.forceOutcomes(["approved"], decisionDelaySeconds: 3600)
            let caseID = try await session.file(Self.filing(references: ["fnsku": product.fnsku], quantity: 3, amount: "10.00"))
            let created = try #require(try await session.getCase(caseID)["createdDate"] as? String)
            let since = try #require(Date(iso: created)?.addingTimeInterval(-60).iso)
            func deskEvents() async throws -> [AdjustmentEvent] {
                try await Self.adjustments(session, since: since).filter { event in
                    event.AdjustmentType == "WAREHOUSE_LOST" && event.AdjustmentItemList?.first?.SellerSKU == product.sku
                        && event.AdjustmentItemList?.first?.Quantity == "3" && (try? event.AdjustmentAmount?.money())?.amountMinor == 999
                }
            }

            // Half-way: no decision, no row, no event.
            try await harness.advanceClock(seconds: 1800)
            #expect(try await session.decision(caseID) == nil)
            #expect(try await Self.deskRows(session, since: since, caseIDs: [caseID]).isEmpty)
            #expect(try await deskEvents().isEmpty)

            // Past the decision (and the two minutes Finances lags behind now).
            try await harness.advanceClock(seconds: 1800 + 300)
            let decision = try #require(try await session.decision(caseID))
            #expect(decision["outcome"] as? String == "approved")
            #expect(decision["approvedQuantity"] as? Int == 3)
            #expect(Self.amount(decision["approvedAmount"]) == "9.99")
            let reimbursementID = try #require(decision["reimbursementId"] as? String)

            let rows = try await Self.deskRows(session, since: since, caseIDs: [caseID])
            #expect(rows.count == 1)
            let row = try #require(rows.first)
            #expect(row.reimbursementID == reimbursementID)
            #expect(row.reason == "Lost_Warehouse")
            #expect(row.fnsku == product.fnsku && row.sku == product.sku)
            #expect(row.amountPerUnit.text == "3.33")
            #expect(row.amountTotal.text == Self.amount(decision["approvedAmount"]))
            #expect(row.quantityReimbursedCash == 3 && row.quantityReimbursedInventory == 0)
            #expect(row.approvalDate == decision["decidedDate"] as? String)

            let events = try await deskEvents()
            #expect(events.count == 1)
            let item = try #require(events.first?.AdjustmentItemList?.first)
            #expect(events.first?.PostedDate == decision["decidedDate"] as? String)
            #expect(try item.PerUnitAmount?.money()?.amountMinor == 333)
            #expect(try item.TotalAmount?.money()?.amountMinor == 999)
            #expect(item.FnSKU == product.fnsku)
        }
    }

    /// Half the units at the claimed per-unit value; a money-only type half the amount, with no
    /// units on the row.
    @Test func aPartiallyApprovedCasePaysThePartialAmount() async throws {
        try await SandboxHarness.with(Self.settings) { harness in
            let session = try await CaseDeskSession.open(harness, seed: 1281)
            let product = try #require(try await session.products().first)
            try await harness.forceOutcomes(["partially_approved", "partially_approved"], decisionDelaySeconds: 60)
            let units = try await session.file(Self.filing("inbound_shortage", references: ["sku": product.sku, "shipmentId": "FBA15ABCDEF"],
                                                           quantity: 5, amount: "25.00"))
            let money = try await session.file(Self.filing("fee_overcharge", references: ["sku": product.sku, "orderId": "112-7654321-1234567"],
                                                           quantity: 0, amount: "5.01"))
            let created = try #require(try await session.getCase(units)["createdDate"] as? String)
            let since = try #require(Date(iso: created)?.addingTimeInterval(-60).iso)
            try await harness.advanceClock(seconds: 400)

            let unitDecision = try #require(try await session.decision(units))
            #expect(unitDecision["outcome"] as? String == "partially_approved")
            #expect(unitDecision["approvedQuantity"] as? Int == 2)
            #expect(Self.amount(unitDecision["approvedAmount"]) == "10.00")
            let moneyDecision = try #require(try await session.decision(money))
            #expect(Self.amount(moneyDecision["approvedAmount"]) == "2.50")

            let rows = Dictionary(uniqueKeysWithValues: try await Self.deskRows(session, since: since, caseIDs: [units, money]).map { ($0.caseID ?? "", $0) })
            #expect(rows[units]?.reason == "Lost_Inbound")
            #expect(rows[units]?.quantityReimbursedCash == 2)
            #expect(rows[units]?.amountPerUnit.text == "5.00")
            #expect(rows[units]?.amountTotal.text == "10.00")
            #expect(rows[money]?.reason == "FeeCorrection")
            #expect(rows[money]?.amazonOrderID == "112-7654321-1234567")
            #expect(rows[money]?.quantityReimbursedCash == 0)
            #expect(rows[money]?.amountTotal.text == "2.50")

            let events = try await Self.adjustments(session, since: since)
            let fee = events.filter { $0.AdjustmentType == "INCORRECT_FEES_ITEMS" && $0.PostedDate == moneyDecision["decidedDate"] as? String }
            #expect(fee.count == 1)
            #expect(try fee.first?.AdjustmentAmount?.money()?.amountMinor == 250)
            #expect(fee.first?.AdjustmentItemList?.first?.Quantity == "0")
            let inbound = events.filter { $0.AdjustmentType == "MISSING_FROM_INBOUND" && $0.PostedDate == unitDecision["decidedDate"] as? String }
            #expect(try inbound.first?.AdjustmentAmount?.money()?.amountMinor == 1000)
        }
    }

    @Test func adminPaidTotalsEqualTheApprovedAmountsAndTheReportRows() async throws {
        try await SandboxHarness.with(Self.settings) { harness in
            let session = try await CaseDeskSession.open(harness, seed: 1291)
            let product = try #require(try await session.products().first)
            try await harness.forceOutcomes(["approved", "partially_approved", "denied", "approved"], decisionDelaySeconds: 60)
            var filed = [
                try await session.file(Self.filing(references: ["fnsku": product.fnsku], quantity: 2, amount: "20.00")),
                try await session.file(Self.filing("warehouse_damaged", references: ["fnsku": product.fnsku], quantity: 4, amount: "10.00")),
                try await session.file(Self.filing(references: ["fnsku": product.fnsku], quantity: 1, amount: "7.00")),
            ]
            filed.append(try await session.file(Self.filing("underpaid_reimbursement", references: ["sku": product.sku, "reimbursementId": "1100000042"],
                                                            quantity: 0, amount: "3.33")))
            let created = try #require(try await session.getCase(filed[0])["createdDate"] as? String)
            try await harness.advanceClock(seconds: 400)

            let admin = try JSONSerialization.jsonObject(with: Data(try await harness.admin("GET", "/_sandbox/sellers/\(session.sellerID)/cases",
                                                                                        nil, expect: 200))) as? [String: Any]
            let cases = try #require(admin?["cases"] as? [[String: Any]])
            #expect(cases.compactMap { $0["caseId"] as? String } == filed)
            #expect(cases.compactMap { ($0["decision"] as? [String: Any])?["outcome"] as? String }
                == ["approved", "partially_approved", "denied", "approved"])
            let approved = cases.compactMap { Self.amount(($0["decision"] as? [String: Any])?["approvedAmount"]) }
            #expect(approved == ["20.00", "5.00", "3.33"])
            #expect(admin?["paidTotals"] as? [[String: String]] == [["amount": "28.33", "currencyCode": "USD"]])

            let since = try #require(Date(iso: created)?.addingTimeInterval(-60).iso)
            let rows = try await Self.deskRows(session, since: since, caseIDs: Set(filed))
            #expect(rows.count == 3)
            let paid = try rows.reduce(Int64(0)) { $0 + (try $1.amountTotal.money(in: Currency(code: "USD")).amountMinor) }
            #expect(paid == 2833)
        }
    }

    // MARK: Replies

    @Test func moreInformationIsAnsweredAndTheCaseIsDecidedAgain() async throws {
        try await SandboxHarness.with(Self.settings) { harness in
            let session = try await CaseDeskSession.open(harness, seed: 1301)
            let product = try #require(try await session.products().first)
            try await harness.forceOutcomes(["more_information_needed", "approved"], decisionDelaySeconds: 60)
            let caseID = try await session.file(Self.filing(references: ["fnsku": product.fnsku]))
            let early = try await session.send("POST", "/cu/cases/\(caseID)/replies", ["body": "Any news?"], key: "early")
            #expect(early.status == 409)
            #expect(early.errorCode == "InvalidState")

            try await harness.advanceClock(seconds: 61)
            #expect(try await session.decision(caseID)?["outcome"] as? String == "more_information_needed")
            let answer: [String: Any] = ["body": "Invoice attached.", "attachments": ["invoice-123.pdf"]]
            let replied = try await session.send("POST", "/cu/cases/\(caseID)/replies", answer, key: "answer-1")
            #expect(replied.status == 200)
            #expect(replied.json["status"] as? String == "Open")
            #expect(replied.json["decision"] is NSNull)
            #expect(replied.json["appealed"] as? Bool == false)
            let replay = try await session.send("POST", "/cu/cases/\(caseID)/replies", answer, key: "answer-1")
            #expect(replay.status == 200 && replay.text == replied.text)
            #expect(replay.replayed == ["true"])
            #expect(try await session.send("POST", "/cu/cases/\(caseID)/replies", ["body": "Other words"], key: "answer-1").status == 409)

            try await harness.advanceClock(seconds: 61)
            let decided = try await session.getCase(caseID)
            #expect((decided["decision"] as? [String: Any])?["outcome"] as? String == "approved")
            #expect((decided["messages"] as? [[String: Any]])?.compactMap { $0["from"] as? String } == ["seller", "amazon", "seller", "amazon"])
            let late = try await session.send("POST", "/cu/cases/\(caseID)/replies", ["body": "Thanks"], key: "late")
            #expect(late.status == 409)
            #expect(late.errorCode == "InvalidState")
        }
    }

    @Test func aDenialIsAppealedOnceOnly() async throws {
        try await SandboxHarness.with(Self.settings) { harness in
            let session = try await CaseDeskSession.open(harness, seed: 1311)
            let product = try #require(try await session.products().first)
            try await harness.forceOutcomes(["denied", "denied"], decisionDelaySeconds: 60)
            let caseID = try await session.file(Self.filing(references: ["fnsku": product.fnsku]))
            try await harness.advanceClock(seconds: 61)
            #expect(try await session.decision(caseID)?["outcome"] as? String == "denied")

            let appeal = try await session.send("POST", "/cu/cases/\(caseID)/replies", ["body": "The units were never found."], key: "appeal")
            #expect(appeal.status == 200)
            #expect(appeal.json["appealed"] as? Bool == true)
            #expect(appeal.json["status"] as? String == "Open")
            try await harness.advanceClock(seconds: 61)
            let decision = try #require(try await session.decision(caseID))
            #expect(decision["outcome"] as? String == "denied")
            #expect((decision["reason"] as? String)?.contains("appeal") == true)

            let again = try await session.send("POST", "/cu/cases/\(caseID)/replies", ["body": "Please look again."], key: "appeal-2")
            #expect(again.status == 409)
            #expect(again.errorCode == "InvalidState")
        }
    }

    // MARK: Faults

    /// A 503 on filing files nothing; the retry under the same key files once.
    @Test func aServerErrorOnFilingCreatesNothingAndTheRetryFilesOnce() async throws {
        try await SandboxHarness.with(Self.settings) { harness in
            let session = try await CaseDeskSession.open(harness, seed: 1321)
            let product = try #require(try await session.products().first)
            try await harness.installFaults(["sellingPartnerId": session.sellerID, "operations": ["sellerCentral.createCase"],
                                             "serverError": ["count": 1, "status": 503]])
            let body = Self.filing(references: ["fnsku": product.fnsku])
            let failed = try await session.send("POST", "/cu/cases", body, key: "retry-me")
            #expect(failed.status == 503)
            #expect(failed.json.isEmpty)
            #expect((try await session.listCases().json["cases"] as? [Any])?.isEmpty == true)

            let retried = try await session.send("POST", "/cu/cases", body, key: "retry-me")
            #expect(retried.status == 201)
            #expect(retried.replayed.isEmpty)
            let again = try await session.send("POST", "/cu/cases", body, key: "retry-me")
            #expect(again.status == 201)
            #expect(again.replayed == ["true"])
            #expect(again.json["caseId"] as? String == retried.json["caseId"] as? String)
            #expect((try await session.listCases().json["cases"] as? [Any])?.count == 1)
            #expect(try await harness.requests(session.sellerID, "sellerCentral.createCase") == 3)
        }
    }

    // MARK: Rules

    static func deskCase(_ id: String, issueType: CaseIssueType = .warehouseLost, quantity: Int = 3, amountMinor: Int64 = 3000,
                         appealed: Bool = false, askedForInformation: Bool = false) -> DeskCase {
        var deskCase = DeskCase(id: id, sequence: 1, sellingPartnerID: "A1SELLER", marketplaceID: us, currency: "USD", issueType: issueType,
                                subject: "s", references: ["sku": "SKU"], quantity: quantity, amountClaimedMinor: amountMinor,
                                created: Date(timeIntervalSince1970: 0), messages: [])
        deskCase.appealed = appealed
        deskCase.askedForInformation = askedForInformation
        return deskCase
    }

    /// The draw's shares are the contract's, within a point or two over 4000 cases.
    @Test func drawnOutcomesFollowTheWeights() {
        func shares(_ make: (String) -> DeskCase) -> [CaseOutcome: Double] {
            var counts: [CaseOutcome: Int] = [:]
            for index in 0..<4000 { counts[CaseDesk.drawnOutcome(for: make(String(1_000_000_000 + index))), default: 0] += 1 }
            return counts.mapValues { Double($0) / 4000 }
        }
        let first = shares { Self.deskCase($0) }
        #expect(abs(first[.approved, default: 0] - 0.60) < 0.03)
        #expect(abs(first[.partiallyApproved, default: 0] - 0.15) < 0.02)
        #expect(abs(first[.denied, default: 0] - 0.15) < 0.02)
        #expect(abs(first[.moreInformationNeeded, default: 0] - 0.10) < 0.02)
        let answered = shares { Self.deskCase($0, askedForInformation: true) }
        #expect(answered[.moreInformationNeeded] == nil)
        #expect(abs(answered[.approved, default: 0] - 60.0 / 90) < 0.03)
        let appeals = shares { Self.deskCase($0, appealed: true) }
        #expect(Set(appeals.keys) == [.approved, .denied])
        #expect(abs(appeals[.approved, default: 0] - 0.5) < 0.03)
    }

    /// amount = per unit × units, per unit rounded down; a single unit halves its value.
    @Test func paymentsFollowThePerUnitRule() {
        #expect(CaseDesk.payment(for: Self.deskCase("1", quantity: 3, amountMinor: 1000), outcome: .approved) == (3, 333, 999))
        #expect(CaseDesk.payment(for: Self.deskCase("1", quantity: 5, amountMinor: 2500), outcome: .partiallyApproved) == (2, 500, 1000))
        #expect(CaseDesk.payment(for: Self.deskCase("1", quantity: 1, amountMinor: 999), outcome: .partiallyApproved) == (1, 499, 499))
        #expect(CaseDesk.payment(for: Self.deskCase("1", issueType: .feeOvercharge, quantity: 0, amountMinor: 501), outcome: .partiallyApproved)
            == (0, 0, 250))
        #expect(CaseDesk.payment(for: Self.deskCase("1", issueType: .reimbursementReversal, quantity: 2, amountMinor: 777), outcome: .approved)
            == (2, 0, 777))
    }

    /// The desk pays each reason with the adjustment type the generator pairs it with.
    @Test func deskReasonsPairWithTheGeneratorsAdjustmentTypes() {
        let history = SellerHistoryClaimsTests.history(seed: 5)
        var generatorTypes: [String: Set<String>] = [:]
        var adjustments: [String: String] = [:]
        for event in history.finances {
            if case .adjustment(let type, let date, let product, let quantity, let perUnit, _, _) = event {
                adjustments["\(date.timeIntervalSince1970)|\(product)|\(quantity)|\(perUnit)"] = type
            }
        }
        for line in history.reimbursements where line.quantityCash > 0 {
            if let type = adjustments["\(line.date.timeIntervalSince1970)|\(line.product)|\(line.quantityCash)|\(line.perUnitMinor)"] {
                generatorTypes[line.reason, default: []].insert(type)
            }
        }
        #expect(Set(generatorTypes.keys).isSuperset(of: ["Lost_Warehouse", "Damaged_Warehouse", "Lost_Inbound", "CustomerReturn", "FeeCorrection"]))
        for issueType in CaseIssueType.allCases {
            guard let types = generatorTypes[issueType.reimbursementReason] else { continue }
            #expect(types == [issueType.adjustmentType], "\(issueType)")
        }
    }
}
