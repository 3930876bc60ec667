import Foundation
import Logging
import OpsideAmazonData
import OpsideAmazonSPAPI
import OpsidePostgres

/// Fetches a window of orders and their items.
///
/// A first sync (`backfill == .reports`) reads each 30-day window from the All Orders report by
/// order date, items included: one report instead of one `getOrderItems` call per order, the
/// call that made the per-call backfill last days (0.5 a second). A window the report refuses
/// (FATAL: a marketplace without it, a range Amazon will not serve) is read call by call.
///
/// Later syncs read orders changed since the watermark with `getOrders`, and call
/// `getOrderItems` only for an order whose items the tables lack (new, or read before without
/// items) or whose status changed since (items ship, or are cancelled): an order the report
/// brought in, unchanged since, costs no call.
struct OrdersWindowFetcher: WindowFetcher {
    let backfill: SyncEngineSettings.OrdersBackfill
    let reports: ReportWindowFetcher
    let database: Database
    let logger: Logger

    func fetch(_ window: SyncWindow, context: WindowFetchContext) async throws -> FetchedWindow? {
        if !window.changedSince, backfill == .reports {
            return try await fetchByReport(window, context: context)
        }
        return try await fetchByCalls(window, marketplaces: context.marketplaces, context: context)
    }

    // MARK: By report

    private func fetchByReport(_ window: SyncWindow, context: WindowFetchContext) async throws -> FetchedWindow {
        var documents: [(String, String)] = []
        var refused: [String] = []
        for marketplace in context.marketplaces {
            do {
                if let document = try await reports.obtainReport(api: context.api, arguments: context.arguments, type: AllOrdersRow.reportType,
                                                                 marketplace: marketplace, start: window.start, end: window.end) {
                    documents.append((marketplace, document))
                }
            } catch ReportError.fatal(let reportID, let document) {
                logger.warning("the All Orders report was refused; this window is read call by call",
                               metadata: ["report": "\(reportID)", "marketplace": "\(marketplace)", "document": "\(document ?? "none")"])
                refused.append(marketplace)
            }
        }
        let byCalls = refused.isEmpty ? nil : try await fetchByCalls(window, marketplaces: refused, context: context)
        let found = documents, api = context.api
        return FetchedWindow(pages: found.count + (byCalls?.pages ?? 0)) { session in
            for (marketplace, document) in found {
                _ = try await ReportLoader.load(source: api.reportDocumentBytes(reportDocumentID: document), mapping: ReportMapping.allOrders,
                                                marketplace: marketplace, session: session)
            }
            try await byCalls?.stage(session)
        }
    }

    // MARK: By calls

    private func fetchByCalls(_ window: SyncWindow, marketplaces: [String], context: WindowFetchContext) async throws -> FetchedWindow {
        let api = context.api
        var orders: [[String?]] = []
        var items: [[String?]] = []
        var pages = 0
        for marketplace in marketplaces {
            let query = OrdersQuery(marketplaceIDs: [marketplace],
                                    createdAfter: window.changedSince ? nil : window.start?.formatted(.iso8601),
                                    createdBefore: window.changedSince ? nil : window.end?.formatted(.iso8601),
                                    lastUpdatedAfter: window.changedSince ? window.start?.formatted(.iso8601) : nil,
                                    maxResultsPerPage: 100)
            for try await page in api.allOrders(query) {
                pages += 1
                let current = window.changedSince ? try await storedWithItems(page.Orders.map(\.AmazonOrderId), context: context) : [:]
                for order in page.Orders {
                    orders.append(try OrderRows.order(order, marketplace: order.MarketplaceId ?? marketplace))
                    if let status = current[order.AmazonOrderId], status == order.OrderStatus { continue }
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

    /// The stored status of each of `orderIDs` that has its items stored.
    private func storedWithItems(_ orderIDs: [String], context: WindowFetchContext) async throws -> [String: String?] {
        guard !orderIDs.isEmpty else { return [:] }
        let connection = context.arguments.connectionID, logger = self.logger
        return try await database.withTransaction(tenant: context.arguments.tenantID) { db in
            let rows = try await db.query("""
                SELECT o.amazon_order_id, o.order_status FROM amazon.orders o
                WHERE o.connection_id = \(connection) AND o.amazon_order_id = ANY(\(orderIDs))
                  AND EXISTS (SELECT 1 FROM amazon.order_items i
                              WHERE i.connection_id = o.connection_id AND i.marketplace_id = o.marketplace_id
                                AND i.amazon_order_id = o.amazon_order_id)
                """, logger: logger)
            var stored: [String: String?] = [:]
            for try await (id, status) in rows.decode((String, String?).self) { stored[id] = status }
            return stored
        }
    }
}
