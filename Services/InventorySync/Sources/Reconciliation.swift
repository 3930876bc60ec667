import Foundation
import Logging
import OpsidePostgres
import PostgresNIO

/// Per FNSKU, compares what Amazon says is on hand (inventory summaries) with what the ledger
/// adds up to, and records every difference in `amazon.inventory_discrepancies` (claim detection
/// and the dashboard read it).
///
/// The ledger balance is the latest ending balance of the ledger summary when there is one
/// (it covers history older than the 18 months of detail), else the sum of the detail's signed
/// quantities.
public protocol InventoryReconciler: Sendable {
    /// Recomputes the connection's discrepancies; returns how many FNSKUs differ.
    @discardableResult
    func reconcile(tenantID: UUID, connectionID: UUID) async throws -> Int
}

public struct InventoryPostgresReconciler: InventoryReconciler {
    let database: Database
    let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    public func reconcile(tenantID: UUID, connectionID: UUID) async throws -> Int {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenantID) { db in
            try await db.query("DELETE FROM amazon.inventory_discrepancies WHERE connection_id = \(connectionID)", logger: logger)
            let rows = try await db.query("""
                WITH summary AS (
                    SELECT marketplace_id, fnsku, min(seller_sku) AS seller_sku, sum(coalesce(total_quantity, 0))::integer AS quantity
                    FROM amazon.inventory_summaries WHERE connection_id = \(connectionID)
                    GROUP BY marketplace_id, fnsku),
                detail AS (
                    SELECT marketplace_id, fnsku, sum(quantity)::integer AS quantity
                    FROM amazon.ledger_detail WHERE connection_id = \(connectionID)
                    GROUP BY marketplace_id, fnsku),
                latest_period AS (
                    SELECT marketplace_id, fnsku, max(period) AS period FROM amazon.ledger_summary
                    WHERE connection_id = \(connectionID) GROUP BY marketplace_id, fnsku),
                closing AS (
                    SELECT s.marketplace_id, s.fnsku, sum(s.ending_balance)::integer AS quantity
                    FROM amazon.ledger_summary s JOIN latest_period p USING (marketplace_id, fnsku, period)
                    WHERE s.connection_id = \(connectionID) GROUP BY s.marketplace_id, s.fnsku),
                ledger AS (
                    SELECT coalesce(c.marketplace_id, d.marketplace_id) AS marketplace_id, coalesce(c.fnsku, d.fnsku) AS fnsku,
                           coalesce(c.quantity, d.quantity) AS quantity
                    FROM closing c FULL JOIN detail d USING (marketplace_id, fnsku)),
                compared AS (
                    SELECT coalesce(s.marketplace_id, l.marketplace_id) AS marketplace_id, coalesce(s.fnsku, l.fnsku) AS fnsku,
                           s.seller_sku, coalesce(s.quantity, 0) AS summary_quantity, coalesce(l.quantity, 0) AS ledger_quantity
                    FROM summary s FULL JOIN ledger l USING (marketplace_id, fnsku)),
                inserted AS (
                    INSERT INTO amazon.inventory_discrepancies
                        (tenant_id, connection_id, marketplace_id, fnsku, seller_sku, summary_quantity, ledger_quantity, difference)
                    SELECT \(tenantID), \(connectionID), marketplace_id, fnsku, seller_sku, summary_quantity, ledger_quantity,
                           summary_quantity - ledger_quantity
                    FROM compared WHERE summary_quantity <> ledger_quantity
                    RETURNING 1)
                SELECT count(*) FROM inserted
                """, logger: logger)
            for try await count in rows.decode(Int64.self) { return Int(count) }
            return 0
        }
    }
}
