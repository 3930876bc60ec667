-- A consent flow is bound to the browser that started it: main-api sets a short-lived cookie
-- holding a random value when it hands out the consent URL, and the callback must present it
-- again. Only the value's SHA-256 is kept, beside the state's. Without this, a consent link
-- started in one account and sent to another seller would land that seller's refresh token in
-- the sender's account.
--
-- States live ten minutes; flows in progress when this runs were started without a cookie and
-- could never complete, so they are dropped rather than given a binding nobody holds.
DELETE FROM integrations.oauth_states;
ALTER TABLE integrations.oauth_states
    ADD COLUMN browser_binding_hash bytea NOT NULL CHECK (length(browser_binding_hash) = 32);
