-- The case desk: one case per claim, its history, the seller's filing settings, the per-seller
-- daily filing counts, and the ledger of money Amazon paid back. Every table is a tenant's and
-- forces row-level security.

CREATE TABLE cases.cases (
    case_id               uuid PRIMARY KEY,
    tenant_id             uuid NOT NULL,
    connection_id         uuid NOT NULL,
    marketplace_id        text NOT NULL,
    -- claim-detector's claim (its id is stable across re-detections): one case per claim, ever.
    claim_id              uuid NOT NULL,
    claim_type            text NOT NULL,
    channel               text NOT NULL CHECK (channel IN ('assisted', 'sandbox')),
    status                text NOT NULL CHECK (status IN (
        'needs_documents', 'ready', 'filing', 'failed', 'filed', 'more_information_needed', 'approved',
        'partially_approved', 'denied', 'paid', 'partially_paid', 'reversed', 'missed', 'withdrawn')),
    fnsku                 text,
    sku                   text,
    asin                  text,
    units                 integer NOT NULL CHECK (units >= 0),
    amount_claimed_minor  bigint NOT NULL CHECK (amount_claimed_minor >= 0),
    currency              text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    opens_on              date NOT NULL,
    deadline              date NOT NULL,
    -- The ids Amazon asks for (the claim's source ids), by kind.
    reference_ids         jsonb NOT NULL,
    subject               text NOT NULL,
    body                  text NOT NULL,
    -- The documents the claim type needs, as words.
    attachments           jsonb NOT NULL,
    documents_ready       boolean NOT NULL DEFAULT false,
    -- The approval probability used to rank the queue when the daily limit is shorter than it.
    approval_probability  double precision NOT NULL DEFAULT 0.5,
    amazon_case_id        text,
    filed_at              timestamptz,
    filed_by              text,
    filing_started_at     timestamptz,
    attempts              integer NOT NULL DEFAULT 0,
    next_attempt_at       timestamptz,
    last_error            text,
    decision_reason       text,
    decided_at            timestamptz,
    approved_amount_minor bigint,
    appealed              boolean NOT NULL DEFAULT false,
    replies               integer NOT NULL DEFAULT 0,
    -- Money attributed to the case in the recoveries ledger (reversals subtract).
    recovered_minor       bigint NOT NULL DEFAULT 0,
    -- The smallest reminder (days before the deadline) already sent for an assisted case.
    reminded_days         integer,
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL,
    UNIQUE (tenant_id, claim_id)
);
CREATE UNIQUE INDEX cases_by_amazon_case_id ON cases.cases (tenant_id, connection_id, amazon_case_id) WHERE amazon_case_id IS NOT NULL;
CREATE INDEX cases_queue ON cases.cases (tenant_id, connection_id, status, deadline);

-- Every status change of a case, and every reminder: when, who (seller, system, amazon for what
-- the desk answered, amazon_data for what synced data showed) and why.
CREATE TABLE cases.case_history (
    entry_id     bigserial PRIMARY KEY,
    tenant_id    uuid NOT NULL,
    case_id      uuid NOT NULL REFERENCES cases.cases (case_id),
    at           timestamptz NOT NULL,
    from_status  text,
    to_status    text NOT NULL,
    actor        text NOT NULL CHECK (actor IN ('seller', 'system', 'amazon', 'amazon_data')),
    actor_id     text,
    reason       text NOT NULL
);
CREATE INDEX case_history_by_case ON cases.case_history (tenant_id, case_id, entry_id);

-- A tenant's filing settings; a tenant without a row has the configured defaults.
CREATE TABLE cases.filing_settings (
    tenant_id        uuid PRIMARY KEY,
    continuous       boolean NOT NULL,
    channel          text NOT NULL CHECK (channel IN ('assisted', 'sandbox')),
    daily_limit      integer NOT NULL CHECK (daily_limit BETWEEN 1 AND 1000),
    updated_at       timestamptz NOT NULL,
    updated_by       text
);

-- Cases filed per seller (connection) and marketplace-local day: the daily limit counts here, in
-- the transaction that starts a filing, so two filers can never pass it together.
CREATE TABLE cases.filing_days (
    tenant_id      uuid NOT NULL,
    connection_id  uuid NOT NULL,
    day            date NOT NULL,
    filed          integer NOT NULL,
    PRIMARY KEY (tenant_id, connection_id, day)
);

-- The recovered-money ledger: one entry per reimbursement line Amazon reported (its key is the
-- synced row's key), so a re-sync never counts a line twice. Cash plus units paid in kind at
-- Amazon's per-unit value; reversals are negative.
CREATE TABLE cases.recoveries (
    entry_id                   uuid PRIMARY KEY,
    tenant_id                  uuid NOT NULL,
    connection_id              uuid NOT NULL,
    marketplace_id             text NOT NULL,
    reimbursement_id           text NOT NULL,
    sku                        text NOT NULL,
    fnsku                      text NOT NULL,
    amazon_order_id            text NOT NULL,
    approval_date              timestamptz,
    reason                     text,
    amazon_case_id             text,
    original_reimbursement_id  text,
    kind                       text NOT NULL CHECK (kind IN ('reimbursement', 'reversal')),
    -- 'case': paid on one of our cases (by case id, or a reversal of such a payment); 'automatic':
    -- Amazon paid by itself.
    attribution                text NOT NULL CHECK (attribution IN ('case', 'automatic')),
    case_id                    uuid REFERENCES cases.cases (case_id),
    claim_type                 text,
    cash_minor                 bigint NOT NULL,
    inventory_units            integer NOT NULL,
    inventory_value_minor      bigint NOT NULL,
    amount_minor               bigint NOT NULL,
    currency                   text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    -- A Finances adjustment event of the same item and amount was seen.
    confirmed_by_finance       boolean NOT NULL DEFAULT false,
    recorded_at                timestamptz NOT NULL,
    UNIQUE (tenant_id, connection_id, marketplace_id, reimbursement_id, sku, fnsku, amazon_order_id)
);
CREATE INDEX recoveries_by_case ON cases.recoveries (tenant_id, case_id);
CREATE INDEX recoveries_by_date ON cases.recoveries (tenant_id, approval_date DESC, entry_id);

-- The connections refund-engine has heard of: what the sweep (filing, following cases, deadlines)
-- walks, since row-level security shows one tenant at a time.
CREATE TABLE cases.known_connections (
    tenant_id      uuid NOT NULL,
    connection_id  uuid NOT NULL,
    first_seen_at  timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, connection_id)
);

DO $rls$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['cases', 'case_history', 'filing_settings', 'filing_days', 'recoveries', 'known_connections'] LOOP
        EXECUTE format('ALTER TABLE cases.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE cases.%I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format($p$CREATE POLICY tenant_isolation ON cases.%I
            USING (tenant_id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid)
            WITH CHECK (tenant_id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid)$p$, t);
    END LOOP;
END
$rls$;

-- The sweep lists every tenant's connections: only reading, and only when the transaction says so.
CREATE POLICY sweep_scan ON cases.known_connections FOR SELECT
    USING (current_setting('opside.cases_sweep', true) = 'on');
