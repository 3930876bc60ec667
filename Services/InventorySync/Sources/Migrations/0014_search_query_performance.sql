-- Brand Analytics' Search Query Performance, by marketplace and period: one row per ASIN and
-- search query of a week (Sunday to Saturday) or a month, with Amazon's funnel (impressions,
-- clicks, cart adds, purchases), its shares for the ASIN and its median prices in minor units.
-- Counts that grow with a month's traffic (impressions of a popular query) are bigint.
CREATE TABLE search_query_performance (
    tenant_id uuid NOT NULL, connection_id uuid NOT NULL, marketplace_id text NOT NULL,
    period text NOT NULL CHECK (period IN ('WEEK', 'MONTH')), start_date date NOT NULL, asin text NOT NULL,
    search_query text NOT NULL,
    end_date date, search_query_score integer, search_query_volume bigint,
    total_impressions bigint, asin_impressions bigint, asin_impression_share numeric,
    total_clicks bigint, total_click_rate numeric, asin_clicks bigint, asin_click_share numeric,
    total_median_click_price_minor bigint, asin_median_click_price_minor bigint,
    total_same_day_shipping_clicks bigint, total_one_day_shipping_clicks bigint, total_two_day_shipping_clicks bigint,
    total_cart_adds bigint, total_cart_add_rate numeric, asin_cart_adds bigint, asin_cart_add_share numeric,
    total_median_cart_add_price_minor bigint, asin_median_cart_add_price_minor bigint,
    total_same_day_shipping_cart_adds bigint, total_one_day_shipping_cart_adds bigint, total_two_day_shipping_cart_adds bigint,
    total_purchases bigint, total_purchase_rate numeric, asin_purchases bigint, asin_purchase_share numeric,
    total_median_purchase_price_minor bigint, asin_median_purchase_price_minor bigint,
    total_same_day_shipping_purchases bigint, total_one_day_shipping_purchases bigint, total_two_day_shipping_purchases bigint,
    currency text,
    first_run_id uuid, last_run_id uuid, updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (connection_id, marketplace_id, period, start_date, asin, search_query)
);
-- The page reads one ASIN's queries across the latest periods.
CREATE INDEX search_query_performance_by_asin ON search_query_performance (connection_id, marketplace_id, period, asin, start_date);

ALTER TABLE search_query_performance ENABLE ROW LEVEL SECURITY;
ALTER TABLE search_query_performance FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON search_query_performance
    USING (tenant_id = (SELECT NULLIF(current_setting('opside.tenant_id', true), '')::uuid))
    WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('opside.tenant_id', true), '')::uuid));

-- One period's report is asked for once per batch of ASINs: the options tell the batches apart,
-- so a resumed sync reuses each batch's report instead of taking another batch's.
ALTER TABLE report_requests ADD COLUMN options text;
