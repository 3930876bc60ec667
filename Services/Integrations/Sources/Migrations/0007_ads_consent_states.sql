-- The Amazon Ads consent (issue 16) uses the same single-use, browser-bound OAuth states as
-- SP-API's: a state made for a connection's Ads consent names that connection, and each callback
-- accepts only the states of its own flow.
ALTER TABLE integrations.oauth_states ADD COLUMN ads_connection_id uuid;
