-- A seller's FBA inbound workflow (Fulfillment Inbound 2024-03-20), one row per plan, kept so a
-- restart resumes where it stopped:
-- - `step` is where the workflow stands for the seller (see InboundStep);
-- - `calls` are the Amazon calls still to make for the seller's last action, in order; the head is
--   in flight when `operation_id` is set (Amazon's asynchronous operation, polled by a job) and was
--   perhaps sent when only `call_sent_at` is set (a crash between sending and recording: the job
--   checks Amazon before sending again, so a plan is never created twice);
-- - `next_step` and `return_step` are where the workflow goes when the calls succeed or one fails;
-- - `amazon` is the latest of Amazon's answers the seller chooses from (options, shipments).
-- `request_key` makes a repeated create (a double click, a client retry) the same workflow.
CREATE TABLE integrations.inbound_workflows (
    id               uuid PRIMARY KEY,
    tenant_id        uuid NOT NULL,
    connection_id    uuid NOT NULL REFERENCES integrations.amazon_connections (id) ON DELETE CASCADE,
    request_key      text NOT NULL CHECK (length(request_key) BETWEEN 1 AND 200),
    requested_by     uuid,
    name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    -- The plan's name at Amazon: the seller's name and this workflow's marker, which finds the plan
    -- again after a crash between creating it and recording its id.
    amazon_name      text NOT NULL,
    marketplace_id   text NOT NULL,
    source_address   jsonb NOT NULL,
    items            jsonb NOT NULL,
    inbound_plan_id  text,
    step             text NOT NULL,
    calls            jsonb NOT NULL DEFAULT '[]',
    next_step        text,
    return_step      text,
    operation_id     text,
    operation_polls  integer NOT NULL DEFAULT 0,
    -- Counts the seller's actions: the job of one action stops when another begins.
    revision         integer NOT NULL DEFAULT 0,
    call_sent_at     timestamptz,
    amazon           jsonb NOT NULL DEFAULT '{}',
    problems         jsonb NOT NULL DEFAULT '[]',
    placement_confirmed_at timestamptz,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    UNIQUE (tenant_id, request_key)
);
CREATE INDEX inbound_workflows_recent ON integrations.inbound_workflows (tenant_id, connection_id, created_at DESC);
ALTER TABLE integrations.inbound_workflows ENABLE ROW LEVEL SECURITY;
ALTER TABLE integrations.inbound_workflows FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON integrations.inbound_workflows
    USING (tenant_id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid);

-- What happened to a workflow, in words, for its page: each action, each Amazon operation's end.
CREATE TABLE integrations.inbound_workflow_events (
    workflow_id  uuid NOT NULL REFERENCES integrations.inbound_workflows (id) ON DELETE CASCADE,
    position     integer NOT NULL,
    tenant_id    uuid NOT NULL,
    at           timestamptz NOT NULL,
    step         text NOT NULL,
    message      text NOT NULL,
    PRIMARY KEY (workflow_id, position)
);
ALTER TABLE integrations.inbound_workflow_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE integrations.inbound_workflow_events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON integrations.inbound_workflow_events
    USING (tenant_id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid);
