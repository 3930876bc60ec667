import Foundation
import NIOHTTP1
import OpsideTesting
import Testing

/// The Partners page in the browser: an agency signs up with its own workspace, joins the
/// programme, sets up payouts on Stripe's Express onboarding page, sees its balance and asks for
/// a payout; the seller names the agency's code on its Billing page.
extension DashboardBrowserTests {
    func partnerGetsPaid(suite: Suite, seller: WebBrowser, screenshots: URL) async throws {
        let base = suite.mainAPI.baseURL
        let partner = try await WebBrowser.start(name: "partner", screenshots: screenshots)
        do {
            try await walkThePartnerPages(suite: suite, partner: partner, seller: seller, base: base)
        } catch {
            try? await partner.screenshot("partner-failed")
            await partner.quit()
            throw error
        }
        await partner.quit()
    }

    private func walkThePartnerPages(suite: Suite, partner browser: WebBrowser, seller: WebBrowser, base: String) async throws {
        try await browser.open(base + "/sign-in#sign-up")
        try await browser.type("#sign-up-form input[name=companyName]", "Northwind Agency")
        try await browser.type("#sign-up-form input[name=email]", "owner@northwind.test")
        try await browser.type("#sign-up-form input[name=password]", "Northwind-Partners-2026")
        try await browser.click("#sign-up-form button[type=submit]")
        try await browser.waitUntil("signed in", "return location.pathname === '/app/connections'")

        // Join the programme.
        try await browser.open(base + "/app/partners")
        try await browser.screenshot("partners-join")
        try await browser.click("#join-form button[type=submit]")
        try await browser.waitUntil("the partner page", timeout: .seconds(30), "return !!document.querySelector('[data-testid=referral-code]')")
        let code = try await browser.text("[data-testid=referral-code]").trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(code.count == 8, "\(code)")
        #expect(try await browser.text("[data-testid=referral-link]").hasSuffix("/sign-in?ref=\(code)#sign-up"))
        #expect(try await browser.text("[data-testid=account-status]").contains("not set up"))

        // Stripe's Express onboarding, and back: the page reads the account from Stripe.
        try await browser.click("#onboard")
        try await browser.waitUntil("Stripe's onboarding page", timeout: .seconds(30), "return location.pathname.startsWith('/_hosted/onboarding/')")
        try await browser.screenshot("stripe-onboarding")
        try await browser.click("#submit")
        try await browser.waitUntil("payouts set up", timeout: .seconds(30), """
            return location.pathname === '/app/partners' && !location.search.includes('onboarding')
                && !!document.querySelector('[data-testid=account-status]')
                && document.querySelector('[data-testid=account-status]').textContent.includes('Payouts on')
            """)
        #expect(try await browser.text("#flash").contains("Payouts are set up"))
        #expect(try await browser.text("[data-testid=available-USD]").contains("0.00 USD"))
        #expect(try await browser.count("#payout-form") == 0, "nothing to pay out yet")
        try await browser.screenshot("partners-active")

        // The seller names the agency's code on its Billing page.
        try await seller.open(base + "/app/billing")
        try await seller.type("#referral-form input[name=code]", code.lowercased())
        try await seller.click("#referral-form button[type=submit]")
        try await seller.waitUntil("the referral saved", timeout: .seconds(30), "return !!document.querySelector('[data-testid=referred-by]')")
        #expect(try await seller.text("[data-testid=referred-by]").contains("Northwind Agency"))

        // Money in the agency's Stripe balance (a test-mode top-up), then a payout of part of it.
        try await browser.open(base + "/app/partners")
        #expect(try await browser.text("[data-testid=referrals]").contains("Maple Goods"))
        let account = try await suite.stripe.call(.GET, "/v1/accounts", "limit=1")
        let accountId = try (((account.json["data"] as? [[String: Any]])?.first)?["id"] as? String).unwrap("the Express account")
        _ = try await suite.stripe.control("balance", ["account": accountId, "amount": 12_500, "currency": "usd"])
        try await browser.open(base + "/app/partners")
        #expect(try await browser.text("[data-testid=available-USD]").contains("125.00 USD"))
        try await browser.type("#payout-form input[name=amount]", "100.00")
        try await browser.screenshot("partners-balance")
        try await browser.click("#payout-form button[type=submit]")
        try await browser.waitUntil("the payout listed", timeout: .seconds(30), "return !!document.querySelector('[data-testid=payouts] .badge.pending')")
        #expect(try await browser.text("[data-testid=payouts]").contains("100.00 USD"))
        #expect(try await browser.text("[data-testid=available-USD]").contains("25.00 USD"))
        try await browser.screenshot("partners-payout")
    }
}
