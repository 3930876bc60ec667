-- Notifications about cases (refund-engine, issue 13): filed, Amazon's answers, reminders to
-- file by hand, money received.
ALTER TABLE app.notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE app.notifications ADD CONSTRAINT notifications_kind_check CHECK (kind IN (
    'claims_found', 'deadline_approaching', 'sync_failed', 'reauthorization_needed',
    'case_filed', 'case_decided', 'filing_reminder', 'money_received'));
