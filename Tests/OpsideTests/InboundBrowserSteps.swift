import Foundation
import OpsideTesting
import Testing

/// The Inbound pages in the browser: the seller starts a plan from two of their FBA SKUs and
/// walks it step by step (packing, the boxes, placement with its fees, the ready date, carriers),
/// leaving the page while Amazon works and coming back to it, then prints the labels and gives
/// the tracking.
extension DashboardBrowserTests {
    func inboundInBrowser(suite: Suite, browser: WebBrowser) async throws {
        let base = suite.mainAPI.baseURL
        try await browser.open(base + "/app/listings")
        try await browser.waitUntil("the Listings page", "return !!document.querySelector('[data-testid=listings]')")
        let skus = try await browser.run("""
            return Array.from(document.querySelectorAll('[data-testid=listings] tr[data-sku]'))
              .filter((row) => row.textContent.includes('Amazon (FBA)')).map((row) => row.dataset.sku).slice(0, 2)
            """) as? [String] ?? []
        try #require(skus.count == 2, "two FBA SKUs on the Listings page")

        // A new plan: the page follows it to its own page, where Amazon's packing options appear.
        try await browser.open(base + "/app/inbound")
        try await browser.waitUntil("the Inbound page", "return !!document.querySelector('[data-testid=new-inbound-plan]')")
        #expect(try await browser.count("[data-testid=no-plans]") == 1)
        try await browser.type("[data-testid=new-inbound-plan] input[name=name]", "Maple spring restock")
        try await browser.type("[data-testid=new-inbound-plan] textarea[name=rows]", "\(skus[0]), 12\n\(skus[1]), 8")
        for (field, value) in [("addressName", "Maple Goods"), ("addressLine1", "12 Sugar Bush Rd"), ("city", "Burlington"),
                               ("stateOrProvinceCode", "VT"), ("postalCode", "05401"), ("phoneNumber", "8025550100")] {
            try await browser.type("[data-testid=new-inbound-plan] input[name=\(field)]", value)
        }
        try await browser.screenshot("inbound-new")
        try await browser.click("[data-testid=new-inbound-plan] button[type=submit]")
        try await browser.waitUntil("the plan's page", "return location.pathname.startsWith('/app/inbound/')")
        let planPage = try await browser.url
        try await browser.waitUntil("Amazon's packing options (the page looks again while Amazon works)", timeout: .seconds(60),
                                    "return !!document.querySelector('[data-testid=packing-option] button')")
        #expect(try await browser.text("[data-testid=inbound-progress] [aria-current=step]") == "Packing")
        try await browser.screenshot("inbound-packing")
        try await browser.click("[data-testid=packing-option] button")
        try await browser.waitUntil("the choice taken (the page says Amazon is working on it)", timeout: .seconds(60), """
            return !!document.querySelector('[data-testid=inbound-working]') || !!document.querySelector('[data-testid=inbound-boxes]')
            """)

        // Left while Amazon confirms the packing, and found again from the list at its next step.
        try await browser.open(base + "/app/inbound")
        try await browser.waitUntil("the plan in the list", "return !!document.querySelector('[data-testid=inbound-plans] tr[data-step]')")
        try await browser.click("[data-testid=inbound-plans] tr[data-step] a")
        try await browser.waitUntil("the box form", timeout: .seconds(60), "return !!document.querySelector('[data-testid=inbound-boxes]')")
        #expect(try await browser.url == planPage)
        // Two boxes of half the units each, so Amazon can spread them over its centers.
        _ = try await browser.run("""
            for (const group of document.querySelectorAll('[data-testid=inbound-boxes] fieldset[data-group]')) {
              group.querySelector('input[name=boxes]').value = '2';
              for (const units of group.querySelectorAll('input[name=units]')) units.value = String(Number(units.value) / 2);
            }
            """)
        try await browser.screenshot("inbound-boxes")
        try await browser.click("[data-testid=inbound-boxes] button[type=submit]")

        // Placement: each option with its fee; the seller takes the fee-free split.
        try await browser.waitUntil("the placement options", timeout: .seconds(60), "return !!document.querySelector('[data-testid=placement-options]')")
        let fees = try await browser.run("return Array.from(document.querySelectorAll('[data-testid=placement-options] [data-field=fee]')).map((cell) => cell.textContent)") as? [String] ?? []
        #expect(fees.contains("no fee") && fees.contains { $0.hasSuffix("USD") }, "fees: \(fees)")
        try await browser.screenshot("inbound-placement")
        _ = try await browser.run("""
            const rows = Array.from(document.querySelectorAll('[data-testid=placement-options] tbody tr'));
            rows.find((row) => row.textContent.includes('no fee')).querySelector('button').click();
            """)

        // The ready date and contact, then a carrier per shipment.
        try await browser.waitUntil("the ready date form", timeout: .seconds(60), "return !!document.querySelector('[data-testid=inbound-shipping]')")
        try await browser.type("[data-testid=inbound-shipping] input[name=contactName]", "Mia Maple")
        try await browser.type("[data-testid=inbound-shipping] input[name=phoneNumber]", "8025550100")
        try await browser.click("[data-testid=inbound-shipping] button[type=submit]")
        try await browser.waitUntil("the carriers", timeout: .seconds(60), "return !!document.querySelector('[data-testid=inbound-carriers]')")
        let shipments = try await browser.count("[data-testid=inbound-carriers] fieldset[data-shipment]")
        #expect(shipments >= 2, "the fee-free split spreads the boxes over centers")
        try await browser.screenshot("inbound-carriers")
        // Their own carrier for every shipment: Opside confirms Amazon's earliest delivery window first.
        _ = try await browser.run("""
            for (const label of document.querySelectorAll('[data-testid=inbound-carriers] label')) {
              if (label.textContent.includes('Your own carrier')) label.querySelector('input').checked = true;
            }
            """)
        try await browser.click("[data-testid=inbound-carriers] button[type=submit]")

        // Labels and tracking.
        try await browser.waitUntil("the labels", timeout: .seconds(90), "return document.querySelectorAll('[data-testid=labels]').length > 0")
        #expect(try await browser.count("[data-testid=labels]") == shipments)
        let pdf = try await browser.run("""
            return fetch(document.querySelector('[data-testid=labels]').href)
              .then((response) => response.text().then((text) => response.headers.get('content-type') + ' ' + text.slice(0, 8)));
            """) as? String
        #expect(pdf == "application/pdf %PDF-1.4", "labels: \(pdf ?? "none")")
        try await browser.screenshot("inbound-ready")
        #expect(try await browser.count("[data-testid=inbound-tracking]") == shipments, "each own-carrier shipment asks for its tracking")
        _ = try await browser.run("""
            const form = document.querySelector('[data-testid=inbound-tracking]');
            form.querySelectorAll('input[data-box]').forEach((input, index) => { input.value = '1ZMAPLE' + index; });
            """)
        try await browser.click("[data-testid=inbound-tracking] button[type=submit]")
        try await browser.waitUntil("the shipment shipped", timeout: .seconds(60), """
            return Array.from(document.querySelectorAll('[data-testid=inbound-shipments] [data-field=status]')).some((cell) => cell.textContent === 'Shipped')
            """)
        #expect(try await browser.text("[data-testid=inbound-events]").contains("Carriers confirmed"))
        try await browser.screenshot("inbound-tracked")
    }
}
