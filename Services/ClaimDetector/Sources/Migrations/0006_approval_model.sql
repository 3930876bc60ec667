-- What claim-detector learns Amazon's approvals from: each claim's case as refund-engine
-- announces it (case.status_changed), and the approval models trained on the decided ones.

-- One row per claim that has a case: its latest status, what the model reads of it (when it was
-- filed, whether its documents were attached) and, once Amazon decided, the outcome.
CREATE TABLE claims.case_outcomes (
    tenant_id          uuid NOT NULL,
    claim_id           uuid NOT NULL,
    case_id            uuid NOT NULL,
    claim_type         text NOT NULL,
    marketplace_id     text NOT NULL,
    amount_minor       bigint NOT NULL CHECK (amount_minor >= 0),
    currency           text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    clock_started_on   date NOT NULL,
    status             text NOT NULL,
    filed_at           timestamptz,
    evidence_present   boolean NOT NULL,
    -- 1 approved (in full or in part, paid), 0 denied; NULL while undecided.
    approved           smallint CHECK (approved IN (0, 1)),
    decided_at         timestamptz,
    -- When the event that wrote this row happened: an older event never overwrites a newer one.
    event_at           timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, claim_id)
);
CREATE INDEX case_outcomes_decided ON claims.case_outcomes (decided_at) WHERE approved IS NOT NULL;

ALTER TABLE claims.case_outcomes ENABLE ROW LEVEL SECURITY;
ALTER TABLE claims.case_outcomes FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON claims.case_outcomes
    USING (tenant_id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid);
-- The daily training reads every tenant's decided cases: only reading, and only when the
-- transaction says so. What leaves it is one model of the whole suite, never a tenant's rows.
CREATE POLICY approval_training ON claims.case_outcomes FOR SELECT
    USING (current_setting('opside.claims_approval_training', true) = 'on');

-- The approval models, newest last. A model is the suite's, not a tenant's: it holds weights and
-- its calibration, no tenant's data.
CREATE TABLE claims.approval_models (
    model_id           uuid PRIMARY KEY,
    trained_at         timestamptz NOT NULL,
    examples           integer NOT NULL,
    -- The whole model as ApprovalModel's JSON: feature names, weights, prior and calibration.
    model              jsonb NOT NULL
);
CREATE INDEX approval_models_newest ON claims.approval_models (trained_at DESC);
