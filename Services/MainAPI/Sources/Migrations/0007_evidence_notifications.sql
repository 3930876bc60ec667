-- Notifications about evidence (issue 14): a question about a document waits for the seller's
-- answer, and a paid claim's proof packet is ready.
ALTER TABLE app.notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE app.notifications ADD CONSTRAINT notifications_kind_check CHECK (kind IN (
    'claims_found', 'deadline_approaching', 'sync_failed', 'reauthorization_needed',
    'case_filed', 'case_decided', 'filing_reminder', 'money_received', 'evidence_prompt', 'proof_packet'));
