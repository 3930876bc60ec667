import Foundation
import OpsideTesting
import Testing

/// The System tests pages in the browser: the seller, who runs this deployment too, sees
/// test-runner's suites, runs the health suite, watches the run page until it passes, reads each
/// service's case, and finds the run in the history.
extension DashboardBrowserTests {
    func systemTestsRun(suite: Suite, browser: WebBrowser) async throws {
        let base = suite.mainAPI.baseURL
        // The walk-through ended signed out: sign in again, straight to the page.
        try await browser.open(base + "/app/system")
        try await browser.type("#sign-in-form input[name=email]", DashboardBrowserTests.sellerEmail)
        try await browser.type("#sign-in-form input[name=password]", "Maple-Syrup-Season-7")
        try await browser.click("#sign-in-form button[type=submit]")
        try await browser.waitUntil("the System tests page", "return location.pathname === '/app/system' && !!document.querySelector('[data-testid=suites]')")
        #expect(try await browser.count("nav a[href='/app/system']") == 1, "an operator has the System tests link")
        #expect(try await browser.count("[data-testid=suites] tr[data-suite]") == 5)
        #expect(try await browser.text("[data-testid=suites]").contains("claim-lifecycle"))
        try await browser.screenshot("system-tests")

        try await browser.click("tr[data-suite=health] button")
        try await browser.waitUntil("the run's page", "return location.pathname.startsWith('/app/system/runs/')")
        try await browser.waitUntil("the run passed (the page looks again every few seconds)", timeout: .seconds(60), """
            const status = document.querySelector('[data-testid=run-status]');
            return !!status && status.textContent.includes('Passed')
            """)
        #expect(try await browser.text("[data-testid=run-counts]").hasPrefix("10 passed, 0 failed"))
        #expect(try await browser.count("table[data-suite=health] tr[data-outcome=passed]") == 10)
        #expect(try await browser.text("table[data-suite=health]").contains("mcde is ready"))
        #expect(try await browser.count("a[href$='/junit']") == 1, "the JUnit report is there to download")
        try await browser.screenshot("system-test-run")

        try await browser.open(base + "/app/system")
        #expect(try await browser.count("[data-testid=runs] tr[data-run]") == 1)
        #expect(try await browser.text("[data-testid=runs]").contains(DashboardBrowserTests.sellerEmail))
    }
}
