/// The catalog of the `amazon` schema: every table inventory-sync loads, by dataset, with typed
/// columns, and the names of the tables it keeps for its own bookkeeping.
public enum AmazonTables {
    static let eventKey: [AmazonColumn] = [.text("event_key", nullable: false), .integer("occurrence", nullable: false)]

    // MARK: Orders

    public static let orders = AmazonTable("orders", key: [.text("amazon_order_id", nullable: false)], columns: [
        .text("seller_order_id"), .timestamp("purchase_date"), .timestamp("last_update_date"), .text("order_status"),
        .text("fulfillment_channel"), .text("sales_channel"), .text("order_type"), .minor("order_total_minor"), .text("currency"),
        .integer("items_shipped"), .integer("items_unshipped"), .boolean("is_replacement"), .text("replaced_order_id"),
        .boolean("is_business"), .boolean("is_prime"),
    ], keptWhenAbsent: ["order_type", "is_replacement", "replaced_order_id", "is_prime"])
    public static let orderItems = AmazonTable("order_items", key: [.text("amazon_order_id", nullable: false), .text("order_item_id", nullable: false)], columns: [
        .text("asin"), .text("seller_sku"), .text("title"), .integer("quantity_ordered"), .integer("quantity_shipped"),
        .minor("item_price_minor"), .minor("item_tax_minor"), .minor("promotion_discount_minor"), .text("currency"), .text("condition_id"),
    ], keptWhenAbsent: ["condition_id"], replacedWholeBy: "amazon_order_id")

    // MARK: Financial events

    /// Where a row of the shipment, refund and adjustment event tables came from, in their
    /// `source` column: the Finances API, or a file the seller downloaded from Seller Central.
    ///
    /// The three sources carry the same events in the same shapes (a settlement line's
    /// `Commission` is the API's `Commission` fee), but one event brought by two sources is two
    /// rows: `source` is part of each row's identity. A reader that counts refunds counts each
    /// refund once: **per order and SKU, the largest count among sources** (the API and a
    /// settlement file of the same weeks both count 2 refunded units: 2, not 4; a file that
    /// covers a refund the API has not returned yet still counts). The same rule holds for
    /// charged fees (per order, SKU and fee type) and reimbursement payments (per adjustment
    /// type, SKU and day). NULL (rows written before the column existed were given
    /// `finances_api`) reads as the Finances API.
    public enum FinancialEventSource: String, Sendable, CaseIterable {
        case financesAPI = "finances_api"
        /// `GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2`, the flat-file settlement report V2.
        case settlementReport = "settlement_report"
        /// `GET_DATE_RANGE_FINANCIAL_TRANSACTION_DATA`, Seller Central's Date Range transaction report.
        case transactionReport = "transaction_report"
    }

    public static let shipmentEvents = AmazonTable("financial_shipment_events", key: eventKey, columns: [
        .text("amazon_order_id"), .text("seller_order_id"), .text("marketplace_name"), .timestamp("posted_at"), .text("seller_sku"),
        .text("order_item_id"), .integer("quantity"), .minor("principal_minor"), .minor("charges_minor"), .minor("fees_minor"),
        .text("currency"), .json("charges"), .json("fees"), .text("source"),
    ], identity: ["amazon_order_id", "posted_at", "seller_sku", "order_item_id", "quantity", "charges", "fees", "source"])
    public static let refundEvents = AmazonTable("financial_refund_events", key: eventKey, columns: [
        .text("amazon_order_id"), .text("seller_order_id"), .text("marketplace_name"), .timestamp("posted_at"), .text("seller_sku"),
        .text("order_adjustment_item_id"), .integer("quantity"), .minor("principal_minor"), .minor("charges_minor"), .minor("fees_minor"),
        .text("currency"), .json("charges"), .json("fees"), .text("source"),
    ], identity: ["amazon_order_id", "posted_at", "seller_sku", "order_adjustment_item_id", "quantity", "charges", "fees", "source"])
    public static let adjustmentEvents = AmazonTable("financial_adjustment_events", key: eventKey, columns: [
        .text("adjustment_type"), .timestamp("posted_at"), .text("store_name"), .text("seller_sku"), .text("fnsku"), .text("asin"),
        .text("product_description"), .text("transaction_number"), .integer("quantity"), .minor("per_unit_minor"), .minor("total_minor"),
        .text("currency"), .text("source"),
    ], identity: ["adjustment_type", "posted_at", "seller_sku", "fnsku", "transaction_number", "quantity", "per_unit_minor", "total_minor",
                  "source"])
    public static let serviceFeeEvents = AmazonTable("financial_service_fee_events", key: eventKey, columns: [
        .timestamp("window_start"), .text("amazon_order_id"), .text("fee_reason"), .text("seller_sku"), .text("fnsku"), .text("asin"),
        .text("fee_description"), .text("store_name"), .minor("total_minor"), .text("currency"), .json("fees"),
    ], identity: ["window_start", "amazon_order_id", "fee_reason", "seller_sku", "fnsku", "fee_description", "fees"])
    public static let safetEvents = AmazonTable("financial_safet_events", key: eventKey, columns: [
        .timestamp("posted_at"), .text("safet_claim_id"), .text("reason_code"), .minor("reimbursed_minor"), .text("currency"), .json("items"),
    ], identity: ["posted_at", "safet_claim_id", "reason_code", "reimbursed_minor", "items"])
    public static let removalShipmentEvents = AmazonTable("financial_removal_shipment_events", key: eventKey, columns: [
        .timestamp("posted_at"), .text("order_id"), .text("merchant_order_id"), .text("transaction_type"), .text("store_name"), .json("items"),
    ], identity: ["posted_at", "order_id", "merchant_order_id", "transaction_type", "items"])

    // MARK: Inventory and ledger

    public static let inventorySummaries = AmazonTable("inventory_summaries", key: [.text("seller_sku", nullable: false), .text("fnsku", nullable: false)], columns: [
        .text("asin"), .text("condition"), .text("product_name"), .integer("total_quantity"), .integer("fulfillable_quantity"),
        .integer("inbound_working_quantity"), .integer("inbound_shipped_quantity"), .integer("inbound_receiving_quantity"),
        .integer("reserved_quantity"), .integer("researching_quantity"), .integer("unfulfillable_quantity"), .timestamp("last_updated_time"),
    ], volatile: ["last_updated_time"])
    public static let ledgerDetail = AmazonTable("ledger_detail", key: eventKey, columns: [
        .day("event_date", nullable: false), .timestamp("event_at"), .text("fnsku", nullable: false), .text("asin"), .text("msku"),
        .text("title"), .text("event_type", nullable: false), .text("reference_id"), .integer("quantity", nullable: false),
        .text("fulfillment_center"), .text("disposition"), .text("reason"), .text("country"), .integer("reconciled_quantity"),
        .integer("unreconciled_quantity"),
    ], identity: ["event_date", "fnsku", "msku", "event_type", "reference_id", "quantity", "fulfillment_center",
                  "disposition", "reason", "country"], eventKeyWhileStaging: true, chunkDay: "event_date", keptWhenAbsent: ["event_at"])
    public static let ledgerSummary = AmazonTable("ledger_summary", key: [
        .text("period", nullable: false), .text("fnsku", nullable: false), .text("disposition", nullable: false), .text("location", nullable: false),
    ], columns: [
        .text("asin"), .text("msku"), .integer("starting_balance"), .integer("in_transit_between_warehouses"), .integer("receipts"),
        .integer("customer_shipments"), .integer("customer_returns"), .integer("vendor_returns"), .integer("warehouse_transfer_in_out"),
        .integer("found"), .integer("lost"), .integer("damaged"), .integer("disposed"), .integer("other_events"),
        .integer("ending_balance"), .integer("unknown_events"),
    ])

    // MARK: FBA reports

    public static let reimbursements = AmazonTable("reimbursements", key: [
        .text("reimbursement_id", nullable: false), .text("sku", nullable: false), .text("fnsku", nullable: false),
        .text("amazon_order_id", nullable: false),
    ], columns: [
        .timestamp("approval_date"), .text("case_id"), .text("reason"), .text("asin"), .text("condition"), .text("currency"),
        .minor("amount_per_unit_minor"), .minor("amount_total_minor"), .integer("quantity_cash"), .integer("quantity_inventory"),
        .integer("quantity_total"), .text("original_reimbursement_id"), .text("original_reimbursement_type"),
    ])
    public static let customerReturns = AmazonTable("customer_returns", key: [
        .text("order_id", nullable: false), .text("fnsku", nullable: false), .text("license_plate_number", nullable: false),
        .timestamp("return_date", nullable: false),
    ], columns: [
        .text("sku"), .text("asin"), .text("product_name"), .integer("quantity"), .text("fulfillment_center_id"),
        .text("detailed_disposition"), .text("reason"), .text("status"), .text("customer_comments"),
    ])
    public static let replacements = AmazonTable("replacements", key: [
        .text("replacement_order_id", nullable: false), .text("original_order_id", nullable: false), .text("sku", nullable: false),
    ], columns: [
        .timestamp("shipment_date"), .text("asin"), .text("fulfillment_center_id"), .text("original_fulfillment_center_id"),
        .integer("quantity"), .text("replacement_reason_code"),
    ])
    public static let removalOrders = AmazonTable("removal_orders", key: [
        .text("order_id", nullable: false), .text("sku", nullable: false), .text("fnsku", nullable: false), .text("disposition", nullable: false),
    ], columns: [
        .timestamp("request_date"), .text("order_type"), .text("order_status"), .timestamp("last_updated_date"),
        .integer("requested_quantity"), .integer("cancelled_quantity"), .integer("disposed_quantity"), .integer("shipped_quantity"),
        .integer("in_process_quantity"), .minor("removal_fee_minor"), .text("currency"),
    ])
    public static let removalShipments = AmazonTable("removal_shipments", key: [
        .text("order_id", nullable: false), .text("tracking_number", nullable: false), .text("sku", nullable: false), .text("fnsku", nullable: false),
    ], columns: [
        .timestamp("request_date"), .timestamp("shipment_date"), .text("disposition"), .integer("shipped_quantity"), .text("carrier"),
        .text("removal_order_type"),
    ])
    public static let estimatedFees = AmazonTable("estimated_fees", key: [.text("sku", nullable: false)], columns: [
        .text("fnsku"), .text("asin"), .text("currency"), .minor("your_price_minor"), .decimal("longest_side"), .decimal("median_side"),
        .decimal("shortest_side"), .text("unit_of_dimension"), .decimal("item_package_weight"), .text("unit_of_weight"), .text("size_tier"),
        .minor("estimated_fee_total_minor"), .minor("estimated_referral_fee_minor"), .minor("expected_fulfillment_fee_minor"),
    ])
    public static let listings = AmazonTable("listings", key: [.text("seller_sku", nullable: false)], columns: [
        .text("item_name"), .text("listing_id"), .minor("price_minor"), .text("currency"), .integer("quantity"), .text("open_date"),
        .text("asin"), .text("fulfillment_channel"), .text("status"),
    ])

    // MARK: Inbound shipments

    public static let inboundShipments = AmazonTable("inbound_shipments", key: [.text("shipment_id", nullable: false)], columns: [
        .text("shipment_name"), .text("destination_fulfillment_center_id"), .text("shipment_status"), .text("label_prep_type"),
        .text("box_contents_source"), .text("confirmed_need_by_date"),
    ])
    public static let inboundShipmentItems = AmazonTable("inbound_shipment_items", key: [
        .text("shipment_id", nullable: false), .text("seller_sku", nullable: false),
    ], columns: [
        .text("fnsku"), .integer("quantity_shipped"), .integer("quantity_received"), .integer("quantity_in_case"), .text("release_date"),
    ])

    // MARK: Brand Analytics

    /// Search Query Performance: one row per (period, first day, ASIN, search query). Counts are
    /// bigint (a month of a popular query's impressions passes two billion), shares and rates
    /// numeric as Amazon writes them, median prices in minor units of `currency`.
    public static let searchQueryPerformance = AmazonTable("search_query_performance", key: [
        .text("period", nullable: false), .day("start_date", nullable: false), .text("asin", nullable: false),
        .text("search_query", nullable: false),
    ], columns: [.day("end_date"), .integer("search_query_score"), .count("search_query_volume"),
                 .count("total_impressions"), .count("asin_impressions"), .decimal("asin_impression_share")]
        + funnelColumns("click", plural: "clicks") + funnelColumns("cart_add", plural: "cart_adds")
        + funnelColumns("purchase", plural: "purchases") + [.text("currency")])

    // MARK: Amazon Ads

    /// Sponsored Products spend: one row per SKU and day of the advertising profile's time zone,
    /// every ad of the SKU summed (`AmazonAdsClient.dailySpend`), its cost in minor units of the
    /// profile's `currency`. Clicks settle for 72 hours, so the latest days are read again.
    public static let adsSpend = AmazonTable("ads_spend", key: [
        .day("date", nullable: false), .text("seller_sku", nullable: false),
    ], columns: [.text("asin"), .count("impressions"), .count("clicks"), .minor("cost_minor"), .text("currency"), .count("profile_id")])

    /// A stage of the search funnel, in the report's order: its count, rate, the ASIN's count
    /// and share, both median prices, and the counts by promised shipping speed.
    static func funnelColumns(_ stage: String, plural: String) -> [AmazonColumn] {
        [.count("total_\(plural)"), .decimal("total_\(stage)_rate"), .count("asin_\(plural)"), .decimal("asin_\(stage)_share"),
         .minor("total_median_\(stage)_price_minor"), .minor("asin_median_\(stage)_price_minor"),
         .count("total_same_day_shipping_\(plural)"), .count("total_one_day_shipping_\(plural)"), .count("total_two_day_shipping_\(plural)")]
    }

    /// Every table of synced Amazon data.
    public static let all: [AmazonTable] = [
        orders, orderItems, shipmentEvents, refundEvents, adjustmentEvents, serviceFeeEvents, safetEvents, removalShipmentEvents,
        inventorySummaries, ledgerDetail, ledgerSummary, reimbursements, customerReturns, replacements, removalOrders,
        removalShipments, estimatedFees, listings, inboundShipments, inboundShipmentItems, searchQueryPerformance, adsSpend,
    ]

    /// Tables of the schema that hold inventory-sync's own state, not synced Amazon data: its
    /// connections, runs, schedules, watermarks, quarantine, report requests and reconciliation
    /// result. inventory-sync reads and writes them itself; this library reads only the ids of
    /// `connections` (`AmazonDataReader.connectionMarketplaces`). Named
    /// here so the catalog test can tell a new data table nobody described from these.
    public static let inventorySyncOwn: [String] = [
        "connections", "sync_runs", "sync_quarantine", "sync_schedules", "sync_watermarks", "report_requests",
        "inventory_discrepancies",
    ]
}
