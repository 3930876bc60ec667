-- What each tenant stored. The bytes live in the content store (a local folder or an S3 bucket)
-- under their SHA-256, once whoever stored them; this table says which tenants may read them, so
-- a tenant that knows another's hash still gets nothing.

CREATE TABLE documents.objects (
    tenant_id     uuid NOT NULL,
    sha256        text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size_bytes    bigint NOT NULL CHECK (size_bytes >= 0),
    content_type  text NOT NULL,
    -- Why it was stored: upload, cost_document, proof_summary, proof_packet.
    purpose       text NOT NULL,
    stored_at     timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, sha256)
);

ALTER TABLE documents.objects ENABLE ROW LEVEL SECURITY;
ALTER TABLE documents.objects FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON documents.objects
    USING (tenant_id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid);
