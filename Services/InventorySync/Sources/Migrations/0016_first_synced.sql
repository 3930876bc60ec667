-- When each dataset of a connection first finished syncing (issue 17): the backfill's progress
-- says which claims are covered already, and since when. Watermarks written before this column
-- had finished syncing at their last update, at the latest.
ALTER TABLE sync_watermarks ADD COLUMN first_synced_at timestamptz;
UPDATE sync_watermarks SET first_synced_at = updated_at WHERE synced_through IS NOT NULL;
