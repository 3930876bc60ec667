import Foundation
import OpsideTesting
import Testing

/// The Search queries page in the browser: the seller's ASINs with their top queries of the
/// latest week and their trend, the months beside them, how the syncs are doing and when the next
/// one runs, and a backfill of older weeks.
extension DashboardBrowserTests {
    func searchQueriesInBrowser(suite: Suite, browser: WebBrowser) async throws {
        let base = suite.mainAPI.baseURL
        // The connection's first syncs load the weeks after the claim datasets: the page fills in then.
        let loaded = try await eventually(timeout: .seconds(180), every: .seconds(2)) {
            try await browser.open(base + "/app/search-queries")
            return try await browser.count("section[data-asin] tbody tr[data-query]") > 0
        }
        #expect(loaded, "the weekly search queries arrived")
        #expect(try await browser.count("section[data-asin]") == 6, "each of the seller's six ASINs")
        let firstRank = try await browser.text("section[data-asin] tbody tr[data-query] td:first-child")
        #expect(firstRank == "1", "the query that matters most comes first")
        #expect(try await browser.text("[data-testid=latest-period]").contains("Latest week"))
        let points = try await browser.run("return document.querySelector('svg.sparkline polyline').getAttribute('points')") as? String
        #expect((points ?? "").split(separator: " ").count >= 2, "a trend line over the weeks: \(points ?? "none")")
        let syncing = try await browser.text("main")
        #expect(syncing.contains("Tuesdays from 08:00 UTC"), "the page says when the weekly sync runs")
        try await browser.screenshot("search-queries")

        // The months, on their own calendar.
        let months = try await eventually(timeout: .seconds(120), every: .seconds(2)) {
            try await browser.open(base + "/app/search-queries?period=MONTH")
            return try await browser.count("section[data-asin] tbody tr[data-query]") > 0
        }
        #expect(months, "the monthly search queries arrived")
        #expect(try await browser.text("main").contains("the 5th of each month from 08:00 UTC"))
        try await browser.screenshot("search-queries-monthly")

        // Older weeks on request (asked again while the first weeks' sync still runs: the form says
        // it must wait): the backfill's run joins the page's syncs.
        try await browser.open(base + "/app/search-queries")
        let runsBefore = try await browser.count("[data-testid=sqp-runs] tr[data-run]")
        let twentyWeeksAgo = Date().addingTimeInterval(-140 * 86_400).formatted(.iso8601.year().month().day())
        let backfillAsked = try await eventually(timeout: .seconds(90), every: .seconds(1)) {
            _ = try await browser.run("document.querySelector('[data-testid=backfill] input[name=from]').value = '\(twentyWeeksAgo)'")
            try await browser.click("[data-testid=backfill] button[type=submit]")
            try await browser.waitUntil("the page to reload or the form to answer", timeout: .seconds(20), """
                const error = document.querySelector('[data-testid=backfill] [data-error]');
                return !document.querySelector('[data-testid=backfill] input[name=from]')?.value || (!!error && error.textContent.length > 0)
                """)
            return try await browser.count("[data-testid=sqp-runs] tr[data-run]") > runsBefore
        }
        #expect(backfillAsked, "the backfill's run is listed")
        try await browser.screenshot("search-queries-backfill")
    }
}
