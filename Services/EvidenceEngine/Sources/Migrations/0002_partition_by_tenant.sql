-- Documents, their matches to claims and the prompts asking the seller about them, hash-partitioned
-- by tenant (platform.partition_by_tenant, docs/scaling.md), in the order they refer to each other:
-- a match's document and a prompt's match are then referred to by (tenant_id, id).
SELECT platform.partition_by_tenant('evidence.documents');
SELECT platform.partition_by_tenant('evidence.matches');
SELECT platform.partition_by_tenant('evidence.prompts');
