import Foundation
import OpsideTesting
import Testing

/// The Listings pages in the browser: the seller sees their Amazon listings, creates one (and
/// reads why Amazon refuses one without a title), reads Amazon's warning about it in words,
/// changes its price, changes several listings at once and watches each SKU's outcome, and
/// looks a product up in the catalogue with the Buy Box.
extension DashboardBrowserTests {
    func listingsInBrowser(suite: Suite, browser: WebBrowser) async throws {
        let base = suite.mainAPI.baseURL
        try await browser.open(base + "/app/listings")
        try await browser.waitUntil("the Listings page", "return !!document.querySelector('[data-testid=listings]')")
        #expect(try await browser.count("[data-testid=listings] tr[data-sku]") == 6, "the consented seller's six products")
        try await browser.screenshot("listings")

        // Amazon refuses a new product without a title; the page says which field.
        try await browser.type("[data-testid=new-listing] input[name=sku]", "MAPLE-NO-TITLE")
        try await browser.type("[data-testid=new-listing] input[name=price]", "5.00")
        try await browser.click("[data-testid=new-listing] button[type=submit]")
        try await browser.waitUntil("Amazon's refusal", """
            const error = document.querySelector('[data-testid=new-listing] [data-error]');
            return !!error && error.textContent.includes('Amazon refused the listing') && error.textContent.includes('Title')
            """)
        try await browser.screenshot("listing-refused")

        // With a title it is created, and its page explains Amazon's warning.
        try await browser.open(base + "/app/listings")
        try await browser.type("[data-testid=new-listing] input[name=sku]", "MAPLE-NEW")
        try await browser.type("[data-testid=new-listing] input[name=title]", "Maple test mug")
        try await browser.type("[data-testid=new-listing] input[name=price]", "14.50")
        try await browser.type("[data-testid=new-listing] input[name=quantity]", "5")
        try await browser.click("[data-testid=new-listing] button[type=submit]")
        try await browser.waitUntil("the new listing's page", "return location.pathname === '/app/listings/MAPLE-NEW'")
        #expect(try await browser.text("[data-testid=listing-price]") == "14.50 USD")
        #expect(try await browser.text("[data-testid=listing-quantity]") == "5")
        let issues = try await browser.text("[data-testid=issues]")
        #expect(issues.contains("Main image: The listing has no main image"), "issues: \(issues)")
        #expect(issues.contains("What to do:"))
        try await browser.screenshot("listing")

        // Change the price from its page.
        _ = try await browser.run("document.querySelector('[data-testid=change-listing] input[name=price]').value = ''")
        try await browser.type("[data-testid=change-listing] input[name=price]", "13.75")
        try await browser.click("[data-testid=change-listing] button[type=submit]")
        try await browser.waitUntil("the new price", """
            const price = document.querySelector('[data-testid=listing-price]');
            return !!price && price.textContent === '13.75 USD'
            """)

        // Several at once: each SKU's outcome, an unknown SKU's reason included.
        try await browser.open(base + "/app/listings")
        try await browser.type("[data-testid=bulk-update] textarea[name=rows]", "MAPLE-NEW, 12.00, 9\nNO-SUCH-SKU, 3.00,")
        try await browser.click("[data-testid=bulk-update] button[type=submit]")
        try await browser.waitUntil("the bulk update's page", "return location.pathname.startsWith('/app/listings/bulk/')")
        try await browser.waitUntil("every SKU answered (the page looks again every few seconds)", timeout: .seconds(60), """
            const status = document.querySelector('[data-testid=bulk-status]');
            return !!status && status.textContent.includes('Done')
            """)
        #expect(try await browser.count("[data-testid=bulk-items] tr[data-outcome=accepted]") == 1)
        #expect(try await browser.text("[data-testid=bulk-items] tr[data-sku=NO-SUCH-SKU]").contains("there is no listing with SKU NO-SUCH-SKU"))
        try await browser.screenshot("listing-bulk")

        // The catalogue: a product's page with what it sells for.
        try await browser.open(base + "/app/listings")
        let asin = try await browser.run("return document.querySelector('[data-testid=listings] tr[data-sku] td:nth-child(2) .small').textContent") as? String
        try await browser.open(base + "/app/catalog?query=" + (try asin.unwrap("an ASIN on the listings page")))
        try await browser.waitUntil("the product", "return !!document.querySelector('[data-testid=catalog-pricing]')")
        #expect(try await browser.text("[data-testid=catalog-pricing] [data-field=buy-box]").contains("USD"))
        #expect(Int(try await browser.text("[data-testid=catalog-pricing] [data-field=offers]")) ?? 0 >= 2)
        try await browser.screenshot("catalog")
    }
}
