import Foundation
import OpsideAmazonData
import OpsideAmazonSPAPI

/// Fetches the inventory summaries of every marketplace (a snapshot: one window).
struct InventoryWindowFetcher: WindowFetcher {
    func fetch(_ window: SyncWindow, context: WindowFetchContext) async throws -> FetchedWindow? {
        var rows: [[String?]] = []
        var pages = 0
        for marketplace in context.marketplaces {
            for try await page in context.api.allInventorySummaries(marketplaceID: marketplace) {
                pages += 1
                for summary in page.payload?.inventorySummaries ?? [] {
                    rows.append(OrderRows.inventory(summary, marketplace: marketplace))
                }
            }
        }
        let summaryRows = rows
        return FetchedWindow(pages: pages) { session in
            try await session.stage(AmazonTables.inventorySummaries, rows: summaryRows)
        }
    }
}
