-- Money the Finances API shows before Amazon's reimbursements report does (the report lists a
-- line 4–5 days after approval; the adjustment event posts at once), or never (non-itemized
-- adjustments). Such an entry comes from one adjustment event and is replaced by the report's
-- line when that arrives, so the same money is counted once.
ALTER TABLE cases.recoveries
    ADD COLUMN source text NOT NULL DEFAULT 'report' CHECK (source IN ('report', 'finances')),
    -- The adjustment event's key and occurrence (`event_key#occurrence`), for source 'finances'.
    ADD COLUMN finance_event text,
    -- For a report line: the finance entries it replaced (their ids and events), whose money it
    -- now carries; those events are never entered again.
    ADD COLUMN replaced_entry_ids uuid[] NOT NULL DEFAULT '{}',
    ADD COLUMN replaced_finance_events text[] NOT NULL DEFAULT '{}',
    ADD CONSTRAINT finance_entries_name_their_event CHECK ((source = 'finances') = (finance_event IS NOT NULL));
CREATE UNIQUE INDEX recoveries_finance_event ON cases.recoveries (tenant_id, connection_id, finance_event) WHERE finance_event IS NOT NULL;
