-- Transactional outbox: a producer writes its event in the same transaction as the change it
-- describes; a relay turns each event into jobs for the subscribed queues.
CREATE TABLE platform.outbox (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id     uuid NOT NULL UNIQUE,
    type         text NOT NULL CHECK (type ~ '^[a-z_]+(\.[a-z_]+)+$'),
    tenant_id    uuid,
    producer     text NOT NULL,
    payload      jsonb NOT NULL,
    request_id   text,
    occurred_at  timestamptz NOT NULL DEFAULT now(),
    relayed_at   timestamptz
);

CREATE INDEX outbox_pending ON platform.outbox (id) WHERE relayed_at IS NULL;
