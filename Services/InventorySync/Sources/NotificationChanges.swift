import Foundation
import Logging
import OpsideEvents
import OpsidePostgres
import PostgresNIO

/// Applies the changes Amazon's notifications announce (integrations publishes them) to the
/// synced data, between syncs.
///
/// Each is applied only when it is newer than what the row holds: an inventory change by its
/// event time against the row's `last_updated_time`, an order change by its change time against
/// `last_update_date`. So notifications applied twice, or out of order, or after a sync that
/// already read a later state, leave the newest state in place. The syncs stay the reference:
/// they write what Amazon's reports and APIs say whenever they run.
struct NotificationChanges: Sendable {
    let database: Database
    let logger: Logger

    /// - Returns: how many marketplace rows changed (0: every row already held something newer).
    @discardableResult
    func apply(_ change: AmazonInventoryChanged, tenantID: UUID) async throws -> Int {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenantID) { db in
            var changed = 0
            for marketplace in change.marketplaces {
                let inbound = marketplace.inboundWorking + marketplace.inboundShipped + marketplace.inboundReceiving
                let total = marketplace.fulfillable + marketplace.unfulfillable + marketplace.researching + marketplace.reserved + inbound
                let rows = try await db.query("""
                    INSERT INTO amazon.inventory_summaries AS current
                        (tenant_id, connection_id, marketplace_id, seller_sku, fnsku, asin, product_name, total_quantity,
                         fulfillable_quantity, inbound_working_quantity, inbound_shipped_quantity, inbound_receiving_quantity,
                         reserved_quantity, researching_quantity, unfulfillable_quantity, last_updated_time, updated_at)
                    VALUES (\(tenantID), \(change.connectionId), \(marketplace.marketplaceId), \(change.sellerSku), \(change.fnsku),
                            \(change.asin), \(marketplace.itemName), \(total), \(marketplace.fulfillable), \(marketplace.inboundWorking),
                            \(marketplace.inboundShipped), \(marketplace.inboundReceiving), \(marketplace.reserved),
                            \(marketplace.researching), \(marketplace.unfulfillable), \(change.eventTime), now())
                    ON CONFLICT (tenant_id, connection_id, marketplace_id, seller_sku, fnsku) DO UPDATE SET
                        asin = EXCLUDED.asin, product_name = COALESCE(EXCLUDED.product_name, current.product_name),
                        total_quantity = EXCLUDED.total_quantity, fulfillable_quantity = EXCLUDED.fulfillable_quantity,
                        inbound_working_quantity = EXCLUDED.inbound_working_quantity,
                        inbound_shipped_quantity = EXCLUDED.inbound_shipped_quantity,
                        inbound_receiving_quantity = EXCLUDED.inbound_receiving_quantity,
                        reserved_quantity = EXCLUDED.reserved_quantity, researching_quantity = EXCLUDED.researching_quantity,
                        unfulfillable_quantity = EXCLUDED.unfulfillable_quantity, last_updated_time = EXCLUDED.last_updated_time,
                        updated_at = now()
                    WHERE current.last_updated_time IS NULL OR current.last_updated_time < EXCLUDED.last_updated_time
                    RETURNING 1
                    """, logger: logger)
                for try await _ in rows { changed += 1 }
            }
            return changed
        }
    }

    /// - Returns: whether the order's row changed.
    @discardableResult
    func apply(_ change: AmazonOrderChanged, tenantID: UUID) async throws -> Bool {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenantID) { db in
            let rows = try await db.query("""
                INSERT INTO amazon.orders AS current
                    (tenant_id, connection_id, marketplace_id, amazon_order_id, purchase_date, last_update_date, order_status,
                     fulfillment_channel, items_shipped, items_unshipped, updated_at)
                VALUES (\(tenantID), \(change.connectionId), \(change.marketplaceId), \(change.amazonOrderId), \(change.purchaseDate),
                        \(change.changedAt), \(change.orderStatus), \(change.fulfillmentType), \(change.itemsShipped),
                        \(change.itemsUnshipped), now())
                ON CONFLICT (tenant_id, connection_id, marketplace_id, amazon_order_id) DO UPDATE SET
                    order_status = EXCLUDED.order_status, last_update_date = EXCLUDED.last_update_date,
                    purchase_date = COALESCE(current.purchase_date, EXCLUDED.purchase_date),
                    fulfillment_channel = COALESCE(EXCLUDED.fulfillment_channel, current.fulfillment_channel),
                    items_shipped = COALESCE(EXCLUDED.items_shipped, current.items_shipped),
                    items_unshipped = COALESCE(EXCLUDED.items_unshipped, current.items_unshipped), updated_at = now()
                WHERE current.last_update_date IS NULL OR current.last_update_date < EXCLUDED.last_update_date
                RETURNING 1
                """, logger: logger)
            var changed = false
            for try await _ in rows { changed = true }
            return changed
        }
    }

    /// Records a finished report in `report_requests`, so a sync waiting for it (or started later
    /// for the same range) takes its document without asking Amazon again.
    /// - Returns: whether a requested report was waiting for it.
    @discardableResult
    func apply(_ finished: AmazonReportFinished, tenantID: UUID) async throws -> Bool {
        let status = switch finished.processingStatus {
        case "DONE": "done"
        case "CANCELLED": "cancelled"
        default: "fatal"
        }
        let logger = self.logger
        return try await database.withTransaction(tenant: tenantID) { db in
            let rows = try await db.query("""
                UPDATE amazon.report_requests SET status = \(status), document_id = \(finished.reportDocumentId)
                WHERE report_id = \(finished.reportId) AND connection_id = \(finished.connectionId) AND status = 'requested'
                RETURNING 1
                """, logger: logger)
            var changed = false
            for try await _ in rows { changed = true }
            return changed
        }
    }
}
