-- platform.partition_by_tenant(table): turns a tenant table into one hash-partitioned on
-- tenant_id, keeping every row, default, check, index, policy and grant (docs/scaling.md).
--
-- Why: at 10,000 sellers the large tables (the ledger, orders, finance events, claims, cases,
-- documents) hold billions of rows. Hash partitions by tenant keep each index a sixteenth of the
-- size, let VACUUM work a partition at a time, and give every unique key and foreign key the
-- shape Citus needs to distribute the same tables by tenant_id: a unique key or a foreign key
-- must include the partition (distribution) column. So every primary key, unique key and unique
-- index gets tenant_id in front when it lacks it, and a foreign key to a partitioned table
-- becomes (tenant_id, column) → (tenant_id, column). A seller's rows were already identified
-- within the seller, so no key identifies a different set of rows than before.
--
-- One function does it for every service, so each service's migration is one line per table and
-- no table is converted half-way. Where the Citus extension is installed, the converted table is
-- also distributed by tenant_id (create_distributed_table), so the same migrations run on
-- single-node PostgreSQL and on Citus.
--
-- Partitions: `opside.tenant_partitions` (a database or role setting) or 16. Each partition has
-- row-level security forced and no policy: it is read and written only through its parent, whose
-- policies apply; a query naming a partition directly sees nothing.
CREATE FUNCTION platform.partition_by_tenant(target regclass) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
    partitions integer := COALESCE(NULLIF(current_setting('opside.tenant_partitions', true), '')::integer, 16);
    table_oid oid := target::oid;
    nsp text;
    rel text;
    secured boolean;
    forced boolean;
    statement text;
    item record;
    key_columns text;
    i integer;
    -- Statements to run once the partitioned table stands in the old one's place.
    recreate text[] := '{}';
    -- Foreign keys of other tables to this one, dropped first and recreated with tenant_id.
    referencing text[] := '{}';
BEGIN
    SELECT n.nspname, c.relname, c.relrowsecurity, c.relforcerowsecurity INTO nsp, rel, secured, forced
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = table_oid;
    IF (SELECT relkind FROM pg_class WHERE oid = table_oid) = 'p' THEN
        RETURN;  -- already partitioned: a second run changes nothing
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = table_oid AND attname = 'tenant_id' AND attnotnull AND NOT attisdropped) THEN
        RAISE EXCEPTION '%.% has no NOT NULL tenant_id to partition by', nsp, rel;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = table_oid AND attidentity <> '' AND NOT attisdropped) THEN
        RAISE EXCEPTION '%.% has an identity column, which partition_by_tenant does not carry over', nsp, rel;
    END IF;

    -- Primary and unique keys, with tenant_id in front when they lack it.
    FOR item IN
        SELECT con.conname, con.contype,
               array_agg(a.attname::text ORDER BY k.ordinality) AS columns
        FROM pg_constraint con
        CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY AS k(attnum, ordinality)
        JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
        WHERE con.conrelid = table_oid AND con.contype IN ('p', 'u')
        GROUP BY con.conname, con.contype
    LOOP
        SELECT string_agg(quote_ident(c), ', ') INTO key_columns
        FROM unnest(CASE WHEN 'tenant_id' = ANY (item.columns) THEN item.columns ELSE ARRAY['tenant_id'] || item.columns END) AS c;
        recreate := recreate || format('ALTER TABLE %I.%I ADD CONSTRAINT %I %s (%s)', nsp, rel, item.conname,
                                       CASE item.contype WHEN 'p' THEN 'PRIMARY KEY' ELSE 'UNIQUE' END, key_columns);
    END LOOP;

    -- Other indexes, as they were (their definitions name the table as it will be named again);
    -- a unique one lacking tenant_id gets it as its first column.
    FOR item IN
        SELECT pg_get_indexdef(x.indexrelid) AS definition, x.indisunique,
               EXISTS (SELECT 1 FROM unnest(x.indkey::int2[]) AS k(attnum)
                       JOIN pg_attribute a ON a.attrelid = table_oid AND a.attnum = k.attnum
                       WHERE a.attname = 'tenant_id') AS has_tenant
        FROM pg_index x
        WHERE x.indrelid = table_oid AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = x.indexrelid AND con.conrelid = table_oid)
    LOOP
        statement := item.definition;
        IF item.indisunique AND NOT item.has_tenant THEN
            statement := regexp_replace(statement, ' USING (\w+) \(', ' USING \1 (tenant_id, ');
        END IF;
        recreate := recreate || statement;
    END LOOP;

    -- This table's foreign keys: to a partitioned table they carry tenant_id on both sides.
    FOR item IN
        SELECT con.conname, pg_get_constraintdef(con.oid) AS definition, ref.relkind = 'p' AS to_partitioned
        FROM pg_constraint con JOIN pg_class ref ON ref.oid = con.confrelid
        -- conparentid: not the per-partition copies PostgreSQL keeps of a key to a partitioned table.
        WHERE con.conrelid = table_oid AND con.contype = 'f' AND con.conparentid = 0
    LOOP
        statement := item.definition;
        IF item.to_partitioned AND statement !~ '^FOREIGN KEY \(tenant_id' THEN
            statement := regexp_replace(statement, '^FOREIGN KEY \((.*?)\) REFERENCES (.*?)\((.*?)\)', 'FOREIGN KEY (tenant_id, \1) REFERENCES \2(tenant_id, \3)');
        END IF;
        recreate := recreate || format('ALTER TABLE %I.%I ADD CONSTRAINT %I %s', nsp, rel, item.conname, statement);
    END LOOP;

    -- Other tables' foreign keys to this one: dropped now, recreated with tenant_id at the end.
    FOR item IN
        SELECT con.conname, rn.nspname AS ref_nsp, r.relname AS ref_rel, pg_get_constraintdef(con.oid) AS definition,
               EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = con.conrelid AND a.attname = 'tenant_id' AND NOT a.attisdropped) AS has_tenant
        FROM pg_constraint con JOIN pg_class r ON r.oid = con.conrelid JOIN pg_namespace rn ON rn.oid = r.relnamespace
        WHERE con.confrelid = table_oid AND con.contype = 'f' AND con.conrelid <> table_oid AND con.conparentid = 0
    LOOP
        IF NOT item.has_tenant THEN
            RAISE EXCEPTION '%.% refers to %.% but has no tenant_id to refer to a partitioned table with', item.ref_nsp, item.ref_rel, nsp, rel;
        END IF;
        EXECUTE format('ALTER TABLE %I.%I DROP CONSTRAINT %I', item.ref_nsp, item.ref_rel, item.conname);
        statement := item.definition;
        IF statement !~ '^FOREIGN KEY \(tenant_id' THEN
            statement := regexp_replace(statement, '^FOREIGN KEY \((.*?)\) REFERENCES (.*?)\((.*?)\)', 'FOREIGN KEY (tenant_id, \1) REFERENCES \2(tenant_id, \3)');
        END IF;
        referencing := referencing || format('ALTER TABLE %I.%I ADD CONSTRAINT %I %s', item.ref_nsp, item.ref_rel, item.conname, statement);
    END LOOP;

    -- Row-level security policies, as they were.
    FOR item IN
        SELECT p.polname, p.polpermissive, p.polcmd,
               CASE WHEN p.polroles = '{0}' THEN 'PUBLIC'
                    ELSE (SELECT string_agg(quote_ident(r.rolname), ', ') FROM pg_roles r WHERE r.oid = ANY (p.polroles)) END AS roles,
               pg_get_expr(p.polqual, p.polrelid) AS using_expression,
               pg_get_expr(p.polwithcheck, p.polrelid) AS check_expression
        FROM pg_policy p WHERE p.polrelid = table_oid
    LOOP
        recreate := recreate || format('CREATE POLICY %I ON %I.%I AS %s FOR %s TO %s%s%s', item.polname, nsp, rel,
            CASE WHEN item.polpermissive THEN 'PERMISSIVE' ELSE 'RESTRICTIVE' END,
            CASE item.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' ELSE 'ALL' END,
            item.roles,
            CASE WHEN item.using_expression IS NULL THEN '' ELSE ' USING (' || item.using_expression || ')' END,
            CASE WHEN item.check_expression IS NULL THEN '' ELSE ' WITH CHECK (' || item.check_expression || ')' END);
    END LOOP;

    -- Grants to other roles, as they were (the owner's are implicit).
    FOR item IN
        SELECT acl.privilege_type, acl.is_grantable,
               CASE WHEN acl.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(g.rolname) END AS grantee
        FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) AS acl
        LEFT JOIN pg_roles g ON g.oid = acl.grantee
        WHERE c.oid = table_oid AND acl.grantee <> c.relowner
    LOOP
        recreate := recreate || format('GRANT %s ON %I.%I TO %s%s', item.privilege_type, nsp, rel, item.grantee,
                                       CASE WHEN item.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
    END LOOP;

    -- The partitioned table in the old one's place, with the old one's rows.
    EXECUTE format('ALTER TABLE %I.%I RENAME TO %I', nsp, rel, rel || '_unpartitioned');
    EXECUTE format('CREATE TABLE %I.%I (LIKE %I.%I INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED INCLUDING STORAGE INCLUDING COMMENTS)'
                   ' PARTITION BY HASH (tenant_id)', nsp, rel, nsp, rel || '_unpartitioned');
    FOR i IN 0 .. partitions - 1 LOOP
        EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.%I FOR VALUES WITH (MODULUS %s, REMAINDER %s)',
                       nsp, rel || '_p' || i, nsp, rel, partitions, i);
        EXECUTE format('ALTER TABLE %I.%I ENABLE ROW LEVEL SECURITY', nsp, rel || '_p' || i);
        EXECUTE format('ALTER TABLE %I.%I FORCE ROW LEVEL SECURITY', nsp, rel || '_p' || i);
    END LOOP;
    -- A serial column's sequence belongs to the new table, so dropping the old one keeps it.
    FOR item IN
        SELECT s.relname AS sequence_name, sn.nspname AS sequence_nsp, a.attname
        FROM pg_depend d JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
        JOIN pg_namespace sn ON sn.oid = s.relnamespace
        JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
        WHERE d.refobjid = table_oid AND d.deptype = 'a'
    LOOP
        EXECUTE format('ALTER SEQUENCE %I.%I OWNED BY %I.%I.%I', item.sequence_nsp, item.sequence_name, nsp, rel, item.attname);
    END LOOP;
    -- The migration runs as the table's owner, whom forced row-level security would show no row
    -- (no tenant is set): the old table stops forcing it, so the owner reads every tenant's rows.
    EXECUTE format('ALTER TABLE %I.%I NO FORCE ROW LEVEL SECURITY', nsp, rel || '_unpartitioned');
    EXECUTE format('INSERT INTO %I.%I SELECT * FROM %I.%I', nsp, rel, nsp, rel || '_unpartitioned');
    EXECUTE format('DROP TABLE %I.%I', nsp, rel || '_unpartitioned');

    FOREACH statement IN ARRAY recreate LOOP
        EXECUTE statement;
    END LOOP;
    IF secured THEN EXECUTE format('ALTER TABLE %I.%I ENABLE ROW LEVEL SECURITY', nsp, rel); END IF;
    IF forced THEN EXECUTE format('ALTER TABLE %I.%I FORCE ROW LEVEL SECURITY', nsp, rel); END IF;
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
        EXECUTE format('SELECT create_distributed_table(%L, %L)', format('%I.%I', nsp, rel), 'tenant_id');
    END IF;
    FOREACH statement IN ARRAY referencing LOOP
        EXECUTE statement;
    END LOOP;
END
$fn$;
