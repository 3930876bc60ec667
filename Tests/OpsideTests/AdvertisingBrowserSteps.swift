import Foundation
import OpsideTesting
import Testing

/// The Advertising page in the browser: a pasted SP-API token is refused in words, the seller
/// connects their Amazon Ads account through Login with Amazon's consent, the spend of the 95 days
/// Amazon keeps arrives per SKU and day beside the SKU's sales, the range changes, and a claim's
/// page shows its SKU's ad cost per unit.
extension DashboardBrowserTests {
    func advertisingInBrowser(suite: Suite, browser: WebBrowser) async throws {
        let base = suite.mainAPI.baseURL
        // The seller again (the sandbox hands out fresh tokens of the same seller when asked again).
        let grants = try await suite.sandbox.admin(post: "/_sandbox/sellers", json: #"{"seed":4242,"skus":6,"months":6}"#)
        let spapiToken = try (grants["refreshToken"] as? String).unwrap("the seller's SP-API refresh token")
        let sellingPartner = try (grants["sellingPartnerId"] as? String).unwrap("the seller")
        try await browser.open(base + "/app/advertising")
        #expect(try await browser.count("[data-testid=ads-not-connected]") == 1, "not connected yet")
        try await browser.screenshot("advertising-not-connected")

        // Pasting SP-API's token is refused, in words.
        try await browser.click("[data-testid=ads-paste] summary")
        let field = "[data-testid=ads-connect] input[name=refreshToken]"
        try await browser.type(field, spapiToken)
        try await browser.click("[data-testid=ads-connect] button[type=submit]")
        try await browser.waitUntil("the refusal", timeout: .seconds(20), """
            const error = document.querySelector('[data-testid=ads-connect] [data-error]');
            return !!error && error.textContent.length > 0
            """)
        #expect(try await browser.text("[data-testid=ads-connect] [data-error]").contains("Ads application"), "the refusal says why")
        _ = try await browser.run("document.querySelector('\(field)').value = ''")

        // Connect through Login with Amazon's consent: allow, and come back to the page.
        try await browser.click("[data-testid=ads-consent] button[type=submit]")
        try await browser.waitUntil("Login with Amazon's consent page", "return location.pathname === '/ap/oa'")
        try await browser.screenshot("ads-consent")
        try await browser.select("select[name=advertiser]", value: sellingPartner)
        try await browser.click("button[type=submit]")
        try await browser.waitUntil("the connected Ads account", timeout: .seconds(30),
                                    "return location.pathname === '/app/advertising' && !!document.querySelector('[data-testid=ads-profile]')")
        #expect(try await browser.text("#flash").contains("Amazon Ads connected"))
        #expect(try await browser.text("[data-testid=ads-account]").contains("America/Los_Angeles"), "the profile's time zone is shown")

        let loaded = try await eventually(timeout: .seconds(180), every: .seconds(2)) {
            try await browser.open(base + "/app/advertising")
            return try await browser.count("[data-testid=ads-skus] tr[data-sku]") > 0
        }
        #expect(loaded, "the spend arrived")
        #expect(try await browser.count("[data-testid=ads-runs] tr[data-state=succeeded]") >= 1, "the spend's sync is listed")
        let cost = try await browser.text("[data-testid=ads-totals] [data-field=ad-cost]")
        #expect(cost.contains(where: \.isNumber) && cost != "—", "the range's ad cost: \(cost)")
        let points = try await browser.run("return document.querySelector('[data-testid=ads-skus] svg.sparkline polyline').getAttribute('points')") as? String
        #expect((points ?? "").split(separator: " ").count == 30, "a day's cost per point over 30 days: \(points ?? "none")")
        try await browser.screenshot("advertising")

        try await browser.click("[data-testid=range-7]")
        try await browser.waitUntil("the last 7 days", timeout: .seconds(20), "return location.search.includes('days=7')")
        let week = try await browser.run("return document.querySelector('[data-testid=ads-skus] svg.sparkline polyline')?.getAttribute('points') ?? ''") as? String
        #expect((week ?? "").split(separator: " ").count == 7, "seven days: \(week ?? "none")")
        try await browser.screenshot("advertising-week")

        // A claim of an advertised SKU says what its advertising cost a unit, beside what Amazon reimburses.
        let claimID = try await browser.runAsync("""
            const done = arguments[arguments.length - 1];
            fetch('/api/v1/claims?limit=200', { credentials: 'same-origin' }).then((r) => r.json())
              .then((body) => {
                const claim = body.claims.find((c) => c.sku);
                done(claim ? claim.id : 'none: ' + JSON.stringify(body.claims.slice(0, 3)));
              }, (error) => done('none: ' + error));
            """) as? String ?? ""
        #expect(!claimID.hasPrefix("none"), "a claim of a SKU (the list leaves out valuations): \(claimID.prefix(1500))")
        if !claimID.hasPrefix("none") {
            try await browser.open(base + "/app/claims/\(claimID)")
            let line = try await browser.text("[data-testid=claim-ad-cost]")
            #expect(line.contains("units ordered") && line.contains("not advertising"), "\(line)")
            try await browser.screenshot("claim-ad-cost")
        }
    }
}
