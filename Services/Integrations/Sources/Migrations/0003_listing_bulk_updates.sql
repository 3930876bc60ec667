-- A bulk change of listings' prices and quantities: the request is kept whole before any of it
-- reaches Amazon, and each SKU's answer is written the moment Amazon gives it, so a restart
-- resumes with the next SKU and the seller sees every SKU's outcome. `request_key` makes a
-- repeated request (a double click, a client retry) the same bulk update.
CREATE TABLE integrations.listing_bulk_updates (
    id             uuid PRIMARY KEY,
    tenant_id      uuid NOT NULL,
    connection_id  uuid NOT NULL REFERENCES integrations.amazon_connections (id) ON DELETE CASCADE,
    request_key    text NOT NULL CHECK (length(request_key) BETWEEN 1 AND 200),
    requested_by   uuid,
    status         text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'finished')),
    item_count     integer NOT NULL CHECK (item_count BETWEEN 1 AND 500),
    requested_at   timestamptz NOT NULL,
    started_at     timestamptz,
    finished_at    timestamptz,
    UNIQUE (tenant_id, request_key)
);
CREATE INDEX listing_bulk_updates_recent ON integrations.listing_bulk_updates (tenant_id, connection_id, requested_at DESC);
ALTER TABLE integrations.listing_bulk_updates ENABLE ROW LEVEL SECURITY;
ALTER TABLE integrations.listing_bulk_updates FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON integrations.listing_bulk_updates
    USING (tenant_id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid);

CREATE TABLE integrations.listing_bulk_update_items (
    bulk_update_id  uuid NOT NULL REFERENCES integrations.listing_bulk_updates (id) ON DELETE CASCADE,
    position        integer NOT NULL,
    tenant_id       uuid NOT NULL,
    sku             text NOT NULL,
    price_minor     bigint CHECK (price_minor > 0),
    currency        text CHECK (currency ~ '^[A-Z]{3}$'),
    quantity        integer CHECK (quantity >= 0),
    -- NULL until Amazon answered: accepted, invalid (Amazon refused it, issues say why) or
    -- failed (ours or Amazon's reason in `error`: no such listing, an FBA quantity).
    outcome         text CHECK (outcome IN ('accepted', 'invalid', 'failed')),
    submission_id   text,
    issues          jsonb NOT NULL DEFAULT '[]',
    error           text,
    done_at         timestamptz,
    PRIMARY KEY (bulk_update_id, position),
    UNIQUE (bulk_update_id, sku),
    CHECK (price_minor IS NOT NULL OR quantity IS NOT NULL),
    CHECK ((price_minor IS NULL) = (currency IS NULL))
);
ALTER TABLE integrations.listing_bulk_update_items ENABLE ROW LEVEL SECURITY;
ALTER TABLE integrations.listing_bulk_update_items FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON integrations.listing_bulk_update_items
    USING (tenant_id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid);
