-- test-runner's runs of its scenario suites against a deployment, and each case's result: the
-- history the dashboard, the API and `deploy/health-check --deep` read. Operators' data, no
-- seller's: no row names a tenant (the probe sellers a suite signs in as are named by e-mail).

CREATE TABLE testruns.runs (
    run_id        uuid PRIMARY KEY,
    -- The suites asked for, in the order they run.
    suites        text[] NOT NULL CHECK (cardinality(suites) >= 1),
    trigger       text NOT NULL CHECK (trigger IN ('on_demand', 'schedule')),
    -- Who asked: the calling service (and the operator's e-mail when main-api passes it on).
    requested_by  text NOT NULL,
    -- A repeated request with the same key gets the same run, not a second one.
    request_key   text UNIQUE CHECK (length(request_key) BETWEEN 1 AND 200),
    -- Service name -> base URL, as the run tested them.
    targets       jsonb NOT NULL,
    status        text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'passed', 'failed', 'error')),
    passed        integer NOT NULL DEFAULT 0,
    failed        integer NOT NULL DEFAULT 0,
    skipped       integer NOT NULL DEFAULT 0,
    -- Why the run itself could not finish (not a case's failure).
    error         text,
    requested_at  timestamptz NOT NULL,
    started_at    timestamptz,
    finished_at   timestamptz
);
CREATE INDEX runs_requested_at ON testruns.runs (requested_at DESC);

CREATE TABLE testruns.results (
    run_id       uuid NOT NULL REFERENCES testruns.runs ON DELETE CASCADE,
    position     integer NOT NULL,
    suite        text NOT NULL,
    name         text NOT NULL,
    -- The service the case is about, when it is about one.
    service      text,
    outcome      text NOT NULL CHECK (outcome IN ('passed', 'failed', 'skipped')),
    duration_ms  integer NOT NULL CHECK (duration_ms >= 0),
    -- Why it failed or was skipped, in words.
    message      text,
    PRIMARY KEY (run_id, position)
);
