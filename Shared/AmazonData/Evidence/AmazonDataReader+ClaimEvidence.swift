import Foundation
import PostgresNIO

/// claim-detector's evidence reads: each one query that filters, joins and aggregates in
/// PostgreSQL what a rule needs (so millions of ledger rows and orders never cross the wire),
/// streamed row by row to the caller inside one read-only, tenant-scoped transaction. Values are
/// always bound parameters; the SQL text is fixed.
extension AmazonDataReader {
    /// Ledger reason codes the inventory rules read: losses (M, 5; E, 6, 7, H, K, U; D) and found
    /// units (F, N). P, Q, O, 3 and 4 move units between dispositions or FNSKUs and are neither.
    public static let inventoryEvidenceReasons = ["M", "5", "F", "N", "E", "6", "7", "H", "K", "U", "D"]

    /// Every FNSKU's inventory evidence, ordered by FNSKU, then day: ledger adjustments with the
    /// reasons above (served by the `ledger_detail_adjustments` partial index), every
    /// reimbursement (a reversal with its original's reason and day), disposal orders, and each
    /// closed inbound shipment's items with the ledger's Receipts for them.
    /// - Parameter includeInbound: whether to read the inbound items (not needed by the other rules).
    public func inventoryEvidence(_ scope: ClaimEvidenceScope, includeInbound: Bool = true,
                                  _ body: (InventoryEvidenceRow) async throws -> Void) async throws {
        var binds = scope.commonBindings
        binds.append(Self.inventoryEvidenceReasons)
        let sql = """
            SELECT * FROM (
                SELECT 'ledger'::text AS kind, l.fnsku, l.msku AS sku, (l.event_date - DATE '1970-01-01')::int8 AS day,
                       coalesce(l.reference_id, l.event_key) AS row_id, l.reason, l.disposition, l.quantity::int8 AS quantity,
                       l.unreconciled_quantity::int8 AS unreconciled, NULL::int8 AS cash, NULL::int8 AS inventory,
                       NULL::int8 AS per_unit, NULL::int8 AS total, NULL::text AS original_id, NULL::text AS original_reason,
                       NULL::int8 AS original_day, l.fulfillment_center AS place, NULL::text AS order_id,
                       NULL::int8 AS received_reported, NULL::int8 AS received_ledger
                FROM amazon.ledger_detail l
                WHERE l.connection_id = $1 AND l.marketplace_id = $2 AND l.event_type = 'Adjustments' AND l.reason = ANY($5)
                UNION ALL
                SELECT 'reimbursement', r.fnsku, r.sku, \(EvidenceSQL.localDay("r.approval_date")), r.reimbursement_id, r.reason, r.condition,
                       coalesce(r.quantity_total, coalesce(r.quantity_cash, 0) + coalesce(r.quantity_inventory, 0))::int8, NULL,
                       r.quantity_cash::int8, r.quantity_inventory::int8, r.amount_per_unit_minor, r.amount_total_minor,
                       nullif(r.original_reimbursement_id, ''), coalesce(nullif(r.original_reimbursement_type, ''), o.reason),
                       \(EvidenceSQL.localDay("o.approval_date")), r.case_id, nullif(r.amazon_order_id, ''), NULL, NULL
                FROM amazon.reimbursements r
                LEFT JOIN LATERAL (
                    SELECT o.reason, o.approval_date FROM amazon.reimbursements o
                    WHERE o.connection_id = r.connection_id AND o.marketplace_id = r.marketplace_id
                      AND o.reimbursement_id = r.original_reimbursement_id
                    ORDER BY o.approval_date LIMIT 1
                ) o ON coalesce(r.original_reimbursement_id, '') <> ''
                WHERE r.connection_id = $1 AND r.marketplace_id = $2
                UNION ALL
                SELECT 'disposal_order', d.fnsku, d.sku, \(EvidenceSQL.localDay("d.request_date")), d.order_id, d.order_status, d.disposition,
                       coalesce(d.disposed_quantity, 0)::int8, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
                FROM amazon.removal_orders d
                WHERE d.connection_id = $1 AND d.marketplace_id = $2 AND lower(d.order_type) = 'disposal'
                \(includeInbound ? Self.inboundEvidence : "")
            ) evidence
            ORDER BY fnsku, day NULLS LAST, kind, row_id
            """
        try await forEachRow(AmazonStreamedQuery(query: PostgresQuery(unsafeSQL: sql, binds: binds), decode: InventoryEvidenceRow.init),
                             tenant: scope.tenantId, body)
    }

    /// Each closed inbound shipment's items, with the day of the shipment's first ledger Receipt
    /// (its delivery) and the Receipts for the item's FNSKU. Both are index-only probes of
    /// `ledger_detail_receipts_by_shipment` per shipment and per item: aggregating every Receipt
    /// of the seller first (a group per shipment and FNSKU, most never joined) spilled to disk and
    /// took most of the inventory read.
    static let inboundEvidence = """
                UNION ALL
                SELECT 'inbound', coalesce(i.fnsku, ''), i.seller_sku, d.day, i.shipment_id, s.shipment_status, NULL,
                       coalesce(i.quantity_shipped, 0)::int8, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, s.destination_fulfillment_center_id,
                       NULL, coalesce(i.quantity_received, 0)::int8, coalesce(rc.units, 0)::int8
                FROM amazon.inbound_shipments s
                CROSS JOIN LATERAL (
                    SELECT (min(l.event_date) - DATE '1970-01-01')::int8 AS day FROM amazon.ledger_detail l
                    WHERE l.connection_id = $1 AND l.reference_id = s.shipment_id AND l.marketplace_id = $2 AND l.event_type = 'Receipts'
                ) d
                JOIN amazon.inbound_shipment_items i
                  ON i.connection_id = s.connection_id AND i.marketplace_id = s.marketplace_id AND i.shipment_id = s.shipment_id
                CROSS JOIN LATERAL (
                    SELECT sum(l.quantity)::int8 AS units FROM amazon.ledger_detail l
                    WHERE l.connection_id = $1 AND l.reference_id = i.shipment_id AND l.fnsku = i.fnsku AND l.marketplace_id = $2
                      AND l.event_type = 'Receipts'
                ) rc
                WHERE s.connection_id = $1 AND s.marketplace_id = $2 AND upper(s.shipment_status) = 'CLOSED'
        """

    /// Refunded units per order and SKU, in order id order, with returns (any status) and
    /// reimbursements for the same order and SKU, and the sale's price and fees.
    public func refundEvidence(_ scope: ClaimEvidenceScope, _ body: (RefundEvidenceRow) async throws -> Void) async throws {
        let sql = """
            WITH refunded AS (
                SELECT e.amazon_order_id AS order_id, e.seller_sku AS sku, \(EvidenceSQL.source("e")) AS source,
                       sum(abs(coalesce(e.quantity, 0)))::int8 AS units, min(e.posted_at) AS first_posted,
                       sum(e.principal_minor)::int8 AS principal, count(*)::int8 AS events
                FROM amazon.financial_refund_events e
                WHERE e.connection_id = $1 AND e.marketplace_id = $2 AND e.amazon_order_id IS NOT NULL AND e.seller_sku IS NOT NULL
                GROUP BY 1, 2, 3
            ), refunds AS (
                SELECT DISTINCT ON (order_id, sku) order_id, sku, source, units, principal, events,
                       min(first_posted) OVER (PARTITION BY order_id, sku) AS first_posted
                FROM refunded ORDER BY order_id, sku, units DESC, source
            ), \(EvidenceSQL.returnedByOrder), \(EvidenceSQL.reimbursedByOrder), reimbursed_by_sku AS (
                SELECT order_id, sku, sum(units)::int8 AS units, string_agg(ids, ',') AS ids FROM reimbursed GROUP BY 1, 2
            )
            SELECT f.order_id, f.sku, f.source, f.units, f.principal, f.events, \(EvidenceSQL.localDay("f.first_posted")) AS day,
                   coalesce(ret.units, 0) AS returned, ret.ids AS return_ids, coalesce(re.units, 0) AS reimbursed, re.ids AS reimbursement_ids,
                   sale.principal AS sale_principal, sale.fees AS sale_fees, sale.units AS sale_units,
                   est.your_price_minor, est.estimated_fee_total_minor, coalesce(est.fnsku, inv.fnsku) AS fnsku
            FROM refunds f
            LEFT JOIN returned ret ON ret.order_id = f.order_id AND ret.sku = f.sku
            LEFT JOIN reimbursed_by_sku re ON re.order_id = f.order_id AND re.sku = f.sku
            \(EvidenceSQL.sale(order: "f.order_id", sku: "f.sku"))
            LEFT JOIN amazon.estimated_fees est ON est.connection_id = $1 AND est.marketplace_id = $2 AND est.sku = f.sku
            \(Self.fnskuOfSKU("f.sku"))
            ORDER BY f.order_id, f.sku
            """
        try await forEachRow(AmazonStreamedQuery(query: PostgresQuery(unsafeSQL: sql, binds: scope.commonBindings), decode: RefundEvidenceRow.init),
                             tenant: scope.tenantId, body)
    }

    /// Returns logged "Unit returned to inventory" or damaged by the carrier or by Amazon, per order
    /// and FNSKU, with the ledger's CustomerReturns rows (served by `ledger_detail_returns_by_order`),
    /// the order's first refund day, reimbursements and the sale.
    public func returnEvidence(_ scope: ClaimEvidenceScope, _ body: (ReturnEvidenceRow) async throws -> Void) async throws {
        let damaged = "upper(coalesce(detailed_disposition, '')) IN ('CARRIER_DAMAGED', 'DAMAGED')"
        let restocked = "lower(coalesce(status, '')) = 'unit returned to inventory'"
        let sql = """
            WITH flagged AS (
                SELECT order_id, fnsku, max(sku) AS sku,
                       coalesce(sum(coalesce(quantity, 0)) FILTER (WHERE \(restocked) AND NOT \(damaged)), 0)::int8 AS restock_units,
                       coalesce(sum(coalesce(quantity, 0)) FILTER (WHERE \(damaged)), 0)::int8 AS damaged_units,
                       min(return_date) AS first_return,
                       string_agg(license_plate_number || ' ' || coalesce(detailed_disposition, ''), ',' ORDER BY return_date) AS return_ids
                FROM amazon.customer_returns
                WHERE connection_id = $1 AND marketplace_id = $2 AND (\(restocked) OR \(damaged))
                GROUP BY order_id, fnsku
            ), refund_days AS (
                SELECT amazon_order_id AS order_id, min(posted_at) AS first_posted FROM amazon.financial_refund_events
                WHERE connection_id = $1 AND marketplace_id = $2 AND amazon_order_id IS NOT NULL GROUP BY 1
            ), \(EvidenceSQL.reimbursedByOrder), reimbursed_by_fnsku AS (
                SELECT order_id, fnsku, sum(units)::int8 AS units, string_agg(ids, ',') AS ids FROM reimbursed GROUP BY 1, 2
            )
            SELECT r.order_id, r.fnsku, r.sku, r.restock_units, r.damaged_units, \(EvidenceSQL.localDay("r.first_return")) AS return_day,
                   r.return_ids, coalesce(ledger.units, 0)::int8 AS ledger_units, ledger.day AS ledger_day,
                   \(EvidenceSQL.localDay("refund.first_posted")) AS refund_day,
                   coalesce(re.units, 0) AS reimbursed, re.ids AS reimbursement_ids,
                   sale.principal AS sale_principal, sale.fees AS sale_fees, sale.units AS sale_units,
                   est.your_price_minor, est.estimated_fee_total_minor
            FROM flagged r
            LEFT JOIN LATERAL (
                SELECT sum(l.quantity) FILTER (WHERE upper(coalesce(l.disposition, '')) NOT IN ('CARRIER_DAMAGED', 'DAMAGED')) AS units,
                       (min(l.event_date) - DATE '1970-01-01')::int8 AS day
                FROM amazon.ledger_detail l
                WHERE l.connection_id = $1 AND l.marketplace_id = $2 AND l.event_type = 'CustomerReturns'
                  AND l.reference_id = r.order_id AND l.fnsku = r.fnsku
            ) ledger ON true
            LEFT JOIN refund_days refund ON refund.order_id = r.order_id
            LEFT JOIN reimbursed_by_fnsku re ON re.order_id = r.order_id AND re.fnsku = r.fnsku
            \(EvidenceSQL.sale(order: "r.order_id", sku: "r.sku"))
            LEFT JOIN amazon.estimated_fees est ON est.connection_id = $1 AND est.marketplace_id = $2 AND est.sku = r.sku
            ORDER BY r.order_id, r.fnsku
            """
        try await forEachRow(AmazonStreamedQuery(query: PostgresQuery(unsafeSQL: sql, binds: scope.commonBindings), decode: ReturnEvidenceRow.init),
                             tenant: scope.tenantId, body)
    }

    /// Replacements per original order and SKU, with returns of the original order and
    /// reimbursements carrying the original or a replacement order id.
    public func replacementEvidence(_ scope: ClaimEvidenceScope, _ body: (ReplacementEvidenceRow) async throws -> Void) async throws {
        let sql = """
            WITH replaced AS (
                SELECT original_order_id, sku, sum(coalesce(quantity, 0))::int8 AS units, min(shipment_date) AS first_shipped,
                       array_agg(DISTINCT replacement_order_id ORDER BY replacement_order_id) AS replacement_ids
                FROM amazon.replacements WHERE connection_id = $1 AND marketplace_id = $2 GROUP BY 1, 2
            ), \(EvidenceSQL.returnedByOrder), \(EvidenceSQL.reimbursedByOrder), reimbursed_either AS (
                SELECT o.original_order_id, o.sku, sum(b.units)::int8 AS units, string_agg(b.ids, ',') AS ids
                FROM (SELECT original_order_id, sku, unnest(replacement_ids || original_order_id) AS order_id FROM replaced) o
                JOIN reimbursed b ON b.order_id = o.order_id AND b.sku = o.sku
                GROUP BY 1, 2
            )
            SELECT r.original_order_id, r.sku, array_to_string(r.replacement_ids, ',') AS replacement_ids, r.units,
                   \(EvidenceSQL.localDay("r.first_shipped")) AS day, coalesce(ret.units, 0) AS returned, ret.ids AS return_ids,
                   coalesce(re.units, 0) AS reimbursed, re.ids AS reimbursement_ids,
                   sale.principal AS sale_principal, sale.fees AS sale_fees, sale.units AS sale_units,
                   est.your_price_minor, est.estimated_fee_total_minor, coalesce(est.fnsku, inv.fnsku) AS fnsku
            FROM replaced r
            LEFT JOIN returned ret ON ret.order_id = r.original_order_id AND ret.sku = r.sku
            LEFT JOIN reimbursed_either re ON re.original_order_id = r.original_order_id AND re.sku = r.sku
            \(EvidenceSQL.sale(order: "r.original_order_id", sku: "r.sku"))
            LEFT JOIN amazon.estimated_fees est ON est.connection_id = $1 AND est.marketplace_id = $2 AND est.sku = r.sku
            \(Self.fnskuOfSKU("r.sku"))
            ORDER BY r.original_order_id, r.sku
            """
        try await forEachRow(AmazonStreamedQuery(query: PostgresQuery(unsafeSQL: sql, binds: scope.commonBindings),
                                                 decode: ReplacementEvidenceRow.init), tenant: scope.tenantId, body)
    }

    /// Completed Return-type removal orders per order and FNSKU, with the shipment report's units,
    /// the order's last shipment day and Amazon's latest warehouse or inbound value for the FNSKU.
    public func removalEvidence(_ scope: ClaimEvidenceScope, _ body: (RemovalEvidenceRow) async throws -> Void) async throws {
        let sql = """
            WITH lines AS (
                SELECT order_id, fnsku, max(sku) AS sku, sum(coalesce(requested_quantity, 0))::int8 AS requested,
                       sum(coalesce(cancelled_quantity, 0))::int8 AS cancelled, sum(coalesce(disposed_quantity, 0))::int8 AS disposed,
                       sum(coalesce(shipped_quantity, 0))::int8 AS shipped, max(last_updated_date) AS last_updated
                FROM amazon.removal_orders
                WHERE connection_id = $1 AND marketplace_id = $2 AND lower(order_type) = 'return' AND lower(order_status) = 'completed'
                GROUP BY order_id, fnsku
            ), delivered AS (
                SELECT order_id, fnsku, sum(coalesce(shipped_quantity, 0))::int8 AS units,
                       string_agg(tracking_number, ',' ORDER BY tracking_number) AS tracking
                FROM amazon.removal_shipments WHERE connection_id = $1 AND marketplace_id = $2 GROUP BY 1, 2
            ), last_shipped AS (
                SELECT order_id, max(shipment_date) AS shipped_at FROM amazon.removal_shipments
                WHERE connection_id = $1 AND marketplace_id = $2 GROUP BY 1
            ), \(Self.amazonEstimates)
            SELECT l.order_id, l.fnsku, l.sku, l.requested, l.cancelled, l.disposed, l.shipped,
                   coalesce(d.units, 0)::int8 AS delivered, d.tracking,
                   \(EvidenceSQL.localDay("coalesce(s.shipped_at, l.last_updated)")) AS day,
                   e.per_unit AS estimate, e.reimbursement_id AS estimate_id
            FROM lines l
            LEFT JOIN delivered d ON d.order_id = l.order_id AND d.fnsku = l.fnsku
            LEFT JOIN last_shipped s ON s.order_id = l.order_id
            LEFT JOIN estimates e ON e.fnsku = l.fnsku
            ORDER BY l.fnsku, day NULLS LAST, l.order_id
            """
        try await forEachRow(AmazonStreamedQuery(query: PostgresQuery(unsafeSQL: sql, binds: scope.commonBindings), decode: RemovalEvidenceRow.init),
                             tenant: scope.tenantId, body)
    }

    /// Reimbursements whose reason names a removal, with reversals of them (negative units).
    public func removalReimbursements(_ scope: ClaimEvidenceScope, _ body: (RemovalReimbursementRow) async throws -> Void) async throws {
        let sql = """
            SELECT r.reimbursement_id, r.fnsku, nullif(r.amazon_order_id, '') AS order_id, r.reason,
                   (coalesce(r.quantity_cash, 0) + coalesce(r.quantity_inventory, 0))::int8 AS units, \(EvidenceSQL.localDay("r.approval_date")) AS day
            FROM amazon.reimbursements r
            WHERE r.connection_id = $1 AND r.marketplace_id = $2
              AND (lower(coalesce(r.reason, '')) LIKE '%removal%' OR lower(coalesce(r.original_reimbursement_type, '')) LIKE '%removal%')
            ORDER BY r.fnsku, day, r.reimbursement_id
            """
        try await forEachRow(AmazonStreamedQuery(query: PostgresQuery(unsafeSQL: sql, binds: scope.commonBindings),
                                                 decode: RemovalReimbursementRow.init), tenant: scope.tenantId, body)
    }

    /// Reimbursements paid in cash (reversals excluded), with the sale behind their order and
    /// whether a reversal took them back.
    public func cashReimbursements(_ scope: ClaimEvidenceScope, _ body: (CashReimbursementRow) async throws -> Void) async throws {
        let sql = """
            WITH reversals AS (
                SELECT original_reimbursement_id AS original_id, min(reimbursement_id) AS reversal_id FROM amazon.reimbursements
                WHERE connection_id = $1 AND marketplace_id = $2 AND coalesce(original_reimbursement_id, '') <> '' GROUP BY 1
            )
            SELECT r.reimbursement_id, r.fnsku, r.sku, nullif(r.amazon_order_id, '') AS order_id, r.reason,
                   \(EvidenceSQL.localDay("r.approval_date")) AS day, r.quantity_cash::int8 AS cash, r.amount_per_unit_minor AS per_unit,
                   r.amount_total_minor AS total, v.reversal_id,
                   sale.principal AS sale_principal, sale.fees AS sale_fees, sale.units AS sale_units,
                   est.your_price_minor, est.estimated_fee_total_minor
            FROM amazon.reimbursements r
            LEFT JOIN reversals v ON v.original_id = r.reimbursement_id
            \(EvidenceSQL.sale(order: "nullif(r.amazon_order_id, '')", sku: "r.sku"))
            LEFT JOIN amazon.estimated_fees est ON est.connection_id = $1 AND est.marketplace_id = $2 AND est.sku = r.sku
            WHERE r.connection_id = $1 AND r.marketplace_id = $2 AND coalesce(r.quantity_cash, 0) > 0
              AND lower(coalesce(r.reason, '')) <> 'reimbursement_reversal'
            ORDER BY r.reimbursement_id, r.sku, r.fnsku
            """
        try await forEachRow(AmazonStreamedQuery(query: PostgresQuery(unsafeSQL: sql, binds: scope.commonBindings),
                                                 decode: CashReimbursementRow.init), tenant: scope.tenantId, body)
    }

    /// FBA fulfillment fees charged above the expected fee per unit, per order and SKU: `expected`
    /// is the seller's fee for the SKU (minor units) when set, else the estimated-fees report's.
    /// Fee corrections for the order (reimbursements `FeeCorrection`, adjustments
    /// `INCORRECT_FEES_ITEMS` whose transaction number is the order id) come with it.
    public func feeOvercharges(_ scope: ClaimEvidenceScope, sellerFees: [String: Int64],
                               _ body: (FeeChargeEvidenceRow) async throws -> Void) async throws {
        var binds = scope.commonBindings
        let skus = sellerFees.keys.sorted()
        binds.append(skus)
        binds.append(skus.map { sellerFees[$0]! })
        let sql = """
            WITH seller_fees AS (
                SELECT * FROM unnest($5::text[], $6::int8[]) AS s(sku, fee)
            ), expected AS (
                SELECT coalesce(sf.sku, est.sku) AS sku, coalesce(sf.fee, est.expected_fulfillment_fee_minor) AS fee, sf.fee IS NOT NULL AS seller_set,
                       est.fnsku
                FROM seller_fees sf
                FULL JOIN (SELECT sku, expected_fulfillment_fee_minor, fnsku FROM amazon.estimated_fees
                           WHERE connection_id = $1 AND marketplace_id = $2) est ON est.sku = sf.sku
                WHERE coalesce(sf.fee, est.expected_fulfillment_fee_minor) IS NOT NULL
            ), charges AS (
                SELECT e.amazon_order_id AS order_id, e.seller_sku AS sku, \(EvidenceSQL.source("e")) AS source, e.posted_at, e.event_key,
                       e.quantity::int8 AS quantity,
                       x.fee AS expected, x.seller_set, x.fnsku,
                       -- One FBAPerUnitFulfillmentFee per item (Amazon lists each fee type once in an ItemFeeList):
                       -- a JSON path is several times cheaper than expanding every event's fee list.
                       abs(coalesce(round(jsonb_path_query_first(e.fees,
                           '$[*] ? (@.FeeType == "FBAPerUnitFulfillmentFee").FeeAmount.CurrencyAmount')::numeric * $4), 0))::int8 AS charged
                FROM amazon.financial_shipment_events e
                JOIN expected x ON x.sku = e.seller_sku
                WHERE e.connection_id = $1 AND e.marketplace_id = $2 AND e.amazon_order_id IS NOT NULL AND e.quantity > 0
            ), corrections AS (
                -- Per order, the largest correction among sources (a settlement file and the API carry the same ones).
                SELECT order_id, max(amount)::int8 AS amount, string_agg(ids, ',') AS ids FROM (
                    SELECT order_id, source, sum(amount) AS amount, string_agg(id, ',') AS ids FROM (
                        SELECT amazon_order_id AS order_id, 'report'::text AS source, coalesce(amount_total_minor, 0) AS amount, reimbursement_id AS id
                        FROM amazon.reimbursements
                        WHERE connection_id = $1 AND marketplace_id = $2 AND lower(coalesce(reason, '')) = 'feecorrection' AND amazon_order_id <> ''
                        UNION ALL
                        SELECT transaction_number, \(EvidenceSQL.source("a")), coalesce(total_minor, 0), adjustment_type || ':' || event_key
                        FROM amazon.financial_adjustment_events a
                        WHERE connection_id = $1 AND marketplace_id = $2 AND adjustment_type = 'INCORRECT_FEES_ITEMS' AND transaction_number IS NOT NULL
                    ) c GROUP BY order_id, source
                ) by_source GROUP BY order_id
            ), overcharged AS (
                SELECT c.order_id, c.sku, c.source, max(c.fnsku) AS fnsku, min(c.posted_at) AS first_posted, sum(c.quantity)::int8 AS units,
                       sum(c.charged)::int8 AS charged, max(c.expected)::int8 AS expected, bool_or(c.seller_set) AS seller_set,
                       string_agg(c.event_key, ',' ORDER BY c.posted_at, c.event_key) AS event_keys
                FROM charges c
                WHERE c.charged > c.quantity * c.expected
                GROUP BY c.order_id, c.sku, c.source
            ), one_source AS (
                -- The same charge from two sources counts once: per order and SKU, the source charging most.
                SELECT DISTINCT ON (order_id, sku) * FROM overcharged ORDER BY order_id, sku, charged DESC, source
            )
            SELECT o.order_id, o.sku, o.fnsku, \(EvidenceSQL.localDay("o.first_posted")) AS day, o.units, o.charged, o.expected, o.seller_set,
                   o.event_keys, k.amount AS corrected, k.ids AS correction_ids
            FROM one_source o
            LEFT JOIN corrections k ON k.order_id = o.order_id
            ORDER BY o.order_id, o.sku
            """
        try await forEachRow(AmazonStreamedQuery(query: PostgresQuery(unsafeSQL: sql, binds: binds), decode: FeeChargeEvidenceRow.init),
                             tenant: scope.tenantId, body)
    }

    /// Amazon's latest amount per unit on a warehouse or inbound reimbursement, per FNSKU.
    static let amazonEstimates = """
        estimates AS (
            SELECT DISTINCT ON (fnsku) fnsku, amount_per_unit_minor AS per_unit, reimbursement_id
            FROM amazon.reimbursements
            WHERE connection_id = $1 AND marketplace_id = $2 AND coalesce(amount_per_unit_minor, 0) > 0
              AND lower(coalesce(reason, '')) IN ('lost_warehouse', 'damaged_warehouse', 'lost_inbound', 'damaged_inbound')
            ORDER BY fnsku, approval_date DESC NULLS LAST, reimbursement_id DESC
        )
        """

    /// The FNSKU of a SKU the estimated-fees report does not name, from the inventory summaries.
    static func fnskuOfSKU(_ sku: String) -> String {
        """
        LEFT JOIN LATERAL (
            SELECT i.fnsku FROM amazon.inventory_summaries i
            WHERE i.connection_id = $1 AND i.marketplace_id = $2 AND i.seller_sku = \(sku) ORDER BY i.fnsku LIMIT 1
        ) inv ON true
        """
    }
}
