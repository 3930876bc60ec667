-- Every import has a deadline. An import whose process died (or whose transaction hung) stays
-- `running` until the sweep finds its deadline passed and ends it; before this column such runs
-- stayed `running` forever. Runs already stuck get a deadline an hour after their start.
ALTER TABLE sync_runs ADD COLUMN deadline_at timestamptz;
UPDATE sync_runs SET deadline_at = coalesce(started_at, queued_at) + interval '1 hour'
WHERE trigger = 'import' AND state = 'running';
CREATE INDEX sync_runs_live_by_deadline ON sync_runs (deadline_at) WHERE state IN ('queued', 'running', 'retrying');

-- The sweep looks for such runs across tenants: only inventory-sync's own role, only reading,
-- and only when it says so for the transaction (as the scheduler's scan).
CREATE POLICY run_sweep ON sync_runs FOR SELECT TO opside_inventory_sync
    USING (current_setting('opside.run_sweep', true) = 'on');
