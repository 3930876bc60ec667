-- Tenants (a seller account or an agency's client) and the people who use them.
CREATE TABLE app.tenants (
    id          uuid PRIMARY KEY,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at  timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE app.tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON app.tenants
    USING (id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid)
    WITH CHECK (id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid);

-- A person's identity is global (an agency's staff work across tenants); what they may see is
-- decided by memberships, which are tenant rows.
CREATE TABLE app.users (
    id                 uuid PRIMARY KEY,
    email              text NOT NULL,
    email_normalized   text NOT NULL UNIQUE,
    password_hash      text NOT NULL,
    display_name       text,
    default_tenant_id  uuid NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE app.memberships (
    tenant_id   uuid NOT NULL REFERENCES app.tenants (id),
    user_id     uuid NOT NULL REFERENCES app.users (id),
    role        text NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, user_id)
);
ALTER TABLE app.memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.memberships FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON app.memberships
    USING (tenant_id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid);
