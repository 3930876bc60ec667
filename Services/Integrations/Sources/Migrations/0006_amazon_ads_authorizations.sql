-- A connection's Amazon Ads authorization (issue 16). The Ads API has its own Login with Amazon
-- application, so the seller authorizes it apart from SP-API and it has its own refresh token,
-- sealed like SP-API's (its associated data names its purpose, so the two do not open as each
-- other). The profile is the advertiser in the connection's marketplace whose spend is synced; its
-- currency and time zone are the report's. Deleted when Ads or the connection is disconnected.
CREATE TABLE integrations.amazon_ads_authorizations (
    connection_id           uuid PRIMARY KEY REFERENCES integrations.amazon_connections (id) ON DELETE CASCADE,
    tenant_id               uuid NOT NULL,
    key_id                  text NOT NULL,
    sealed                  bytea NOT NULL,
    profile_id              bigint NOT NULL,
    marketplace_id          text NOT NULL,
    country_code            text NOT NULL,
    currency_code           text NOT NULL,
    timezone                text NOT NULL,
    account_name            text,
    status                  text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'needs_reauthorization')),
    reauthorization_reason  text,
    connected_by_user_id    uuid,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE integrations.amazon_ads_authorizations ENABLE ROW LEVEL SECURITY;
ALTER TABLE integrations.amazon_ads_authorizations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON integrations.amazon_ads_authorizations
    USING (tenant_id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid);
