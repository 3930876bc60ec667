-- A tenant's billing standing as payments announces it (`billing.standing_changed`): while it is
-- `past_due`, no new case is filed (detection and case intake go on). The newest announcement
-- wins, whatever order they arrive in.
CREATE TABLE cases.billing_standing (
    tenant_id   uuid PRIMARY KEY,
    standing    text NOT NULL CHECK (standing IN ('good', 'payment_failed', 'past_due')),
    reason      text,
    changed_at  timestamptz NOT NULL
);
ALTER TABLE cases.billing_standing ENABLE ROW LEVEL SECURITY;
ALTER TABLE cases.billing_standing FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON cases.billing_standing
    USING (tenant_id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid);
