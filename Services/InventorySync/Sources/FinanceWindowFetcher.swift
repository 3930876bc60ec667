import Foundation
import OpsideAmazonData
import OpsideAmazonSPAPI

/// Fetches a window of financial events (`listFinancialEvents`, page by page) into the six
/// finance event tables.
struct FinanceWindowFetcher: WindowFetcher {
    func fetch(_ window: SyncWindow, context: WindowFetchContext) async throws -> FetchedWindow? {
        var rows = FinanceRows()
        var pages = 0
        guard let start = window.start, let end = window.end else { return nil }
        var token: String?
        repeat {
            let page = try await context.api.listFinancialEvents(postedAfter: start.formatted(.iso8601), postedBefore: end.formatted(.iso8601),
                                                                 maxResultsPerPage: 100, nextToken: token)
            if let lists = page.FinancialEvents { try rows.add(lists, marketplace: context.marketplaces[0], windowStart: start) }
            token = page.NextToken.flatMap { $0.isEmpty ? nil : $0 }
            pages += 1
            await context.pageRead(pages)
        } while token != nil
        let finance = rows
        return FetchedWindow(pages: pages) { session in
            let rows = finance
            try await session.stage(AmazonTables.shipmentEvents, rows: rows.shipments)
            try await session.stage(AmazonTables.refundEvents, rows: rows.refunds)
            try await session.stage(AmazonTables.adjustmentEvents, rows: rows.adjustments)
            try await session.stage(AmazonTables.serviceFeeEvents, rows: rows.serviceFees)
            try await session.stage(AmazonTables.safetEvents, rows: rows.safet)
            try await session.stage(AmazonTables.removalShipmentEvents, rows: rows.removals)
        }
    }
}
