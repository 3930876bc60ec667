import Foundation
import OpsideAmazonData
import OpsideAmazonSPAPI

/// Fetches a window of orders and their items, by creation date on a first sync and by "changed
/// since" afterwards (status changes, refunds).
struct OrdersWindowFetcher: WindowFetcher {
    func fetch(_ window: SyncWindow, context: WindowFetchContext) async throws -> FetchedWindow? {
        let api = context.api
        var orders: [[String?]] = []
        var items: [[String?]] = []
        var pages = 0
        for marketplace in context.marketplaces {
            let query = OrdersQuery(marketplaceIDs: [marketplace],
                                    createdAfter: window.changedSince ? nil : window.start?.formatted(.iso8601),
                                    createdBefore: window.changedSince ? nil : window.end?.formatted(.iso8601),
                                    lastUpdatedAfter: window.changedSince ? window.start?.formatted(.iso8601) : nil,
                                    maxResultsPerPage: 100)
            for try await page in api.allOrders(query) {
                pages += 1
                for order in page.Orders {
                    orders.append(try OrderRows.order(order, marketplace: order.MarketplaceId ?? marketplace))
                    for try await itemPage in api.allOrderItems(orderID: order.AmazonOrderId) {
                        for item in itemPage.OrderItems {
                            items.append(try OrderRows.item(item, orderID: order.AmazonOrderId, marketplace: order.MarketplaceId ?? marketplace))
                        }
                    }
                }
                await context.pageRead(pages)
            }
        }
        let orderRows = orders, itemRows = items
        return FetchedWindow(pages: pages) { session in
            try await session.stage(AmazonTables.orders, rows: orderRows)
            try await session.stage(AmazonTables.orderItems, rows: itemRows)
        }
    }
}
