import Foundation
import OpsideCore
import OpsideTesting
import Testing

extension DashboardBrowserTests {
    /// The assisted channel in a browser: the seller opens a case from the queue, copies its text
    /// into Seller Central (the sandbox's case desk), records the case id Amazon gave, and sees
    /// the money arrive once Amazon's reimbursements report lists it.
    func fileAnAssistedCase(suite: Suite, browser: WebBrowser, connectionPage: String, refreshToken: String) async throws {
        let base = suite.mainAPI.baseURL
        try await browser.open(base + "/app/cases")
        try await eventuallyInBrowser(browser, "cases in the queue", reloadEvery: .seconds(2), timeout: .seconds(120),
                                      "return document.querySelectorAll('[data-testid=cases-table] tbody tr').length > 0")
        try await browser.screenshot("cases")
        let readyCase = try await browser.run("""
            const row = Array.from(document.querySelectorAll('[data-testid=cases-table] tbody tr'))
              .find((r) => r.querySelector('.badge.ready'));
            return row ? row.dataset.case : null;
            """) as? String
        let caseId = try readyCase.unwrap("a case ready to file")
        try await browser.click("tr[data-case='\(caseId)'] a")
        try await browser.waitUntil("the case's page", "return location.pathname === '/app/cases/\(caseId)'")
        let subject = try await browser.run("return document.querySelector('[data-testid=case-subject]').value") as? String ?? ""
        let text = try await browser.run("return document.querySelector('[data-testid=case-body]').value") as? String ?? ""
        #expect(subject.hasPrefix("Reimbursement") || subject.contains("request") || subject.contains("investigation"), "\(subject)")
        #expect(text.contains("I am requesting a reimbursement of"), "\(text)")
        try await browser.screenshot("case-ready")

        // Seller Central: the seller pastes the subject and text (the desk decides at once here,
        // in the seller's favour) and gets Amazon's case id.
        let desk = try await TestHTTP.request(.PUT, suite.sandbox.baseURL + "/_sandbox/case-desk",
                                              json: #"{"decisionDelaySeconds": 0, "forcedOutcomes": ["approved"]}"#)
        #expect(desk.status == 200, "\(desk.text)")
        let detail = try await browser.runAsync("""
            const done = arguments[arguments.length - 1];
            fetch('/api/v1/cases/' + arguments[0], { credentials: 'same-origin' }).then((r) => r.json()).then((b) => done(JSON.stringify(b.case)));
            """, [caseId]) as? String ?? "{}"
        let item = try (JSONSerialization.jsonObject(with: Data(detail.utf8)) as? [String: Any]).unwrap("the case as the API gives it")
        let claimed = try (item["amountClaimed"] as? [String: Any]).unwrap("the amount claimed")
        let minor = (claimed["amountMinor"] as? NSNumber)?.int64Value ?? 0
        let token = try await suite.sandbox.lwa(["grant_type": "refresh_token", "refresh_token": refreshToken]).json()["access_token"] as? String
        let form: [String: Any] = [
            "marketplaceId": item["marketplaceId"]!, "issueType": item["claimType"]!, "subject": subject, "body": text,
            "references": item["references"]!, "quantity": item["units"]!,
            "amountClaimed": ["amount": String(format: "%lld.%02lld", minor / 100, minor % 100), "currencyCode": claimed["currency"]!],
        ]
        let filed = try await TestHTTP.request(.POST, suite.sandbox.baseURL + "/cu/cases",
                                               json: String(decoding: try JSONSerialization.data(withJSONObject: form), as: UTF8.self),
                                               headers: ["x-amz-access-token": try token.unwrap("an access token"), "Idempotency-Key": "browser-\(caseId)"])
        #expect(filed.status == 201, "\(filed.text)")
        let amazonCaseId = try (try filed.json()["caseId"] as? String).unwrap("Amazon's case id")

        // Back in Opside: mark it filed with that id.
        try await browser.type("[data-testid=amazon-case-input]", amazonCaseId)
        try await browser.screenshot("case-mark-filed")
        try await browser.click("#mark-filed button[type=submit]")
        try await browser.waitUntil("the case filed", "return document.querySelector('[data-testid=amazon-case-id]').textContent.trim() === '\(amazonCaseId)'")
        #expect(try await browser.text("[data-testid=case-status]").contains("Filed"))
        try await browser.screenshot("case-filed")

        // Five hours on (Amazon regenerates a reimbursements report at most every four), the next
        // reimbursements sync lists Amazon's payment with the case id: the case is paid.
        try await suite.sandbox.advanceClock(seconds: 5 * 3600)
        let connection = try (connectionPage.split(separator: "/").last.map(String.init)).unwrap("the connection id")
        let sync = try await browser.runAsync("""
            const done = arguments[arguments.length - 1];
            const csrf = (document.cookie.split('; ').find((c) => c.startsWith('opside_csrf=')) || '').slice('opside_csrf='.length);
            fetch('/api/v1/amazon/connections/' + arguments[0] + '/syncs', { method: 'POST', credentials: 'same-origin',
              headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify({ dataset: 'reimbursements' }) })
              .then((r) => done(r.status));
            """, [connection]) as? Int
        #expect(sync == 202 || sync == 200, "the reimbursements sync started (\(String(describing: sync)))")
        try await eventuallyInBrowser(browser, "the money on the case", reloadEvery: .seconds(2), timeout: .seconds(120),
                                      "return document.querySelector('[data-testid=case-status]').textContent.includes('Paid')")
        #expect(try await browser.text("[data-testid=case-recovered]") != "—")
        #expect(try await browser.text("[data-testid=case-history]").contains("Amazon's data"))
        try await browser.screenshot("case-paid")
        try await browser.open(base + "/app/recoveries")
        #expect(try await browser.text("[data-testid=recovered-by-cases]") != "—")
        try await browser.screenshot("recoveries")

        // Amazon's approval taught claim-detector's approval model: once it retrains (daily; now,
        // here), the queue says how its chances held up and the claim says what moved its chance.
        let claimDetector = try suite.services.first { $0.service == .claimDetector }.unwrap("claim-detector")
        let authority = await ServiceTokenAuthority(secret: TestEnvironment.serviceTokenSecret, service: .mainAPI)
        #expect(try await eventually(timeout: .seconds(60)) {
            let trained = try await TestHTTP.request(.POST, claimDetector.baseURL + "/internal/claims/approval-model/training",
                                                     headers: ["authorization": "Bearer \(try await authority.token(for: .claimDetector, tenantID: nil))"])
            return ((try trained.json()["model"] as? [String: Any])?["examples"] as? Int ?? 0) >= 1
        }, "the approval model learned from the approved case")
        try await browser.open(base + "/app/cases")
        #expect(try await browser.text("[data-testid=brier]").count > 0)
        #expect(try await browser.text("[data-testid=reliability]").contains("%"))
        try await browser.screenshot("approval-model")
        let claimId = try (item["claimId"] as? String).unwrap("the case's claim")
        try await browser.open(base + "/app/claims/\(claimId)")
        #expect(try await browser.text("[data-testid=approval-percent]").hasSuffix("%"))
        let approval = try await browser.text("[data-testid=approval]")
        #expect(approval.contains("Learned from") && approval.contains("earlier cases approved"), "\(approval)")
        try await browser.screenshot("claim-approval")
    }
}
