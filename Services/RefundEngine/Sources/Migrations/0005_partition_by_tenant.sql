-- Cases, their history and the recoveries, hash-partitioned by tenant (platform.partition_by_tenant,
-- docs/scaling.md). Cases first: the history's and the recoveries' references to a case become
-- (tenant_id, case_id), as Citus needs to keep a case and its history on one node.
SELECT platform.partition_by_tenant('cases.cases');
SELECT platform.partition_by_tenant('cases.case_history');
SELECT platform.partition_by_tenant('cases.recoveries');
