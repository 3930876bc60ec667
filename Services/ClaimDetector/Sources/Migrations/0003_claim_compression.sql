-- A claim's JSON (explanation, valuation, source ids) is about 1.2 kB: below the 2 kB at which
-- PostgreSQL compresses or moves values out of the row, so every claim was written whole, and a
-- re-run marking claims seen copied each row whole. With a 256-byte target the JSON is compressed
-- (lz4: fast, and it reads back as fast) and kept apart, and the row stays narrow. Pages are left
-- 40 % free so that marking a claim seen (its run and time, no indexed column) is a HOT update in
-- place, not a new row version with an entry in every index.
ALTER TABLE claims.claims ALTER COLUMN explanation SET COMPRESSION lz4;
ALTER TABLE claims.claims ALTER COLUMN valuation SET COMPRESSION lz4;
ALTER TABLE claims.claims ALTER COLUMN source_ids SET COMPRESSION lz4;
ALTER TABLE claims.claims SET (toast_tuple_target = 256, fillfactor = 60);
