-- Partners (agencies and referrers) and their share of the commission of the sellers they bring,
-- paid to a Stripe Connect Express account (`queues-and-stripe.md` B.5).

-- A partner is a tenant's own workspace enrolled in the programme: an agency's, or a referrer's
-- (who may be a seller too). Its rows are read under that tenant's row-level security.
CREATE TABLE payments.partners (
    partner_id           uuid PRIMARY KEY,
    tenant_id            uuid NOT NULL UNIQUE,
    kind                 text NOT NULL CHECK (kind IN ('agency', 'referrer')),
    display_name         text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
    contact_email        text NOT NULL,
    country              text NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    -- What a seller types at sign-up (or on the Billing page) to be brought by this partner.
    referral_code        text NOT NULL UNIQUE CHECK (referral_code ~ '^[A-Z0-9]{6,16}$'),
    -- The partner's part of the commission its sellers pay, in basis points of that commission.
    share_bps            integer NOT NULL CHECK (share_bps BETWEEN 0 AND 10000),
    -- The Express account and what Stripe last said of it (refreshed from Stripe on each
    -- `account.updated`, never from the event's copy alone).
    stripe_account_id    text UNIQUE CHECK (stripe_account_id ~ '^acct_'),
    account_status       text NOT NULL DEFAULT 'not_started'
                         CHECK (account_status IN ('not_started', 'onboarding', 'restricted', 'active', 'disconnected')),
    details_submitted    boolean NOT NULL DEFAULT false,
    payouts_enabled      boolean NOT NULL DEFAULT false,
    transfers_active     boolean NOT NULL DEFAULT false,
    requirements_due     text[] NOT NULL DEFAULT '{}',
    disabled_reason      text,
    -- manual: only when asked; weekly (Mondays) or monthly (the 1st): the available balance,
    -- when it is at least the minimum (in hundredths of a major unit of the currency paid out).
    payout_schedule      text NOT NULL DEFAULT 'manual' CHECK (payout_schedule IN ('manual', 'weekly', 'monthly')),
    payout_minimum_hundredths bigint NOT NULL DEFAULT 0 CHECK (payout_minimum_hundredths >= 0),
    created_at           timestamptz NOT NULL DEFAULT now()
);

-- Which partner brought a seller: one at most, for good. Written in the seller's transaction;
-- readable by the seller and by the partner (who sees the seller's name and nothing else of it).
CREATE TABLE payments.referrals (
    tenant_id          uuid PRIMARY KEY,
    partner_id         uuid NOT NULL REFERENCES payments.partners,
    partner_tenant_id  uuid NOT NULL,
    -- Each side's name as the other sees it, copied when the referral is made.
    partner_name       text NOT NULL,
    seller_name        text NOT NULL,
    source             text NOT NULL CHECK (source IN ('sign_up', 'seller', 'operator')),
    created_at         timestamptz NOT NULL DEFAULT now(),
    CHECK (tenant_id <> partner_tenant_id)
);
CREATE INDEX referrals_partner ON payments.referrals (partner_id);

-- Money moved from the platform to a partner's account: the earnings it carries are fixed when
-- it is made, so a retry sends the same amount under the same idempotency key. A refusal that
-- Stripe keeps under a key (its funds were short) is retried under the next `attempt`'s key.
CREATE TABLE payments.partner_transfers (
    transfer_id         uuid PRIMARY KEY,
    partner_id          uuid NOT NULL REFERENCES payments.partners,
    tenant_id           uuid NOT NULL,
    currency            text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    amount_minor        bigint NOT NULL CHECK (amount_minor > 0),
    state               text NOT NULL DEFAULT 'creating' CHECK (state IN ('creating', 'waiting_funds', 'sent')),
    attempt             integer NOT NULL DEFAULT 1,
    stripe_transfer_id  text UNIQUE CHECK (stripe_transfer_id ~ '^tr_'),
    last_error          text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    sent_at             timestamptz
);
CREATE INDEX partner_transfers_open ON payments.partner_transfers (partner_id) WHERE state <> 'sent';

-- The partner's share of one settled commission line of a seller it brought. `commission_id`
-- is unique: however often earnings are accrued, a line earns once. Rounding as the commission
-- does: round(share × (C + c)) − round(share × C) over the partner's lines in a currency.
CREATE TABLE payments.partner_earnings (
    earning_id         uuid PRIMARY KEY,
    commission_id      uuid NOT NULL UNIQUE,
    partner_id         uuid NOT NULL REFERENCES payments.partners,
    tenant_id          uuid NOT NULL,
    seller_tenant_id   uuid NOT NULL,
    seller_name        text NOT NULL,
    amazon_case_id     text,
    commission_minor   bigint NOT NULL,
    currency           text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    share_bps          integer NOT NULL CHECK (share_bps BETWEEN 0 AND 10000),
    earning_minor      bigint NOT NULL,
    transfer_id        uuid REFERENCES payments.partner_transfers,
    settled_at         timestamptz NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX partner_earnings_bucket ON payments.partner_earnings (partner_id, currency, share_bps);
CREATE INDEX partner_earnings_untransferred ON payments.partner_earnings (partner_id, currency) WHERE transfer_id IS NULL;

-- Payouts from the partner's account to its bank: asked for on the Partners page, made by the
-- schedule, or made by Stripe itself; their status is Stripe's, and never moves back.
CREATE TABLE payments.partner_payouts (
    payout_id         uuid PRIMARY KEY,
    partner_id        uuid NOT NULL REFERENCES payments.partners,
    tenant_id         uuid NOT NULL,
    stripe_payout_id  text UNIQUE CHECK (stripe_payout_id ~ '^po_'),
    amount_minor      bigint NOT NULL CHECK (amount_minor > 0),
    currency          text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    status            text NOT NULL DEFAULT 'requesting'
                      CHECK (status IN ('requesting', 'pending', 'in_transit', 'paid', 'failed', 'canceled')),
    trigger           text NOT NULL CHECK (trigger IN ('request', 'schedule', 'stripe')),
    -- The schedule's period (`2026-W49`, `2026-12`): one scheduled payout per period and currency.
    schedule_period   text,
    arrival_date      timestamptz,
    failure_code      text,
    failure_message   text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX partner_payouts_partner ON payments.partner_payouts (partner_id, created_at);
CREATE UNIQUE INDEX partner_payouts_period ON payments.partner_payouts (partner_id, schedule_period, currency)
    WHERE schedule_period IS NOT NULL;

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['partners', 'partner_transfers', 'partner_earnings', 'partner_payouts'] LOOP
        EXECUTE format('ALTER TABLE payments.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE payments.%I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format($p$CREATE POLICY tenant_isolation ON payments.%I
            USING (tenant_id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid)
            WITH CHECK (tenant_id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid)$p$, t);
        -- Finding a partner by its code or its Stripe account, and the accrual and schedule
        -- scans: this role only, read only, inside a transaction that says so.
        EXECUTE format($p$CREATE POLICY billing_scan ON payments.%I FOR SELECT TO opside_payments
            USING (current_setting('opside.billing_scan', true) = 'on')$p$, t);
    END LOOP;
END $$;

ALTER TABLE payments.referrals ENABLE ROW LEVEL SECURITY;
ALTER TABLE payments.referrals FORCE ROW LEVEL SECURITY;
-- The seller and its partner each see the row; only the seller's transaction writes it.
CREATE POLICY seller_or_partner ON payments.referrals
    USING (NULLIF(current_setting('opside.tenant_id', true), '')::uuid IN (tenant_id, partner_tenant_id))
    WITH CHECK (tenant_id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid);
CREATE POLICY billing_scan ON payments.referrals FOR SELECT TO opside_payments
    USING (current_setting('opside.billing_scan', true) = 'on');
