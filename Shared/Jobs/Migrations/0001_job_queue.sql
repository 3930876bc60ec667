-- The durable job queue shared by every service (DESIGN.md "Coordination";
-- queues-and-stripe.md A.4). Rows are claimed with FOR UPDATE SKIP LOCKED.
CREATE TYPE platform.job_state AS ENUM
    ('available', 'scheduled', 'running', 'retryable', 'completed', 'cancelled', 'discarded');

CREATE TABLE platform.jobs (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    queue               text NOT NULL CHECK (length(queue) BETWEEN 1 AND 127),
    kind                text NOT NULL CHECK (length(kind) BETWEEN 1 AND 255),
    args                jsonb NOT NULL DEFAULT '{}',
    tenant_id           uuid,
    -- Round-robin claims rotate over this key; '' is system work.
    fairness_key        text COLLATE "C" NOT NULL DEFAULT '',
    state               platform.job_state NOT NULL DEFAULT 'available',
    priority            smallint NOT NULL DEFAULT 2 CHECK (priority BETWEEN 1 AND 4),
    attempt             smallint NOT NULL DEFAULT 0,
    max_attempts        smallint NOT NULL DEFAULT 20 CHECK (max_attempts > 0),
    lease_seconds       integer NOT NULL DEFAULT 60 CHECK (lease_seconds > 0),
    scheduled_at        timestamptz NOT NULL DEFAULT now(),
    attempted_at        timestamptz,
    attempted_by        text,
    lease_expires_at    timestamptz,
    finalized_at        timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    errors              jsonb NOT NULL DEFAULT '[]',
    unique_key          text,
    cancel_requested_at timestamptz,
    rescue_count        integer NOT NULL DEFAULT 0,
    request_id          text,
    CHECK ((finalized_at IS NOT NULL) = (state IN ('completed', 'cancelled', 'discarded')))
);

CREATE INDEX jobs_fetch ON platform.jobs (queue, fairness_key, priority, scheduled_at, id) WHERE state = 'available';
CREATE INDEX jobs_due ON platform.jobs (queue, scheduled_at) WHERE state IN ('scheduled', 'retryable');
CREATE INDEX jobs_leases ON platform.jobs (lease_expires_at) WHERE state = 'running';
CREATE INDEX jobs_finalized ON platform.jobs (finalized_at) WHERE finalized_at IS NOT NULL;
CREATE INDEX jobs_by_state ON platform.jobs (queue, state, id);
CREATE UNIQUE INDEX jobs_unique ON platform.jobs (unique_key)
    WHERE unique_key IS NOT NULL AND state IN ('available', 'scheduled', 'running', 'retryable');

-- One leader per service runs the rescuer, cron and the cleaner (modelled on river_leader).
CREATE TABLE platform.queue_leaders (
    name        text PRIMARY KEY,
    leader_id   text NOT NULL,
    elected_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL
);

-- A cron tick is enqueued once: a brief split brain cannot insert it twice.
CREATE TABLE platform.cron_ticks (
    name     text NOT NULL,
    tick_at  timestamptz NOT NULL,
    job_id   bigint,
    PRIMARY KEY (name, tick_at)
);
