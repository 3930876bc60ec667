-- What the rules gave a claim (type, items, units, value, valuation, window, source ids,
-- explanation), hashed: a re-run compares this instead of reading the stored JSON back.
-- Claims stored before it have none and are rewritten once by the next run.
ALTER TABLE claims.claims ADD COLUMN content_hash text;
