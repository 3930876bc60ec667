-- Every supplier invoice's unit cost per SKU, dated by the invoice: a loss is valued at the cost
-- in force on its day (the latest invoice dated on or before it), not at whichever invoice was
-- read last. One row per invoice and SKU: an invoice re-costed (a mapping the seller taught)
-- replaces its own rows and no other invoice's.
CREATE TABLE claims.invoice_unit_costs (
    tenant_id          uuid NOT NULL,
    document_id        uuid NOT NULL,
    sku                text NOT NULL,
    effective_on       date NOT NULL,
    amount_minor       bigint NOT NULL CHECK (amount_minor >= 0),
    currency           text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    recorded_at        timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, document_id, sku)
);
CREATE INDEX invoice_unit_costs_by_sku ON claims.invoice_unit_costs (tenant_id, sku, effective_on);

ALTER TABLE claims.invoice_unit_costs ENABLE ROW LEVEL SECURITY;
ALTER TABLE claims.invoice_unit_costs FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON claims.invoice_unit_costs
    USING (tenant_id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid);
