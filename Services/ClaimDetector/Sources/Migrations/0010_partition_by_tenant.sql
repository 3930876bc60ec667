-- Claims, hash-partitioned by tenant (platform.partition_by_tenant, docs/scaling.md): the key
-- becomes (tenant_id, claim_id); (tenant_id, connection_id, claim_key) already led with the tenant.
SELECT platform.partition_by_tenant('claims.claims');
