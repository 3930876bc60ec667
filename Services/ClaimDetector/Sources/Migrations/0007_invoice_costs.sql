-- Unit costs proved by supplier invoices (mcde's costs.updated) value claims like the costs a
-- seller sets, with the invoice's date: a newer invoice replaces an older one's cost, and a cost
-- the seller set or imported is never replaced by one read from an invoice.
ALTER TABLE claims.sku_amounts DROP CONSTRAINT sku_amounts_source_check;
ALTER TABLE claims.sku_amounts ADD CONSTRAINT sku_amounts_source_check CHECK (source IN ('seller', 'import', 'invoice'));
ALTER TABLE claims.sku_amounts ADD COLUMN effective_on date;
