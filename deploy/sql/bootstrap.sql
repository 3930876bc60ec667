-- Opside database bootstrap, run once per database by a superuser (deploy/up, deploy/test and the
-- test harness run it; on a managed Postgres an operator runs it with psql). Idempotent, and safe
-- when several runs race: an advisory lock serialises runs on one database, and a lock on the
-- cluster-wide role catalog serialises runs on different databases, which create the same
-- (cluster-wide) roles.
--
-- It creates one login role per service, each owning its own schema, and a NOLOGIN role
-- `opside_platform` that owns the shared `platform` schema (job queue, outbox, migration records).
-- Every service role is a member of opside_platform. Service roles are not superusers and do not
-- bypass row-level security; tenant tables use FORCE ROW LEVEL SECURITY so RLS binds the owner too.

SELECT pg_advisory_lock(7236001);

DO $bootstrap$
DECLARE
    service record;
BEGIN
    -- Advisory locks belong to one database; pg_authid is shared by all of them. Readers (logins)
    -- are not blocked by this mode, other bootstraps' CREATE ROLE and GRANT are.
    LOCK TABLE pg_catalog.pg_authid IN SHARE ROW EXCLUSIVE MODE;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'opside_platform') THEN
        CREATE ROLE opside_platform NOLOGIN NOSUPERUSER NOBYPASSRLS;
    END IF;
    EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO opside_platform', current_database());
    IF NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'platform') THEN
        CREATE SCHEMA platform AUTHORIZATION opside_platform;
    END IF;

    FOR service IN
        SELECT * FROM (VALUES
            ('opside_main_api', 'app'),
            ('opside_integrations', 'integrations'),
            ('opside_payments', 'payments'),
            ('opside_cost_docs', 'documents'),
            ('opside_refund_engine', 'cases'),
            ('opside_mcde', 'costs'),
            ('opside_claim_detector', 'claims'),
            ('opside_evidence_engine', 'evidence'),
            ('opside_inventory_sync', 'amazon'),
            ('opside_test_runner', 'testruns')
        ) AS s(role_name, schema_name)
    LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = service.role_name) THEN
            EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE', service.role_name);
        END IF;
        EXECUTE format('GRANT opside_platform TO %I', service.role_name);
        EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), service.role_name);
        IF NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = service.schema_name) THEN
            EXECUTE format('CREATE SCHEMA %I AUTHORIZATION %I', service.schema_name, service.role_name);
        END IF;
    END LOOP;
END
$bootstrap$;

SELECT pg_advisory_unlock(7236001);
