-- A ledger event is the same event whichever path brought it. Its time of day (`Date and Time`)
-- is in Seller Central's downloads only, not in the report the API returns, so it no longer
-- takes part in the event's identity: `event_key` is re-hashed from the other identifying
-- values (the same hash the loader computes, see EventKey), and occurrences are numbered again
-- within each (day, key) so that rows that differed only by their time stay separate rows.
--
-- FORCE ROW LEVEL SECURITY would hide every row from the owner running this migration; it is
-- lifted for the rewrite and restored at the end.
ALTER TABLE ledger_detail NO FORCE ROW LEVEL SECURITY;
ALTER TABLE ledger_detail DROP CONSTRAINT ledger_detail_event_identity;

UPDATE ledger_detail SET event_key = md5(concat_ws(chr(31),
    coalesce(event_date::text, '\N'), coalesce(fnsku::text, '\N'), coalesce(msku::text, '\N'),
    coalesce(event_type::text, '\N'), coalesce(reference_id::text, '\N'), coalesce(quantity::text, '\N'),
    coalesce(fulfillment_center::text, '\N'), coalesce(disposition::text, '\N'), coalesce(reason::text, '\N'),
    coalesce(country::text, '\N')));

WITH numbered AS (
    SELECT ctid AS row_address, row_number() OVER (
        PARTITION BY connection_id, marketplace_id, event_date, event_key
        ORDER BY event_at NULLS LAST, occurrence, first_run_id) AS n
    FROM ledger_detail
)
UPDATE ledger_detail AS target SET occurrence = numbered.n
FROM numbered WHERE target.ctid = numbered.row_address AND target.occurrence <> numbered.n;

ALTER TABLE ledger_detail ADD CONSTRAINT ledger_detail_event_identity
    UNIQUE (connection_id, marketplace_id, event_date, event_key, occurrence);
ALTER TABLE ledger_detail FORCE ROW LEVEL SECURITY;
