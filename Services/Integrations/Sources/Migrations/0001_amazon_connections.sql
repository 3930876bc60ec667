-- Amazon connections, the refresh tokens that authorize them (encrypted), and the OAuth `state`
-- of consent flows in progress. Every table is tenant-owned and enforces row-level security on
-- its owner too (FORCE), like every other schema.

-- One authorized selling partner in one region for one tenant. Authorization is regional (one
-- refresh token covers every marketplace of the region), so a seller is unique per tenant and
-- region: connecting again updates the row instead of adding one. Disconnected rows stay (synced
-- data refers to them) with their tokens deleted.
CREATE TABLE integrations.amazon_connections (
    id                           uuid PRIMARY KEY,
    tenant_id                    uuid NOT NULL,
    selling_partner_id           text NOT NULL CHECK (length(selling_partner_id) BETWEEN 1 AND 64),
    region                       text NOT NULL CHECK (region IN ('na', 'eu', 'fe')),
    marketplace_ids              text[] NOT NULL DEFAULT '{}',
    status                       text NOT NULL DEFAULT 'active'
                                 CHECK (status IN ('active', 'needs_reauthorization', 'disconnected')),
    authorization_method         text NOT NULL CHECK (authorization_method IN ('consent', 'self_authorized')),
    connected_by_user_id         uuid,
    reauthorization_reason       text,
    reauthorization_required_at  timestamptz,
    last_health_check_at         timestamptz,
    disconnected_at              timestamptz,
    created_at                   timestamptz NOT NULL DEFAULT now(),
    updated_at                   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, selling_partner_id, region)
);
ALTER TABLE integrations.amazon_connections ENABLE ROW LEVEL SECURITY;
ALTER TABLE integrations.amazon_connections FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON integrations.amazon_connections
    USING (tenant_id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid);
-- The account-health sweep is the one reader that spans tenants: it only lists which connections
-- to check (each check then runs under its own tenant). It must opt in explicitly, read-only, so
-- a query that merely forgot its tenant still sees nothing.
CREATE POLICY account_health_sweep ON integrations.amazon_connections FOR SELECT
    USING (current_setting('opside.account_health_sweep', true) = 'on');

-- The refresh token of a connection, sealed with AES-GCM (nonce | ciphertext | tag) under the key
-- named by key_id; the connection id and tenant are its associated data, so a sealed token copied
-- onto another row does not open. Deleted on disconnect.
CREATE TABLE integrations.amazon_refresh_tokens (
    connection_id  uuid PRIMARY KEY REFERENCES integrations.amazon_connections (id) ON DELETE CASCADE,
    tenant_id      uuid NOT NULL,
    key_id         text NOT NULL,
    sealed         bytea NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE integrations.amazon_refresh_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE integrations.amazon_refresh_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON integrations.amazon_refresh_tokens
    USING (tenant_id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid);

-- A consent flow in progress: the SHA-256 of its `state` (never the state itself), who started it
-- and until when it may complete. Amazon's redirect arrives before we know the tenant, so besides
-- the tenant policy a second policy lets a transaction that presents the state's hash
-- (`opside.oauth_state_hash`) see and consume exactly that row: knowing the state is the capability.
CREATE TABLE integrations.oauth_states (
    state_hash      bytea PRIMARY KEY CHECK (length(state_hash) = 32),
    tenant_id       uuid NOT NULL,
    user_id         uuid NOT NULL,
    region          text NOT NULL CHECK (region IN ('na', 'eu', 'fe')),
    marketplace_id  text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    consumed_at     timestamptz
);
CREATE INDEX oauth_states_tenant_expiry ON integrations.oauth_states (tenant_id, expires_at);
ALTER TABLE integrations.oauth_states ENABLE ROW LEVEL SECURITY;
ALTER TABLE integrations.oauth_states FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON integrations.oauth_states
    USING (tenant_id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid);
CREATE POLICY state_bearer ON integrations.oauth_states FOR SELECT
    USING (state_hash = decode(NULLIF(current_setting('opside.oauth_state_hash', true), ''), 'hex'));
CREATE POLICY state_bearer_consume ON integrations.oauth_states FOR UPDATE
    USING (state_hash = decode(NULLIF(current_setting('opside.oauth_state_hash', true), ''), 'hex'))
    WITH CHECK (state_hash = decode(NULLIF(current_setting('opside.oauth_state_hash', true), ''), 'hex'));
