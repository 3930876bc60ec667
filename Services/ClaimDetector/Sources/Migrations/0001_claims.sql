-- The claims claim-detector finds, the detection runs that found them, and the seller's numbers
-- the rules value claims with. Every table is a tenant's: row-level security is forced on each.

-- One detection run: a connection (or every connection of the tenant) as of a day.
CREATE TABLE claims.detection_runs (
    run_id             uuid PRIMARY KEY,
    tenant_id          uuid NOT NULL,
    -- NULL for a run over every connection of the tenant.
    connection_id      uuid,
    -- The day asked for; NULL when each marketplace's own today was used.
    as_of              date,
    -- running | succeeded | failed
    state              text NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'succeeded', 'failed')),
    trigger            text NOT NULL CHECK (trigger IN ('api', 'sync', 'schedule', 'cli')),
    started_at         timestamptz NOT NULL,
    finished_at        timestamptz,
    claims_new         integer NOT NULL DEFAULT 0,
    claims_updated     integer NOT NULL DEFAULT 0,
    claims_resolved    integer NOT NULL DEFAULT 0,
    claims_reopened    integer NOT NULL DEFAULT 0,
    claims_unchanged   integer NOT NULL DEFAULT 0,
    error_message      text
);
CREATE INDEX detection_runs_by_tenant ON claims.detection_runs (tenant_id, started_at DESC);

CREATE TABLE claims.claims (
    claim_id           uuid PRIMARY KEY,
    tenant_id          uuid NOT NULL,
    connection_id      uuid NOT NULL,
    marketplace_id     text NOT NULL,
    -- The rules' identity of the claim within its connection (DetectedClaim.key).
    claim_key          text NOT NULL,
    claim_type         text NOT NULL,
    status             text NOT NULL CHECK (status IN ('too_early', 'claimable', 'expired', 'resolved', 'dismissed')),
    fnsku              text,
    sku                text,
    asin               text,
    units              integer NOT NULL CHECK (units >= 0),
    amount_minor       bigint NOT NULL CHECK (amount_minor >= 0),
    currency           text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    valuation          jsonb NOT NULL,
    clock_started_on   date NOT NULL,
    opens_on           date NOT NULL,
    deadline           date NOT NULL,
    source_ids         jsonb NOT NULL,
    explanation        jsonb NOT NULL,
    resolution_reason  text,
    dismissed_reason   text,
    dismissed_at       timestamptz,
    dismissed_by       text,
    first_detected_at  timestamptz NOT NULL,
    last_detected_at   timestamptz NOT NULL,
    resolved_at        timestamptz,
    reopened_at        timestamptz,
    run_id             uuid NOT NULL,
    UNIQUE (tenant_id, connection_id, claim_key)
);
CREATE INDEX claims_by_deadline ON claims.claims (tenant_id, deadline, claim_id);
CREATE INDEX claims_by_connection ON claims.claims (tenant_id, connection_id, status);

-- The seller's per-SKU numbers claims are valued with: the manufacturing cost per unit
-- (`unit_cost`) and the fulfillment fee per unit the product's true dimensions give
-- (`expected_fee`). Each holds for one connection, for every connection in a marketplace, or
-- (both empty) everywhere; the most specific one applies.
CREATE TABLE claims.sku_amounts (
    tenant_id          uuid NOT NULL,
    kind               text NOT NULL CHECK (kind IN ('unit_cost', 'expected_fee')),
    -- '' when the amount holds for every marketplace.
    marketplace_id     text NOT NULL DEFAULT '',
    connection_id      uuid,
    sku                text NOT NULL,
    amount_minor       bigint NOT NULL CHECK (amount_minor >= 0),
    currency           text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    source             text NOT NULL CHECK (source IN ('seller', 'import')),
    updated_at         timestamptz NOT NULL
);
CREATE UNIQUE INDEX sku_amounts_identity ON claims.sku_amounts
    (tenant_id, kind, marketplace_id, COALESCE(connection_id, '00000000-0000-0000-0000-000000000000'::uuid), sku);

-- The connections claim-detector has heard of (sync.completed, runs): what the daily detection
-- walks, since the `amazon` schema shows a role only one tenant's rows at a time.
CREATE TABLE claims.known_connections (
    tenant_id          uuid NOT NULL,
    connection_id      uuid NOT NULL,
    first_seen_at      timestamptz NOT NULL,
    last_seen_at       timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, connection_id)
);

DO $rls$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['detection_runs', 'claims', 'sku_amounts', 'known_connections'] LOOP
        EXECUTE format('ALTER TABLE claims.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE claims.%I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format($p$CREATE POLICY tenant_isolation ON claims.%I
            USING (tenant_id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid)
            WITH CHECK (tenant_id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid)$p$, t);
    END LOOP;
END
$rls$;

-- The daily detection lists the connections of every tenant: only reading, and only when the
-- transaction says so (as inventory-sync's scheduler does for its schedules).
CREATE POLICY daily_scan ON claims.known_connections FOR SELECT
    USING (current_setting('opside.claims_daily_scan', true) = 'on');
