-- Notifications for partners (issue 15): a payout reached the bank, or the bank returned it.
-- They go to the partner workspace's owners and admins, who manage its payouts.
ALTER TABLE app.notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE app.notifications ADD CONSTRAINT notifications_kind_check CHECK (kind IN (
    'claims_found', 'deadline_approaching', 'sync_failed', 'reauthorization_needed',
    'case_filed', 'case_decided', 'filing_reminder', 'money_received', 'evidence_prompt', 'proof_packet',
    'payment_failed', 'invoice_paid', 'payout_paid', 'payout_failed'));
