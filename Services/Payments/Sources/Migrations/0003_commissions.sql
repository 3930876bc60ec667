-- The commission Opside earns on money it recovered, and how it is collected through Stripe.

-- The tenant's Stripe side: its customer, the card on file (what the Billing page shows; the card
-- itself stays at Stripe), how the commission is collected, and whether the account is in good
-- standing (a tenant `past_due` files no new cases until it pays).
ALTER TABLE payments.billing_accounts
    ADD COLUMN stripe_customer_id  text UNIQUE CHECK (stripe_customer_id ~ '^cus_'),
    ADD COLUMN collection          text NOT NULL DEFAULT 'monthly_invoice'
                                   CHECK (collection IN ('monthly_invoice', 'per_reimbursement')),
    ADD COLUMN card_payment_method text CHECK (card_payment_method ~ '^pm_'),
    ADD COLUMN card_brand          text,
    ADD COLUMN card_last4          text CHECK (card_last4 ~ '^[0-9]{4}$'),
    ADD COLUMN card_exp_month      integer CHECK (card_exp_month BETWEEN 1 AND 12),
    ADD COLUMN card_exp_year       integer,
    ADD COLUMN standing            text NOT NULL DEFAULT 'good' CHECK (standing IN ('good', 'payment_failed', 'past_due')),
    ADD COLUMN standing_reason     text,
    ADD COLUMN standing_changed_at timestamptz;

-- An invoice of commission lines in one currency (Stripe invoices have one): the month's, or one
-- the owner asked for to settle what is outstanding now. A line is moved onto an invoice in the
-- transaction that makes it, so no line is ever on two.
CREATE TABLE payments.invoices (
    invoice_id          uuid PRIMARY KEY,
    tenant_id           uuid NOT NULL,
    period_start        timestamptz NOT NULL,
    period_end          timestamptz NOT NULL,
    currency            text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    total_minor         bigint NOT NULL,
    line_count          integer NOT NULL,
    -- 'creating' until Stripe has the finalized invoice; then Stripe's status, with our two
    -- refinements of `open`: a payment that failed, and one that needs the cardholder.
    status              text NOT NULL DEFAULT 'creating'
                        CHECK (status IN ('creating', 'open', 'payment_failed', 'requires_action', 'paid', 'void', 'uncollectible')),
    stripe_invoice_id   text UNIQUE CHECK (stripe_invoice_id ~ '^in_'),
    number              text,
    hosted_invoice_url  text,
    invoice_pdf         text,
    -- Dunning: our retries of a failed payment, by the schedule in `billing.dunningRetryDays`.
    attempt_count       integer NOT NULL DEFAULT 0,
    first_failed_at     timestamptz,
    next_retry_at       timestamptz,
    last_failure        text,
    -- The Stripe time of the newest event applied: an older event never moves the invoice back.
    stripe_updated      bigint NOT NULL DEFAULT 0,
    created_at          timestamptz NOT NULL DEFAULT now(),
    paid_at             timestamptz
);
CREATE INDEX invoices_tenant ON payments.invoices (tenant_id, created_at);
CREATE INDEX invoices_due_retry ON payments.invoices (next_retry_at) WHERE status IN ('payment_failed', 'requires_action');

-- One line per entry of the recovered-money ledger attributed to an Opside case
-- (`reimbursement.received` with attribution `case`): never Amazon's automatic reimbursements.
-- `entry_id` is unique, so however often the event is delivered the line exists once.
--
-- Rounding: the commission of a line is round(rate × (R + recovered)) − round(rate × R), where R
-- is what the tenant's earlier lines at that rate and currency recovered. The sum of a tenant's
-- commissions is therefore exactly round(rate × total recovered) at every moment, and a reversal
-- takes the total back to what it would have been without the money reversed.
CREATE TABLE payments.commissions (
    commission_id       uuid PRIMARY KEY,
    tenant_id           uuid NOT NULL,
    entry_id            uuid NOT NULL UNIQUE,
    source_event_id     uuid NOT NULL,
    connection_id       uuid NOT NULL,
    reimbursement_id    text NOT NULL,
    kind                text NOT NULL CHECK (kind IN ('reimbursement', 'reversal')),
    case_id             uuid,
    amazon_case_id      text,
    claim_type          text,
    approval_date       timestamptz,
    -- The money this line adds to what was recovered: its amount, less the Finances entries it
    -- replaces (which had lines of their own); negative for a reversal.
    recovered_minor     bigint NOT NULL,
    currency            text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    rate_bps            integer NOT NULL CHECK (rate_bps BETWEEN 0 AND 10000),
    commission_minor    bigint NOT NULL,
    replaces_entry_ids  uuid[] NOT NULL DEFAULT '{}',
    -- pending: waits for the next invoice (or its own charge); invoiced: on `invoice_id`;
    -- charging: its own PaymentIntent is in flight or waits for the cardholder; paid; credited:
    -- a credit refunded on the charge it reverses.
    state               text NOT NULL DEFAULT 'pending'
                        CHECK (state IN ('pending', 'invoiced', 'charging', 'paid', 'credited')),
    invoice_id          uuid REFERENCES payments.invoices,
    payment_intent_id   text CHECK (payment_intent_id ~ '^pi_'),
    refund_id           text CHECK (refund_id ~ '^re_'),
    -- A credit refunded on the charge of an earlier line: that charge's PaymentIntent.
    credits_payment_intent_id text CHECK (credits_payment_intent_id ~ '^pi_'),
    charge_failure      text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    paid_at             timestamptz
);
CREATE INDEX commissions_bucket ON payments.commissions (tenant_id, currency, rate_bps);
CREATE INDEX commissions_pending ON payments.commissions (tenant_id) WHERE state = 'pending';
CREATE INDEX commissions_case ON payments.commissions (case_id, created_at);
CREATE INDEX commissions_invoice ON payments.commissions (invoice_id);
CREATE UNIQUE INDEX commissions_payment_intent ON payments.commissions (payment_intent_id);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['invoices', 'commissions'] LOOP
        EXECUTE format('ALTER TABLE payments.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE payments.%I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format($p$CREATE POLICY tenant_isolation ON payments.%I
            USING (tenant_id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid)
            WITH CHECK (tenant_id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid)$p$, t);
    END LOOP;
END $$;

-- The monthly close looks for the tenants with lines waiting, across tenants: this role only,
-- read only, and only inside a transaction that says so.
CREATE POLICY billing_scan ON payments.commissions FOR SELECT TO opside_payments
    USING (current_setting('opside.billing_scan', true) = 'on');
CREATE POLICY billing_scan ON payments.invoices FOR SELECT TO opside_payments
    USING (current_setting('opside.billing_scan', true) = 'on');
