-- Sign-ins that last: one family per sign-in (a browser, a device, an API client), holding the
-- tenant it works in, and the refresh tokens the family has been given, one after the other.
-- A refresh token is used once: using it gives the next one. A token used again after its
-- successor was issued (past a short grace for two tabs refreshing at once) means someone else
-- holds a copy, and the whole family is revoked. Tokens are stored as SHA-256 hashes only.
-- These rows belong to a person, not to a tenant (an agency's staff switch between tenants in
-- one sign-in), like app.users; only main-api's role reaches the schema.
CREATE TABLE app.session_families (
    family_id       uuid PRIMARY KEY,
    user_id         uuid NOT NULL REFERENCES app.users (id),
    tenant_id       uuid NOT NULL REFERENCES app.tenants (id),
    created_at      timestamptz NOT NULL,
    last_used_at    timestamptz NOT NULL,
    -- The sign-in ends here whatever its use (an absolute lifetime).
    expires_at      timestamptz NOT NULL,
    revoked_at      timestamptz,
    revoked_reason  text,
    user_agent      text CHECK (length(user_agent) <= 512)
);
CREATE INDEX session_families_by_user ON app.session_families (user_id) WHERE revoked_at IS NULL;

CREATE TABLE app.refresh_tokens (
    token_hash   bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    family_id    uuid NOT NULL REFERENCES app.session_families (family_id),
    issued_at    timestamptz NOT NULL,
    -- When this token was exchanged for its successor.
    replaced_at  timestamptz
);
CREATE INDEX refresh_tokens_by_family ON app.refresh_tokens (family_id);
