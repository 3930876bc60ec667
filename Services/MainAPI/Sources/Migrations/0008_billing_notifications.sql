-- Notifications about billing (issue 15): a commission payment failed or needs the cardholder,
-- and an invoice was paid. They go to the tenant's owners and admins, who manage billing.
ALTER TABLE app.notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE app.notifications ADD CONSTRAINT notifications_kind_check CHECK (kind IN (
    'claims_found', 'deadline_approaching', 'sync_failed', 'reauthorization_needed',
    'case_filed', 'case_decided', 'filing_reminder', 'money_received', 'evidence_prompt', 'proof_packet',
    'payment_failed', 'invoice_paid'));
