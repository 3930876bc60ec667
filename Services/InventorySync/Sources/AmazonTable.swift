/// One table of the `amazon` schema as the loader sees it: which columns a source fills, and
/// which of them identify a row.
///
/// The SQL in `Migrations/0001_amazon_schema.sql` is the source of truth; a test checks these
/// descriptions against the database so the two cannot drift.
public struct AmazonTable: Sendable, Hashable {
    public let name: String
    /// The natural key after `(connection_id, marketplace_id)`. For tables without an identifier
    /// of their own this is `["event_key", "occurrence"]`, which the merge computes.
    public let key: [String]
    /// Columns the source fills besides the key (and besides `marketplace_id`, always staged).
    public let columns: [String]
    /// For event tables: the columns hashed into `event_key`. Empty for tables with a natural key.
    public let identity: [String]
    /// Columns Amazon restamps on every read (e.g. `lastUpdatedTime`): stored, but a change in
    /// them alone does not count as a change, so a re-sync of unchanged data changes nothing.
    public let volatile: [String]
    /// For event tables whose sources give every `identity` value in PostgreSQL's own text form
    /// (the report mappings: dates, UTC timestamps, integers, text): the loader hashes the staged
    /// text into `event_key` itself, which equals the database's hash of the stored values and
    /// spares the database the hashing. Other event tables (JSON identities) are hashed in SQL.
    public let eventKeyWhileStaging: Bool
    /// For an event table whose unique key leads with a day from its identity (`event_date` of
    /// the ledger): identical rows share their day, so a source in day order can be merged in
    /// chunks cut at day boundaries while it is still being read (see `StagingSession`).
    public let chunkDay: String?
    /// Optional columns some sources lack (the ledger's `Date and Time`, which only Seller
    /// Central's downloads carry): a load without a value keeps the stored one instead of
    /// erasing it, and such a column is never part of the identity, so the same event is one
    /// row whichever source brought it.
    public let keptWhenAbsent: [String]

    init(_ name: String, key: [String], columns: [String], identity: [String] = [], volatile: [String] = [],
         eventKeyWhileStaging: Bool = false, chunkDay: String? = nil, keptWhenAbsent: [String] = []) {
        precondition(keptWhenAbsent.allSatisfy { !identity.contains($0) && columns.contains($0) },
                     "a column some sources lack cannot identify a row")
        precondition(chunkDay.map { identity.contains($0) && eventKeyWhileStaging } ?? true,
                     "a chunk day is part of the identity, and the loader hashes the key")
        self.name = name
        self.key = key
        self.columns = columns
        self.identity = identity
        self.volatile = volatile
        self.eventKeyWhileStaging = eventKeyWhileStaging
        self.chunkDay = chunkDay
        self.keptWhenAbsent = keptWhenAbsent
    }

    /// Event tables key on a hash of `identity` plus an occurrence number.
    var isEventTable: Bool { !identity.isEmpty }

    /// The columns a source writes into the staging table, in order: marketplace, key (unless
    /// computed), data.
    public var stagedColumns: [String] {
        ["marketplace_id"] + (isEventTable ? [] : key) + columns
    }
}

/// The tables inventory-sync loads, by dataset.
public enum AmazonTables {
    static let eventKey = ["event_key", "occurrence"]

    public static let orders = AmazonTable("orders", key: ["amazon_order_id"], columns: [
        "seller_order_id", "purchase_date", "last_update_date", "order_status", "fulfillment_channel", "sales_channel",
        "order_type", "order_total_minor", "currency", "items_shipped", "items_unshipped", "is_replacement",
        "replaced_order_id", "is_business", "is_prime",
    ])
    public static let orderItems = AmazonTable("order_items", key: ["amazon_order_id", "order_item_id"], columns: [
        "asin", "seller_sku", "title", "quantity_ordered", "quantity_shipped", "item_price_minor", "item_tax_minor",
        "promotion_discount_minor", "currency", "condition_id",
    ])
    public static let shipmentEvents = AmazonTable("financial_shipment_events", key: eventKey, columns: [
        "amazon_order_id", "seller_order_id", "marketplace_name", "posted_at", "seller_sku", "order_item_id", "quantity",
        "principal_minor", "charges_minor", "fees_minor", "currency", "charges", "fees",
    ], identity: ["amazon_order_id", "posted_at", "seller_sku", "order_item_id", "quantity", "charges", "fees"])
    public static let refundEvents = AmazonTable("financial_refund_events", key: eventKey, columns: [
        "amazon_order_id", "seller_order_id", "marketplace_name", "posted_at", "seller_sku", "order_adjustment_item_id",
        "quantity", "principal_minor", "charges_minor", "fees_minor", "currency", "charges", "fees",
    ], identity: ["amazon_order_id", "posted_at", "seller_sku", "order_adjustment_item_id", "quantity", "charges", "fees"])
    public static let adjustmentEvents = AmazonTable("financial_adjustment_events", key: eventKey, columns: [
        "adjustment_type", "posted_at", "store_name", "seller_sku", "fnsku", "asin", "product_description",
        "transaction_number", "quantity", "per_unit_minor", "total_minor", "currency",
    ], identity: ["adjustment_type", "posted_at", "seller_sku", "fnsku", "transaction_number", "quantity", "per_unit_minor", "total_minor"])
    public static let serviceFeeEvents = AmazonTable("financial_service_fee_events", key: eventKey, columns: [
        "window_start", "amazon_order_id", "fee_reason", "seller_sku", "fnsku", "asin", "fee_description", "store_name",
        "total_minor", "currency", "fees",
    ], identity: ["window_start", "amazon_order_id", "fee_reason", "seller_sku", "fnsku", "fee_description", "fees"])
    public static let safetEvents = AmazonTable("financial_safet_events", key: eventKey, columns: [
        "posted_at", "safet_claim_id", "reason_code", "reimbursed_minor", "currency", "items",
    ], identity: ["posted_at", "safet_claim_id", "reason_code", "reimbursed_minor", "items"])
    public static let removalShipmentEvents = AmazonTable("financial_removal_shipment_events", key: eventKey, columns: [
        "posted_at", "order_id", "merchant_order_id", "transaction_type", "store_name", "items",
    ], identity: ["posted_at", "order_id", "merchant_order_id", "transaction_type", "items"])
    public static let inventorySummaries = AmazonTable("inventory_summaries", key: ["seller_sku", "fnsku"], columns: [
        "asin", "condition", "product_name", "total_quantity", "fulfillable_quantity", "inbound_working_quantity",
        "inbound_shipped_quantity", "inbound_receiving_quantity", "reserved_quantity", "researching_quantity",
        "unfulfillable_quantity", "last_updated_time",
    ], volatile: ["last_updated_time"])
    public static let ledgerDetail = AmazonTable("ledger_detail", key: eventKey, columns: [
        "event_date", "event_at", "fnsku", "asin", "msku", "title", "event_type", "reference_id", "quantity",
        "fulfillment_center", "disposition", "reason", "country", "reconciled_quantity", "unreconciled_quantity",
    ], identity: ["event_date", "fnsku", "msku", "event_type", "reference_id", "quantity", "fulfillment_center",
                  "disposition", "reason", "country"], eventKeyWhileStaging: true, chunkDay: "event_date", keptWhenAbsent: ["event_at"])
    public static let ledgerSummary = AmazonTable("ledger_summary", key: ["period", "fnsku", "disposition", "location"], columns: [
        "asin", "msku", "starting_balance", "in_transit_between_warehouses", "receipts", "customer_shipments",
        "customer_returns", "vendor_returns", "warehouse_transfer_in_out", "found", "lost", "damaged", "disposed",
        "other_events", "ending_balance", "unknown_events",
    ])
    public static let reimbursements = AmazonTable("reimbursements", key: ["reimbursement_id", "sku", "fnsku", "amazon_order_id"], columns: [
        "approval_date", "case_id", "reason", "asin", "condition", "currency", "amount_per_unit_minor", "amount_total_minor",
        "quantity_cash", "quantity_inventory", "quantity_total", "original_reimbursement_id", "original_reimbursement_type",
    ])
    public static let customerReturns = AmazonTable("customer_returns", key: ["order_id", "fnsku", "license_plate_number", "return_date"], columns: [
        "sku", "asin", "product_name", "quantity", "fulfillment_center_id", "detailed_disposition", "reason", "status",
        "customer_comments",
    ])
    public static let replacements = AmazonTable("replacements", key: ["replacement_order_id", "original_order_id", "sku"], columns: [
        "shipment_date", "asin", "fulfillment_center_id", "original_fulfillment_center_id", "quantity", "replacement_reason_code",
    ])
    public static let removalOrders = AmazonTable("removal_orders", key: ["order_id", "sku", "fnsku", "disposition"], columns: [
        "request_date", "order_type", "order_status", "last_updated_date", "requested_quantity", "cancelled_quantity",
        "disposed_quantity", "shipped_quantity", "in_process_quantity", "removal_fee_minor", "currency",
    ])
    public static let removalShipments = AmazonTable("removal_shipments", key: ["order_id", "tracking_number", "sku", "fnsku"], columns: [
        "request_date", "shipment_date", "disposition", "shipped_quantity", "carrier", "removal_order_type",
    ])
    public static let estimatedFees = AmazonTable("estimated_fees", key: ["sku"], columns: [
        "fnsku", "asin", "currency", "your_price_minor", "longest_side", "median_side", "shortest_side", "unit_of_dimension",
        "item_package_weight", "unit_of_weight", "size_tier", "estimated_fee_total_minor", "estimated_referral_fee_minor",
        "expected_fulfillment_fee_minor",
    ])
    public static let listings = AmazonTable("listings", key: ["seller_sku"], columns: [
        "item_name", "listing_id", "price_minor", "currency", "quantity", "open_date", "asin", "fulfillment_channel", "status",
    ])
    public static let inboundShipments = AmazonTable("inbound_shipments", key: ["shipment_id"], columns: [
        "shipment_name", "destination_fulfillment_center_id", "shipment_status", "label_prep_type", "box_contents_source",
        "confirmed_need_by_date",
    ])
    public static let inboundShipmentItems = AmazonTable("inbound_shipment_items", key: ["shipment_id", "seller_sku"], columns: [
        "fnsku", "quantity_shipped", "quantity_received", "quantity_in_case", "release_date",
    ])

    public static let all: [AmazonTable] = [
        orders, orderItems, shipmentEvents, refundEvents, adjustmentEvents, serviceFeeEvents, safetEvents, removalShipmentEvents,
        inventorySummaries, ledgerDetail, ledgerSummary, reimbursements, customerReturns, replacements, removalOrders,
        removalShipments, estimatedFees, listings, inboundShipments, inboundShipmentItems,
    ]
}
