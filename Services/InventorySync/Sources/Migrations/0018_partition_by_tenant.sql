-- The synced Amazon data, hash-partitioned by tenant (platform.partition_by_tenant, docs/scaling.md):
-- every table the loader writes through the catalog (AmazonTables.all). Their unique keys gain
-- tenant_id in front; inventory-sync's own bookkeeping (connections, runs, schedules, watermarks,
-- report requests, quarantine, discrepancies) stays as it is: small, and read across tenants by
-- the scheduler.
SELECT platform.partition_by_tenant(t::regclass) FROM unnest(ARRAY[
    'amazon.orders', 'amazon.order_items',
    'amazon.financial_shipment_events', 'amazon.financial_refund_events', 'amazon.financial_adjustment_events',
    'amazon.financial_service_fee_events', 'amazon.financial_safet_events', 'amazon.financial_removal_shipment_events',
    'amazon.inventory_summaries', 'amazon.ledger_detail', 'amazon.ledger_summary', 'amazon.reimbursements',
    'amazon.customer_returns', 'amazon.replacements', 'amazon.removal_orders', 'amazon.removal_shipments',
    'amazon.estimated_fees', 'amazon.listings', 'amazon.inbound_shipments', 'amazon.inbound_shipment_items',
    'amazon.search_query_performance', 'amazon.ads_spend'
]) AS t;
