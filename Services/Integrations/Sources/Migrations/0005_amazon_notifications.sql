-- Amazon's notifications (issue 16).

-- A connection's subscriptions at Amazon, one per notification type. Amazon keeps one subscription
-- per seller, type and destination, so two tenants that connected the same seller hold the same
-- subscription id.
CREATE TABLE integrations.notification_subscriptions (
    connection_id      uuid NOT NULL REFERENCES integrations.amazon_connections (id) ON DELETE CASCADE,
    tenant_id          uuid NOT NULL,
    notification_type  text NOT NULL,
    subscription_id    text NOT NULL,
    destination_id     text NOT NULL,
    payload_version    text NOT NULL,
    created_at         timestamptz NOT NULL,
    PRIMARY KEY (connection_id, notification_type)
);
CREATE INDEX notification_subscriptions_by_id ON integrations.notification_subscriptions (subscription_id);
ALTER TABLE integrations.notification_subscriptions ENABLE ROW LEVEL SECURITY;
ALTER TABLE integrations.notification_subscriptions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON integrations.notification_subscriptions
    USING (tenant_id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid);

-- A notification arrives before anyone knows its tenant: routing reads which connections belong to
-- its seller and whether its subscription is ours, across tenants, read-only, and only when it opts
-- in (as the account-health sweep does), so a query that forgot its tenant still sees nothing.
CREATE POLICY notification_routing ON integrations.notification_subscriptions FOR SELECT
    USING (current_setting('opside.notification_routing', true) = 'on');
CREATE POLICY notification_routing ON integrations.amazon_connections FOR SELECT
    USING (current_setting('opside.notification_routing', true) = 'on');

-- Every notification taken in, once: `notification_id` is Amazon's, so a second delivery of the
-- same notification (SQS delivers at least once) finds its row and changes nothing. Not tenant
-- data: it names a seller and a type, and the events it became carry the tenants.
CREATE TABLE integrations.amazon_notifications (
    notification_id     text PRIMARY KEY,
    notification_type   text NOT NULL,
    selling_partner_id  text NOT NULL,
    subscription_id     text NOT NULL,
    event_time          timestamptz NOT NULL,
    message_id          text NOT NULL,
    received_at         timestamptz NOT NULL,
    -- How many connections it was published to (0: no active connection of that seller sells in
    -- its marketplaces any more).
    connections         integer NOT NULL
);
CREATE INDEX amazon_notifications_recent ON integrations.amazon_notifications (received_at DESC);

-- What each connection was told, in words, for its page: one row per notification and connection.
CREATE TABLE integrations.notification_deliveries (
    tenant_id          uuid NOT NULL,
    connection_id      uuid NOT NULL REFERENCES integrations.amazon_connections (id) ON DELETE CASCADE,
    notification_id    text NOT NULL REFERENCES integrations.amazon_notifications (notification_id),
    notification_type  text NOT NULL,
    event_time         timestamptz NOT NULL,
    summary            text NOT NULL,
    received_at        timestamptz NOT NULL,
    PRIMARY KEY (connection_id, notification_id)
);
CREATE INDEX notification_deliveries_recent ON integrations.notification_deliveries (connection_id, received_at DESC);
ALTER TABLE integrations.notification_deliveries ENABLE ROW LEVEL SECURITY;
ALTER TABLE integrations.notification_deliveries FORCE ROW LEVEL SECURITY;
-- Routing writes a delivery for each tenant whose connection it found, in the transaction that
-- opted in; reading stays by tenant.
CREATE POLICY tenant_isolation ON integrations.notification_deliveries
    USING (tenant_id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid);
CREATE POLICY notification_routing ON integrations.notification_deliveries FOR INSERT
    WITH CHECK (current_setting('opside.notification_routing', true) = 'on');

-- Messages that are not notifications we can apply, kept for the operator with the reason.
CREATE TABLE integrations.notification_rejections (
    id           bigserial PRIMARY KEY,
    message_id   text NOT NULL,
    received_at  timestamptz NOT NULL,
    reason       text NOT NULL,
    -- The body's first 4 KiB, enough to see what came.
    body_excerpt text NOT NULL
);
