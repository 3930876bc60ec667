import Foundation
import InventorySync
import InventorySyncTesting
import OpsideAmazonSPAPI
import OpsideTesting
import Testing

/// Issue 17: the order history comes in through the All Orders report, 30 days a report, not
/// through one `getOrderItems` call per order; the per-call APIs keep it current afterwards.
@Suite(.serialized) struct OrdersBackfillTests {
    static func requests(_ sandbox: InventorySyncSandbox, _ seller: InventorySyncSandbox.Seller) async throws -> [String: Int] {
        let stats = try JSONSerialization.jsonObject(with: try await sandbox.admin(.GET, "/_sandbox/sellers/\(seller.sellingPartnerId)/stats"))
        return ((stats as? [String: Any])?["requests"] as? [String: Any])?.compactMapValues { $0 as? Int } ?? [:]
    }

    static func delta(_ after: [String: Int], _ before: [String: Int], _ operation: String) -> Int {
        after[operation, default: 0] - before[operation, default: 0]
    }

    /// What both paths carry, row by row: every column of the orders but those the report
    /// lacks (order type, replacement, Prime), every column of the items but Amazon's item id
    /// and the condition.
    static let ordersCarried = """
        SELECT concat_ws('|', amazon_order_id, coalesce(seller_order_id, ''), purchase_date, last_update_date, order_status,
                         fulfillment_channel, sales_channel, order_total_minor, currency, items_shipped, items_unshipped, is_business)
        FROM amazon.orders WHERE connection_id = '%@' ORDER BY amazon_order_id
        """
    static let itemsCarried = """
        SELECT concat_ws('|', amazon_order_id, asin, seller_sku, title, quantity_ordered, quantity_shipped, item_price_minor,
                         item_tax_minor, promotion_discount_minor, currency)
        FROM amazon.order_items WHERE connection_id = '%@' ORDER BY amazon_order_id, seller_sku
        """

    @Test func theAllOrdersReportLoadsWhatThePerCallAPIsLoadWithoutACallPerOrder() async throws {
        let sandbox = try await InventorySyncSandbox.start()
        let tokens = SandboxAccessTokenSource(sandbox: sandbox)
        let byReport = try await TestDatabase.create(), byCalls = try await TestDatabase.create()
        let reportService = try await RunningInventorySync.start(database: byReport, sandbox: sandbox, tokens: tokens)
        let callService = try await RunningInventorySync.start(database: byCalls, sandbox: sandbox, tokens: tokens,
                                                               overrides: ["sync.ordersBackfill": "calls"])
        defer { Task { await reportService.stop(); await callService.stop(); await sandbox.stop() } }
        try await sandbox.freezeClock()
        let seller = try await sandbox.createSeller(seed: 4317, skus: 3, months: 3)
        let tenant = UUID(), viaReport = UUID(), viaCalls = UUID()
        tokens.register(connectionID: viaReport, tenantID: tenant, seller: seller)
        tokens.register(connectionID: viaCalls, tenantID: tenant, seller: seller)

        // The report path: 30-day reports, no order item call.
        let before = try await Self.requests(sandbox, seller)
        let reportRuns = try await reportService.syncAndWait(tenant: tenant, connection: viaReport, dataset: "orders")
        #expect(reportRuns.map(\.state) == ["succeeded"], "\(reportRuns.map { $0.errorMessage ?? "" })")
        let afterReport = try await Self.requests(sandbox, seller)
        #expect(Self.delta(afterReport, before, "ordersV0.getOrderItems") == 0)
        #expect(Self.delta(afterReport, before, "ordersV0.getOrders") == 0)
        // 548 days in 30-day windows.
        #expect(Self.delta(afterReport, before, "reports_2021-06-30.createReport") == 19)

        // The per-call path: one getOrderItems per order.
        let callRuns = try await callService.syncAndWait(tenant: tenant, connection: viaCalls, dataset: "orders")
        #expect(callRuns.map(\.state) == ["succeeded"], "\(callRuns.map { $0.errorMessage ?? "" })")
        let afterCalls = try await Self.requests(sandbox, seller)
        let orderCount = try await byCalls.count("SELECT count(*) FROM amazon.orders WHERE connection_id = '\(viaCalls)'")
        #expect(orderCount > 30, "the seller has orders to compare")
        #expect(Self.delta(afterCalls, afterReport, "ordersV0.getOrderItems") == orderCount)

        // The same orders and items, value by value.
        let reportOrders = try await byReport.strings(String(format: Self.ordersCarried, viaReport.uuidString))
        let callOrders = try await byCalls.strings(String(format: Self.ordersCarried, viaCalls.uuidString))
        #expect(reportOrders.count == orderCount)
        #expect(reportOrders == callOrders, "first difference: \(zip(reportOrders, callOrders).first { $0 != $1 }.map { "\($0) / \($1)" } ?? "counts")")
        let reportItems = try await byReport.strings(String(format: Self.itemsCarried, viaReport.uuidString))
        let callItems = try await byCalls.strings(String(format: Self.itemsCarried, viaCalls.uuidString))
        #expect(reportItems == callItems, "first difference: \(zip(reportItems, callItems).first { $0 != $1 }.map { "\($0) / \($1)" } ?? "counts")")
        // What the report lacks stays unknown rather than guessed.
        #expect(try await byReport.count("""
            SELECT count(*) FROM amazon.orders WHERE connection_id = '\(viaReport)' AND (is_prime IS NOT NULL OR order_type IS NOT NULL)
            """) == 0)
        #expect(try await byReport.count("""
            SELECT count(*) FROM amazon.order_items WHERE connection_id = '\(viaReport)' AND order_item_id NOT LIKE 'sku:%'
            """) == 0)

        // Kept current by calls: an order read again unchanged costs no item call and keeps its
        // items; one whose status changed, or whose items are missing, gets Amazon's items, whole.
        let recent = try await byReport.strings("""
            SELECT amazon_order_id FROM amazon.orders WHERE connection_id = '\(viaReport)'
            ORDER BY purchase_date DESC LIMIT 2
            """)
        try #require(recent.count == 2)
        try await byReport.withSuperuser { connection in
            try await connection.query("""
                UPDATE amazon.orders SET order_status = 'Pending' WHERE connection_id = \(viaReport) AND amazon_order_id = \(recent[0])
                """, logger: TestEnvironment.logger)
            try await connection.query("""
                DELETE FROM amazon.order_items WHERE connection_id = \(viaReport) AND amazon_order_id = \(recent[1])
                """, logger: TestEnvironment.logger)
            // The next sync reads what changed since two days before the watermark: from just before these two orders.
            try await connection.query("""
                UPDATE amazon.sync_watermarks SET synced_through = (
                    SELECT min(purchase_date) + interval '47 hours' FROM amazon.orders
                    WHERE connection_id = \(viaReport) AND amazon_order_id IN (\(recent[0]), \(recent[1])))
                WHERE connection_id = \(viaReport) AND dataset = 'orders'
                """, logger: TestEnvironment.logger)
        }
        let again = try await reportService.syncAndWait(tenant: tenant, connection: viaReport, dataset: "orders")
        #expect(again.map(\.state) == ["succeeded"])
        let afterAgain = try await Self.requests(sandbox, seller)
        #expect(Self.delta(afterAgain, afterCalls, "ordersV0.getOrderItems") == 2)
        #expect(Self.delta(afterAgain, afterCalls, "reports_2021-06-30.createReport") == 0)
        let itemIDs = try await byReport.strings("""
            SELECT order_item_id FROM amazon.order_items WHERE connection_id = '\(viaReport)' AND amazon_order_id IN ('\(recent[0])', '\(recent[1])')
            """)
        let expectedIDs = try await byCalls.strings("""
            SELECT order_item_id FROM amazon.order_items WHERE connection_id = '\(viaCalls)' AND amazon_order_id IN ('\(recent[0])', '\(recent[1])')
            """)
        #expect(itemIDs.sorted() == expectedIDs.sorted() && itemIDs.count == 2, "the report's items gave way to Amazon's: \(itemIDs)")
        #expect(try await byReport.count("SELECT count(*) FROM amazon.order_items WHERE connection_id = '\(viaReport)'") == orderCount)
        // The orders read again gained what the report lacked.
        #expect(try await byReport.count("""
            SELECT count(*) FROM amazon.orders WHERE connection_id = '\(viaReport)' AND amazon_order_id = '\(recent[0])'
              AND is_prime AND order_status = 'Shipped'
            """) == 1)
    }

    @Test func theBackfillSyncsWhatEveryClaimNeedsBeforeTheOrders() {
        let order = SyncDataset.allCases
        for family in ClaimCoverage.families {
            for dataset in family.datasets {
                #expect(order.firstIndex(of: dataset)! < order.firstIndex(of: .orders)!, "\(family.id) needs \(dataset.rawValue) before the orders")
            }
        }
        // The orders backfill by report waits for the claim datasets' reports, which share its quota.
        #expect(SyncDataset.orders.reportsAheadOfBackfill == [.ledgerDetail, .reimbursements, .customerReturns, .removalOrders,
                                                               .removalShipments, .replacements, .estimatedFees])
        #expect(SyncDataset.ledgerDetail.reportsAheadOfBackfill.isEmpty)
        #expect(Set(ClaimCoverage.families.flatMap(\.claimTypes)).count == ClaimCoverage.families.flatMap(\.claimTypes).count,
                "each claim type in one family")
    }

    @Test func claimCoverageSaysWhichClaimsTheDatasetsSyncedSoFarCover() {
        let at = Date(timeIntervalSince1970: 1_800_000_000)
        let states = ClaimCoverage.states(firstSynced: [.ledgerDetail: at, .removalOrders: at.addingTimeInterval(30),
                                                        .reimbursements: at.addingTimeInterval(60)])
        let byFamily = Dictionary(uniqueKeysWithValues: states.map { ($0.family, $0) })
        #expect(byFamily["warehouse"]?.covered == true && byFamily["warehouse"]?.coveredAt == at.addingTimeInterval(60))
        #expect(byFamily["inbound"]?.covered == false && byFamily["inbound"]?.waitingFor == ["inbound_shipments"])
        #expect(byFamily["inbound"]?.coveredAt == nil)
        #expect(byFamily["refunds"]?.waitingFor == ["customer_returns", "financial_events", "replacements", "estimated_fees"])
        #expect(states.map(\.family) == ClaimCoverage.families.map(\.id))
    }

    @Test func theSandboxRefusesAnAllOrdersReportOfMoreThanThirtyDaysAsAmazonDoes() async throws {
        let sandbox = try await InventorySyncSandbox.start()
        defer { Task { await sandbox.stop() } }
        let seller = try await sandbox.createSeller(seed: 4318, skus: 2, months: 2)
        let api = sandbox.api(for: seller)
        func report(days: Double) async throws -> ReportCompletion {
            let end = Date().addingTimeInterval(-3600)
            return try await api.createReportAndWait(CreateReportSpecification(
                reportType: AllOrdersRow.reportType, marketplaceIDs: seller.marketplaceIds,
                dataStartTime: end.addingTimeInterval(-days * 86_400).formatted(.iso8601), dataEndTime: end.formatted(.iso8601)))
        }
        await #expect {
            _ = try await report(days: 31)
        } throws: { error in
            guard case ReportError.fatal(_, let document) = error else { return false }
            return document?.contains("Date range exceeded") == true
        }
        guard case .done = try await report(days: 30) else {
            Issue.record("a 30-day All Orders report of a selling seller has rows")
            return
        }
    }

    @Test func anAllOrdersFileFromSellerCentralImportsAsOrders() async throws {
        let database = try await TestDatabase.create()
        let sandbox = try await InventorySyncSandbox.start()
        let tokens = SandboxAccessTokenSource(sandbox: sandbox)
        let service = try await RunningInventorySync.start(database: database, sandbox: sandbox, tokens: tokens)
        defer { Task { await service.stop(); await sandbox.stop() } }
        let seller = try await sandbox.createSeller(seed: 4319, skus: 2, months: 2)
        let tenant = UUID(), connection = UUID()
        tokens.register(connectionID: connection, tenantID: tenant, seller: seller)

        let end = Date().addingTimeInterval(-3600)
        let specification = CreateReportSpecification(reportType: AllOrdersRow.byLastUpdateReportType, marketplaceIDs: seller.marketplaceIds,
                                                      dataStartTime: end.addingTimeInterval(-30 * 86_400).formatted(.iso8601),
                                                      dataEndTime: end.formatted(.iso8601))
        var lines: [ReportRecord] = []
        for try await row in try await sandbox.api(for: seller).runReport(specification, as: ReportRecord.self) { lines.append(row) }
        try #require(lines.count > 5)
        // A damaged line: its order is refused whole, and the others load.
        var text = lines[0].header.names.joined(separator: "\t") + "\n"
        for (index, line) in lines.enumerated() {
            var fields = line.fields
            if index == 0, let quantity = line.header.index(of: "quantity") { fields[quantity] = "two" }
            text += fields.joined(separator: "\t") + "\n"
        }
        let (reply, run, result) = try await service.importAndWait(tenant: tenant, connection: connection, body: Data(text.utf8))
        #expect(reply.status == 202, "\(reply.text)")
        #expect(run?.state == "succeeded")
        #expect(result?.dataset == "orders")
        #expect(result?.detectedReportType == AllOrdersRow.reportType)
        let orders = Set(lines.compactMap { $0.string("amazon-order-id") })
        #expect(try await database.count("SELECT count(*) FROM amazon.orders WHERE connection_id = '\(connection)'") == orders.count - 1)
        #expect(try await database.count("SELECT count(*) FROM amazon.order_items WHERE connection_id = '\(connection)'") == lines.count - 1)
        #expect(try await database.count("SELECT count(*) FROM amazon.sync_quarantine WHERE connection_id = '\(connection)'") == 1)
    }
}
