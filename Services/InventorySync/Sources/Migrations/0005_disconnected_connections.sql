-- A seller's disconnection stops the connection's syncing (issue 10). Before this, a disconnected
-- connection stayed `active`: its schedules kept enqueueing runs that retried against a vault
-- that refuses it, forever.
--
-- connections.status gains `disconnected`; status_changed_at is when the connection event last
-- applied to it happened (the event's time), so an `amazon.connected` and an `amazon.disconnected`
-- handled out of order leave the status of the later one.
ALTER TABLE connections DROP CONSTRAINT connections_status_check;
ALTER TABLE connections ADD CONSTRAINT connections_status_check
    CHECK (status IN ('active', 'needs_reauthorization', 'import_only', 'disconnected'));
ALTER TABLE connections ADD COLUMN status_changed_at timestamptz;

-- A run in flight when its connection is disconnected ends `cancelled`, its reason in
-- error_kind `disconnected` and error_message.
ALTER TABLE sync_runs DROP CONSTRAINT sync_runs_state_check;
ALTER TABLE sync_runs ADD CONSTRAINT sync_runs_state_check
    CHECK (state IN ('queued', 'running', 'retrying', 'succeeded', 'failed', 'needs_reauthorization', 'cancelled'));

-- A paused schedule is never due. Pausing keeps the seller's choice (`enabled`, the interval)
-- for when the connection comes back.
ALTER TABLE sync_schedules ADD COLUMN paused_at timestamptz;
