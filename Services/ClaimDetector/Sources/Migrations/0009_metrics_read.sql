-- The fleet-wide gauge of claims near their deadline still unfiled (ClaimDeadlineMetrics,
-- refreshed by the queue leader) counts across tenants: only reading, only a count leaves, and
-- only when the transaction says so.
CREATE POLICY metrics_read ON claims.claims FOR SELECT
    USING (current_setting('opside.metrics_read', true) = 'on');
CREATE POLICY metrics_read ON claims.case_outcomes FOR SELECT
    USING (current_setting('opside.metrics_read', true) = 'on');
-- Its query reads claimable claims by deadline across tenants; the tenant-first index cannot.
CREATE INDEX claims_claimable_by_deadline ON claims.claims (deadline) WHERE status = 'claimable';
