-- Refunds, charged fees and reimbursement payments now also come from files a seller downloads
-- (the settlement report V2 and the Date Range transaction report), beside the Finances API. A
-- connection that syncs the API and imports a settlement file holds the same refund twice, once
-- per source: `source` says which brought a row, so a reader can count each refund once (per
-- order and SKU, the largest count among sources; see AmazonTables).
--
-- `source` is part of each event's identity, so the rows of two sources never merge into one:
-- `event_key` is re-hashed from the identity with `source` last (the same hash the loader
-- computes, see EventKey). Every row so far came from the Finances API. Occurrences stay as
-- they are: adding the same value to every row of a table keeps identical rows identical.
--
-- FORCE ROW LEVEL SECURITY would hide every row from the owner running this migration; it is
-- lifted for the rewrite and restored at the end.
ALTER TABLE financial_shipment_events ADD COLUMN source text DEFAULT 'finances_api'
    CHECK (source IN ('finances_api', 'settlement_report', 'transaction_report'));
ALTER TABLE financial_refund_events ADD COLUMN source text DEFAULT 'finances_api'
    CHECK (source IN ('finances_api', 'settlement_report', 'transaction_report'));
ALTER TABLE financial_adjustment_events ADD COLUMN source text DEFAULT 'finances_api'
    CHECK (source IN ('finances_api', 'settlement_report', 'transaction_report'));

ALTER TABLE financial_shipment_events NO FORCE ROW LEVEL SECURITY;
ALTER TABLE financial_refund_events NO FORCE ROW LEVEL SECURITY;
ALTER TABLE financial_adjustment_events NO FORCE ROW LEVEL SECURITY;

UPDATE financial_shipment_events SET event_key = md5(concat_ws(chr(31),
    coalesce(amazon_order_id::text, '\N'), coalesce(posted_at::text, '\N'), coalesce(seller_sku::text, '\N'),
    coalesce(order_item_id::text, '\N'), coalesce(quantity::text, '\N'), coalesce(charges::text, '\N'),
    coalesce(fees::text, '\N'), coalesce(source::text, '\N')));
UPDATE financial_refund_events SET event_key = md5(concat_ws(chr(31),
    coalesce(amazon_order_id::text, '\N'), coalesce(posted_at::text, '\N'), coalesce(seller_sku::text, '\N'),
    coalesce(order_adjustment_item_id::text, '\N'), coalesce(quantity::text, '\N'), coalesce(charges::text, '\N'),
    coalesce(fees::text, '\N'), coalesce(source::text, '\N')));
UPDATE financial_adjustment_events SET event_key = md5(concat_ws(chr(31),
    coalesce(adjustment_type::text, '\N'), coalesce(posted_at::text, '\N'), coalesce(seller_sku::text, '\N'),
    coalesce(fnsku::text, '\N'), coalesce(transaction_number::text, '\N'), coalesce(quantity::text, '\N'),
    coalesce(per_unit_minor::text, '\N'), coalesce(total_minor::text, '\N'), coalesce(source::text, '\N')));

ALTER TABLE financial_shipment_events FORCE ROW LEVEL SECURITY;
ALTER TABLE financial_refund_events FORCE ROW LEVEL SECURITY;
ALTER TABLE financial_adjustment_events FORCE ROW LEVEL SECURITY;
