-- Password resets by e-mail: a single-use link that expires. Only the token's SHA-256 is kept; the
-- token itself exists in the e-mail (and, until it is sent, in the mail job's arguments).
CREATE TABLE app.password_resets (
    token_hash   bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    user_id      uuid NOT NULL REFERENCES app.users (id),
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz
);
CREATE INDEX password_resets_by_user ON app.password_resets (user_id);
