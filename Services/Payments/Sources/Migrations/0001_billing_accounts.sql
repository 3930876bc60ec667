-- One billing account per tenant, created when main-api announces the tenant (tenant.created).
-- Stripe customer and payment method arrive with the billing issue.
CREATE TABLE payments.billing_accounts (
    tenant_id         uuid PRIMARY KEY,
    company_name      text NOT NULL,
    billing_email     text NOT NULL,
    currency          text NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
    commission_bps    integer NOT NULL DEFAULT 2000 CHECK (commission_bps BETWEEN 0 AND 10000),
    status            text NOT NULL DEFAULT 'pending_payment_method'
                      CHECK (status IN ('pending_payment_method', 'active', 'suspended')),
    source_event_id   uuid NOT NULL UNIQUE,
    created_at        timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE payments.billing_accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE payments.billing_accounts FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON payments.billing_accounts
    USING (tenant_id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid);
