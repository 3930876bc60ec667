import Foundation
import OpsideEvents
import OpsideTesting
import Testing

@testable import InventorySync

/// Amazon's notifications applied to the synced data: each only when newer than what a row holds,
/// so duplicates and reordering leave the newest state.
@Suite struct NotificationChangesTests {
    typealias Merge = InventorySyncMergeTests
    static let marketplace = "ATVPDKIKX0DER"

    static func inventory(_ connection: UUID, at time: Date, fulfillable: Int, id: String) -> AmazonInventoryChanged {
        AmazonInventoryChanged(connectionId: connection, notificationId: id, eventTime: time, sellerSku: "SKU-1", fnsku: "X00FNSKU1", asin: "B0ASIN0001",
                               marketplaces: [.init(marketplaceId: marketplace, itemName: "Mug", fulfillable: fulfillable, unfulfillable: 1,
                                                    researching: 0, reserved: 2, inboundWorking: 0, inboundShipped: 3, inboundReceiving: 0)])
    }

    static func order(_ connection: UUID, at time: Date, status: String, id: String) -> AmazonOrderChanged {
        AmazonOrderChanged(connectionId: connection, notificationId: id, changedAt: time, amazonOrderId: "111-0000001-0000001",
                           marketplaceId: marketplace, changeType: "OrderStatusChange", changeReason: nil, orderStatus: status,
                           fulfillmentType: "AFN", purchaseDate: time.addingTimeInterval(-3600), itemsShipped: status == "Shipped" ? 1 : 0,
                           itemsUnshipped: status == "Shipped" ? 0 : 1)
    }

    @Test func inventoryAndOrderChangesApplyOnlyWhenNewer() async throws {
        let importer = try await Merge.Importer.make()
        let tenant = importer.tenant, connection = UUID()
        let t0 = Date(timeIntervalSince1970: 1_790_000_000)
        let (first, repeated, older, newer, orders) = try await importer.withDatabase { database in
            let changes = NotificationChanges(database: database, logger: TestEnvironment.logger)
            let first = try await changes.apply(Self.inventory(connection, at: t0, fulfillable: 10, id: "n1"), tenantID: tenant)
            // The same notification again, then an older one arriving late: neither changes the row.
            let repeated = try await changes.apply(Self.inventory(connection, at: t0, fulfillable: 10, id: "n1"), tenantID: tenant)
            let older = try await changes.apply(Self.inventory(connection, at: t0.addingTimeInterval(-60), fulfillable: 99, id: "n0"), tenantID: tenant)
            let newer = try await changes.apply(Self.inventory(connection, at: t0.addingTimeInterval(60), fulfillable: 7, id: "n2"), tenantID: tenant)
            // Shipped (newer) arrives before Unshipped (older): the order stays Shipped.
            let shipped = try await changes.apply(Self.order(connection, at: t0.addingTimeInterval(120), status: "Shipped", id: "o2"), tenantID: tenant)
            let unshipped = try await changes.apply(Self.order(connection, at: t0, status: "Unshipped", id: "o1"), tenantID: tenant)
            return (first, repeated, older, newer, [shipped, unshipped])
        }
        #expect(first == 1 && repeated == 0 && older == 0 && newer == 1)
        #expect(orders == [true, false])
        let inventory = try await importer.rows("inventory_summaries", connection,
                                                columns: "seller_sku, fulfillable_quantity, total_quantity, reserved_quantity, inbound_shipped_quantity")
        #expect(inventory == ["SKU-1|7|13|2|3"], "the newest notification's quantities, total = all of them")
        let order = try await importer.rows("orders", connection, columns: "amazon_order_id, order_status, items_shipped, fulfillment_channel")
        #expect(order == ["111-0000001-0000001|Shipped|1|AFN"])
    }

    @Test func aFinishedReportIsRecordedForTheSyncWaitingForIt() async throws {
        let importer = try await Merge.Importer.make()
        let tenant = importer.tenant, connection = UUID()
        let recorded = try await importer.withDatabase { database in
            try await database.withTransaction(tenant: tenant) { db in
                try await db.query("""
                    INSERT INTO amazon.report_requests (report_id, tenant_id, connection_id, report_type, marketplace_id)
                    VALUES ('R-1', \(tenant), \(connection), 'GET_LEDGER_DETAIL_VIEW_DATA', \(Self.marketplace))
                    """, logger: TestEnvironment.logger)
            }
            let changes = NotificationChanges(database: database, logger: TestEnvironment.logger)
            let fetcher = ReportWindowFetcher(reportType: "GET_LEDGER_DETAIL_VIEW_DATA", ranged: true, database: database,
                                              logger: TestEnvironment.logger, now: { Date() })
            let finished = AmazonReportFinished(connectionId: connection, notificationId: "r1", eventTime: Date(), reportId: "R-1",
                                                reportType: "GET_LEDGER_DETAIL_VIEW_DATA", processingStatus: "DONE", reportDocumentId: "DOC-1")
            let first = try await changes.apply(finished, tenantID: tenant)
            let again = try await changes.apply(finished, tenantID: tenant)
            let waited = try await fetcher.finishedByNotification(reportID: "R-1", tenant: tenant)
            return (first, again, waited)
        }
        #expect(recorded.0 && !recorded.1, "recorded once; a repeat finds nothing left to record")
        #expect(recorded.2.processingStatus == "DONE" && recorded.2.reportDocumentID == "DOC-1")
    }
}
