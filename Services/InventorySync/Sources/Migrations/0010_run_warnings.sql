-- A value an optional column could not be read from (a timestamp in a spelling no reader knows)
-- no longer costs its row: the row loads with the value NULL, and the run names the value, its
-- line and column. `warnings` keeps the first 100 of them, `rows_with_warnings` counts them all.
ALTER TABLE sync_runs ADD COLUMN rows_with_warnings bigint NOT NULL DEFAULT 0;
ALTER TABLE sync_runs ADD COLUMN warnings jsonb NOT NULL DEFAULT '[]';
