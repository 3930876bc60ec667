-- Notifications: one row per person of the tenant an event concerns, made by the event's
-- consumer. `(user_id, event_id)` is unique, so a redelivered event notifies nobody twice, and
-- `dedupe_key` keeps one unread notice per ongoing problem (a sync failing on every schedule tick
-- stays one unread line until it is read).
CREATE TABLE app.notifications (
    id          uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES app.tenants (id),
    user_id     uuid NOT NULL REFERENCES app.users (id) ON DELETE CASCADE,
    event_id    uuid NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('claims_found', 'deadline_approaching', 'sync_failed', 'reauthorization_needed')),
    level       text NOT NULL CHECK (level IN ('info', 'success', 'warning', 'error')),
    title       text NOT NULL,
    body        text NOT NULL,
    action_url  text,
    dedupe_key  text,
    created_at  timestamptz NOT NULL,
    read_at     timestamptz,
    -- When the notice went out by e-mail (alone or in a digest); NULL while it waits or is not mailed.
    emailed_at  timestamptz,
    UNIQUE (user_id, event_id)
);
CREATE INDEX notifications_by_user ON app.notifications (tenant_id, user_id, created_at DESC, id DESC);
CREATE INDEX notifications_unread ON app.notifications (tenant_id, user_id) WHERE read_at IS NULL;
CREATE UNIQUE INDEX notifications_one_unread_per_problem ON app.notifications (tenant_id, user_id, dedupe_key)
    WHERE read_at IS NULL AND dedupe_key IS NOT NULL;
ALTER TABLE app.notifications ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.notifications FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON app.notifications
    USING (tenant_id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid);
-- A person's digest gathers their notices from every tenant they belong to.
CREATE POLICY own_notifications ON app.notifications
    USING (user_id = NULLIF(current_setting('opside.user_id', true), '')::uuid)
    WITH CHECK (user_id = NULLIF(current_setting('opside.user_id', true), '')::uuid);

-- What a person wants by e-mail: which kinds, and whether as they happen or in one digest a day.
-- No row means the defaults (`NotificationPreferences.defaults`).
CREATE TABLE app.notification_preferences (
    user_id      uuid PRIMARY KEY REFERENCES app.users (id) ON DELETE CASCADE,
    email_kinds  text[] NOT NULL,
    delivery     text NOT NULL CHECK (delivery IN ('digest', 'immediate')),
    updated_at   timestamptz NOT NULL
);
