-- Costs: every invoice mcde read (from evidence-engine's parsed documents), its lines mapped to
-- the seller's SKUs with their manufacturing and landed unit costs, the seller's supplier-SKU
-- table and the mappings the seller confirmed or rejected. Amounts read from documents stay
-- exact decimals (numeric): unit prices carry more digits than a currency's minor unit.

CREATE TABLE costs.invoices (
    document_id      uuid PRIMARY KEY,
    tenant_id        uuid NOT NULL,
    document_type    text NOT NULL,
    file_name        text NOT NULL,
    supplier         text,
    -- The supplier's name folded for comparison (case, punctuation, company suffixes).
    supplier_key     text,
    invoice_number   text,
    invoice_date     date,
    currency         text CHECK (currency ~ '^[A-Z]{3}$'),
    incoterm         text,
    freight          numeric,
    duty             numeric,
    other_charges    numeric,
    total            numeric,
    -- How freight, duty and other charges were spread over the lines: by_value or by_quantity.
    allocation       text NOT NULL CHECK (allocation IN ('by_value', 'by_quantity')),
    -- The totals checks that failed, in words.
    checks           jsonb NOT NULL DEFAULT '[]',
    costed_at        timestamptz NOT NULL
);
CREATE INDEX invoices_by_date ON costs.invoices (tenant_id, invoice_date);

CREATE TABLE costs.invoice_lines (
    tenant_id               uuid NOT NULL,
    document_id             uuid NOT NULL REFERENCES costs.invoices (document_id) ON DELETE CASCADE,
    line_index              integer NOT NULL,
    description             text NOT NULL,
    supplier_sku            text,
    quantity                integer NOT NULL,
    unit_price              numeric NOT NULL,
    line_total              numeric NOT NULL,
    sku                     text,
    asin                    text,
    confidence              double precision,
    method                  text NOT NULL,
    reason                  text NOT NULL,
    manufacturing_unit_cost numeric,
    landed_unit_cost        numeric,
    -- How the landed cost was reached, step by step (for the cost document).
    arithmetic              jsonb NOT NULL DEFAULT '[]',
    -- What looks wrong about the line against the SKU's history.
    anomalies               jsonb NOT NULL DEFAULT '[]',
    PRIMARY KEY (document_id, line_index)
);
CREATE INDEX invoice_lines_by_sku ON costs.invoice_lines (tenant_id, sku);

-- The seller's own table: this supplier's code is that SKU.
CREATE TABLE costs.supplier_skus (
    tenant_id     uuid NOT NULL,
    supplier_key  text NOT NULL,
    supplier_sku  text NOT NULL,
    sku           text NOT NULL,
    updated_at    timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, supplier_key, supplier_sku)
);

-- What the seller said about a line's SKU in answer to a prompt: yes teaches the mapping, no
-- forbids it. `line_key` is the supplier's code when the line has one, else its folded text.
CREATE TABLE costs.confirmed_mappings (
    tenant_id     uuid NOT NULL,
    supplier_key  text NOT NULL,
    line_key      text NOT NULL,
    sku           text NOT NULL,
    supplier      text NOT NULL,
    description   text,
    supplier_sku  text,
    confirmed     boolean NOT NULL,
    decided_by    text NOT NULL,
    decided_at    timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, supplier_key, line_key, sku)
);

DO $rls$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['invoices', 'invoice_lines', 'supplier_skus', 'confirmed_mappings'] LOOP
        EXECUTE format('ALTER TABLE costs.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE costs.%I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format($p$CREATE POLICY tenant_isolation ON costs.%I
            USING (tenant_id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid)
            WITH CHECK (tenant_id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid)$p$, t);
    END LOOP;
END
$rls$;
