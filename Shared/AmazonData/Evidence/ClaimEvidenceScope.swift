import Foundation
import PostgresNIO

/// What claim-detector's evidence reads are scoped to: one tenant's connection in one
/// marketplace, with the marketplace's time zone (instants become its local days in SQL) and its
/// currency's minor units (Finances amounts, stored as decimal JSON, become integers in SQL).
public struct ClaimEvidenceScope: Sendable, Hashable {
    public var tenantId: UUID
    public var connectionId: UUID
    public var marketplaceId: String
    /// IANA name (`America/Los_Angeles`).
    public var timeZone: String
    /// 10^digits of the marketplace currency (100 for USD, 1 for JPY).
    public var minorUnitsPerMajor: Int64

    public init(tenantId: UUID, connectionId: UUID, marketplaceId: String, timeZone: String, minorUnitsPerMajor: Int64) {
        self.tenantId = tenantId
        self.connectionId = connectionId
        self.marketplaceId = marketplaceId
        self.timeZone = timeZone
        self.minorUnitsPerMajor = minorUnitsPerMajor
    }

    /// `$1` connection, `$2` marketplace, `$3` time zone, `$4` minor units per major unit: the
    /// parameters every evidence read starts with.
    var commonBindings: PostgresBindings {
        var binds = PostgresBindings()
        binds.append(connectionId)
        binds.append(marketplaceId)
        binds.append(timeZone)
        binds.append(minorUnitsPerMajor)
        return binds
    }
}

/// SQL fragments the evidence reads share.
enum EvidenceSQL {
    /// The marketplace-local day of a `timestamptz` column, as days since 1970 (`int8`).
    static func localDay(_ column: String) -> String {
        "((\(column) AT TIME ZONE $3)::date - DATE '1970-01-01')::int8"
    }

    /// The sale behind an order and SKU from its shipment events (one source: the one with the
    /// most units): principal, the commission and
    /// FBA fulfillment fee (negative, as Amazon charges them), and the units shipped. `$4` turns
    /// the events' decimal fee amounts into minor units.
    static func sale(order: String, sku: String) -> String {
        """
        LEFT JOIN LATERAL (
            SELECT principal, units, fees FROM (
                SELECT \(source("s")) AS source, sum(s.principal_minor)::int8 AS principal, sum(coalesce(s.quantity, 0))::int8 AS units,
                       sum((SELECT coalesce(sum(round((fee_list.item->'FeeAmount'->>'CurrencyAmount')::numeric * $4)), 0)
                            FROM jsonb_array_elements(CASE WHEN jsonb_typeof(s.fees) = 'array' THEN s.fees ELSE '[]'::jsonb END) AS fee_list(item)
                            WHERE fee_list.item->>'FeeType' IN ('Commission', 'FBAPerUnitFulfillmentFee')))::int8 AS fees
                FROM amazon.financial_shipment_events s
                WHERE s.connection_id = $1 AND s.marketplace_id = $2 AND s.amazon_order_id = \(order) AND s.seller_sku = \(sku)
                GROUP BY 1
            ) per_source
            -- The same sale from two sources (the API and a settlement file) counts once.
            ORDER BY units DESC, principal DESC, source LIMIT 1
        ) sale ON true
        """
    }

    /// Reimbursement units (cash + in kind; a reversal's negative units subtract) and ids, by order and SKU.
    static let reimbursedByOrder = """
        reimbursed AS (
            SELECT amazon_order_id AS order_id, sku, fnsku,
                   sum(coalesce(quantity_cash, 0) + coalesce(quantity_inventory, 0))::int8 AS units,
                   string_agg(reimbursement_id || ':' || coalesce(reason, '') || ':' || (coalesce(quantity_cash, 0) + coalesce(quantity_inventory, 0)), ',' ORDER BY reimbursement_id) AS ids
            FROM amazon.reimbursements
            WHERE connection_id = $1 AND marketplace_id = $2 AND amazon_order_id <> ''
            GROUP BY amazon_order_id, sku, fnsku
        )
        """

    /// Units in the returns report (any status) and their license plates, by order and SKU.
    static let returnedByOrder = """
        returned AS (
            SELECT order_id, sku, sum(coalesce(quantity, 0))::int8 AS units, string_agg(license_plate_number, ',' ORDER BY return_date) AS ids
            FROM amazon.customer_returns WHERE connection_id = $1 AND marketplace_id = $2 GROUP BY 1, 2
        )
        """

    /// Which source a finance row came from (`AmazonTables` on `source`): the Finances API, or a
    /// settlement / transaction report file. One event brought by two sources is two rows, so
    /// every read that counts refunds, charges or corrections keeps, per order and SKU, the
    /// largest count among sources (docs/claim-detection.md). NULL reads as the Finances API.
    static func source(_ tableAlias: String) -> String {
        "coalesce(\(tableAlias).source, 'finances_api')"
    }
}
