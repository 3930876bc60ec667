import Foundation
import OpsideTesting
import Testing

/// The Billing page in the browser: the paid case's commission on the statement, a card saved on
/// Stripe's Checkout page that declines (the failed payment's notice, on the page and in the
/// bell), then a card that works and the invoice paid.
extension DashboardBrowserTests {
    func payTheCommission(suite: Suite, browser: WebBrowser) async throws {
        let base = suite.mainAPI.baseURL
        try await browser.open(base + "/app/billing")
        try await eventuallyInBrowser(browser, "the paid case's commission", reloadEvery: .seconds(2), timeout: .seconds(90),
                                      "return document.querySelectorAll('[data-testid=commission-statement] tbody tr').length > 0")
        let statement = try await browser.text("[data-testid=commission-statement]")
        #expect(statement.contains("20 %") && statement.contains("Next invoice"), "\(statement)")
        #expect(try await browser.count("[data-testid=no-card]") == 1)
        try await browser.screenshot("billing-statement")

        // A card whose charges fail: saved, then the payment of what is due fails.
        try await saveCard(browser, "4000000000000341")
        #expect(try await browser.text("[data-testid=card-on-file]").contains("0341"))
        try await browser.click("#settle-now")
        try await browser.waitUntil("the failed payment's notice", timeout: .seconds(30),
                                    "return !!document.querySelector('[data-testid=billing-standing]')")
        #expect(try await browser.text("[data-testid=billing-standing]").contains("A payment failed"))
        #expect(try await browser.text("[data-testid=invoices]").contains("Payment failed"))
        try await browser.screenshot("billing-payment-failed")
        try await browser.open(base + "/app/notifications")
        try await eventuallyInBrowser(browser, "the payment failed notification", reloadEvery: .seconds(1), timeout: .seconds(60),
                                      "return document.body.textContent.includes('failed') && document.body.textContent.includes('Payment of')")
        try await browser.screenshot("billing-notification")

        // A card that works, and the invoice paid from its row.
        try await browser.open(base + "/app/billing")
        try await saveCard(browser, "4242424242424242")
        try await browser.click("[data-testid=invoices] button[data-api]")
        try await browser.waitUntil("the invoice paid", timeout: .seconds(30),
                                    "return !!document.querySelector('[data-testid=invoices] .badge.paid')")
        #expect(try await browser.count("[data-testid=billing-standing]") == 0, "in good standing once paid")
        try await browser.screenshot("billing-paid")
    }

    /// Through Stripe's Checkout page and back: the page finishes saving the card.
    func saveCard(_ browser: WebBrowser, _ number: String) async throws {
        try await browser.click("#add-card")
        try await browser.waitUntil("Stripe's Checkout page", timeout: .seconds(30), "return location.pathname.startsWith('/_hosted/checkout/')")
        _ = try await browser.run("document.getElementById('card_number').value = arguments[0]; document.getElementById('name').value = 'Mia Maple'",
                                  [number])
        try await browser.screenshot("stripe-checkout")
        try await browser.click("#save")
        try await browser.waitUntil("the card on the Billing page", timeout: .seconds(30), """
            return location.pathname === '/app/billing' && !location.search.includes('session_id')
                && !!document.querySelector('[data-testid=card-on-file]')
                && document.querySelector('[data-testid=card-on-file]').textContent.includes(arguments[0].slice(-4))
            """.replacingOccurrences(of: "arguments[0]", with: "'\(number)'"))
    }
}
