-- The evidence evidence-engine proved each claim with (evidence.matched), kept by claim rather
-- than by case: a claim can be proved before its case exists, and the case made later starts
-- with its documents ready.
CREATE TABLE cases.claim_evidence (
    tenant_id    uuid NOT NULL,
    claim_id     uuid NOT NULL,
    match_id     uuid NOT NULL,
    document_id  uuid NOT NULL,
    confidence   double precision NOT NULL,
    -- automatic (at or above the threshold) or confirmed (the seller said yes).
    decided_by   text NOT NULL,
    -- The files the case carries: title, file name, content hash, content type.
    attachments  jsonb NOT NULL,
    received_at  timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, match_id)
);
CREATE INDEX claim_evidence_by_claim ON cases.claim_evidence (tenant_id, claim_id);

ALTER TABLE cases.claim_evidence ENABLE ROW LEVEL SECURITY;
ALTER TABLE cases.claim_evidence FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON cases.claim_evidence
    USING (tenant_id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid);
