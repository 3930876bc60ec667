-- The `amazon` schema: a copy of each seller's Amazon data, owned and written only by
-- inventory-sync, read (never written) by claim-detector, refund-engine and mcde.
--
-- Every data table carries tenant_id, connection_id and marketplace_id, and a UNIQUE natural key
-- that starts with the connection, so a re-sync updates rows instead of duplicating them.
-- Tables whose source rows have no identifier of their own (ledger events, finance events) key
-- on `event_key` (a hash of the row's identifying fields, computed by the loader) plus
-- `occurrence` (1 for the first identical row in a source window, 2 for the next...), which is
-- stable when the same window is fetched again. first_run_id/last_run_id say which sync run
-- inserted and last changed the row. Money is integer minor units plus currency.

-- MARK: Connections and sync bookkeeping

CREATE TABLE connections (
    connection_id      uuid PRIMARY KEY,
    tenant_id          uuid NOT NULL,
    selling_partner_id text,
    region             text,
    marketplace_ids    text[] NOT NULL DEFAULT '{}',
    -- active | needs_reauthorization | import_only
    status             text NOT NULL DEFAULT 'active'
                       CHECK (status IN ('active', 'needs_reauthorization', 'import_only')),
    status_reason      text,
    connected_at       timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sync_runs (
    run_id             uuid PRIMARY KEY,
    tenant_id          uuid NOT NULL,
    connection_id      uuid NOT NULL,
    dataset            text NOT NULL,
    -- schedule | manual | backfill | import
    trigger            text NOT NULL,
    -- queued | running | retrying | succeeded | failed | needs_reauthorization
    state              text NOT NULL DEFAULT 'queued'
                       CHECK (state IN ('queued', 'running', 'retrying', 'succeeded', 'failed', 'needs_reauthorization')),
    queued_at          timestamptz NOT NULL DEFAULT now(),
    started_at         timestamptz,
    finished_at        timestamptz,
    windows_total      integer NOT NULL DEFAULT 0,
    windows_done       integer NOT NULL DEFAULT 0,
    pages_done         integer NOT NULL DEFAULT 0,
    rows_done          bigint NOT NULL DEFAULT 0,
    rows_inserted      bigint NOT NULL DEFAULT 0,
    rows_updated       bigint NOT NULL DEFAULT 0,
    rows_quarantined   bigint NOT NULL DEFAULT 0,
    estimated_finish_at timestamptz,
    attempts           integer NOT NULL DEFAULT 0,
    -- transient | permanent | authorization
    error_kind         text,
    error_message      text,
    detected_report_type text,
    source_name        text
);
CREATE INDEX sync_runs_by_connection ON sync_runs (connection_id, dataset, queued_at DESC);

-- Malformed rows are kept, never dropped: the line as it came, its number and why.
CREATE TABLE sync_quarantine (
    id                 bigserial PRIMARY KEY,
    tenant_id          uuid NOT NULL,
    connection_id      uuid NOT NULL,
    run_id             uuid NOT NULL,
    dataset            text NOT NULL,
    line_number        integer NOT NULL,
    reason             text NOT NULL,
    raw_line           text NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sync_quarantine_by_run ON sync_quarantine (run_id, line_number);

CREATE TABLE sync_schedules (
    tenant_id          uuid NOT NULL,
    connection_id      uuid NOT NULL,
    dataset            text NOT NULL,
    interval_seconds   integer NOT NULL CHECK (interval_seconds >= 300),
    enabled            boolean NOT NULL DEFAULT true,
    next_run_at        timestamptz NOT NULL DEFAULT now(),
    last_enqueued_at   timestamptz,
    changed_by         text,
    updated_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (connection_id, dataset)
);
CREATE INDEX sync_schedules_due ON sync_schedules (next_run_at) WHERE enabled;

-- How far each dataset is known complete, and where an interrupted run resumes.
CREATE TABLE sync_watermarks (
    tenant_id          uuid NOT NULL,
    connection_id      uuid NOT NULL,
    dataset            text NOT NULL,
    synced_through     timestamptz,
    -- The run in progress and the start of its next window: a run killed mid-way resumes here.
    resume_run_id      uuid,
    resume_from        timestamptz,
    updated_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (connection_id, dataset)
);

-- Reports requested from Amazon, for reuse and regeneration limits.
CREATE TABLE report_requests (
    report_id          text PRIMARY KEY,
    tenant_id          uuid NOT NULL,
    connection_id      uuid NOT NULL,
    report_type        text NOT NULL,
    marketplace_id     text NOT NULL,
    data_start         timestamptz,
    data_end           timestamptz,
    requested_at       timestamptz NOT NULL DEFAULT now(),
    -- requested | done | cancelled | fatal
    status             text NOT NULL DEFAULT 'requested',
    document_id        text
);
CREATE INDEX report_requests_lookup ON report_requests (connection_id, report_type, marketplace_id, requested_at DESC);

-- MARK: Orders

CREATE TABLE orders (
    tenant_id uuid NOT NULL, connection_id uuid NOT NULL, marketplace_id text NOT NULL,
    amazon_order_id text NOT NULL,
    seller_order_id text, purchase_date timestamptz, last_update_date timestamptz, order_status text,
    fulfillment_channel text, sales_channel text, order_type text, order_total_minor bigint, currency text,
    items_shipped integer, items_unshipped integer, is_replacement boolean, replaced_order_id text,
    is_business boolean, is_prime boolean,
    first_run_id uuid, last_run_id uuid, updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (connection_id, marketplace_id, amazon_order_id)
);

CREATE TABLE order_items (
    tenant_id uuid NOT NULL, connection_id uuid NOT NULL, marketplace_id text NOT NULL,
    amazon_order_id text NOT NULL, order_item_id text NOT NULL,
    asin text, seller_sku text, title text, quantity_ordered integer, quantity_shipped integer,
    item_price_minor bigint, item_tax_minor bigint, promotion_discount_minor bigint, currency text, condition_id text,
    first_run_id uuid, last_run_id uuid, updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (connection_id, marketplace_id, amazon_order_id, order_item_id)
);

-- MARK: Financial events (Finances v0), one table per event type

CREATE TABLE financial_shipment_events (
    tenant_id uuid NOT NULL, connection_id uuid NOT NULL, marketplace_id text NOT NULL,
    event_key text NOT NULL, occurrence integer NOT NULL,
    amazon_order_id text, seller_order_id text, marketplace_name text, posted_at timestamptz,
    seller_sku text, order_item_id text, quantity integer,
    principal_minor bigint, charges_minor bigint, fees_minor bigint, currency text,
    charges jsonb, fees jsonb,
    first_run_id uuid, last_run_id uuid, updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (connection_id, marketplace_id, event_key, occurrence)
);

CREATE TABLE financial_refund_events (
    tenant_id uuid NOT NULL, connection_id uuid NOT NULL, marketplace_id text NOT NULL,
    event_key text NOT NULL, occurrence integer NOT NULL,
    amazon_order_id text, seller_order_id text, marketplace_name text, posted_at timestamptz,
    seller_sku text, order_adjustment_item_id text, quantity integer,
    principal_minor bigint, charges_minor bigint, fees_minor bigint, currency text,
    charges jsonb, fees jsonb,
    first_run_id uuid, last_run_id uuid, updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (connection_id, marketplace_id, event_key, occurrence)
);

CREATE TABLE financial_adjustment_events (
    tenant_id uuid NOT NULL, connection_id uuid NOT NULL, marketplace_id text NOT NULL,
    event_key text NOT NULL, occurrence integer NOT NULL,
    adjustment_type text, posted_at timestamptz, store_name text,
    seller_sku text, fnsku text, asin text, product_description text, transaction_number text,
    quantity integer, per_unit_minor bigint, total_minor bigint, currency text,
    first_run_id uuid, last_run_id uuid, updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (connection_id, marketplace_id, event_key, occurrence)
);

-- Service fee events carry no date in the model; `window_start` is the finance window they came in.
CREATE TABLE financial_service_fee_events (
    tenant_id uuid NOT NULL, connection_id uuid NOT NULL, marketplace_id text NOT NULL,
    event_key text NOT NULL, occurrence integer NOT NULL,
    window_start timestamptz, amazon_order_id text, fee_reason text, seller_sku text, fnsku text, asin text,
    fee_description text, store_name text, total_minor bigint, currency text, fees jsonb,
    first_run_id uuid, last_run_id uuid, updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (connection_id, marketplace_id, event_key, occurrence)
);

CREATE TABLE financial_safet_events (
    tenant_id uuid NOT NULL, connection_id uuid NOT NULL, marketplace_id text NOT NULL,
    event_key text NOT NULL, occurrence integer NOT NULL,
    posted_at timestamptz, safet_claim_id text, reason_code text, reimbursed_minor bigint, currency text, items jsonb,
    first_run_id uuid, last_run_id uuid, updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (connection_id, marketplace_id, event_key, occurrence)
);

CREATE TABLE financial_removal_shipment_events (
    tenant_id uuid NOT NULL, connection_id uuid NOT NULL, marketplace_id text NOT NULL,
    event_key text NOT NULL, occurrence integer NOT NULL,
    posted_at timestamptz, order_id text, merchant_order_id text, transaction_type text, store_name text, items jsonb,
    first_run_id uuid, last_run_id uuid, updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (connection_id, marketplace_id, event_key, occurrence)
);

-- MARK: Inventory

CREATE TABLE inventory_summaries (
    tenant_id uuid NOT NULL, connection_id uuid NOT NULL, marketplace_id text NOT NULL,
    seller_sku text NOT NULL, fnsku text NOT NULL,
    asin text, condition text, product_name text, total_quantity integer, fulfillable_quantity integer,
    inbound_working_quantity integer, inbound_shipped_quantity integer, inbound_receiving_quantity integer,
    reserved_quantity integer, researching_quantity integer, unfulfillable_quantity integer,
    last_updated_time timestamptz,
    first_run_id uuid, last_run_id uuid, updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (connection_id, marketplace_id, seller_sku, fnsku)
);

CREATE TABLE ledger_detail (
    tenant_id uuid NOT NULL, connection_id uuid NOT NULL, marketplace_id text NOT NULL,
    event_key text NOT NULL, occurrence integer NOT NULL,
    event_date date NOT NULL, event_at timestamptz, fnsku text NOT NULL, asin text, msku text, title text,
    event_type text NOT NULL, reference_id text, quantity integer NOT NULL, fulfillment_center text,
    disposition text, reason text, country text, reconciled_quantity integer, unreconciled_quantity integer,
    first_run_id uuid, last_run_id uuid, updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (connection_id, marketplace_id, event_key, occurrence)
);
CREATE INDEX ledger_detail_by_fnsku ON ledger_detail (connection_id, fnsku, event_date);

CREATE TABLE ledger_summary (
    tenant_id uuid NOT NULL, connection_id uuid NOT NULL, marketplace_id text NOT NULL,
    period text NOT NULL, fnsku text NOT NULL, disposition text NOT NULL, location text NOT NULL,
    asin text, msku text, starting_balance integer, in_transit_between_warehouses integer, receipts integer,
    customer_shipments integer, customer_returns integer, vendor_returns integer, warehouse_transfer_in_out integer,
    found integer, lost integer, damaged integer, disposed integer, other_events integer, ending_balance integer,
    unknown_events integer,
    first_run_id uuid, last_run_id uuid, updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (connection_id, marketplace_id, period, fnsku, disposition, location)
);

-- MARK: FBA reports

CREATE TABLE reimbursements (
    tenant_id uuid NOT NULL, connection_id uuid NOT NULL, marketplace_id text NOT NULL,
    reimbursement_id text NOT NULL, sku text NOT NULL, fnsku text NOT NULL, amazon_order_id text NOT NULL,
    approval_date timestamptz, case_id text, reason text, asin text, condition text, currency text,
    amount_per_unit_minor bigint, amount_total_minor bigint, quantity_cash integer, quantity_inventory integer,
    quantity_total integer, original_reimbursement_id text, original_reimbursement_type text,
    first_run_id uuid, last_run_id uuid, updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (connection_id, marketplace_id, reimbursement_id, sku, fnsku, amazon_order_id)
);

CREATE TABLE customer_returns (
    tenant_id uuid NOT NULL, connection_id uuid NOT NULL, marketplace_id text NOT NULL,
    order_id text NOT NULL, fnsku text NOT NULL, license_plate_number text NOT NULL, return_date timestamptz NOT NULL,
    sku text, asin text, product_name text, quantity integer, fulfillment_center_id text,
    detailed_disposition text, reason text, status text, customer_comments text,
    first_run_id uuid, last_run_id uuid, updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (connection_id, marketplace_id, order_id, fnsku, license_plate_number, return_date)
);

CREATE TABLE replacements (
    tenant_id uuid NOT NULL, connection_id uuid NOT NULL, marketplace_id text NOT NULL,
    replacement_order_id text NOT NULL, original_order_id text NOT NULL, sku text NOT NULL,
    shipment_date timestamptz, asin text, fulfillment_center_id text, original_fulfillment_center_id text,
    quantity integer, replacement_reason_code text,
    first_run_id uuid, last_run_id uuid, updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (connection_id, marketplace_id, replacement_order_id, original_order_id, sku)
);

CREATE TABLE removal_orders (
    tenant_id uuid NOT NULL, connection_id uuid NOT NULL, marketplace_id text NOT NULL,
    order_id text NOT NULL, sku text NOT NULL, fnsku text NOT NULL, disposition text NOT NULL,
    request_date timestamptz, order_type text, order_status text, last_updated_date timestamptz,
    requested_quantity integer, cancelled_quantity integer, disposed_quantity integer, shipped_quantity integer,
    in_process_quantity integer, removal_fee_minor bigint, currency text,
    first_run_id uuid, last_run_id uuid, updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (connection_id, marketplace_id, order_id, sku, fnsku, disposition)
);

CREATE TABLE removal_shipments (
    tenant_id uuid NOT NULL, connection_id uuid NOT NULL, marketplace_id text NOT NULL,
    order_id text NOT NULL, tracking_number text NOT NULL, sku text NOT NULL, fnsku text NOT NULL,
    request_date timestamptz, shipment_date timestamptz, disposition text, shipped_quantity integer, carrier text,
    removal_order_type text,
    first_run_id uuid, last_run_id uuid, updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (connection_id, marketplace_id, order_id, tracking_number, sku, fnsku)
);

CREATE TABLE estimated_fees (
    tenant_id uuid NOT NULL, connection_id uuid NOT NULL, marketplace_id text NOT NULL,
    sku text NOT NULL,
    fnsku text, asin text, currency text, your_price_minor bigint, longest_side numeric, median_side numeric,
    shortest_side numeric, unit_of_dimension text, item_package_weight numeric, unit_of_weight text, size_tier text,
    estimated_fee_total_minor bigint, estimated_referral_fee_minor bigint, expected_fulfillment_fee_minor bigint,
    first_run_id uuid, last_run_id uuid, updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (connection_id, marketplace_id, sku)
);

CREATE TABLE listings (
    tenant_id uuid NOT NULL, connection_id uuid NOT NULL, marketplace_id text NOT NULL,
    seller_sku text NOT NULL,
    item_name text, listing_id text, price_minor bigint, currency text, quantity integer, open_date text, asin text,
    fulfillment_channel text, status text,
    first_run_id uuid, last_run_id uuid, updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (connection_id, marketplace_id, seller_sku)
);

-- MARK: Inbound shipments (Fulfillment Inbound v0)

CREATE TABLE inbound_shipments (
    tenant_id uuid NOT NULL, connection_id uuid NOT NULL, marketplace_id text NOT NULL,
    shipment_id text NOT NULL,
    shipment_name text, destination_fulfillment_center_id text, shipment_status text, label_prep_type text,
    box_contents_source text, confirmed_need_by_date text,
    first_run_id uuid, last_run_id uuid, updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (connection_id, marketplace_id, shipment_id)
);

CREATE TABLE inbound_shipment_items (
    tenant_id uuid NOT NULL, connection_id uuid NOT NULL, marketplace_id text NOT NULL,
    shipment_id text NOT NULL, seller_sku text NOT NULL,
    fnsku text, quantity_shipped integer, quantity_received integer, quantity_in_case integer, release_date text,
    first_run_id uuid, last_run_id uuid, updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (connection_id, marketplace_id, shipment_id, seller_sku)
);

-- MARK: Reconciliation

CREATE TABLE inventory_discrepancies (
    tenant_id uuid NOT NULL, connection_id uuid NOT NULL, marketplace_id text NOT NULL,
    fnsku text NOT NULL,
    seller_sku text, summary_quantity integer NOT NULL, ledger_quantity integer NOT NULL, difference integer NOT NULL,
    computed_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (connection_id, marketplace_id, fnsku)
);

-- MARK: Row-level security and read access

DO $rls$
DECLARE
    t text;
BEGIN
    FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'amazon' AND tablename <> 'schema_migrations' LOOP
        EXECUTE format('ALTER TABLE amazon.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE amazon.%I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format($p$CREATE POLICY tenant_isolation ON amazon.%I
            USING (tenant_id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid)
            WITH CHECK (tenant_id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid)$p$, t);
    END LOOP;
END
$rls$;

-- The scheduler finds due schedules of every tenant; only inventory-sync's own role, only
-- reading, and only when it says so for the transaction.
CREATE POLICY scheduler_scan ON sync_schedules FOR SELECT TO opside_inventory_sync
    USING (current_setting('opside.scheduler_scan', true) = 'on');

GRANT USAGE ON SCHEMA amazon TO opside_claim_detector, opside_refund_engine, opside_mcde;
GRANT SELECT ON ALL TABLES IN SCHEMA amazon TO opside_claim_detector, opside_refund_engine, opside_mcde;
ALTER DEFAULT PRIVILEGES IN SCHEMA amazon GRANT SELECT ON TABLES TO opside_claim_detector, opside_refund_engine, opside_mcde;
