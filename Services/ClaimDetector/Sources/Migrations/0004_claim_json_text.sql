-- A claim's three JSON values are kept as `json` (the text as the claim store wrote it, checked
-- but not converted) instead of `jsonb`. Nothing queries inside them: they are written when a
-- claim changes and read whole. Building jsonb took a third of the time a large seller's first
-- detection spent writing its claims.
--
-- A correction to 0003: its 256-byte TOAST target does not make PostgreSQL compress these rows.
-- The toaster only looks at rows longer than about 2 kB, and a claim is about 1.5 kB, so claims
-- are stored whole; the 40 % free space is what keeps a re-run's "seen" updates in place.
ALTER TABLE claims.claims
    ALTER COLUMN valuation TYPE json USING valuation::json,
    ALTER COLUMN source_ids TYPE json USING source_ids::json,
    ALTER COLUMN explanation TYPE json USING explanation::json;
