-- The day a run first announced the claim's approaching deadline (claims.deadlines_approaching):
-- set once, so each claim's deadline is announced once however many runs see it inside the week.
ALTER TABLE claims.claims ADD COLUMN deadline_warned_on date;
