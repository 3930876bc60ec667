-- Evidence: the documents a seller uploaded (each stored by cost-docs under its content hash),
-- what was read from them, the matches between documents and claims, the questions put to the
-- seller, and the proof packets made after Amazon paid. Every table is a tenant's and forces
-- row-level security.

CREATE TABLE evidence.documents (
    document_id        uuid PRIMARY KEY,
    tenant_id          uuid NOT NULL,
    sha256             text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    -- The uploader's name for the file, cleaned for display; storage goes by hash only.
    file_name          text NOT NULL,
    kind               text NOT NULL CHECK (kind IN ('pdf', 'png', 'jpeg', 'tiff', 'heic', 'xlsx', 'csv')),
    size_bytes         bigint NOT NULL CHECK (size_bytes > 0),
    status             text NOT NULL CHECK (status IN ('received', 'parsed', 'failed')),
    -- Why a document could not be read, in words, with a stable code.
    failure_code       text,
    failure_message    text,
    -- How it was read (pdftotext, ocr, xlsx, csv), its pages and the OCR's mean confidence.
    method             text,
    page_count         integer,
    ocr_confidence     double precision,
    -- The text of each page (a JSON array), for the page that shows the lines in place.
    pages              jsonb,
    -- What was read: supplier, number, date, currency, lines, charges, checks (OpsideInvoices).
    fields             jsonb,
    -- The seller's corrections, applied over `fields` (kept apart so a re-read keeps them).
    corrections        jsonb,
    uploaded_by        text NOT NULL,
    uploaded_at        timestamptz NOT NULL,
    parsed_at          timestamptz,
    UNIQUE (tenant_id, sha256)
);
CREATE INDEX documents_by_time ON evidence.documents (tenant_id, uploaded_at DESC);

-- A document against a claim, with the confidence and the features it is made of. One row per
-- pair, ever: a re-match updates it, never adds a second.
CREATE TABLE evidence.matches (
    match_id          uuid PRIMARY KEY,
    tenant_id         uuid NOT NULL,
    document_id       uuid NOT NULL REFERENCES evidence.documents (document_id),
    claim_id          uuid NOT NULL,
    sku               text,
    -- The invoice lines that prove the claim.
    line_indexes      jsonb NOT NULL,
    confidence        double precision NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
    features          jsonb NOT NULL,
    -- ready: at or above the auto-submit threshold; prompted: a question is waiting;
    -- confirmed / rejected: the seller answered; weak: below the prompt threshold.
    status            text NOT NULL CHECK (status IN ('ready', 'prompted', 'confirmed', 'rejected', 'weak')),
    -- When evidence.matched went out for it (once per match).
    announced_at      timestamptz,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    UNIQUE (tenant_id, document_id, claim_id)
);
CREATE INDEX matches_by_claim ON evidence.matches (tenant_id, claim_id);

CREATE TABLE evidence.prompts (
    prompt_id        uuid PRIMARY KEY,
    tenant_id        uuid NOT NULL,
    match_id         uuid NOT NULL UNIQUE REFERENCES evidence.matches (match_id),
    claim_id         uuid NOT NULL,
    document_id      uuid NOT NULL,
    question         text NOT NULL,
    status           text NOT NULL CHECK (status IN ('open', 'confirmed', 'rejected', 'expired')),
    created_at       timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL,
    reminded_at      timestamptz,
    answered_at      timestamptz,
    answered_by      text
);
CREATE INDEX prompts_open ON evidence.prompts (tenant_id, status, expires_at);

-- One proof packet per paid claim: the ZIP's hash in cost-docs and its manifest.
CREATE TABLE evidence.proof_packets (
    packet_id        uuid PRIMARY KEY,
    tenant_id        uuid NOT NULL,
    claim_id         uuid NOT NULL,
    case_id          text,
    sha256           text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size_bytes       bigint NOT NULL,
    manifest         jsonb NOT NULL,
    generated_at     timestamptz NOT NULL,
    UNIQUE (tenant_id, claim_id)
);

DO $rls$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['documents', 'matches', 'prompts', 'proof_packets'] LOOP
        EXECUTE format('ALTER TABLE evidence.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE evidence.%I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format($p$CREATE POLICY tenant_isolation ON evidence.%I
            USING (tenant_id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid)
            WITH CHECK (tenant_id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid)$p$, t);
    END LOOP;
END
$rls$;

-- The sweep that reminds and expires prompts walks every tenant's open prompts: only reading,
-- and only when the transaction says so.
CREATE POLICY prompt_sweep ON evidence.prompts FOR SELECT
    USING (current_setting('opside.evidence_prompt_sweep', true) = 'on');
