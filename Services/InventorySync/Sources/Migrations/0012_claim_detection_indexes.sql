-- claim-detector reads three narrow slices of the biggest tables; without these indexes each
-- slice is a sequential scan of millions of rows (the ledger, the shipment events).
--
-- 1. Ledger adjustments (1–2 % of the ledger): the inventory rules read only these rows.
CREATE INDEX ledger_detail_adjustments ON ledger_detail (connection_id, fnsku, event_date)
    WHERE event_type = 'Adjustments';

-- 2. Receipts by inbound shipment id and customer returns by order id (the ledger's Reference ID
--    for those event types): inbound shortage and return-not-restocked look rows up by it. One
--    partial index per event type, with the columns those reads use included, so they are
--    index-only scans (tenant_id too: the row-level security policy reads it).
CREATE INDEX ledger_detail_receipts_by_shipment ON ledger_detail (connection_id, reference_id, fnsku)
    INCLUDE (marketplace_id, event_date, quantity, tenant_id)
    WHERE event_type = 'Receipts';
CREATE INDEX ledger_detail_returns_by_order ON ledger_detail (connection_id, reference_id, fnsku)
    INCLUDE (marketplace_id, event_date, quantity, disposition, tenant_id)
    WHERE event_type = 'CustomerReturns';

-- 3. The sale behind an order (price minus fees for post-order losses).
CREATE INDEX financial_shipment_events_by_order ON financial_shipment_events (connection_id, amazon_order_id, seller_sku);
