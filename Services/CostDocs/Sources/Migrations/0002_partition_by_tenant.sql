-- What each tenant stored, hash-partitioned by tenant (platform.partition_by_tenant,
-- docs/scaling.md); its key (tenant_id, sha256) already led with the tenant.
SELECT platform.partition_by_tenant('documents.objects');
