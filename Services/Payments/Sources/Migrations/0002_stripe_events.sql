-- Stripe's events as its webhooks deliver them: one row per event id whatever the number of
-- deliveries (Stripe delivers at least once, in no promised order), processed by a job enqueued
-- in the same transaction as the row. Platform-wide: an event names a Stripe object, and the
-- tenant is found from it when the event is processed.
CREATE TABLE payments.stripe_events (
    event_id        text PRIMARY KEY CHECK (event_id ~ '^evt_[A-Za-z0-9_]+$'),
    -- Which of our two endpoints took it: the platform's own events, or connected accounts'.
    endpoint        text NOT NULL CHECK (endpoint IN ('account', 'connect')),
    type            text NOT NULL,
    account         text CHECK (account IS NULL OR account ~ '^acct_'),
    livemode        boolean NOT NULL,
    api_version     text,
    stripe_created  timestamptz NOT NULL,
    payload         jsonb NOT NULL,
    deliveries      integer NOT NULL DEFAULT 1 CHECK (deliveries >= 1),
    received_at     timestamptz NOT NULL DEFAULT now(),
    last_received_at timestamptz NOT NULL DEFAULT now(),
    processed_at    timestamptz,
    -- What processing made of it: 'handled', 'unhandled' (a type payments does not act on: kept
    -- and acknowledged), or 'ignored: <why>'.
    outcome         text
);
CREATE INDEX stripe_events_unprocessed ON payments.stripe_events (received_at) WHERE processed_at IS NULL;
CREATE INDEX stripe_events_type ON payments.stripe_events (type, stripe_created);
