-- Sponsored Products spend from the Amazon Ads API (issue 16): one row per SKU and day of the
-- advertising profile's time zone, every ad of the SKU summed, the cost in minor units of the
-- profile's currency. A day is read again while its clicks settle (72 hours), so rows are merged.
CREATE TABLE ads_spend (
    tenant_id uuid NOT NULL, connection_id uuid NOT NULL, marketplace_id text NOT NULL,
    date date NOT NULL, seller_sku text NOT NULL,
    asin text, impressions bigint, clicks bigint, cost_minor bigint, currency text, profile_id bigint,
    first_run_id uuid, last_run_id uuid, updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (connection_id, marketplace_id, date, seller_sku)
);
-- The spend page and the profit view read a connection's days in a range, every SKU.
CREATE INDEX ads_spend_by_day ON ads_spend (connection_id, marketplace_id, date);

ALTER TABLE ads_spend ENABLE ROW LEVEL SECURITY;
ALTER TABLE ads_spend FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON ads_spend
    USING (tenant_id = (SELECT NULLIF(current_setting('opside.tenant_id', true), '')::uuid))
    WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('opside.tenant_id', true), '')::uuid));
