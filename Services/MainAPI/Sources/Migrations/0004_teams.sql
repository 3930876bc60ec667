-- Teams: invitations by e-mail into a tenant, and what lets a person who belongs to several
-- tenants (an agency's staff) list and switch between them.

-- An invitation: a single-use link (only its SHA-256 is kept) for one address and one role,
-- expiring. Owners are never invited: an owner promotes a member.
CREATE TABLE app.invitations (
    token_hash        bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    invitation_id     uuid NOT NULL UNIQUE,
    tenant_id         uuid NOT NULL REFERENCES app.tenants (id),
    email             text NOT NULL,
    email_normalized  text NOT NULL,
    role              text NOT NULL CHECK (role IN ('admin', 'member')),
    invited_by        uuid NOT NULL REFERENCES app.users (id),
    created_at        timestamptz NOT NULL,
    expires_at        timestamptz NOT NULL,
    accepted_at       timestamptz,
    accepted_by       uuid REFERENCES app.users (id),
    revoked_at        timestamptz
);
-- One pending invitation per address and tenant (a new one replaces the old).
CREATE UNIQUE INDEX invitations_pending ON app.invitations (tenant_id, email_normalized)
    WHERE accepted_at IS NULL AND revoked_at IS NULL;
ALTER TABLE app.invitations ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.invitations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON app.invitations
    USING (tenant_id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('opside.tenant_id', true), '')::uuid);
-- Whoever holds the link sees that one invitation (the tenant is not known before): the
-- transaction sets the token's hash, and no other row matches it.
CREATE POLICY by_token ON app.invitations FOR SELECT
    USING (token_hash = decode(NULLIF(current_setting('opside.invitation_token_hash', true), ''), 'hex'));

-- A person sees their own memberships in every tenant, and those tenants, when the transaction
-- names them (`opside.user_id`): listing and switching tenants. Nothing else widens.
CREATE POLICY own_memberships ON app.memberships FOR SELECT
    USING (user_id = NULLIF(current_setting('opside.user_id', true), '')::uuid);
CREATE POLICY member_tenants ON app.tenants FOR SELECT
    USING (id IN (SELECT m.tenant_id FROM app.memberships m
                  WHERE m.user_id = NULLIF(current_setting('opside.user_id', true), '')::uuid));
