-- The fleet-wide sync gauges (SyncFailureMetrics, refreshed by the queue leader) count failing
-- connections across tenants: only reading, only aggregates leave, and only when the transaction
-- says so (as the run sweep does).
CREATE POLICY metrics_read ON sync_runs FOR SELECT TO opside_inventory_sync
    USING (current_setting('opside.metrics_read', true) = 'on');
